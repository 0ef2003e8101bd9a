/**
 * `npm run bench -- --seeds`: seconds per seed for each preset (training, evaluation, ONNX export),
 * one worker vs two at once, and peak RSS per worker. Every worker is a child process
 * (bench/seed-child.ts) running the study's seed task, so its peak RSS (getrusage maxRSS) is its
 * own; in `filterstudy run` workers are threads of one process and share the ~40–50 MB of the
 * Node runtime that every child here counts once.
 *  - quick: seeds 1 and 2 one after another in one worker, then each in its own worker at once;
 *    speedup = wall of the first / wall of the second (seed work only, process start-up excluded).
 *    --quick-epochs N trains N epochs per network instead of the preset's (training extrapolated
 *    linearly to the preset's epochs, as for paper; the speedup is then of the N-epoch seeds).
 *  - paper: one real seed on the preset's full data with --paper-epochs epochs (default 1), training
 *    extrapolated linearly to the preset's 100 epochs (seeds-lib.ts `extrapolate`), labelled so.
 *   npx tsx bench/seeds.ts [--presets quick,paper] [--quick-epochs 10] [--paper-epochs 1] [--engine wasm]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type UserConfig } from '../src/config.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { argOf } from './args.ts';
import { describeCeiling, machineCeiling } from './ceiling.ts';
import { extrapolate, phasesOf, phasesTable, scalingTable, span, type Phases, type SeedRun } from './seeds-lib.ts';
import { checkEngineName } from './steps.ts';

const presets = argOf('presets', 'quick,paper').split(',');
const paperEpochs = Math.max(1, Number(argOf('paper-epochs', '1')));
const quickPreset = resolveConfig([{ source: 'quick preset', config: { preset: 'quick' } }]).train;
const quickEpochs = Math.max(1, Number(argOf('quick-epochs', String(quickPreset.epochs))));
const engine = checkEngineName(argOf('engine', argOf('backend', 'auto')));
const root = fileURLToPath(new URL('..', import.meta.url));
// 'onnxruntime' reaches the seed task as runtime.backend once the engine branch adds it there.
const runtime = { runtime: { backend: engine } } as UserConfig;

interface Worker { runs: SeedRun[]; peakMB: number }

/** One worker process running `seeds` in order. */
function worker(layers: UserConfig[], seeds: number[]): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', 'bench/seed-child.ts', JSON.stringify({ layers, seeds })], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
      if (code !== 0) return reject(new Error(`seed worker exited ${code}: ${JSON.stringify(lines.find((l) => l.type === 'failed') ?? out.slice(-500))}`));
      const rss = lines.find((l) => l.type === 'rss');
      resolve({ runs: lines.filter((l) => l.type === 'seed') as unknown as SeedRun[], peakMB: Number(rss?.peakMB) });
    });
  });
}

/** What the evaluation phase of each seed consists of, in seconds. */
const evalParts = (label: string, runs: SeedRun[]) => {
  for (const r of runs) {
    const p = phasesOf(r);
    const claim4 = r.claim4Seconds ?? 0;
    console.log(`${label} seed ${r.seed}: evaluation ${p.evaluation.toFixed(1)} s = tfjs test pass for the ONNX check ${(p.evaluation - r.phaseSeconds.onnxEvaluate - claim4).toFixed(1)} + onnxruntime metrics ${r.phaseSeconds.onnxEvaluate.toFixed(1)} + claim 4 ${claim4.toFixed(1)}`);
  }
};

const mean = (ps: Phases[]): Phases => {
  const k = ['training', 'evaluation', 'export', 'setup', 'total'] as const;
  return Object.fromEntries(k.map((key) => [key, ps.reduce((a, p) => a + p[key], 0) / ps.length])) as unknown as Phases;
};

console.log(`seconds per seed (${engine}); node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg()[0].toFixed(2)} at start; one measurement each, not repeated`);
const rows: { preset: string; phases: Phases; note: string }[] = [];
const memory: string[] = [];
let engineName = '';
let scaling = '';

