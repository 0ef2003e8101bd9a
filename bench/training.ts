/**
 * Training throughput on the selected backend with one worker thread, then with all of them at
 * once (one per core, as `filterstudy run` uses them).
 *   npx tsx bench/training.ts [--backend auto|wasm|cpu|tfjs-node] [--steps 30] [--batch 128] [--workers N]
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { BenchResult } from './training-worker.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const backend = arg('backend', 'auto');
const steps = Number(arg('steps', '30'));
const batch = Number(arg('batch', '128'));
const workers = Number(arg('workers', String(availableParallelism())));

const pool = new Piscina({ filename: fileURLToPath(new URL('./training-entry.mjs', import.meta.url)), minThreads: workers, maxThreads: workers });
const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(8);
const line = (label: string, r: BenchResult[]) => {
  const sum = (k: keyof Omit<BenchResult, 'backend'>) => r.reduce((a, b) => a + b[k], 0);
  console.log(`${label.padEnd(22)} backend ${r[0].backend.padEnd(10)} CNN ${fmt(sum('cnnImagesPerSec'))} images/s   model-2 ${fmt(sum('model2PairsPerSec'))} pairs/s${r.length > 1 ? `   (per worker ${fmt(sum('cnnImagesPerSec') / r.length).trim()} / ${fmt(sum('model2PairsPerSec') / r.length).trim()})` : ''}`);
};

console.log(`training throughput: batch ${batch}, ${steps} timed steps after 3 warm-up steps, load average ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
line('1 worker', [await pool.run({ backend, steps, batch })]);
if (workers > 1) line(`${workers} workers at once`, await Promise.all(Array.from({ length: workers }, () => pool.run({ backend, steps, batch }))));
await pool.destroy();
