/**
 * End to end on a real Slurm cluster (the one-node cluster of scripts/slurm-local.sh, which .ci/run
 * starts when it runs as root with apt): a tiny 4-seed study as a 2-task array job plus the
 * afterany aggregate job, against the same study run in one process. Skipped, with the reason
 * printed, when not root or no cluster answers.
 *
 * Round 1: shard 0 (seeds 1, 3) fails seed 3 on purpose (FILTERSTUDY_FAIL_SEEDS, exported to the
 * tasks by sbatch) and ends FAILED; shard 1 (seeds 2, 4) is killed with scancel as soon as its
 * first seed is written, so it ends CANCELLED with a seed in flight (or, if that seed beat the
 * signal, none). The aggregate job still runs (afterany) and lists the missing seeds. Round 2
 * submits the same study again: only the missing seeds are trained, and every seed's filters and
 * the stats.json equal the one-process run's. Job states come from `scontrol show job`, polled
 * with a generous bound: nothing here depends on how fast the machine is.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const SCRIPT = join(import.meta.dirname, '..', 'scripts', 'slurm-local.sh');
const STUDY = ['-s', '4', '-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200',
  '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16'];
/** Upper bound for one round of jobs; a bound, not an expectation (a round takes ~1 min on 2 busy cores). */
const ROUND_LIMIT_MS = 15 * 60_000;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root (the local Slurm cluster needs root: scripts/slurm-local.sh)';
  if (spawnSync('sbatch', ['--version']).status !== 0) return 'no sbatch on PATH (Slurm not installed; .ci/run installs it when root with apt)';
  if (spawnSync('bash', [SCRIPT, 'status']).status !== 0) return 'no Slurm node answers (start it with: scripts/slurm-local.sh up)';
  return null;
}
const reason = skipReason();
if (reason) console.warn(`[slurm.test] skipped: ${reason}`);

/** Every record's JobState for a job id (an array job lists one record per task). */
function jobStates(id: string): string[] {
  const r = spawnSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scontrol show job ${id}: ${r.stderr}`);
  return [...r.stdout.matchAll(/JobState=(\w+)/g)].map((m) => m[1]);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + ROUND_LIMIT_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForJobs(ids: string[]): Promise<Record<string, string[]>> {
  const until = Date.now() + ROUND_LIMIT_MS;
  for (;;) {
    const states = Object.fromEntries(ids.map((id) => [id, jobStates(id)]));
    if (Object.values(states).every((s) => s.length > 0 && s.every((x) => TERMINAL.has(x)))) return states;
    if (Date.now() > until) throw new Error(`jobs not finished within ${ROUND_LIMIT_MS / 60_000} min: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function submit(cwd: string, env: NodeJS.ProcessEnv): { array: string; aggregate: string } {
  const r = spawnSync(process.execPath, [BIN, 'slurm', '--shards', '2', '--cpus', '1', '--mem', '1G', '--time', '30', '-n', 'sharded', ...STUDY, '--submit'], { cwd, env, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const m = /submitted array job (\d+) \(2 tasks\) and aggregate job (\d+)/.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  return { array: m![1], aggregate: m![2] };
}

function runInOneProcess(cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'run', '-n', 'single', ...STUDY, '--json'], { cwd, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? -1));
  });
}

const columns = (file: string) => {
  const t = tableFromIPC(readFileSync(file));
  return Object.fromEntries(t.schema.fields.map((f) => [f.name, Array.from(t.getChild(f.name)!.toArray() as ArrayLike<unknown>)]));
};
const seedFile = (root: string, seed: number, f: string) => join(root, 'seeds', `seed-${String(seed).padStart(4, '0')}`, f);

describe.skipIf(reason !== null)('Slurm array job (one-node cluster)', () => {
  it('2 array tasks + afterany aggregate: a failed and a killed shard are reported, resubmission resumes them, results equal one process', async () => {
    const cwd = tempDir();
    const single = runInOneProcess(cwd); // alongside round 1: the reference
    const { FILTERSTUDY_FAIL_SEEDS: _, ...cleanEnv } = process.env;

    // Round 1: seed 3 fails; shard 1 is killed after its first seed.
    const r1 = submit(cwd, { ...cleanEnv, FILTERSTUDY_FAIL_SEEDS: '3' });
    const root = join(cwd, 'out', 'sharded');
    const log1 = join(root, 'slurm', 'logs', `train-${r1.array}_1.out`);
    await until(() => existsSync(log1) && readFileSync(log1, 'utf8').includes('"type":"seed-done"'), 'shard 1 to finish its first seed');
    expect(spawnSync('scancel', [`${r1.array}_1`]).status).toBe(0);
    const s1 = await waitForJobs([r1.array, r1.aggregate]);
    expect(s1[r1.array].sort()).toEqual(['CANCELLED', 'FAILED']); // shard 0 exits 1 (a seed failed); shard 1 killed
    expect(s1[r1.aggregate]).toEqual(['COMPLETED']); // afterany: ran despite both
    const partial = JSON.parse(readFileSync(join(root, 'stats.json'), 'utf8'));
    expect(partial.seeds).toEqual(expect.arrayContaining([1, 2]));
    expect(partial.missingSeeds).toContain(3);
    expect([...partial.seeds, ...partial.missingSeeds].sort()).toEqual([1, 2, 3, 4]);
    expect(partial.warnings.join('\n')).toMatch(new RegExp(`missing from this report: ${partial.missingSeeds.join(', ')}; failed: 3 \\(E_TRAIN`));
    const written = [1, 2].map((seed) => statSync(seedFile(root, seed, 'seed.json')).mtimeMs);

    // Round 2: the same command again resumes: only the missing seeds are trained.
    const r2 = submit(cwd, cleanEnv);
    const s2 = await waitForJobs([r2.array, r2.aggregate]);
    expect(s2[r2.array]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(s2[r2.aggregate]).toEqual(['COMPLETED']);
    expect([1, 2].map((seed) => statSync(seedFile(root, seed, 'seed.json')).mtimeMs)).toEqual(written); // kept, not retrained
    expect(existsSync(join(root, 'failed', 'seed-0003.json'))).toBe(false);

    expect(await single).toBe(0);
    const ref = join(cwd, 'out', 'single');
    for (const seed of [1, 2, 3, 4]) {
      for (const table of ['filters.arrow', 'similarity.arrow']) expect(columns(seedFile(root, seed, table)), `seed ${seed} ${table}`).toEqual(columns(seedFile(ref, seed, table)));
    }
    const stats = JSON.parse(readFileSync(join(root, 'stats.json'), 'utf8'));
    expect(stats.seeds).toEqual([1, 2, 3, 4]);
    expect(stats.missingSeeds).toEqual([]);
    expect(stats).toEqual(JSON.parse(readFileSync(join(ref, 'stats.json'), 'utf8')));
  }, 2 * ROUND_LIMIT_MS + 5 * 60_000);
});
