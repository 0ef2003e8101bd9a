/**
 * Many processes, one study folder (issue #11): two `filterstudy run` processes started at once on
 * the same study train every seed exactly once between them (seed leases), and a process resuming
 * after a kill takes over the dead holder's lease.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostTag } from '../src/io/claims.ts';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const TINY = ['-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200',
  '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16', '--no-aggregate', '--json', '-w', '1'];

function run(args: string[], cwd: string): Promise<{ code: number; events: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'run', ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code: code ?? -1, events: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) }));
  });
}
const seedsOf = (events: Record<string, unknown>[], type: string) => events.filter((e) => e.type === type).map((e) => e.seed as number);

describe('one study folder, several processes', () => {
  it('two runs started at once train each seed once between them, and both end with every seed', async () => {
    const cwd = tempDir();
    const [a, b] = await Promise.all([run(['-n', 'shared', '-s', '4', ...TINY], cwd), run(['-n', 'shared', '-s', '4', ...TINY], cwd)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const trainedA = seedsOf(a.events, 'seed-done');
    const trainedB = seedsOf(b.events, 'seed-done');
    expect([...trainedA, ...trainedB].sort()).toEqual([1, 2, 3, 4]); // no seed twice, none left out
    // what one did not train it found finished at its start, or held or finished by the other later
    for (const [me, other] of [[a, trainedB], [b, trainedA]] as const) {
      const skipped = (me.events.find((e) => e.type === 'start')!.skipped as number[]) ?? [];
      expect([...skipped, ...seedsOf(me.events, 'seed-elsewhere')].sort()).toEqual(other.slice().sort());
    }
    const seeds = readdirSync(join(cwd, 'out', 'shared', 'seeds'));
    expect(seeds.sort()).toEqual(['seed-0001', 'seed-0002', 'seed-0003', 'seed-0004']); // no temp folder left
    expect(readdirSync(join(cwd, 'out', 'shared', 'leases'))).toEqual([]); // every lease released
    // the combined files (written under the study lock, from the listing made under it) hold every seed
    const combined = tableFromIPC(readFileSync(join(cwd, 'out', 'shared', 'filters.arrow')));
    expect([...new Set(combined.getChild('seed')!.toArray())].sort()).toEqual([1, 2, 3, 4]);
  }, 20 * 60_000);

  it('a killed holder\'s lease and temp folder are taken over on resume; another node\'s lease once it expires', async () => {
    const cwd = tempDir();
    const root = join(cwd, 'out', 'dead');
    // What `kill -9` during seed 1 leaves: its lease and a half-written temp folder, from a pid that no longer runs.
    const deadPid = 2 ** 22 + 12345; // above the largest pid Linux allows (2^22): never a live process
    mkdirSync(join(root, 'leases'), { recursive: true });
    writeFileSync(join(root, 'leases', 'seed-0001.lease'), JSON.stringify({ host: hostTag(), pid: deadPid, startedAt: new Date().toISOString(), token: 'gone' }));
    const temp = join(root, 'seeds', `seed-0001.tmp-${hostTag()}-${deadPid}-0a0b0c0d`);
    mkdirSync(temp, { recursive: true });
    // Seed 2: another node's lease, 10 s short of expiring (that node died): the run trains seed 1,
    // waits for seed 2, and takes it over once the lease expires.
    const other = join(root, 'leases', 'seed-0002.lease');
    writeFileSync(other, JSON.stringify({ host: 'node-that-died', pid: 1, startedAt: new Date().toISOString(), token: 'gone' }));
    const t = new Date(Date.now() - 5 * 60_000 + 10_000);
    utimesSync(other, t, t);
    const r = await run(['-n', 'dead', '-s', '2', ...TINY], cwd);
    expect(r.code).toBe(0);
    const takeovers = r.events.filter((e) => e.type === 'seed-takeover');
    expect(takeovers.find((e) => e.seed === 1)).toMatchObject({ reason: `holder pid ${deadPid} on ${hostTag()} is gone` });
    expect(takeovers.find((e) => e.seed === 2)?.reason).toMatch(/^expired/);
    expect(seedsOf(r.events, 'seed-done').sort()).toEqual([1, 2]);
    expect(existsSync(temp)).toBe(false);
  }, 20 * 60_000);
});
