/**
 * One benchmark thread: the study's real training steps (bench/steps.ts: through the Engine
 * contract, or tfjs directly until a tfjs Engine exists) on real MNIST pairs, timed after warm-up.
 * Returns CNN images/s and model-2 pairs/s, and this thread's process RSS after the run.
 */
import { openStepper, timeSteps, type EngineName, type Optimizer } from './steps.ts';

export interface BenchResult { engine: string; via: string; cnnImagesPerSec: number; model2PairsPerSec: number; rssMB: number }

export default async function bench(o: { engine: EngineName; optimizer: Optimizer; steps: number; batch: number }): Promise<BenchResult> {
  const st = await openStepper(o);
  try {
    const cnnImagesPerSec = await timeSteps(st.cnnStep, o);
    const model2PairsPerSec = await timeSteps(st.model2Step, o);
    return { engine: st.engine, via: st.via, cnnImagesPerSec, model2PairsPerSec, rssMB: process.memoryUsage().rss / 2 ** 20 };
  } finally {
    await st.dispose();
  }
}
