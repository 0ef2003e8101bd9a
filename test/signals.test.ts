/**
 * Issue #20, clean exits on every signal: SIGINT exits 130 and SIGTERM 143 with the resume message
 * whether the signal comes during training, during a seed's export, during the report or during
 * the Parquet copies (never a native abort, exit 134: onnxruntime sessions and worker threads are
 * closed before the process ends), and the folder then resumes to the bytes an uninterrupted run
 * writes. Signals are sent on events (a line printed, a file appearing), never on a timer.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
// Text output (not a terminal: one line per epoch and stage), the report and the Parquet copies on.
const ARGS = ['run', '--name', 'sig', '-s', '3', '-w', '1', '-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200'];
// After each Parquet copy the run waits for a signal (src/cli/run-action.ts holdFault): the copies
// are interrupted halfway on an event, and a run interrupted in the report cannot finish first.
const HOLD = { FILTERSTUDY_FAULTS: 'hold-parquet' };

type When = { what: string; line?: RegExp; file?: (root: string, before: Set<number>) => boolean };
/** The inodes of the study's Parquet copies (each copy is a new file renamed into place: a new inode). */
const parquetInodes = (root: string): Set<number> =>
  new Set(existsSync(root) ? readdirSync(root).filter((f) => f.endsWith('.parquet')).map((f) => statSync(join(root, f)).ino) : []);
/** A Parquet copy written by this run (an earlier run may have left copies). */
const parquetWritten = (root: string, before: Set<number>) => [...parquetInodes(root)].some((ino) => !before.has(ino));

/** Runs the study in `cwd`; with `when`, sends `signal` once it happens. Resolves with the exit code and output. */
function run(cwd: string, env: NodeJS.ProcessEnv, when?: When, signal?: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...ARGS], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const send = () => {
      if (sent || child.exitCode !== null) return;
      sent = true;
      child.kill(signal);
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      if (when?.line?.test(stdout)) send();
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    let exited = false;
    child.on('exit', (code) => {
      exited = true;
      resolve({ code, stdout, stderr });
    });
    if (when?.file) {
      // A file appearing has no event to subscribe to that works on every file system: look for it.
      const before = parquetInodes(join(cwd, 'out', 'sig'));
      void (async () => {
        while (!exited && !sent) {
          if (when.file!(join(cwd, 'out', 'sig'), before)) send();
          await sleep(100);
        }
      })();
    }
  });
}

/** The files whose bytes do not depend on the wall clock (metrics and history hold seconds, seed.json a time). */
function deterministicFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const seeds = readdirSync(join(root, 'seeds')).sort();
  for (const s of seeds) {
    for (const f of readdirSync(join(root, 'seeds', s)).filter((n) => /^(filters|similarity)\.arrow$|\.onnx$/.test(n)).sort()) {
      out[`seeds/${s}/${f}`] = readFileSync(join(root, 'seeds', s, f)).toString('base64');
    }
  }
  for (const f of ['filters.arrow', 'similarity.arrow', 'filters.parquet', 'similarity.parquet']) out[f] = readFileSync(join(root, f)).toString('base64');
  return out;
}

describe('signals', () => {
  it('SIGINT 130 and SIGTERM 143 during training, export, the report and the Parquet copies; the folder resumes to the bytes of an uninterrupted run', async () => {
    const reference = tempDir();
    const ref = await run(reference, {});
    expect(ref.code, ref.stderr).toBe(0);

    const cwd = tempDir();
    const points: When[] = [
      { what: 'training', line: /epoch 1\/1/ },
      { what: 'export', line: / exporting\n/ },
      { what: 'the report', line: /writing the statistics report/ },
      { what: 'the Parquet copies', file: parquetWritten },
    ];
    for (const point of points) {
      for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
        const r = await run(cwd, HOLD, point, signal);
        const where = `${signal} during ${point.what}`;
        expect(r.code, `${where}: ${r.stderr}`).toBe(code);
        expect(r.stderr, where).toContain(`filterstudy: interrupted (${signal})`);
        expect(r.stderr, where).toMatch(/to resume, rerun: filterstudy run --name sig -s 3/);
        expect(r.stderr, where).not.toMatch(/Napi::Error|terminate called|Aborted/);
      }
    }
    const last = await run(cwd, {});
    expect(last.code, last.stderr).toBe(0);
    const root = join(cwd, 'out', 'sig');
    expect(readdirSync(join(root, 'seeds')).sort()).toEqual(['seed-0001', 'seed-0002', 'seed-0003']); // no temp folder left
    expect(readdirSync(join(root, 'leases'))).toEqual([]);
    expect(deterministicFiles(root)).toEqual(deterministicFiles(join(reference, 'out', 'sig')));
  }, 60 * 60_000);
});
