/** Seed leases, temp-folder names and the combined-files lock (src/io/claims.ts). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimSeed, hostTag, leasePath, pidAlive, staleTempFolders, tempPathFor, withCombinedLock } from '../src/io/claims.ts';
import { tempDir } from './helpers.ts';

const deadPid = (): number => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout as unknown as number;
const writeLease = (root: string, seed: number, holder: object, ageMs = 0) => {
  const p = leasePath(root, seed);
  mkdirSync(join(root, 'leases'), { recursive: true });
  writeFileSync(p, JSON.stringify({ startedAt: new Date().toISOString(), token: 'other', ...holder }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(p, t, t);
  return p;
};
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000; // a bound, not an expectation
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('seed leases', () => {
  it('a claim is an exclusive file with host, pid and start time; a live holder keeps it', async () => {
    const root = tempDir();
    const a = await claimSeed(root, 7);
    expect(a).not.toBeNull();
    const onDisk = JSON.parse(readFileSync(leasePath(root, 7), 'utf8'));
    expect(onDisk).toMatchObject({ host: hostTag(), pid: process.pid, token: a!.holder.token });
    expect(Date.parse(onDisk.startedAt)).not.toBeNaN();
    expect(await claimSeed(root, 7)).toBeNull(); // held (by us, alive)
    writeLease(root, 8, { host: 'other-node', pid: 1 }); // another machine, fresh
    expect(await claimSeed(root, 8)).toBeNull();
    a!.release();
    const b = await claimSeed(root, 7);
    expect(b?.tookOver).toBeNull();
  });

  it('takes over a lease whose holder is gone (same host, dead pid) or that expired', async () => {
    const root = tempDir();
    const pid = Number(deadPid());
    writeLease(root, 1, { host: hostTag(), pid });
    const a = await claimSeed(root, 1);
    expect(a?.tookOver).toBe(`holder pid ${pid} on ${hostTag()} is gone`);
    writeLease(root, 2, { host: 'other-node', pid: 1 }, 10 * 60_000);
    const b = await claimSeed(root, 2);
    expect(b?.tookOver).toMatch(/^expired/);
    expect(JSON.parse(readFileSync(leasePath(root, 2), 'utf8')).pid).toBe(process.pid);
    writeLease(root, 3, { host: 'other-node', pid: 1 }, 60_000);
    expect(await claimSeed(root, 3, { expireMs: 120_000 })).toBeNull(); // not yet expired
  });

  it('a killed holder not yet reaped (a zombie) counts as gone', async () => {
    const child = spawn('sleep', ['60']);
    await until(() => child.pid !== undefined && pidAlive(child.pid), 'the child to start');
    expect(pidAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    spawnSync('sleep', ['0.3']); // blocks this event loop: the child is dead but not reaped
    expect(pidAlive(child.pid!)).toBe(false);
  });

  it('leases are released when the process exits (the SIGTERM handler exits)', () => {
    const root = tempDir();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'claim-exit.ts'), root], { encoding: 'utf8' });
    expect(r.stdout).toBe('claimed\n');
    expect(existsSync(leasePath(root, 1))).toBe(false);
  });

  it('renews the lease while held and notices when another process took it', async () => {
    const root = tempDir();
    const a = (await claimSeed(root, 4, { renewMs: 20 }))!;
    const old = new Date(Date.now() - 60_000);
    utimesSync(a.path, old, old);
    let lostTo: unknown = 'not lost';
    a.startRenewing((by) => (lostTo = by));
    await until(() => Date.now() - statSync(a.path).mtimeMs < 30_000, 'a renewal');
    writeFileSync(a.path, JSON.stringify({ host: 'other-node', pid: 1, startedAt: 'x', token: 'theirs' }));
    await until(() => lostTo !== 'not lost', 'the lost lease to be noticed');
    expect(lostTo).toMatchObject({ token: 'theirs' });
    a.release(); // not ours any more: left alone
    expect(JSON.parse(readFileSync(a.path, 'utf8')).token).toBe('theirs');
  });

  it('processes racing for the same seeds (some stale) each get a disjoint part, together all', async () => {
    const root = tempDir();
    const pid = Number(deadPid());
    for (let s = 1; s <= 6; s++) writeLease(root, s, { host: hostTag(), pid }); // a killed run's leases
    const N = 16;
    const procs = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'claim-race.ts'), root, String(N)], { stdio: ['pipe', 'pipe', 'inherit'] }));
    // Each prints its seeds and keeps holding them (alive) until every contender has printed.
    const parts = await Promise.all(procs.map((p) => new Promise<number[]>((resolve, reject) => {
      let out = '';
      p.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      p.on('exit', (code) => reject(new Error(`contender exited ${code} early`)));
    })));
    for (const p of procs) p.stdin!.end();
    const all = parts.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: N }, (_, i) => i + 1)); // each seed exactly once
  }, 60_000);
});

describe('temp folders', () => {
  it('names carry host, pid and a random part', () => {
    const a = tempPathFor('/x/seeds/seed-0003');
    expect(a).toMatch(new RegExp(`^/x/seeds/seed-0003\\.tmp-${hostTag().replace(/\./g, '\\.')}-${process.pid}-[0-9a-f]{8}$`));
    expect(tempPathFor('/x/seeds/seed-0003')).not.toBe(a);
  });

  it('only provably stale temp folders are listed for removal', async () => {
    const root = tempDir();
    const seeds = join(root, 'seeds');
    const mk = (name: string, ageMs = 0) => {
      mkdirSync(join(seeds, name), { recursive: true });
      const t = new Date(Date.now() - ageMs);
      utimesSync(join(seeds, name), t, t);
      return join(seeds, name);
    };
    const dead = Number(deadPid());
    const h = hostTag();
    const staleDead = mk(`seed-0001.tmp-${h}-${dead}-0a0b0c0d`);
    mk(`seed-0002.tmp-${h}-${process.pid}-0a0b0c0d`, 3_600_000); // ours, even if old: in flight
    mk(`seed-0003.tmp-${h}-${process.ppid}-0a0b0c0d`); // a live process on this host
    mk('seed-0004.tmp-other_node-123-0a0b0c0d'); // another host, fresh
    const staleOld = mk('seed-0005.tmp-other_node-123-0a0b0c0d', 3_600_000); // another host, old, no lease
    mk('seed-0006.tmp-other_node-123-0a0b0c0d', 3_600_000);
    writeLease(root, 6, { host: 'other_node', pid: 123 }); // … but its seed's lease is live
    const legacy = mk('seed-0007.tmp-4242', 3_600_000); // pre-#11 name, old
    mk('seed-0008'); // a finished seed folder is never a temp folder
    expect(staleTempFolders(root, seeds).sort()).toEqual([staleDead, staleOld, legacy].sort());
  });
});

describe('combined-files lock', () => {
  it('serialises writers', async () => {
    const root = tempDir();
    const events: string[] = [];
    const job = (name: string) => withCombinedLock(root, async () => {
      events.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`${name}-`);
    });
    await Promise.all([job('a'), job('b'), job('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace('+', '-'));
  });
});
