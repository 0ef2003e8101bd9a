import { describe, expect, it } from 'vitest';
import { configHash, DEFAULTS, PRESETS, resolveConfig, seedList, validateUserConfig } from '../src/config.ts';
import { parseSet } from '../src/cli/load-config.ts';
import { FilterstudyError } from '../src/errors.ts';

const resolve = (config: object) => resolveConfig([{ source: 'test.config.ts', config }]);

function errorOf(fn: () => unknown): FilterstudyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FilterstudyError);
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('the quick preset is the default and the paper preset is Table 1', () => {
    const q = resolve({});
    expect(q.preset).toBe('quick');
    expect(q.name).toBe('quick');
    const p = resolve({ preset: 'paper' });
    expect(p.train).toMatchObject({ batchSize: 128, epochs: 100, optimizer: 'sgd', learningRate: 0.01, momentum: 0 });
    expect(p.data).toMatchObject({ trainSize: 42000, valSize: 18000, limit: { train: null, val: null, test: null } });
    expect(p.model).toMatchObject({ filters: 16, kernelSize: 3, dropout: 0.25 });
    expect(p.name).toBe('paper');
  });

  it('later layers win, the CLI preset beats the file preset', () => {
    const cfg = resolveConfig([
      { source: 'file', config: { preset: 'quick', train: { epochs: 7 } } },
      { source: 'cli', config: { preset: 'paper', seeds: { count: 3 } } },
    ]);
    expect(cfg.preset).toBe('paper');
    expect(cfg.train.epochs).toBe(7); // the file's explicit value stays above the preset
    expect(cfg.seeds.count).toBe(3);
    expect(seedList(cfg)).toEqual([1, 2, 3]);
  });

  it('an unknown key is an error that names it and suggests the right one', () => {
    const e = errorOf(() => resolve({ train: { epoch: 3 } }));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain('"train.epoch"');
    expect(e.message).toContain('test.config.ts');
    const e2 = errorOf(() => resolve({ lstmUnits: 3 }));
    expect(e2.hint).toContain('model.lstmUnits');
  });

  it('an ill-typed or out-of-range value is an error that names the key', () => {
    expect(errorOf(() => resolve({ train: { epochs: 'ten' } })).message).toMatch(/train\.epochs.*integer/);
    expect(errorOf(() => resolve({ model: { dropout: 1.5 } })).message).toMatch(/model\.dropout.*<= 0.95/);
    expect(errorOf(() => resolve({ model: { lstmInput: 'vector' } })).message).toMatch(/model\.lstmInput.*'onehot'/);
    expect(errorOf(() => resolve({ seeds: 5 })).message).toMatch(/seeds must be an object/);
    expect(errorOf(() => resolve({ name: '../x' })).message).toContain('name');
    expect(errorOf(() => resolve({ name: '..' })).message).toContain('not a safe folder name');
    expect(errorOf(() => resolve({ name: '.hidden' })).message).toContain('not a safe folder name');
    expect(errorOf(() => resolve({ train: { learningRate: 0 } })).message).toContain('train.learningRate');
  });

  it('null is accepted only where it means something', () => {
    expect(resolve({ data: { limit: { train: null } } }).data.limit.train).toBeNull();
    expect(() => validateUserConfig({ train: { epochs: null } }, 'x')).toThrow(/train\.epochs.*must not be null/);
  });

  it('the config hash covers what changes results and nothing else', () => {
    const a = resolve({});
    expect(configHash(a)).toBe(configHash(resolve({ seeds: { count: 9 }, runtime: { workers: 1 } })));
    expect(configHash(a)).not.toBe(configHash(resolve({ train: { epochs: 4 } })));
    expect(configHash(a)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('every preset and default passes its own validation', () => {
    for (const p of Object.values(PRESETS)) expect(() => validateUserConfig(p, 'preset')).not.toThrow();
    expect(() => validateUserConfig(DEFAULTS, 'defaults')).not.toThrow();
  });

  it('--set parses dotted keys and JSON values', () => {
    expect(parseSet(['train.epochs=5', 'model.lstmInput=softmax', 'data.limit.train=null', 'train.sharedInit=true'])).toEqual({
      train: { epochs: 5, sharedInit: true }, model: { lstmInput: 'softmax' }, data: { limit: { train: null } },
    });
    expect(() => parseSet(['epochs'])).toThrow(/key=value/);
  });
});
