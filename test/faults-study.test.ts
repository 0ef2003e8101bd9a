/**
 * Issue #10, a hostile study folder: truncated and garbage files, a full disk (a small tmpfs when
 * root may mount, else an injected ENOSPC), a read-only folder, a failure to combine. Every case
 * must end in a coded error naming the path, with nothing finished lost and no temp file left.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStudy, type StudyEvent } from '../src/coordinator/sweep.ts';
import { verifySeedDir } from '../src/io/seed-manifest.ts';
import { FilterstudyError } from '../src/errors.ts';
import { aggregate } from '../src/report/report.ts';
import { writeStudyFiles } from './study-folder.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { tempDir, tinyConfig } from './helpers.ts';

// ---- injected fs faults: a pass-through node:fs whose writes can be made to fail by path ----
type Fault = (path: string) => NodeJS.ErrnoException | undefined;
const fsFault = vi.hoisted(() => ({ current: null as ((path: string) => Error | undefined) | null }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const guard = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    const err = fsFault.current?.(String(a[0]));
    if (err) throw err;
    return fn(...a);
  };
  const mocked = { ...fs, writeFileSync: guard(fs.writeFileSync), renameSync: guard(fs.renameSync) };
  return { ...mocked, default: mocked };
});
const osError = (code: string, errno: number, text: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: ${text}, open '${path}'`), { code, errno: -errno, syscall: 'open', path });
const injectFault = (f: Fault) => (fsFault.current = f);
afterEach(() => {
  fsFault.current = null;
});

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');

async function errorOf(p: Promise<unknown>): Promise<FilterstudyError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(FilterstudyError);
  return e as FilterstudyError;
}

/** Every path under `dir` whose name marks a temp file or folder. */
function tempLeftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (/\.tmp-/.test(n)) out.push(p);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Mounts a tmpfs of `size` (e.g. '3m', optionally read-only) on a new folder; null with the reason printed where mount is not permitted. */
function mountTmpfs(size: string, readOnly = false): { dir: string; unmount: () => void } | null {
  const dir = tempDir('filterstudy-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`tmpfs not mounted (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}): this case is covered by the injected fs error instead`);
    return null;
  }
  return { dir, unmount: () => void spawnSync('umount', [dir]) };
}

