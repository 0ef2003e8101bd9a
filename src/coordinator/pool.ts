/**
 * The Piscina worker pool. One task = one seed (model-1 and model-2). Thread count: one per core
 * by default; one in total when @tensorflow/tfjs-node will be used, because its native addon
 * fails to load in a second worker thread (tfjs issue #8388).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { StudyConfig } from '../config.ts';
import { tfjsNodeInstalled } from '../ml/backend.ts';
import type { SeedResult, SeedTask, WorkerMessage } from '../worker/task.ts';

const require = createRequire(import.meta.url);
const ENTRY = fileURLToPath(new URL('../worker/entry.mjs', import.meta.url));

/**
 * True when onnxruntime-node's native binding for this platform is installed. Does not load it
 * (the workers do; a binding that is present but fails to load still falls back in the worker).
 */
export function onnxruntimeInstalled(): boolean {
  try {
    const dir = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(dir, 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node'));
  } catch {
    return false;
  }
}

/** The engine/backend the workers will use (for the start message and the thread count). */
export function plannedBackend(cfg: StudyConfig): 'onnxruntime' | 'tfjs-node' | 'wasm' | 'cpu' {
  const b = cfg.runtime.backend;
  if (b === 'auto') return onnxruntimeInstalled() ? 'onnxruntime' : tfjsNodeInstalled() ? 'tfjs-node' : 'wasm';
  return b;
}

export function workerCount(cfg: StudyConfig, pendingSeeds: number): number {
  if (plannedBackend(cfg) === 'tfjs-node') return 1;
  const wanted = cfg.runtime.workers ?? availableParallelism();
  return Math.max(1, Math.min(wanted, pendingSeeds));
}

export interface SeedPool {
  /**
   * `cancel` stops the task cooperatively: the worker sees it between training steps and between
   * stages, releases its onnxruntime sessions and returns an E_INTERRUPTED failure. The thread is
   * never terminated mid-step: ending a thread (or the process) while an onnxruntime call is in
   * flight aborts the process (`terminate called after throwing an instance of 'Napi::Error'`).
   */
  run(task: Omit<SeedTask, 'port' | 'cancel'>, onProgress: (p: WorkerMessage) => void, cancel?: AbortSignal): Promise<SeedResult>;
  destroy(): Promise<void>;
  threads: number;
}

export function createSeedPool(threads: number): SeedPool {
  const pool = new Piscina({
    filename: ENTRY,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // Each thread trains one seed at a time: queueing more would only hold memory.
    concurrentTasksPerWorker: 1,
  });
  return {
    threads,
    async run(task, onProgress, cancel) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: WorkerMessage) => onProgress(m));
      // One shared int: the worker reads it synchronously between steps (no message to wait for).
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const raise = () => Atomics.store(flag, 0, 1);
      if (cancel?.aborted) raise();
      cancel?.addEventListener('abort', raise, { once: true });
      try {
        return (await pool.run({ ...task, port: port2, cancel: flag }, { transferList: [port2] })) as SeedResult;
      } finally {
        cancel?.removeEventListener('abort', raise);
        port1.close();
      }
    },
    destroy: () => pool.destroy(),
  };
}
