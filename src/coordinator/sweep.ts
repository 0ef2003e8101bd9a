/**
 * The seed sweep: plan the seeds, skip the finished ones, fan the rest out to the worker pool,
 * write each seed as it finishes, and combine everything at the end. A failed seed is recorded
 * with its error and the others carry on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { seedList, type StudyConfig } from '../config.ts';
import type { ProgressMessage, SeedFailure, SeedResult, StageMessage } from '../worker/task.ts';
import { combineSeeds, seedDirName, type CombineCache, prepareStudyDir, studyMeta, studyPaths, writeFailure, writeSeed, type StudyMeta, type StudyPaths } from '../io/outputs.ts';
import { loadMnist, splitMnist } from '../data/mnist.ts';
import { seedOutput } from './seed-rows.ts';
import { createSeedPool, plannedBackend, workerCount, type SeedPool } from './pool.ts';
import { claimOptionsFromEnv, claimSeed, leasePath, withCombinedLock, type ClaimOptions, type Lease, type LeaseHolder } from '../io/claims.ts';
import { shardSeeds, WHOLE, type Shard } from './shard.ts';
import type { Quarantined } from '../io/seed-manifest.ts';
import { DISK_REFUSALS, errnoCode, FilterstudyError, ioError } from '../errors.ts';
import { slowPathWarning } from '../ml/kernels/paths.ts';

export type StudyEvent =
  | { type: 'start'; study: string; root: string; seeds: number[]; pending: number[]; skipped: number[]; threads: number; backend: string }
  | { type: 'progress'; progress: ProgressMessage }
  | { type: 'stage'; seed: number; stage: StageMessage['stage'] }
  | { type: 'seed-done'; seed: number; seconds: number; dir: string; backend: string; testAccuracy: Record<string, number>; exportAgrees: boolean; notes: string[] }
  | { type: 'seed-failed'; seed: number; error: SeedFailure['error']; file: string | null }
  /** A finished seed that ran a slower fallback (W_SLOW_KERNELS: its wasm kernels fell back from the SIMD module). */
  | { type: 'warning'; seed: number; code: 'W_SLOW_KERNELS'; message: string }
  | { type: 'seed-quarantined'; seed: number; reason: string; movedTo: string }
  | { type: 'seed-elsewhere'; seed: number; why: 'finished' }
  | { type: 'seed-waiting'; seed: number; holder?: string }
  | { type: 'seed-takeover'; seed: number; reason: string }
  /** This process's lease on the seed was taken over (it froze or stalled past expiry): it stopped training that seed and left it to the new holder. */
  | { type: 'seed-lost'; seed: number; holder?: string }
  | { type: 'combined'; files: string[] };

export interface StudySummary {
  paths: StudyPaths;
  meta: StudyMeta;
  completed: number[];
  skipped: number[];
  failed: { seed: number; error: SeedFailure['error'] }[];
  files: string[];
  /** Seed folders that failed verification at the start and were moved to quarantine/ (then trained again). */
  quarantined: Quarantined[];
  /** Seeds another process sharing the folder finished (this run found them done, or waited for them). */
  elsewhere: number[];
}

const require = createRequire(import.meta.url);

/** Versions of what produced the numbers, recorded in every output. */
export function packageVersions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node };
  for (const name of ['filterstudy', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'onnxruntime-node', 'apache-arrow', 'piscina']) {
    try {
      const path = name === 'filterstudy' ? '../../package.json' : `${name}/package.json`;
      v[name] = (require(path) as { version: string }).version;
    } catch {
      // not installed (tfjs-node is optional)
    }
  }
  return v;
}

/**
 * Trains the study's seeds, or with `shard` only that shard's (src/coordinator/shard.ts).
 * `signal` (Ctrl-C, SIGTERM) stops the sweep: seeds in training stop at their next step, the
 * worker threads end once idle, and an E_INTERRUPTED error is thrown; finished seeds are kept.
 * `lease`: the seed leases' timing (default: claims.ts CLAIM_DEFAULTS, or FILTERSTUDY_LEASE_MS).
 */