describe('seed verification: truncated and garbage files in a study folder', () => {
  const out = tempDir();
  const cfg = tinyConfig({ outDir: out, name: 'v' });
  const root = join(out, 'v');
  const seedDir = (s: number) => join(root, 'seeds', `seed-000${s}`);

  beforeAll(async () => {
    const s = await runStudy(cfg);
    expect(s.completed).toEqual([1, 2]);
  });

  it('seed.json lists every file of the seed with its size and SHA-256', () => {
    const rec = JSON.parse(readFileSync(join(seedDir(1), 'seed.json'), 'utf8'));
    const files = readdirSync(seedDir(1)).filter((f) => f !== 'seed.json').sort();
    expect(Object.keys(rec.files).sort()).toEqual(files);
    for (const f of files) expect(rec.files[f].bytes).toBe(statSync(join(seedDir(1), f)).size);
    expect(rec.files['filters.arrow'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySeedDir(seedDir(1), 1)).toMatchObject({ ok: true });
  });

  it('a truncated Arrow file and a garbage seed.json: both seeds quarantined with the reason and trained again', async () => {
    const filtersBefore = readFileSync(join(seedDir(1), 'filters.arrow'));
    const metrics = join(seedDir(1), 'metrics.arrow');
    truncateSync(metrics, Math.floor(statSync(metrics).size / 2));
    writeFileSync(join(seedDir(2), 'seed.json'), '{"seed": 2, "status": "ok", garbage');
    const events: StudyEvent[] = [];
    const s = await runStudy(cfg, { onEvent: (e) => events.push(e) });
    const q = events.filter((e) => e.type === 'seed-quarantined');
    expect(q.map((e) => e.type === 'seed-quarantined' && e.seed)).toEqual([1, 2]);
    expect(s.quarantined[0].reason).toMatch(/metrics\.arrow has \d+ bytes, seed\.json says \d+ \(truncated\)/);
    expect(s.quarantined[1].reason).toMatch(/seed\.json is not valid JSON/);
    expect(s.completed).toEqual([1, 2]); // trained again, not skipped as finished
    expect(s.failed).toEqual([]);
    // Kept, with the reason, for a person to look at.
    const qdirs = readdirSync(join(root, 'quarantine'));
    expect(qdirs).toHaveLength(2);
    const why = JSON.parse(readFileSync(join(root, 'quarantine', qdirs.find((d) => d.startsWith('seed-0001'))!, 'quarantine.json'), 'utf8'));
    expect(why).toMatchObject({ seed: 1, reason: s.quarantined[0].reason });
    // The retrained seed verifies and reproduces the first training bit for bit.
    expect(verifySeedDir(seedDir(1), 1).ok).toBe(true);
    expect(readFileSync(join(seedDir(1), 'filters.arrow')).equals(filtersBefore)).toBe(true);
    const { loadStudy } = await import('../src/io/load.ts');
    expect(loadStudy(root).seeds).toEqual([1, 2]);
  });

  it('a seed finished before manifests is adopted when its tables decode, and quarantined when one is truncated', async () => {
    // As written by the previous version: seed.json without manifestVersion / files.
    for (const s of [1, 2]) {
      const rec = JSON.parse(readFileSync(join(seedDir(s), 'seed.json'), 'utf8'));
      delete rec.manifestVersion;
      delete rec.files;
      writeFileSync(join(seedDir(s), 'seed.json'), JSON.stringify(rec));
    }
    const hist = join(seedDir(2), 'history.arrow');
    truncateSync(hist, statSync(hist).size - 40);
    const s = await runStudy(cfg);
    expect(s.skipped).toEqual([1]); // adopted: not trained again
    expect(verifySeedDir(seedDir(1), 1).ok).toBe(true); // and now carries a manifest
    expect(s.quarantined.map((q) => q.seed)).toEqual([2]);
    expect(s.quarantined[0].reason).toMatch(/written before seeds were verified\); history\.arrow does not decode/);
    expect(s.completed).toEqual([2]);
  });

  it('aggregate names a changed file and stops; --skip-bad leaves the seed out with a warning', async () => {
    const sim = join(seedDir(2), 'similarity.arrow');
    const bytes = readFileSync(sim);
    bytes[bytes.length - 100] ^= 0xff; // same size, other bytes
    writeFileSync(sim, bytes);
    const e = await errorOf(aggregate({ dirs: [root], cka: false, reps: 50 }));
    expect(e.code).toBe('E_OUTPUT');
    expect(e.message).toContain(seedDir(2));
    expect(e.message).toMatch(/similarity\.arrow: SHA-256 differs/);
    expect(e.hint).toMatch(/--skip-bad/);
    const res = await aggregate({ dirs: [root], cka: false, reps: 50, skipBad: true });
    expect(res.stats.seeds).toEqual([1]);
    expect(res.stats.warnings.some((w) => /seed 2 left out \(--skip-bad\).*similarity\.arrow/.test(w))).toBe(true);
    writeFileSync(sim, bytes.map((b, i) => (i === bytes.length - 100 ? b ^ 0xff : b))); // repair
  });

  it('a 0-byte combined filters.arrow is named as empty, not as a config-hash mismatch; a rerun rebuilds it', async () => {
    writeFileSync(join(root, 'filters.arrow'), '');
    // aggregate reads the seed folders (issue #11), so a damaged combined file does not stop it …
    expect((await aggregate({ dirs: [root], cka: false, reps: 50, outDir: join(root, 'r') })).stats.seeds).toEqual([1, 2]);
    // … and a folder of combined files only (an export) names the empty file as such
    const exported = tempDir();
    for (const f of ['filters.arrow', 'metrics.arrow']) copyFileSync(join(root, f), join(exported, f));
    const e = await errorOf(aggregate({ dirs: [exported], cka: false, reps: 50 }));
    expect(e.message).toMatch(/filters\.arrow is empty \(0 bytes\)/);
    expect(e.message).not.toMatch(/configHash/);
    const s = await runStudy(cfg);
    expect(s.skipped).toEqual([1, 2]);
    expect(statSync(join(root, 'filters.arrow')).size).toBeGreaterThan(0);
  });

  it('a garbage config.json is a coded error naming it, and nothing is changed', async () => {
    const before = readdirSync(join(root, 'seeds'));
    writeFileSync(join(root, 'config.json'), 'not json at all');
    const e = await errorOf(runStudy(cfg));
    expect(e.code).toBe('E_OUTPUT');
    expect(e.message).toContain(join(root, 'config.json'));
    expect(e.message).toMatch(/not valid JSON/);
    expect(readdirSync(join(root, 'seeds'))).toEqual(before);
    expect(readFileSync(join(root, 'config.json'), 'utf8')).toBe('not json at all');
  });
});

