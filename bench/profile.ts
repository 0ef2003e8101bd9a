/**
 * `npm run bench -- --profile`: where one training step's time goes, per op.
 *  - tfjs engines: `tf.profile` kernel times of --repeat steps (after warm-up), summed per kernel
 *    and input shapes, divided by the number of steps; the wall time of an unprofiled step next to
 *    it, so "outside any kernel" (dispatch, tape, data, masks) shows as the difference.
 *  - onnxruntime: the engine branch's bench/ort-step.ts --profile (onnxruntime session profiling,
 *    ms per op type and node), run as it is, when it is on this branch.
 *   npx tsx bench/profile.ts [--engine wasm] [--optimizer sgd|adam] [--batch 128] [--repeat 5]
 */
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/ml/tfjs.ts';
import { argOf } from './args.ts';
import { groupKernels } from './profile-lib.ts';
import { checkEngineName, openStepper, timeSteps, type Optimizer } from './steps.ts';

const engine = checkEngineName(argOf('engine', argOf('backend', 'auto')));
const optimizer = argOf('optimizer', 'sgd') as Optimizer;
const batch = Number(argOf('batch', '128'));
const repeat = Math.max(1, Number(argOf('repeat', '5')));

/** Rows printed per step: the rest are summed into one line. */
const SHOWN = 24;

async function profileTfjs(): Promise<void> {
  const st = await openStepper({ engine, optimizer, batch });
  try {
    for (const [label, step] of [['digit CNN', st.cnnStep], ['model-2', st.model2Step]] as const) {
      const perSec = await timeSteps(step, { steps: 10, batch }); // also the warm-up for the profile
      const plainMs = (batch / perSec) * 1000;
      let s = 100;
      const t0 = performance.now();
      const info = await tf.profile(async () => {
        for (let i = 0; i < repeat; i++) await step(s++);
      });
      const wallMs = (performance.now() - t0) / repeat; // the profiled steps themselves (profiling adds some overhead)
      const rows = groupKernels(info.kernels as never, repeat);
      const inKernels = rows.reduce((a, r) => a + r.ms, 0);
      console.log(`\n${label} training step (${st.engine} via ${st.via}, ${optimizer}, batch ${batch}): ${wallMs.toFixed(1)} ms wall per profiled step ` +
        `(${plainMs.toFixed(1)} ms unprofiled), ${inKernels.toFixed(1)} ms in kernels, ${(wallMs - inKernels).toFixed(1)} ms outside any kernel; means of ${repeat} steps`);
      console.log('| op | input shapes | calls | ms | % of wall |\n|---|---|---|---|---|');
      const shown = rows.filter((r) => r.ms >= 0.05).slice(0, SHOWN);
      for (const r of shown) console.log(`| ${r.op} | ${r.shapes} | ${Math.round(r.calls)} | ${r.ms.toFixed(2)} | ${((100 * r.ms) / wallMs).toFixed(1)} |`);
      const rest = rows.slice(shown.length);
      if (rest.length) console.log(`| ${rest.length} other kernels | | ${Math.round(rest.reduce((a, r) => a + r.calls, 0))} | ${rest.reduce((a, r) => a + r.ms, 0).toFixed(2)} | |`);
    }
  } finally {
    await st.dispose();
  }
}

console.log(`profile of one training step; node ${process.version}, load average ${os.loadavg()[0].toFixed(2)} (kernel times are wall clock: other jobs on the machine inflate them)`);
if (engine === 'onnxruntime') {
  // The engine branch's bench/ort-step.ts profiles the ORT steps with onnxruntime's own session
  // profiling (ms per op type and per node); run it rather than duplicate it.
  const ortStep = fileURLToPath(new URL('./ort-step.ts', import.meta.url));
  if (!existsSync(ortStep)) {
    console.log("onnxruntime profile: skipped, bench/ort-step.ts (the engine branch's session profile) is not on this branch");
  } else {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', ortStep, '--profile', '--batch', String(batch)], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  }
} else {
  await profileTfjs();
}
