/**
 * The seed sweep: plan the seeds, skip the finished ones, fan the rest out to the worker pool,
 * write each seed as it finishes, and combine everything at the end. A failed seed is recorded
 * with its error and the others carry on.
 */
import { createRequire } from 'node:module';
import { seedList, type StudyConfig } from '../config.ts';
import type { ProgressMessage, SeedFailure, SeedResult, StageMessage } from '../worker/task.ts';
import { combineSeeds, prepareStudyDir, studyMeta, studyPaths, writeFailure, writeSeed, type StudyMeta, type StudyPaths } from './outputs.ts';
import { loadMnist, splitMnist } from '../worker/mnist.ts';
import { createSeedPool, plannedBackend, workerCount } from './pool.ts';

export type StudyEvent =
  | { type: 'start'; study: string; root: string; seeds: number[]; pending: number[]; skipped: number[]; threads: number; backend: string }
  | { type: 'progress'; progress: ProgressMessage }
  | { type: 'stage'; seed: number; stage: StageMessage['stage'] }
  | { type: 'seed-done'; seed: number; seconds: number; dir: string; backend: string; testAccuracy: Record<string, number>; onnxAgrees: boolean; notes: string[] }
  | { type: 'seed-failed'; seed: number; error: SeedFailure['error']; file: string }
  | { type: 'combined'; files: string[] };

export interface StudySummary {
  paths: StudyPaths;
  meta: StudyMeta;
  completed: number[];
  skipped: number[];
  failed: { seed: number; error: SeedFailure['error'] }[];
  files: string[];
}

const require = createRequire(import.meta.url);

/** Versions of what produced the numbers, recorded in every output. */
export function packageVersions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node };
  for (const name of ['filterstudy', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'onnxruntime-node', 'apache-arrow', 'piscina']) {
    try {
      const path = name === 'filterstudy' ? '../../package.json' : `${name}/package.json`;
      v[name] = (require(path) as { version: string }).version;
    } catch {
      // not installed (tfjs-node is optional)
    }
  }
  return v;
}

export async function runStudy(cfg: StudyConfig, opts: { onEvent?: (e: StudyEvent) => void } = {}): Promise<StudySummary> {
  const emit = opts.onEvent ?? (() => {});
  const paths = studyPaths(cfg);
  // Check the data here, once, before any thread starts: a wrong --data-dir or checksum is one
  // clear error instead of one per seed. The workers reuse the cached checksums.
  const mnist = loadMnist({ dataDir: cfg.data.dir ?? undefined, verify: cfg.data.verify });
  splitMnist(mnist, { dataSeed: cfg.data.dataSeed, trainSize: cfg.data.trainSize, valSize: cfg.data.valSize });
  const meta = { ...studyMeta(cfg, packageVersions()), data: mnist.source };
  const finished = new Set(prepareStudyDir(paths, meta));
  const seeds = seedList(cfg);
  const pending = seeds.filter((s) => !finished.has(s));
  const skipped = seeds.filter((s) => finished.has(s));
  const summary: StudySummary = { paths, meta, completed: [], skipped, failed: [], files: [] };
  const threads = workerCount(cfg, pending.length);
  emit({ type: 'start', study: cfg.name, root: paths.root, seeds, pending, skipped, threads, backend: plannedBackend(cfg) });

  if (pending.length > 0) {
    const pool = createSeedPool(threads);
    try {
      await Promise.all(
        pending.map(async (seed) => {
          let result: SeedResult;
          try {
            result = await pool.run({ cfg, seed, studyId: cfg.name, configHash: meta.configHash, versions: meta.versions }, (m) => emit(m.type === 'stage' ? { type: 'stage', seed: m.seed, stage: m.stage } : { type: 'progress', progress: m }));
          } catch (e) {
            // The worker thread itself died (out of memory, native crash): only this seed fails.
            result = { status: 'failed', seed, backend: null, seconds: 0, error: { code: 'E_TRAIN', message: `worker thread died: ${(e as Error).message}` } } satisfies SeedFailure;
          }
          // Write this seed and refresh the combined files now, so that an interrupted sweep
          // (Ctrl-C, kill) leaves combined files that include every finished seed.
          if (result.status === 'ok') {
            try {
              const dir = writeSeed(paths, result, meta);
              summary.files = combineSeeds(paths, meta);
              summary.completed.push(seed);
              const testAccuracy = Object.fromEntries(result.metrics.filter((m) => m.split === 'test').map((m) => [`${m.model}.${m.network}`, m.accuracy]));
              const onnxAgrees = result.agreement.model1.ok && result.agreement.model2.ok;
              emit({ type: 'seed-done', seed, seconds: result.seconds, dir, backend: result.backend, testAccuracy, onnxAgrees, notes: result.backendNotes });
              return;
            } catch (e) {
              // A full disk or an unwritable folder fails this seed only; the others go on.
              result = { status: 'failed', seed, backend: result.backend, seconds: result.seconds, error: { code: 'E_OUTPUT', message: `could not write seed ${seed}: ${(e as Error).message}` } } satisfies SeedFailure;
            }
          }
          try {
            const file = writeFailure(paths, result);
            summary.failed.push({ seed, error: result.error });
            emit({ type: 'seed-failed', seed, error: result.error, file });
          } catch (e) {
            summary.failed.push({ seed, error: { ...result.error, message: `${result.error.message} (and the failure record could not be written: ${(e as Error).message})` } });
          }
        }),
      );
    } finally {
      await pool.destroy();
    }
  }
  if (pending.length === 0 || summary.files.length === 0) summary.files = combineSeeds(paths, meta);
  emit({ type: 'combined', files: summary.files });
  summary.completed.sort((a, b) => a - b);
  return summary;
}
