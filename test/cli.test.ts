/** The CLI as a user meets it: help, errors with codes and hints, exit codes, kill and resume. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const TINY = ['--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16', '-e', '1', '--no-aggregate', '--json'];
// A hang guard only (a blocking spawnSync cannot be interrupted by vitest's own timeout), far
// above what a loaded machine needs: no test depends on the machine's speed.
const cli = (args: string[], cwd = tempDir()) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });

describe('filterstudy CLI', () => {
  it('--help lists the commands and run --help the options', () => {
    const top = cli(['--help']);
    expect(top.status).toBe(0);
    for (const c of ['run', 'aggregate', 'predict']) expect(top.stdout).toContain(c);
    const run = cli(['run', '--help']);
    expect(run.stdout).toContain('--preset');
    expect(run.stdout).toContain('--set <key=value>');
    expect(run.stdout).toContain('resumes');
  });

  it('an unknown config key exits 2 with the key, a hint, and no output folder', () => {
    const cwd = tempDir();
    const r = cli(['run', '--set', 'train.epoch=3'], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[E_CONFIG]');
    expect(r.stderr).toContain('"train.epoch"');
    expect(r.stderr).toContain('hint: did you mean "train.epochs"');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('a broken study.config.ts is named in the error', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'my.config.ts'), 'export default { model: { filter: 8 } };\n');
    const r = cli(['run', '--config', 'my.config.ts'], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/my\.config\.ts: unknown config key "model\.filter"/);
  });

  it('a data dir without MNIST files exits 2 and says which files it looked for', () => {
    const cwd = tempDir();
    const r = cli(['run', '--data-dir', cwd], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('[E_DATA]');
    expect(r.stderr).toContain('train-images-idx3-ubyte');
  });

  it('a killed run resumes: finished seeds are kept and skipped', async () => {
    const cwd = tempDir();
    // 4 seeds on 1 worker; kill the process as soon as the first combined file appears (written,
    // by rename, after the first seed): an event, polled, however long it takes on this machine.
    const child = spawn(process.execPath, [BIN, 'run', '--name', 'k', '-s', '4', '-w', '1', ...TINY], { cwd, stdio: 'ignore' });
    const seeds = join(cwd, 'out', 'k', 'seeds');
    const combinedFile = join(cwd, 'out', 'k', 'filters.arrow');
    const done = () => (existsSync(seeds) ? readdirSync(seeds).filter((d) => /^seed-\d+$/.test(d)) : []);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (existsSync(combinedFile)) {
          clearInterval(t);
          child.kill('SIGKILL');
          resolve();
        }
      }, 100);
      child.on('exit', () => { clearInterval(t); resolve(); });
    });
    await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
    const before = done();
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);
    // The combined files are refreshed after every seed, so even the killed run's hold finished
    // seeds only (all of them, unless the kill fell between a seed's rename and its combine).
    const combined = [...new Set(tableFromIPC(readFileSync(combinedFile)).getChild('seed')!.toArray() as Int32Array)];
    expect(combined.length).toBeGreaterThanOrEqual(Math.max(1, before.length - 1));
    for (const s of combined) expect(before).toContain(`seed-${String(s).padStart(4, '0')}`);
    const r = cli(['run', '--name', 'k', '-s', '4', '-w', '2', ...TINY], cwd);
    expect(r.status).toBe(0);
    const start = JSON.parse(r.stdout.split('\n').find((l) => l.includes('"type":"start"'))!);
    expect(start.skipped).toEqual(before.map((d) => Number(d.slice(5))));
    expect(done()).toHaveLength(4);
    // --json: exactly one line per finished epoch and network
    const epochs = r.stdout.split('\n').filter((l) => l.includes('"type":"epoch"')).map((l) => JSON.parse(l));
    const keys = epochs.map((e) => `${e.seed}/${e.model}.${e.network}/${e.epoch}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(epochs.every((e) => typeof e.valAccuracy === 'number')).toBe(true);
    // --json ends with one "done" event (no report under --no-aggregate: null, said so)
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; report: unknown; verdicts: unknown; warnings: unknown[] };
    expect(last.type).toBe('done');
    expect(last.report).toBeNull();
    expect(last.verdicts).toBeNull();
    expect(last.warnings).toEqual([]);
  });
});