if (presets.includes('quick')) {
  const shortened = quickEpochs !== quickPreset.epochs;
  const layers: UserConfig[] = [{ preset: 'quick' }, runtime, ...(shortened ? [{ train: { epochs: quickEpochs } } as UserConfig] : [])];
  const before = await machineCeiling();
  const one = await worker(layers, [1, 2]);
  const load1 = os.loadavg()[0];
  const two = await Promise.all([worker(layers, [1]), worker(layers, [2])]);
  const load2 = os.loadavg()[0];
  const after = await machineCeiling();
  engineName = one.runs[0].engine;
  rows.push({ preset: shortened ? `quick, ${quickEpochs} epochs` : 'quick', phases: mean(one.runs.map(phasesOf)), note: 'measured: mean of seeds 1–2 in one worker' });
  if (shortened) rows.push({ preset: `quick, ${quickPreset.epochs} epochs`, phases: mean(one.runs.map((r) => extrapolate(r, () => quickPreset.epochs))), note: `training extrapolated linearly from the ${quickEpochs}-epoch seeds above` });
  evalParts('quick', one.runs);
  const w1 = span(one.runs);
  const w2 = span(two.flatMap((w) => w.runs));
  console.log(`quick${shortened ? ` (${quickEpochs} epochs)` : ''}, seeds 1 and 2: one worker ${w1.toFixed(1)} s (load average ${load1.toFixed(2)} after); two workers at once ${w2.toFixed(1)} s (load ${load2.toFixed(2)} after) → ${(w1 / w2).toFixed(2)}× (target ≥ 1.9)`);
  // A lone worker also keeps the other core partly busy (V8's garbage-collector and compiler
  // threads): then two workers at once cannot reach 2× it, whatever the code.
  const cores = (runs: SeedRun[]) => runs.map((r) => ((r.cpuSeconds ?? NaN) / r.seconds).toFixed(2)).join(', ');
  console.log(`CPU seconds per wall second during each seed (user + system, all threads): one worker ${cores(one.runs)}; two at once ${cores(two.flatMap((w) => w.runs))}`);
  console.log(`this machine's ceiling for two at once (bench/ceiling.ts): ${describeCeiling(before)} before the seeds, ${describeCeiling(after)} after`);
  scaling = scalingTable(one.runs, two.flatMap((w) => w.runs));
  memory.push(`quick: one worker ${Math.round(one.peakMB)} MB; two at once ${two.map((w) => Math.round(w.peakMB)).join(' and ')} MB`);
}

if (presets.includes('paper')) {
  const paper = resolveConfig([{ source: 'paper preset', config: { preset: 'paper' } }]).train;
  const w = await worker([{ preset: 'paper' }, runtime, { train: { epochs: paperEpochs } }], [1]);
  engineName ||= w.runs[0].engine;
  // Every network trains train.epochs under the paper's 'fixed' stop rule (a plateau rule would stop some earlier).
  const target = () => paper.epochs;
  rows.push({ preset: `paper, ${paperEpochs} epoch${paperEpochs > 1 ? 's' : ''}`, phases: phasesOf(w.runs[0]), note: 'measured: seed 1, full data' });
  evalParts('paper', w.runs);
  rows.push({ preset: `paper, ${paper.epochs} epochs`, phases: extrapolate(w.runs[0], target), note: `training extrapolated linearly from the ${paperEpochs}-epoch seed above` });
  memory.push(`paper (full data): one worker ${Math.round(w.peakMB)} MB`);
}

console.log(`\nengine ${engineName}; load average ${os.loadavg()[0].toFixed(2)} at the end\n`);
console.log(phasesTable(rows));
if (scaling) console.log(`\nquick: where two workers lose against one (mean seconds per seed)\n\n${scaling}`);
console.log(`\npeak RSS per worker (one process per worker, getrusage maxRSS; target < 500 MB): ${memory.join('; ')}`);