describe('a full disk', () => {
  it('injected ENOSPC while writing a seed: a coded error with path and reason, temp folder removed, finished seeds kept, the sweep stops', async () => {
    const out = tempDir();
    // The first seed written (whichever the pool finishes first) fits; the disk is full from the second on.
    let firstSeed: string | null = null;
    injectFault((p) => {
      const m = /seeds\/(seed-\d+)\.tmp-/.exec(p);
      if (!m) return undefined;
      firstSeed ??= m[1];
      return m[1] === firstSeed ? undefined : osError('ENOSPC', 28, 'no space left on device', p);
    });
    const e = await errorOf(runStudy(tinyConfig({ outDir: out, name: 'full', seeds: { count: 3 }, runtime: { workers: 1 } })));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/could not write \S*seed-\d+\.tmp-[^/]+\/\S+: no space left on device \(ENOSPC\)/);
    expect(e.message).toMatch(/the sweep stopped: 1 seed\(s\) finished and kept, 1 failed, 1 not trained/);
    expect(e.hint).toMatch(/free some space/);
    fsFault.current = null;
    const seeds = readdirSync(join(out, 'full', 'seeds'));
    expect(seeds).toEqual([firstSeed]); // the one that fitted; nothing trained after the disk said no
    expect(verifySeedDir(join(out, 'full', 'seeds', firstSeed!), Number(firstSeed!.slice(5))).ok).toBe(true);
    expect(tempLeftovers(out)).toEqual([]);
  });

  it('a real 3 MB tmpfs (root): ENOSPC named, no temp files, the seed that fitted verifies', async (ctx) => {
    const fs = mountTmpfs('3m');
    if (!fs) return ctx.skip();
    try {
      // One tiny seed is ~2.2 MB: the first fits, the second cannot.
      const e = await errorOf(runStudy(tinyConfig({ outDir: fs.dir, name: 'full', seeds: { count: 3 }, runtime: { workers: 1 } })));
      expect(e.code).toBe('E_IO');
      expect(e.message).toMatch(/no space left on device \(ENOSPC\)/);
      expect(e.message).toContain(fs.dir);
      const seeds = readdirSync(join(fs.dir, 'full', 'seeds'));
      expect(seeds).toHaveLength(1); // whichever the pool finished first
      expect(verifySeedDir(join(fs.dir, 'full', 'seeds', seeds[0]), Number(seeds[0].slice(5))).ok).toBe(true);
      expect(tempLeftovers(fs.dir)).toEqual([]);
    } finally {
      fs.unmount();
    }
  });
});

describe('failing to write the combined files', () => {
  it('is the study\'s error, not the seed\'s: the seed is finished, no failure record, no temp file', async () => {
    const out = tempDir();
    const root = join(out, 'comb');
    injectFault((p) => (p.startsWith(join(root, 'filters.arrow.tmp-')) ? osError('EIO', 5, 'i/o error', p) : undefined));
    const e = await errorOf(runStudy(tinyConfig({ outDir: out, name: 'comb', seeds: { count: 1 } })));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(new RegExp(`could not write ${join(root, 'filters.arrow').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: input/output error \\(EIO\\)`));
    fsFault.current = null;
    expect(verifySeedDir(join(root, 'seeds', 'seed-0001'), 1).ok).toBe(true);
    expect(readdirSync(join(root, 'failed'))).toEqual([]);
    expect(tempLeftovers(root)).toEqual([]);
  });
});

describe('a read-only output folder', () => {
  const syntheticStudy = () => {
    const dir = tempDir();
    writeStudyFiles(dir, makeSyntheticStudy({ seeds: 3, mode: 'paper' }));
    return dir;
  };

  it('injected EROFS: run and aggregate --out give E_IO naming the path', async () => {
    const out = tempDir();
    injectFault((p) => (p.startsWith(out) ? osError('EROFS', 30, 'read-only file system', p) : undefined));
    const e = await errorOf(runStudy(tinyConfig({ outDir: out, name: 'ro' })));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/read-only file system \(EROFS\)/);
    expect(e.message).toContain(join(out, 'ro'));
    const a = await errorOf(aggregate({ dirs: [syntheticStudy()], outDir: out, cka: false, reps: 50 }));
    expect(a.code).toBe('E_IO');
    expect(a.message).toMatch(new RegExp(`could not write ${out}/\\S+: read-only file system \\(EROFS\\)`));
  });

  it('a real read-only tmpfs (root): the CLI exits 2 with [E_IO], the path and EROFS, no stack trace', async (ctx) => {
    const fs = mountTmpfs('1m', true);
    if (!fs) return ctx.skip();
    try {
      const study = syntheticStudy();
      const run = spawnSync(process.execPath, [BIN, 'run', '--out', fs.dir, '--name', 'ro', '-s', '1', '--no-aggregate'], { cwd: tempDir(), encoding: 'utf8', timeout: 600_000 });
      expect(run.stderr).toMatch(/\[E_IO\] could not \S+ .*read-only file system \(EROFS\)/);
      expect(run.stderr).toContain(fs.dir);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.status).toBe(2);
      const agg = spawnSync(process.execPath, [BIN, 'aggregate', study, '--out', join(fs.dir, 'report'), '--no-cka', '--reps', '50'], { cwd: tempDir(), encoding: 'utf8', timeout: 600_000 });
      expect(agg.stderr).toMatch(/\[E_IO\] .*read-only file system \(EROFS\)/);
      expect(agg.stderr).toContain(join(fs.dir, 'report'));
      expect(agg.stderr).not.toMatch(/\n\s+at /);
      expect(agg.status).toBe(2);
    } finally {
      fs.unmount();
    }
  });
});