export async function runStudy(cfg: StudyConfig, opts: { onEvent?: (e: StudyEvent) => void; shard?: Shard; signal?: AbortSignal; lease?: ClaimOptions } = {}): Promise<StudySummary> {
  const emit = opts.onEvent ?? (() => {});
  const leaseOptions = opts.lease ?? claimOptionsFromEnv();
  const interrupted = () => interruptedError(opts.signal, 'before any seed was trained');
  const paths = studyPaths(cfg);
  // Check the data here, once, before any thread starts: a wrong --data-dir or checksum is one
  // clear error instead of one per seed.
  const mnist = loadMnist({ dataDir: cfg.data.dir ?? undefined, verify: cfg.data.verify });
  splitMnist(mnist, { dataSeed: cfg.data.dataSeed, trainSize: cfg.data.trainSize, valSize: cfg.data.valSize });
  // Under the study lock: of two runs started together with different configs, the second
  // finds the first one's config.json and is refused (no seed of another config gets in).
  const prepared = await withCombinedLock(paths.root, () => prepareStudyDir(paths, studyMeta(cfg, packageVersions(), { backend: plannedBackend(cfg), data: mnist.source.files }, mnist.source)));
  const meta = prepared.meta;
  if (opts.signal?.aborted) throw interrupted();
  for (const q of prepared.quarantined) emit({ type: 'seed-quarantined', ...q });
  const finished = new Set(prepared.finished);
  const seeds = shardSeeds(seedList(cfg), opts.shard ?? WHOLE);
  const pending = seeds.filter((s) => !finished.has(s));
  const skipped = seeds.filter((s) => finished.has(s));
  const summary: StudySummary = { paths, meta, completed: [], skipped, failed: [], files: [], quarantined: prepared.quarantined, elsewhere: [] };
  const threads = workerCount(cfg, pending.length);
  emit({ type: 'start', study: cfg.name, root: paths.root, seeds, pending, skipped, threads, backend: plannedBackend(cfg) });

  // A disk that refuses (full, read-only, no permission) stops the sweep: the seeds still to come
  // could not be written either. The seeds already written stay; the error is the study's.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  opts.signal?.addEventListener('abort', onInterrupt, { once: true });
  let stopError: FilterstudyError | null = null;
  // The combined files are derived: failing to write them is the study's error, never a seed's.
  let combineError: FilterstudyError | null = null;
  const combineCache: CombineCache = new Map();
  // Under the study folder's lock: processes sharing the folder take turns, each writing from the
  // listing it makes while holding it.
  const combine = async () => {
    try {
      summary.files = await withCombinedLock(paths.root, () => combineSeeds(paths, meta, combineCache));
      combineError = null;
    } catch (e) {
      combineError = asStudyError(e, `could not combine the seeds into ${paths.root}`);
      if (isDiskRefusal(combineError)) { stopError ??= combineError; stop.abort(); }
    }
  };

  const slots = semaphore(threads);
  const waiting: number[] = [];
  const finishedNow = (seed: number) => existsSync(join(paths.seeds, seedDirName(seed), 'seed.json'));
  const elsewhere = (seed: number, why: 'finished') => {
    summary.elsewhere.push(seed);
    emit({ type: 'seed-elsewhere', seed, why });
  };

  /**
   * Trains one claimed seed on the pool, writes it (or its failure record), refreshes the combined
   * files. 'lost': the lease was taken over meanwhile (this process froze past its expiry): the
   * seed was abandoned, nothing written; its new holder finishes it.
   */
  const trainSeed = async (seed: number, pool: SeedPool, lease: Lease): Promise<'lost' | void> => {
    // A lease lost is a seed abandoned: training stops at its next step.
    const lost = new AbortController();
    const abandon = (by: LeaseHolder | null) => {
      if (lost.signal.aborted) return;
      lost.abort();
      emit({ type: 'seed-lost', seed, holder: by ? `${by.host} pid ${by.pid} since ${by.startedAt}` : undefined });
    };
    lease.startRenewing(abandon);
    let result: SeedResult;
    try {
      result = await pool.run({ cfg, seed, studyId: cfg.name, configHash: meta.configHash, versions: meta.versions }, (m) => emit(m.type === 'stage' ? { type: 'stage', seed: m.seed, stage: m.stage } : { type: 'progress', progress: m }), AbortSignal.any([stop.signal, lost.signal]));
    } catch (e) {
      if (stop.signal.aborted) return; // stopped: not a failure of this seed
      // The worker thread itself died (out of memory, native crash): only this seed fails.
      result = { status: 'failed', seed, backend: null, seconds: 0, error: { code: 'E_TRAIN', message: `worker thread died: ${(e as Error).message}`, hint: 'out of memory or a crash in native code; rerun the same command to retry this seed' } } satisfies SeedFailure;
    }
    // Checked again here: a frozen process may resume with its result in hand before the renewal timer runs.
    if (!lease.stillOurs()) abandon(null);
    if (lost.signal.aborted) return 'lost';
    if (result.status === 'failed' && result.error.code === 'E_INTERRUPTED') return; // stopped by the signal: not a failure
    if (result.status === 'ok') {
      let dir: string;
      try {
        const w = writeSeed(paths, seedOutput(result, cfg), meta);
        if (!w.written) {
          abandon(null);
          return 'lost';
        }
        dir = w.dir;
      } catch (e) {
        const err = asStudyError(e, `could not write seed ${seed}`);
        result = { status: 'failed', seed, backend: result.backend, seconds: result.seconds, error: { ...err.toJSON(), code: err.code } } satisfies SeedFailure;
        if (isDiskRefusal(err)) { stopError ??= err; stop.abort(); }
      }
      if (result.status === 'ok') {
        summary.completed.push(seed);
        // One number per network: what it was trained for (digits for CNNs, the third term for the
        // pipelines); claim 4's relabelled and probe rows share the network name and would overwrite it.
        const testAccuracy = Object.fromEntries(result.metrics.filter((m) => m.split === 'test' && (m.target === 'digit' || m.target === 'third')).map((m) => [`${m.model}.${m.network}`, m.accuracy]));
        const exportAgrees = result.agreement.model1.ok && result.agreement.model2.ok;
        emit({ type: 'seed-done', seed, seconds: result.seconds, dir: dir!, backend: result.backend, testAccuracy, exportAgrees, notes: result.backendNotes });
        const slow = slowPathWarning(result.kernelPaths);
        if (slow) emit({ type: 'warning', seed, code: 'W_SLOW_KERNELS', message: slow });
        // Refresh the combined files now, so that an interrupted sweep (Ctrl-C, kill)
        // leaves combined files that include every finished seed.
        await combine();
        return;
      }
    }
    summary.failed.push({ seed, error: result.error });
    try {
      emit({ type: 'seed-failed', seed, error: result.error, file: writeFailure(paths, result) });
    } catch (e) {
      const why = (e as Error).message;
      result.error.message = `${result.error.message} (and the failure record could not be written: ${why})`;
      emit({ type: 'seed-failed', seed, error: result.error, file: null });
    }
  };

  if (pending.length > 0) {
    const pool = createSeedPool(threads);
    try {
      await Promise.all(
        pending.map(async (seed) => {
          // A seed is claimed only when a thread is free for it, so that processes sharing the
          // folder split the remaining seeds between them as they go (io/claims.ts).
          await slots.acquire();
          let lease: Lease | null = null;
          try {
            if (stop.signal.aborted) return;
            if (finishedNow(seed)) return elsewhere(seed, 'finished');
            lease = await claimSeed(paths.root, seed, leaseOptions);
            if (!lease) {
              // Another process trains it: come back to it when this run's other seeds are done.
              waiting.push(seed);
              emit({ type: 'seed-waiting', seed, holder: holderOf(paths.root, seed) });
              return;
            }
            if (finishedNow(seed)) return elsewhere(seed, 'finished'); // finished just before our claim
            if (lease.tookOver) emit({ type: 'seed-takeover', seed, reason: lease.tookOver });
            if ((await trainSeed(seed, pool, lease)) === 'lost') waiting.push(seed); // its new holder finishes it
          } finally {
            lease?.release();
            slots.release();
          }
        }),
      );
      // Seeds another process held: wait until it finishes them, or take them over when its
      // lease goes stale (it died: a killed shard on another node, resubmitted here). So a run
      // ends with all of its seeds, whoever trained them.
      await Promise.all(
        waiting.map(async (seed) => {
          for (;;) {
            if (stop.signal.aborted) return;
            if (finishedNow(seed)) return elsewhere(seed, 'finished');
            await slots.acquire();
            let lease: Lease | null = null;
            try {
              lease = await claimSeed(paths.root, seed, leaseOptions);
              if (lease && finishedNow(seed)) return elsewhere(seed, 'finished');
              if (lease) {
                if (lease.tookOver) emit({ type: 'seed-takeover', seed, reason: lease.tookOver });
                if ((await trainSeed(seed, pool, lease)) !== 'lost') return;
              }
            } finally {
              lease?.release();
              slots.release();
            }
            await sleep(WAIT_POLL_MS, stop.signal);
          }
        }),
      );
    } finally {
      // Every task has returned (a stopped one at its next step): no onnxruntime call is in
      // flight, so the threads can end without aborting the process.
      await pool.destroy();
    }
  }
  opts.signal?.removeEventListener('abort', onInterrupt);
  if (opts.signal?.aborted) throw interruptedError(opts.signal, `${summary.completed.length} seed(s) finished in this run and kept`);
  summary.completed.sort((a, b) => a - b);
  summary.elsewhere.sort((a, b) => a - b);
  // (set inside the callbacks above: TypeScript's narrowing cannot see that)
  const stopped = stopError as FilterstudyError | null;
  if (stopped) {
    const notRun = pending.filter((s) => !summary.completed.includes(s) && !summary.elsewhere.includes(s) && !summary.failed.some((f) => f.seed === s));
    throw new FilterstudyError(stopped.code, `${stopped.message}; the sweep stopped: ${summary.completed.length + skipped.length} seed(s) finished and kept, ${summary.failed.length} failed, ${notRun.length} not trained`, {
      cause: stopped.cause, hint: stopped.hint,
    });
  }
  if (pending.length === 0 || summary.files.length === 0 || combineError) await combine();
  if (combineError) throw combineError as FilterstudyError;
  emit({ type: 'combined', files: summary.files });
  return summary;
}

