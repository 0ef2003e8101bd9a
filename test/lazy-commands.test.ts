/**
 * Commands are imported when named (src/cli/index.ts COMMANDS): `--help` and `run --help` must
 * print without loading the ML stack, Arrow or vega. What loads is recorded by a preload
 * (fixtures/record-loads.mjs: ESM resolve hook + CommonJS Module._load); no timing is involved.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/index.ts';
import { exportCommand, FORMAT_CHOICES } from '../src/cli/export.ts';
import { KEY_SPECS } from '../src/config-keys.ts';
import { EXPORT_FORMATS } from '../src/io/export.ts';
import { tempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'filterstudy.mjs');
const RECORDER = join(ROOT, 'test', 'fixtures', 'record-loads.mjs');
/** Packages that take seconds to load, or native addons: none is needed to print help. */
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', '@tensorflow/', 'vega', 'apache-arrow', 'hyparquet', 'protobufjs', 'piscina', '@resvg/'];

/** Runs node with the recorder; returns the exit status, stdout and every module it loaded. */
function loads(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const file = join(tempDir(), 'loads.txt');
  // A hang guard only, far above what a loaded machine needs.
  const r = spawnSync(process.execPath, ['--import', RECORDER, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: { ...process.env, FILTERSTUDY_LOADS_FILE: file } });
  return { status: r.status, stdout: r.stdout, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

const heavyIn = (modules: string[]) => [...new Set(modules.flatMap((m) => HEAVY.filter((h) => m.includes(`/node_modules/${h}`))))];

describe('lazy commands', () => {
  it('the recorder sees a heavy package when one loads (so the checks below can fail)', () => {
    const r = loads(['--input-type=module', '-e', "await import('apache-arrow');"]);
    expect(r.status).toBe(0);
    expect(heavyIn(r.modules)).toEqual(['apache-arrow']);
  });

  it('--help lists every command and loads no command file and no heavy package', () => {
    const r = loads([BIN, '--help']);
    expect(r.status).toBe(0);
    for (const c of ['run', 'aggregate', 'predict', 'export', 'compare', 'slurm', 'k8s']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(heavyIn(r.modules)).toEqual([]);
    expect(r.modules.filter((m) => /\/src\/cli\/(?!index\.ts)/.test(m))).toEqual([]);
  });

  it('run --help (and help run) load run.ts but no heavy package, and show every config-key flag', () => {
    for (const args of [['run', '--help'], ['help', 'run']]) {
      const r = loads([BIN, ...args]);
      expect(r.status).toBe(0);
      expect(heavyIn(r.modules)).toEqual([]);
      expect(r.modules.some((m) => m.endsWith('/src/cli/run.ts'))).toBe(true);
      expect(r.modules.some((m) => m.endsWith('/src/cli/run-action.ts'))).toBe(false);
      for (const [, spec] of KEY_SPECS) if (spec.flag) expect(r.stdout).toContain(spec.flag.flags);
    }
  });

  it('every other command\'s --help prints its usage and loads no heavy package', () => {
    for (const name of Object.keys(COMMANDS).filter((c) => c !== 'run')) {
      const r = loads([BIN, name, '--help']);
      expect(r.status, name).toBe(0);
      expect(r.stdout, name).toContain(`Usage: filterstudy ${name}`);
      expect(heavyIn(r.modules), name).toEqual([]);
    }
  });

  it("export's --format choices, declared in the command for its help, are io/export.ts's formats", () => {
    expect([...FORMAT_CHOICES]).toEqual([...EXPORT_FORMATS]);
    expect(exportCommand().options.find((o) => o.long === '--format')!.argChoices).toEqual([...EXPORT_FORMATS]);
  });

  it('an unknown command still gets a suggestion from the stubs', () => {
    const r = spawnSync(process.execPath, [BIN, 'runn'], { cwd: tempDir(), encoding: 'utf8', timeout: 600_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'runn'");
    expect(r.stderr).toContain('run');
  });
});
