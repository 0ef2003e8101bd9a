import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, configHash, configRule, DEFAULTS, HASH_EXCLUDED, HASHED_SECTIONS, PRESETS, resolveConfig, seedList, validateUserConfig, type HashInputs } from '../src/config.ts';
import { parseSet } from '../src/cli/load-config.ts';
import { FilterstudyError } from '../src/errors.ts';

const resolve = (config: object) => resolveConfig([{ source: 'test.config.ts', config }]);

const INPUTS: HashInputs = {
  backend: 'wasm',
  data: ['train-images', 'train-labels', 'test-images', 'test-labels'].map((role, i) => ({ role, sha256: String(i).repeat(64) })),
};

/** { a: { b: value } } from 'a.b'. */
function nested(key: string, value: unknown): Record<string, unknown> {
  return key.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
}

/** Another valid value for a key, from its validation rule (so new keys need no table here). */
function otherValue(key: string, cur: unknown): unknown {
  const r = configRule(key)!;
  if (r.oneOf) return r.oneOf.find((o) => o !== cur);
  if (r.type === 'boolean') return !cur;
  if (r.type === 'string') return cur === null ? '/data/elsewhere' : `${String(cur)}x`;
  if (cur === null) return Math.max(r.min ?? 1, 2) + 1;
  const step = r.type === 'int' ? 1 : (r.max !== undefined ? (r.max - (cur as number)) / 2 : (cur as number) || 0.5);
  return r.max !== undefined && (cur as number) + step > r.max ? (cur as number) - step : (cur as number) + step;
}

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
    expect(configHash(a, INPUTS)).toBe(configHash(resolve({ seeds: { count: 9 }, runtime: { workers: 1 } }), INPUTS));
    expect(configHash(a, INPUTS)).not.toBe(configHash(resolve({ train: { epochs: a.train.epochs + 1 } }), INPUTS));
    expect(configHash(a, INPUTS)).toMatch(/^[0-9a-f]{12}$/);
  });

  // Key by key: every config key gets another valid value; the hash must change exactly for the
  // keys of the hashed sections (data, model, train) that HASH_EXCLUDED does not list. A new key
  // (train7's train.stopRule, …) is covered by this loop without edits.
  it('key by key: each data/model/train key changes the hash, paths, workers and eval batch do not', () => {
    const base = resolve({ preset: 'paper' }); // sgd, no limits: every alternative below is valid
    const h0 = configHash(base, INPUTS);
    const changed: string[] = [];
    const unchanged: string[] = [];
    for (const key of CONFIG_KEYS) {
      const cur = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], base);
      const cfg = resolveConfig([{ source: 'base', config: { preset: 'paper' } }, { source: 'key', config: nested(key, otherValue(key, cur)) }]);
      (configHash(cfg, INPUTS) === h0 ? unchanged : changed).push(key);
    }
    // 'preset' itself is not hashed, but paper → quick changes hashed values (epochs, optimizer, …).
    const expectChanged = ['preset', ...CONFIG_KEYS.filter((k) => HASHED_SECTIONS.some((s) => k.startsWith(`${s}.`)) && !(k in HASH_EXCLUDED))];
    expect(changed.sort()).toEqual(expectChanged.sort());
    // runtime.backend enters as the backend it resolves to (HashInputs.backend, the next test).
    expect(unchanged.sort()).toEqual(['data.dir', 'data.verify', 'name', 'outDir', 'runtime.backend', 'runtime.workers', 'seeds.count', 'seeds.maxCount', 'seeds.start', 'seeds.untilDecided', 'train.evalBatchSize']);
  });

  it('the hash covers the resolved backend and the data SHA-256s, not their order or path', () => {
    const cfg = resolve({});
    const h = configHash(cfg, INPUTS);
    expect(configHash(cfg, { ...INPUTS, backend: 'onnxruntime' })).not.toBe(h);
    expect(configHash(cfg, { ...INPUTS, backend: 'tfjs-node' })).not.toBe(h);
    expect(configHash(cfg, { ...INPUTS, data: [...INPUTS.data].reverse() })).toBe(h);
    const other = INPUTS.data.map((f, i) => (i === 2 ? { ...f, sha256: 'f'.repeat(64) } : f));
    expect(configHash(cfg, { ...INPUTS, data: other })).not.toBe(h);
    expect(configHash(resolve({ data: { dir: '/scratch/node17/mnist' } }), INPUTS)).toBe(h);
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
