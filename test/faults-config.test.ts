/** Issue #10, bad config: prototype keys, non-finite numbers, seeds that would wrap, config modules without a default export. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SEED, resolveConfig, validateUserConfig } from '../src/config.ts';
import { loadConfigFile, parseSet } from '../src/cli/load-config.ts';
import { FilterstudyError } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

function errorOf(fn: () => unknown): FilterstudyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FilterstudyError);
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
}

afterEach(() => {
  // A failed refusal would leave the pollution behind for every later test.
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('config: prototype keys', () => {
  for (const key of ['__proto__.polluted', 'train.__proto__.polluted', 'constructor.prototype.polluted', 'train.constructor']) {
    it(`--set ${key}=1 is refused and pollutes nothing`, () => {
      const e = errorOf(() => parseSet([`${key}=1`]));
      expect(e.code).toBe('E_CONFIG');
      expect(e.message).toMatch(/refused/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('a config object with an own __proto__ key (as JSON.parse makes) is refused', () => {
    const e = errorOf(() => validateUserConfig(JSON.parse('{"train": {"__proto__": {"polluted": 1}}}'), 'x.json'));
    expect(e.message).toContain('"train.__proto__"');
  });
});

describe('config: numbers', () => {
  it('1e999 is named as a non-finite number, not "null"', () => {
    const e = errorOf(() => resolveConfig([{ source: '--set', config: parseSet(['train.learningRate=1e999']) }]));
    expect(e.message).toMatch(/train\.learningRate.*finite number, got Infinity/);
    expect(e.message).not.toContain('null');
    expect(errorOf(() => validateUserConfig({ model: { dropout: Number.NaN } }, 'f')).message).toMatch(/got NaN/);
  });

  it('seeds that do not fit the int32 seed column are refused', () => {
    expect(errorOf(() => resolveConfig([{ source: 'cli', config: { seeds: { start: 2 ** 31 } } }])).message).toMatch(/seeds\.start.*<= 2147483647/);
    const e = errorOf(() => resolveConfig([{ source: 'cli', config: { seeds: { start: MAX_SEED, count: 2 } } }]));
    expect(e.message).toMatch(/exceeds 2147483647/);
    expect(resolveConfig([{ source: 'cli', config: { seeds: { start: MAX_SEED, count: 1 } } }]).seeds.start).toBe(MAX_SEED);
  });
});

describe('config file without a default export', () => {
  it('says so plainly, in a plain folder (compiled as CommonJS) and in an ESM package', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'esm'));
    writeFileSync(join(dir, 'esm', 'package.json'), '{"type":"module"}');
    for (const file of [join(dir, 'a.config.ts'), join(dir, 'esm', 'a.config.ts')]) {
      writeFileSync(file, 'export const study = { seeds: { count: 2 } };\n');
      const e = await loadConfigFile(file).then(() => null, (x: unknown) => x as FilterstudyError);
      expect(e).toBeInstanceOf(FilterstudyError);
      expect(e!.message).toMatch(/has no default export \(it exports only study\)/);
      expect(e!.message).not.toMatch(/unknown config key/);
    }
    // and a file with a default export still loads
    writeFileSync(join(dir, 'b.config.ts'), 'export default { seeds: { count: 2 } };\n');
    expect((await loadConfigFile(join(dir, 'b.config.ts'))).config).toEqual({ seeds: { count: 2 } });
  });
});
