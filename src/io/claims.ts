/**
 * Many processes, one study folder, several machines (issue #11). Three mechanisms:
 *
 * 1. Seed leases, <study>/leases/seed-NNNN.lease. A process trains a seed only after claiming it
 *    with an exclusive create (O_EXCL, atomic on local disks and NFSv3+) of this file, holding
 *    {host, pid, startedAt, token}. While it trains, it renews the lease (the file's mtime) every
 *    `renewMs`; when the seed is written or failed it deletes it. A lease is taken over when its
 *    holder is provably gone (same host, pid no longer running) or it has expired (mtime older
 *    than `expireMs`: the holder's machine died or lost the file system). Takeovers run under a
 *    proper-lockfile lock on the lease, re-checking after the lock is held, so two contenders
 *    never both take one seed; the create itself stays exclusive.
 * 2. Temp folder names seed-NNNN.tmp-<host>-<pid>-<random>: a process removes only its own temp
 *    folders or provably stale ones (same host and a dead pid; or older than expireMs with no live
 *    lease on the seed), never a temp folder another live process is writing.
 * 3. The combined files are written under a proper-lockfile lock on the study folder
 *    (<study>/combined.lock), each atomically (temp file + rename), so they are never half-written
 *    and two writers do not interleave.
 * Why proper-lockfile for 1's takeover and 3 but not for the leases themselves: its lock is an
 * mkdir with an mtime that only says "alive"; the lease must say who holds it (host, pid,
 * start) so that a dead holder on the same host is taken over at once, not after the stale time.
 * Clocks: expiry compares a file's mtime with this machine's clock, so the nodes' clocks must
 * agree to well within expireMs (NTP does; expireMs is minutes).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensureDir } from './dirs.ts';

// Defaults, each with why.
export const CLAIM_DEFAULTS = {
  renewMs: 30_000, // cheap (one stat + utimes); often enough that a lease 10 renewals old is surely dead
  expireMs: 5 * 60_000, // 10 missed renewals: survives a loaded or briefly stalled node, frees a dead one's seeds within minutes
  lockStaleMs: 60_000, // proper-lockfile stale time for the takeover and combined locks (held for seconds)
} as const;

/** `now`: the clock expiry is judged by (Date.now; tests inject one to age a lease without waiting). */
export interface ClaimOptions { renewMs?: number; expireMs?: number; now?: () => number }

/**
 * The lease timing a run uses: CLAIM_DEFAULTS, or FILTERSTUDY_LEASE_MS=<renewMs>,<expireMs> (the
 * tests' way to freeze a holder past its lease in seconds instead of minutes; not a user setting).
 */
export function claimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClaimOptions {
  const m = /^(\d+),(\d+)$/.exec(env.FILTERSTUDY_LEASE_MS ?? '');
  return m ? { renewMs: Number(m[1]), expireMs: Number(m[2]) } : {};
}

export interface LeaseHolder { host: string; pid: number; startedAt: string; token: string }

const seedName = (seed: number): string => `seed-${String(seed).padStart(4, '0')}`;
export const leaseDir = (root: string): string => join(root, 'leases');
export const leasePath = (root: string, seed: number): string => join(leaseDir(root), `${seedName(seed)}.lease`);

/** This machine's name as it goes into lease files and temp names (no dashes: they separate fields). */
export function hostTag(): string {
  const h = hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
  return /^\d+$/.test(h) ? `h${h}` : h; // never all digits: that would read as a pid in a temp name
}

