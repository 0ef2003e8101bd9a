/**
 * Issue #20, a lease lost is a seed abandoned: a holder whose lease was taken over (it froze, or
 * its file system stalled, past the lease's expiry) stops training that seed, discards its temp
 * folder and never renames over a seed folder that verifies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimSeed, type LeaseHolder } from '../src/io/claims.ts';
import { verifySeedDir } from '../src/io/seed-manifest.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const TINY = ['-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '--no-aggregate', '--no-parquet', '--json', '-w', '1'];

/** Every file of a folder tree → its bytes (base64), for byte-for-byte comparison. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = readFileSync(p).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

describe('a lease lost', () => {
  it('is noticed by the holder\'s renewal (injected clock: the lease aged past expiry, taken over), and release leaves the new lease alone', async () => {
    const root = tempDir();
    const now = Date.now();
    const a = (await claimSeed(root, 1, { renewMs: 10, expireMs: 1000, now: () => now }))!;
    const lost = new Promise<LeaseHolder | null>((resolve) => a.startRenewing(resolve));
    // Another process, whose clock reads 2 s later than the lease file's mtime: expired, taken over.
    const b = await claimSeed(root, 1, { expireMs: 1000, now: () => now + 2000 });
    expect(b?.tookOver).toMatch(/^expired/);
    const by = await lost;
    expect(by?.token).toBe(b!.holder.token);
    expect(a.stillOurs()).toBe(false);
    expect(b!.stillOurs()).toBe(true);
    a.release();
    expect(b!.stillOurs()).toBe(true); // the loser deletes nothing of the new holder's
    b!.release();
  });

  it('writeSeed never replaces a seed folder that verifies; one that does not verify is replaced', () => {
    const root = tempDir();
    const first = makeSyntheticStudy({ seeds: 2, mode: 'paper', seed: 1 });
    const paths = writeSeedFolders(root, first);
    const before = snapshot(paths.seeds);
    // The same seeds again with other numbers (a stale holder's result): nothing is replaced.
    writeSeedFolders(root, { ...makeSyntheticStudy({ seeds: 2, mode: 'paper', seed: 2 }), configHash: first.configHash });
    expect(snapshot(paths.seeds)).toEqual(before); // seed.json's finishedAt included: not rewritten
    // A damaged folder is no finished seed: the writer replaces it.
    truncateSync(join(paths.seeds, 'seed-0002', 'filters.arrow'), 10);
    writeSeedFolders(root, first, { seeds: [2] });
    expect(verifySeedDir(join(paths.seeds, 'seed-0002'), 2).ok).toBe(true);
    expect(readdirSync(paths.seeds).sort()).toEqual(['seed-0001', 'seed-0002']); // no temp folder left
  });

  it('a holder frozen past its lease (SIGSTOP) while another process finishes the seed: resumed, it abandons the seed and the finished folder stays byte-identical', async () => {
    const cwd = tempDir();
    const env = { ...process.env, FILTERSTUDY_LEASE_MS: '200,3000' }; // renew every 0.2 s, expire after 3 s
    const start = (): { child: ChildProcess; events: Record<string, unknown>[]; done: Promise<number | null>; when: (f: (e: Record<string, unknown>) => boolean) => Promise<void> } => {
      const child = spawn(process.execPath, [BIN, 'run', '-n', 'frozen', '-s', '1', ...TINY], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
      const events: Record<string, unknown>[] = [];
      const waiters: { f: (e: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
      let buf = '';
      child.stdout!.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines.filter((x) => x.startsWith('{'))) {
          const e = JSON.parse(l) as Record<string, unknown>;
          events.push(e);
          for (const w of waiters.filter((x) => x.f(e))) w.resolve();
        }
      });
      const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const when = (f: (e: Record<string, unknown>) => boolean) => (events.some(f) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ f, resolve })));
      return { child, events, done, when };
    };
    const a = start();
    await a.when((e) => e.type === 'epoch' || e.type === 'progress'); // training seed 1
    a.child.kill('SIGSTOP');
    try {
      const b = start();
      expect(await b.done).toBe(0);
      expect(b.events.find((e) => e.type === 'seed-takeover')).toMatchObject({ seed: 1, reason: expect.stringMatching(/^expired/) });
      expect(b.events.filter((e) => e.type === 'seed-done').map((e) => e.seed)).toEqual([1]);
    } finally {
      a.child.kill('SIGCONT');
    }
    const seedDir = join(cwd, 'out', 'frozen', 'seeds');
    const finished = snapshot(seedDir);
    const inode = statSync(join(seedDir, 'seed-0001')).ino;
    expect(await a.done).toBe(0);
    expect(a.events.filter((e) => e.type === 'seed-lost').map((e) => e.seed)).toEqual([1]);
    expect(a.events.filter((e) => e.type === 'seed-done')).toEqual([]);
    expect(a.events.filter((e) => e.type === 'seed-elsewhere').map((e) => e.seed)).toEqual([1]);
    expect(snapshot(seedDir)).toEqual(finished); // byte-identical, seed.json's finishedAt included
    expect(statSync(join(seedDir, 'seed-0001')).ino).toBe(inode); // the same folder, not a replacement
    expect(readdirSync(seedDir)).toEqual(['seed-0001']); // A's temp folder discarded
    expect(readdirSync(join(cwd, 'out', 'frozen', 'leases'))).toEqual([]);
  }, 30 * 60_000);
});
