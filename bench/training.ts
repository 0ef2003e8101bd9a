/**
 * Training throughput on the selected engine with one worker thread, then with all of them at
 * once (one per core, as `filterstudy run` uses them).
 *   npx tsx bench/training.ts [--engine auto|wasm|cpu|tfjs-node|onnxruntime] [--optimizer sgd|adam]
 *                             [--steps 30] [--batch 128] [--workers N]
 * (--backend is accepted as another name for --engine.)
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { argOf } from './args.ts';
import { describeCeiling, machineCeiling } from './ceiling.ts';
import { checkEngineName, type Optimizer } from './steps.ts';
import type { BenchResult } from './training-worker.ts';

const engine = checkEngineName(argOf('engine', argOf('backend', 'auto')));
const optimizer = argOf('optimizer', 'sgd') as Optimizer;
const steps = Number(argOf('steps', '30'));
const batch = Number(argOf('batch', '128'));
const workers = Number(argOf('workers', String(availableParallelism())));

const pool = new Piscina({ filename: fileURLToPath(new URL('./training-entry.mjs', import.meta.url)), minThreads: workers, maxThreads: workers });
const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(8);
const line = (label: string, r: BenchResult[]) => {
  const sum = (k: 'cnnImagesPerSec' | 'model2PairsPerSec') => r.reduce((a, b) => a + b[k], 0);
  console.log(`${label.padEnd(22)} ${r[0].engine.padEnd(11)} CNN ${fmt(sum('cnnImagesPerSec'))} images/s   model-2 ${fmt(sum('model2PairsPerSec'))} pairs/s${r.length > 1 ? `   (per worker ${fmt(sum('cnnImagesPerSec') / r.length).trim()} / ${fmt(sum('model2PairsPerSec') / r.length).trim()})` : ''}   process RSS ${Math.round(Math.max(...r.map((x) => x.rssMB)))} MB`);
};

console.log(`training throughput (${optimizer}): batch ${batch}, ${steps} timed steps after 3 warm-up steps, load average ${loadavg()[0].toFixed(2)}`);
const one = await pool.run({ engine, optimizer, steps, batch });
line('1 worker', [one]);
if (workers > 1) {
  line(`${workers} workers at once`, await Promise.all(Array.from({ length: workers }, () => pool.run({ engine, optimizer, steps, batch }))));
  if (workers === 2) console.log(`this machine's ceiling for two at once right now (bench/ceiling.ts): ${describeCeiling(await machineCeiling())}`);
}
await pool.destroy();