/**
 * True while a process with this pid runs on this machine (EPERM: it runs as another user). A
 * zombie (killed, not yet reaped by its parent) answers kill(pid, 0) but runs nothing: on Linux
 * its /proc state 'Z' counts as gone.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) said it exists
  }
}

function readHolder(path: string): LeaseHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LeaseHolder;
    return typeof h.host === 'string' && Number.isInteger(h.pid) && typeof h.token === 'string' ? h : null;
  } catch {
    return null; // missing, or created but not yet written
  }
}

/** Why a lease may be taken over, or null while its holder may still be training. */
export function staleReason(holder: LeaseHolder | null, mtimeMs: number, now: number, o: ClaimOptions = {}): string | null {
  const expireMs = o.expireMs ?? CLAIM_DEFAULTS.expireMs;
  if (now - mtimeMs > expireMs) return `expired (not renewed for ${Math.round((now - mtimeMs) / 1000)} s)`;
  if (holder && holder.host === hostTag() && holder.pid !== process.pid && !pidAlive(holder.pid)) return `holder pid ${holder.pid} on ${holder.host} is gone`;
  return null;
}

export interface Lease {
  seed: number;
  path: string;
  holder: LeaseHolder;
  /** Set when the lease was taken over from a stale holder: why. */
  tookOver: string | null;
  /**
   * Renews every renewMs until released; `onLost` runs once when the lease is found taken by
   * another process (`by`: the new holder, null if the file is gone) or when renewals have failed
   * for longer than expireMs (another process may have taken it over since: `by` null).
   */
  startRenewing(onLost?: (by: LeaseHolder | null) => void): void;
  /** True while the lease file still holds this lease (checked before a finished seed is written). */
  stillOurs(): boolean;
  /** Stops renewing and deletes the lease if it is still ours. */
  release(): void;
}