/** E_INTERRUPTED for a run stopped by `signal` (its reason: the signal's name). */
function interruptedError(signal: AbortSignal | undefined, what: string): FilterstudyError {
  return new FilterstudyError('E_INTERRUPTED', `interrupted (${String(signal?.reason ?? 'stopped')}): ${what}`, { hint: 'rerun the same command to resume: finished seeds are kept' });
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const isDiskRefusal = (e: FilterstudyError): boolean => e.code === 'E_IO' && DISK_REFUSALS.has(errnoCode(e.cause) ?? '');

/** A coded error stays as it is; an OS error becomes E_IO; anything else is a bug. */
function asStudyError(e: unknown, what: string): FilterstudyError {
  if (e instanceof FilterstudyError) return e;
  if (errnoCode(e) !== undefined) return ioError(e, 'write', (e as NodeJS.ErrnoException).path ?? what);
  return new FilterstudyError('E_INTERNAL', `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** How often a run checks a seed another process holds (a stat, and a claim attempt). */
const WAIT_POLL_MS = 2000; // cheap; small next to a seed's minutes of training

/** A counting semaphore: at most `n` holders at once, the others wait in order. */
function semaphore(n: number): { acquire(): Promise<void>; release(): void } {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire: () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((r) => waiting.push(r))),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** Who holds a seed's lease, for the message ("host pid 123"), or undefined. */
function holderOf(root: string, seed: number): string | undefined {
  try {
    const h = JSON.parse(readFileSync(leasePath(root, seed), 'utf8')) as { host: string; pid: number; startedAt: string };
    return `${h.host} pid ${h.pid} since ${h.startedAt}`;
  } catch {
    return undefined;
  }
}
