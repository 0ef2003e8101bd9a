/**
 * `npm run bench -- --torch`: ours and PyTorch on the same training steps in one run, interleaved
 * (ours, torch, ours, torch, … for --rounds rounds) so that load from other jobs hits both alike;
 * medians per row, for SGD and Adam. Ours runs on this process's main thread (one thread, as one
 * worker); PyTorch in a child process with one intra-op thread and one OpenBLAS thread.
 *   npx tsx bench/side-by-side.ts [--engine auto|wasm|…|onnxruntime] [--rounds 3] [--steps 100] [--batch 128]
 * 100 timed steps by default: at ~6 ms a CNN step, 30 steps were a 0.2 s window that one garbage
 * collection of onnxruntime's output buffers could slow by a third (per-round CNN rates 12k–24k images/s
 * at 30 steps, 20k–25k at 150, idle, 2026-12-08), while PyTorch's rounds stayed within 10 %.
 */
import os from 'node:os';
import { argOf } from './args.ts';
import { checkEngineName, openStepper, timeStepsCpu, WARMUP_SECONDS, WARMUP_STEPS, type Optimizer } from './steps.ts';
import { fasterOf, median, probeTorch, runTorch, sideBySideTable, torchRun, TORCH_VARIANTS, type SideBySideRow, type TorchResult, type TorchVariant } from './torch-compare.ts';

const engine = checkEngineName(argOf('engine', argOf('backend', 'auto')));
const rounds = Math.max(1, Number(argOf('rounds', '3')));
const steps = Number(argOf('steps', '100'));
const batch = Number(argOf('batch', '128'));

const run = torchRun();
const probe = probeTorch(run);
if (!probe.ok) {
  console.log(`PyTorch side by side: skipped, ${probe.reason}`);
  process.exit(0);
}

const load0 = os.loadavg();
const rows: SideBySideRow[] = []; // per wall second
const cpuRows: SideBySideRow[] = []; // per CPU second
let oursName = '';
let data = '';
// every torch run by optimizer and variant, for the per-variant medians printed at the end
const byVariant: Record<string, TorchResult[]> = {};
for (const optimizer of ['sgd', 'adam'] as Optimizer[]) {
  const cnn: SideBySideRow = { label: `CNN training (${optimizer})`, unit: 'images/s', ours: [], torch: [] };
  const m2: SideBySideRow = { label: `model-2 training (${optimizer})`, unit: 'pairs/s', ours: [], torch: [] };
  const cnnCpu: SideBySideRow = { ...cnn, unit: 'images per CPU s', ours: [], torch: [] };
  const m2Cpu: SideBySideRow = { ...m2, unit: 'pairs per CPU s', ours: [], torch: [] };
  const st = await openStepper({ engine, optimizer, batch });
  oursName = `${st.engine} via ${st.via}`;
  try {
    for (let r = 0; r < rounds; r++) {
      const oc = await timeStepsCpu(st.cnnStep, { steps, batch });
      const om = await timeStepsCpu(st.model2Step, { steps, batch });
      cnn.ours.push(oc.perSec);
      m2.ours.push(om.perSec);
      cnnCpu.ours.push(oc.perCpuSec);
      m2Cpu.ours.push(om.perCpuSec);
      const ts = TORCH_VARIANTS.map((variant: TorchVariant) => runTorch(run, { optimizer, steps, batch, variant }));
      for (const t of ts) (byVariant[`${optimizer} ${t.variant}`] ??= []).push(t);
      cnn.torch.push(fasterOf(ts.map((t) => t.cnnImagesPerSec)));
      m2.torch.push(fasterOf(ts.map((t) => t.model2PairsPerSec)));
      cnnCpu.torch.push(fasterOf(ts.map((t) => t.cnnImagesPerCpuSec)));
      m2Cpu.torch.push(fasterOf(ts.map((t) => t.model2PairsPerCpuSec)));
      data = ts[0].data;
      const tv = ts.map((t) => `${t.variant} ${Math.round(t.cnnImagesPerSec)} img/s ${Math.round(t.model2PairsPerSec)} pairs/s`).join(', ');
      console.log(`  round ${r + 1}/${rounds} ${optimizer}: ours ${Math.round(cnn.ours.at(-1)!)} img/s ${Math.round(m2.ours.at(-1)!)} pairs/s · torch ${tv}`);
    }
  } finally {
    await st.dispose();
  }
  rows.push(cnn, m2);
  cpuRows.push(cnnCpu, m2Cpu);
}
const load1 = os.loadavg();

console.log(`\nside by side: batch ${batch}, 1 thread each, dropout on, ${steps} timed steps after a warm-up of ≥ ${WARMUP_STEPS} steps and ≥ ${WARMUP_SECONDS} s (each side, each round), ${rounds} interleaved rounds, medians`);
console.log(`ours: ${oursName}; PyTorch ${probe.version} (${run.python}, OPENBLAS_NUM_THREADS=1, LD_LIBRARY_PATH=${run.env.LD_LIBRARY_PATH || '-'}); data: ${data}`);
console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after\n`);
const heads = { ours: `filterstudy (${oursName}, 1 thread)`, torch: `PyTorch ${probe.version} + OpenBLAS (faster variant per round)` };
console.log('PyTorch variants (bench/torch_reference.py --variant), medians per wall second:');
for (const [k, ts] of Object.entries(byVariant)) console.log(`  ${k}: CNN ${Math.round(median(ts.map((t) => t.cnnImagesPerSec)))} images/s, model-2 ${Math.round(median(ts.map((t) => t.model2PairsPerSec)))} pairs/s`);
console.log('');
console.log(`per wall second (what an idle machine shows):\n${sideBySideTable(rows, heads)}`);
console.log(`\nper CPU second of each process (steadier when the machine is shared):\n${sideBySideTable(cpuRows, heads)}`);