function createExclusive(path: string, holder: LeaseHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Leases this process holds: released on exit (Ctrl-C, SIGTERM from scancel end in process.exit). */
const held = new Set<Lease>();
let exitHook = false;

function makeLease(seed: number, path: string, holder: LeaseHolder, tookOver: string | null, o: ClaimOptions): Lease {
  let timer: NodeJS.Timeout | null = null;
  const ours = () => readHolder(path)?.token === holder.token;
  if (!exitHook) {
    exitHook = true;
    // Synchronous, as 'exit' handlers must be: another node can then take these seeds at once
    // instead of after expireMs. (SIGKILL runs no handler: then the pid or the expiry tells.)
    process.on('exit', () => {
      for (const l of held) l.release();
    });
  }
  const clock = o.now ?? Date.now;
  let renewedAt = clock();
  const lease: Lease = {
    seed, path, holder, tookOver,
    startRenewing(onLost) {
      if (timer) return;
      const lost = (by: LeaseHolder | null) => {
        clearInterval(timer!);
        onLost?.(by);
      };
      timer = setInterval(() => {
        if (!ours()) return lost(readHolder(path));
        const now = new Date(clock());
        try {
          utimesSync(path, now, now);
          renewedAt = now.getTime();
        } catch {
          // a transient file-system error: the next renewal retries; expiry allows 10 misses.
          // Past expireMs without a renewal, another process may rightly have taken the seed.
          if (now.getTime() - renewedAt > (o.expireMs ?? CLAIM_DEFAULTS.expireMs)) lost(null);
        }
      }, o.renewMs ?? CLAIM_DEFAULTS.renewMs);
      timer.unref(); // a lease never keeps the process alive
    },
    stillOurs: ours,
    release() {
      held.delete(lease);
      if (timer) clearInterval(timer);
      timer = null;
      if (ours()) rmSync(path, { force: true });
    },
  };
  held.add(lease);
  return lease;
}

/**
 * Claims a seed for this process: a Lease, or null when another live process holds it.
 * The file is created exclusively; a stale lease is taken over under a lock and re-checked.
 */
export async function claimSeed(root: string, seed: number, o: ClaimOptions = {}): Promise<Lease | null> {
  ensureDir(leaseDir(root));
  const path = leasePath(root, seed);
  const holder: LeaseHolder = { host: hostTag(), pid: process.pid, startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  if (createExclusive(path, holder)) return makeLease(seed, path, holder, null, o);
  const staleNow = (): string | null => {
    try {
      return staleReason(readHolder(path), statSync(path).mtimeMs, (o.now ?? Date.now)(), o);
    } catch {
      return 'released'; // gone between our create and stat: free again
    }
  };
  if (staleNow() === null) return null;
  const unlock = await lockfile.lock(path, {
    lockfilePath: `${path}.takeover`, realpath: false, stale: CLAIM_DEFAULTS.lockStaleMs,
    retries: { retries: 60, factor: 1.3, minTimeout: 20, maxTimeout: 1000 },
  });
  try {
    const why = staleNow(); // re-check: another contender may have taken it over meanwhile
    if (why === null) return null;
    if (why !== 'released') unlinkSync(path);
    holder.startedAt = new Date().toISOString();
    return createExclusive(path, holder) ? makeLease(seed, path, holder, why, o) : null;
  } finally {
    await unlock();
  }
}

// ---- temp folders --------------------------------------------------------------------------------

/** A fresh temp path next to `path` (a seed folder or a file): <path>.tmp-<host>-<pid>-<random>. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Parses a temp name: <base>.tmp-<host>-<pid>-<random> (this version), or the names from before
 * issue #11 without a host, <base>.tmp-<pid>-<random> and <base>.tmp-<pid>. Null if not a temp name.
 */
export function parseTempName(name: string): { base: string; host: string | null; pid: number } | null {
  let m = /^(.+?)\.tmp-([A-Za-z0-9._]*[A-Za-z._][A-Za-z0-9._]*)-(\d+)-[0-9a-z]+$/.exec(name);
  if (m) return { base: m[1], host: m[2], pid: Number(m[3]) };
  m = /^(.+?)\.tmp-(\d+)(?:-[0-9a-z]+)?$/.exec(name);
  return m ? { base: m[1], host: null, pid: Number(m[2]) } : null;
}

/**
 * Temp entries (folders or files) in `dir` that no live process can be writing: this host's whose
 * pid is dead, and any other (another host's, or a pre-#11 name without a host) older than
 * expireMs, and for a seed folder only when its seed has no live lease under `leaseRoot`.
 * A live process's temp entry, ours included, is never listed.
 */
export function staleTemps(dir: string, o: ClaimOptions & { leaseRoot?: string } = {}): string[] {
  if (!existsSync(dir)) return [];
  const now = (o.now ?? Date.now)();
  const expireMs = o.expireMs ?? CLAIM_DEFAULTS.expireMs;
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const t = parseTempName(name);
    if (!t) continue;
    const path = join(dir, name);
    if (t.host === hostTag()) {
      // This host: its pid says it all.
      if (t.pid !== process.pid && !pidAlive(t.pid)) out.push(path);
      continue;
    }
    let age: number;
    try {
      age = now - statSync(path).mtimeMs;
    } catch {
      continue; // renamed into place meanwhile
    }
    if (age <= expireMs) continue;
    const seed = /^seed-(\d+)$/.exec(t.base);
    if (o.leaseRoot && seed) {
      const lease = leasePath(o.leaseRoot, Number(seed[1]));
      try {
        if (staleReason(readHolder(lease), statSync(lease).mtimeMs, now, o) === null) continue; // its seed is being worked on
      } catch {
        // no lease: nobody claims the seed
      }
    }
    out.push(path);
  }
  return out;
}

/** Stale temp folders of a study's seeds/ (see staleTemps; seed leases under `root`). */
export function staleTempFolders(root: string, seedsDir: string, o: ClaimOptions = {}): string[] {
  return staleTemps(seedsDir, { ...o, leaseRoot: root });
}

// ---- the combined files ---------------------------------------------------------------------------

/** Runs fn holding the study folder's lock for the combined files (waits for another holder). */
export async function withCombinedLock<T>(root: string, fn: () => T | Promise<T>): Promise<T> {
  ensureDir(root);
  const unlock = await lockfile.lock(root, {
    lockfilePath: join(root, 'combined.lock'), realpath: false, stale: CLAIM_DEFAULTS.lockStaleMs,
    retries: { retries: 200, factor: 1.2, minTimeout: 50, maxTimeout: 2000 },
  });
  try {
    return await fn();
  } finally {
    await unlock();
  }
}
