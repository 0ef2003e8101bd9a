/** `filterstudy run`'s config-key flags are generated from the key declarations (src/config-keys.ts). */
import { describe, expect, it } from 'vitest';
import { KEY_SPECS } from '../src/config-keys.ts';
import { resolveConfig } from '../src/config.ts';
import { runCommand, runOptionsConfig, type RunOptions } from '../src/cli/run.ts';
import { FilterstudyError } from '../src/errors.ts';

/** run's options after parsing `args`, without running anything. */
function parse(args: string[]): RunOptions {
  const cmd = runCommand().exitOverride().configureOutput({ writeErr: () => {} }).action(() => {});
  cmd.parse(args, { from: 'user' });
  return cmd.opts() as RunOptions;
}

describe('run flags from the key declarations', () => {
  it('no flag, no setting: a config file keeps its values (including data.verify: false)', () => {
    expect(runOptionsConfig(parse([]))).toEqual({});
    const cfg = resolveConfig([{ source: 'file', config: { data: { verify: false }, train: { epochs: 4 } } }, { source: 'cli', config: runOptionsConfig(parse([])) }]);
    expect(cfg.data.verify).toBe(false);
    expect(cfg.train.epochs).toBe(4);
  });

  it('each flag sets its key, parsed by the key\'s type', () => {
    const o = parse(['-p', 'paper', '-n', 'x', '-o', '/tmp/o', '-s', '3', '--seed-start', '7', '-e', '2', '-w', '1', '-b', 'wasm', '--data-dir', '/d', '--no-verify', '--pairing', 'shuffled']);
    expect(runOptionsConfig(o)).toEqual({
      name: 'x', outDir: '/tmp/o', preset: 'paper', seeds: { start: 7, count: 3 },
      data: { dir: '/d', verify: false, pairing: 'shuffled' }, train: { epochs: 2 }, runtime: { backend: 'wasm', workers: 1 },
    });
  });

  it('every declared flag is an option of run, scheduler-copied or not', () => {
    const longs = runCommand().options.map((o) => o.long);
    const flagged = KEY_SPECS.filter(([, s]) => s.flag);
    expect(flagged.length).toBeGreaterThan(5);
    for (const [, s] of flagged) expect(longs).toContain(s.flag!.flags.split(', ').pop()!.split(' ')[0]);
  });

  it('bad values: a non-integer is a coded error naming the flag; a value outside the choices is a usage error', () => {
    let e: unknown;
    try {
      parse(['-e', 'ten']);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(FilterstudyError);
    expect((e as FilterstudyError).message).toBe('--epochs expects an integer, got "ten"');
    expect(() => parse(['--pairing', 'sideways'])).toThrow(/argument 'sideways' is invalid/);
    expect(() => parse(['-p', 'none'])).toThrow(/Allowed choices are quick, paper/);
  });
});
