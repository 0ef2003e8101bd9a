/**
 * Micro-bench of the onnxruntime training engine's steps (src/onnx/train): CNN images/s and
 * model-2 pairs/s, SGD and Adam, on random MNIST-like bytes with dropout on, one intra-op thread.
 *
 *   node --import tsx bench/ort-step.ts [--batch 128] [--runs 7] [--steps 20] [--mode softmax|logits|dense]
 *                                       [--only cnn|model2] [--optimizer sgd|adam] [--profile]
 *
 * Every case gets its session and its warm-up first (bench/steps.ts warmUp: ≥ 3 steps and ≥ 0.5 s); then the timed runs go round the cases in turn
 * (run 1 of every case, then run 2, …), so a drift in the machine's speed touches all cases alike.
 * Each case: `runs` timed runs of `steps` steps each; prints the
 * median (and min–max) of the runs in wall-clock ms per step and items per second, the median
 * process CPU time per step (user + system: with one thread this is the compute the step costs, far
 * less sensitive than wall time to other processes on a shared machine), and the load average
 * (compare only numbers taken side by side). Per step it includes what
 * the engine does per step: gathering image bytes, one-hot labels, drawing the dropout masks.
 * --profile: onnxruntime's session profiling of each case, summed per node and op type over the timed
 * steps (the warm-up's runs left out), printed as ms per step, with each GEMM node's GFLOP/s against a
 * GEMM reference rate measured before and after the runs (the JSON traces go to a temp dir).
 */
import { readFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import { initCnn, initLstm } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import { imageTensor, maskTensor, oneHotTensor } from '../src/onnx/train/batch.ts';
import { MaskDrawer } from '../src/onnx/train/mask-simd.ts';
import { StepRunner, createSession } from '../src/onnx/train/session.ts';
import { gemmFlops, type OrtProfileEvent } from './profile-lib.ts';
import { warmUp } from './steps.ts';
import { median } from './torch-compare.ts';
import { TrainGraph } from '../src/onnx/train/ops.ts';
import { cnnStepModel, model2LstmDim, model2StepModel, type Model2Input } from '../src/onnx/train/steps.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const BATCH = Number(opt('batch', '128'));
const RUNS = Number(opt('runs', '7'));
const STEPS = Number(opt('steps', '20'));
const MODE = opt('mode', 'softmax') as Model2Input;
const PROFILE = args.includes('--profile');
const ONLY = opt('only', '');
const OPTIMIZERS = opt('optimizer', 'sgd,adam').split(',');
const POOL = 4096; // images the batches are drawn from


/**
 * A GEMM reference rate for this core as onnxruntime reaches it: GFLOP/s of a [512,512]·[512,512] Gemm
 * on one thread (MLAS, the kernels our GEMMs run on), the fastest of 5 blocks of 0.5 s. The fastest,
 * not the median: this VM's speed moves by ~40 % within a minute (1024³ gave 119 then 176 GFLOP/s a
 * minute apart, 2026-12-08). 512³, 1024³, 2048³ and the dense layer's own [128,2704]·[2704,128] all
 * reached 164–186 GFLOP/s in a fast phase. A reference, not a bound: a step's GEMM timed in a faster
 * moment than the reference can exceed it.
 */
async function gemmReference(): Promise<number> {
  const S = 512;
  const t = new TrainGraph();
  const a = t.input('a', [S, S], 'left');
  const b = t.input('b', [S, S], 'right');
  t.output(t.gemm(a, b), 'c', [S, S], 'product');
  const session = await createSession(t.encode('reference', 'GEMM reference rate'));
  const rng = makeRng(1, 'gemm-reference');
  const feeds = { a: new ort.Tensor('float32', Float32Array.from({ length: S * S }, () => rng.next()), [S, S]), b: new ort.Tensor('float32', Float32Array.from({ length: S * S }, () => rng.next()), [S, S]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  let best = Infinity; // ms per Gemm
  for (let block = 0; block < 5; block++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 500) {
      await session.run(feeds);
      n++;
    }
    best = Math.min(best, (performance.now() - t0) / n);
  }
  await session.release();
  return (2 * S ** 3) / (best / 1000) / 1e9;
}

/**
 * ms per op type and per node from an onnxruntime profile (chrome-trace JSON), per timed step: the
 * node events of the first `skipRuns` session runs (the warm-up) are left out; for GEMM nodes also
 * GFLOP/s and its share of `reference` (GFLOP/s), and the step's kernel time split into GEMMs and
 * everything else.
 */
function profileTable(file: string, skipRuns: number, reference: number): string {
  const all = JSON.parse(readFileSync(file, 'utf8')) as (OrtProfileEvent & { ts: number })[];
  const runs = all.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const from = runs[skipRuns]?.ts ?? Infinity;
  const steps = runs.length - skipRuns;
  const events = all.filter((e) => e.ts >= from);
  const byOp = new Map<string, number>();
  const byNode = new Map<string, { us: number; flops: number | null; shapes: string }>();
  let total = 0;
  let gemmUs = 0;
  let gemmFlopsTotal = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const key = `${op} ${e.name.replace(/_kernel_time$/, '')}`;
    const flops = gemmFlops(e);
    const shapes = (e.args?.input_type_shape ?? []).slice(0, 2).map((x) => `[${Object.values(x)[0]}]`).join('·');
    const node = byNode.get(key) ?? { us: 0, flops: 0, shapes };
    node.us += e.dur;
    node.flops = flops === null ? null : (node.flops ?? 0) + flops;
    byNode.set(key, node);
    total += e.dur;
    if (flops !== null) {
      gemmUs += e.dur;
      gemmFlopsTotal += flops;
    }
  }
  const fmt = (us: number) => (us / 1000 / steps).toFixed(3).padStart(8);
  const rate = (flops: number, us: number) => { const g = flops / us / 1000; return `${g.toFixed(0).padStart(4)} GFLOP/s (${((100 * g) / reference).toFixed(0)} % of the reference)`; };
  const rows = [...byOp].sort((a, b) => b[1] - a[1]).map(([op, us]) => `  ${fmt(us)} ms  ${op}`);
  const nodes = [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 15)
    .map(([n, v]) => `  ${fmt(v.us)} ms  ${n}${v.flops ? `  ${v.shapes}  ${rate(v.flops, v.us)}` : ''}`);
  return [
    `  kernel time ${fmt(total)} ms per step: GEMMs ${fmt(gemmUs).trim()} ms at ${rate(gemmFlopsTotal, gemmUs)}, ${(gemmFlopsTotal / steps / 1e6).toFixed(0)} MFLOP per step; everything else ${fmt(total - gemmUs).trim()} ms`,
    '  by op type:', ...rows, '  top nodes:', ...nodes,
  ].join('\n');
}

interface Case { name: string; kind: 'cnn' | 'model2'; one: () => Promise<unknown>; run: StepRunner; dir: string; ms: number[]; cpu: number[]; warmup: number }

/** A case's session, batches and warm-up steps (the timed runs come later, interleaved). */
async function prepare(name: string, cfg: StudyConfig, kind: 'cnn' | 'model2'): Promise<Case> {
  const m = cfg.model;
  const rng = makeRng(1, 'bench');
  const pool = Uint8Array.from({ length: POOL * 784 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: POOL }, () => rng.int(kind === 'cnn' ? 10 : 28));
  const flat = (prefix: string, w: ReturnType<typeof initCnn>) => Object.fromEntries(Object.entries(w).map(([k, v]) => [`${prefix}/${k}`, v.data]));
  const weights = kind === 'cnn'
    ? flat('cnn', initCnn(m, rng))
    : { ...flat('cnn1', initCnn(m, rng)), ...flat('cnn2', initCnn(m, rng)), ...flat('lstm', initLstm(m, model2LstmDim(m), rng)) };
  const model = kind === 'cnn' ? cnnStepModel(cfg) : model2StepModel(cfg);
  const dir = PROFILE ? mkdtempSync(join(tmpdir(), 'ort-prof-')) : '';
  const run = await StepRunner.create(model, weights, PROFILE ? { profilePrefix: join(dir, 'p') } : {});
  const drop = makeRng(2, 'dropout');
  const maskA = new MaskDrawer();
  const maskB = new MaskDrawer(); // mask drawers and reused image buffers, as the engine's trainers keep them
  const imgA = {};
  const imgB = {};
  const one = async () => {
    const idx = Int32Array.from({ length: BATCH }, () => rng.int(POOL));
    if (kind === 'cnn') {
      const mask = maskTensor(BATCH, m, drop, maskA);
      return run.step({ x: imageTensor(pool, idx, imgA), onehot: oneHotTensor(labels, idx, 10), ...(mask ? { mask } : {}) });
    }
    const idxB = Int32Array.from({ length: BATCH }, () => rng.int(POOL));
    const ma = maskTensor(BATCH, m, drop, maskA);
    const mb = maskTensor(BATCH, m, drop, maskB);
    return run.step({ xa: imageTensor(pool, idx, imgA), xb: imageTensor(pool, idxB, imgB), onehot: oneHotTensor(labels, idx, 28), ...(ma ? { maskA: ma, maskB: mb! } : {}) });
  };
  const warmup = await warmUp(async () => void (await one())); // ≥ 3 steps and ≥ 0.5 s, as every bench (bench/steps.ts)
  return { name, kind, one, run, dir, ms: [], cpu: [], warmup };
}

/** One timed run of a case: `steps` steps, wall and process CPU ms per step. */
async function timeRun(c: Case): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < STEPS; s++) await c.one();
  const u = process.cpuUsage(c0);
  c.ms.push((performance.now() - t0) / STEPS);
  c.cpu.push((u.user + u.system) / 1000 / STEPS);
}

async function report(c: Case, reference: number): Promise<void> {
  const { name, kind, ms, cpu, run, dir, warmup } = c;
  const med = median(ms);
  const unit = kind === 'cnn' ? 'images/s' : 'pairs/s';
  const per = (x: number) => Math.round((BATCH * 1000) / x).toLocaleString('en-US').padStart(7);
  console.log(
    `${name.padEnd(22)} wall ${med.toFixed(2).padStart(7)} ms/step (${Math.min(...ms).toFixed(2)}–${Math.max(...ms).toFixed(2)}) ${per(med)} ${unit}` +
      ` | cpu ${median(cpu).toFixed(2).padStart(7)} ms/step ${per(median(cpu))} ${unit} | load ${loadavg()[0].toFixed(2)}`,
  );
  if (PROFILE) {
    const file = run.session.endProfiling?.() as unknown as string | undefined;
    await run.dispose();
    const f = file && file.length ? file : join(dir, readdirSync(dir)[0]);
    console.log(profileTable(f, warmup, reference));
    rmSync(dir, { recursive: true, force: true });
  } else {
    await run.dispose();
  }
}

console.log(`onnxruntime-node ${ort.env.versions?.node ?? ''}  batch ${BATCH}, ${RUNS} runs × ${STEPS} steps, 1 thread, dropout ${DEFAULTS.model.dropout}, model2Input ${MODE}`);
const cases: Case[] = [];
const byOptimizer: Record<string, Partial<Record<'cnn' | 'model2', Case>>> = {};
for (const optimizer of OPTIMIZERS as ('sgd' | 'adam')[]) {
  const cfg = structuredClone(DEFAULTS);
  cfg.train.optimizer = optimizer;
  cfg.train.learningRate = optimizer === 'adam' ? 0.001 : 0.01;
  (cfg.model as { model2Input?: Model2Input }).model2Input = MODE;
  byOptimizer[optimizer] = {};
  for (const kind of ['cnn', 'model2'] as const) {
    if (ONLY && ONLY !== kind) continue;
    const c = await prepare(`${kind === 'cnn' ? 'cnn' : 'model-2'} step, ${optimizer}`, cfg, kind);
    cases.push(c);
    byOptimizer[optimizer][kind] = c;
  }
}
const refBefore = PROFILE ? await gemmReference() : NaN;
for (let r = 0; r < RUNS; r++) for (const c of cases) await timeRun(c);
// the GEMM reference before and after the timed runs, and the faster of the two
const reference = PROFILE ? Math.max(refBefore, await gemmReference()) : NaN;
if (PROFILE) console.log(`GEMM reference rate of this core: ${reference.toFixed(0)} GFLOP/s (a [512,512]·[512,512] Gemm on onnxruntime, 1 thread, fastest of 5 blocks of 0.5 s, before and after the timed runs)`);
for (const c of cases) await report(c, reference);
// Adam against SGD per run pair (the same round of the interleaving): the median of the ratios.
for (const kind of ['cnn', 'model2'] as const) {
  const a = byOptimizer.adam?.[kind];
  const g = byOptimizer.sgd?.[kind];
  if (!a || !g) continue;
  const ratio = (x: number[], y: number[]) => median(x.map((v, i) => y[i] / v)); // rate ratio = time(sgd) / time(adam)
  console.log(`${kind === 'cnn' ? 'cnn' : 'model-2'} adam / sgd rate, median of ${RUNS} run pairs: wall ${(100 * ratio(a.ms, g.ms)).toFixed(0)} %, cpu ${(100 * ratio(a.cpu, g.cpu)).toFixed(0)} %`);
}
