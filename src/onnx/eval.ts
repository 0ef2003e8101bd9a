/**
 * Per-seed metrics computed by onnxruntime-node from the exported graphs — the numbers other tools
 * get when they load our .onnx files. One run of a pipeline graph gives the third-term
 * probabilities [N,28] and both CNNs' digit probabilities [N,10]. Each pair's CNN inputs are built
 * once per split and shared by both models' graphs; each image goes through each CNN once.
 */
import * as ort from 'onnxruntime-node';
import type { Session } from './ort.ts';
import type { SeedData, SplitName } from '../data/mnist.ts';
import type { MetricRow, ModelName } from '../ml/records.ts';

const PIXELS = 784;
const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** Pair images of rows [start,end) of a split → NHWC float feeds [n,28,28,1] in [0,1]. */
function pairFeeds(data: SeedData, split: SplitName, start: number, end: number): Record<string, ort.Tensor> {
  const pr = data.pairs[split];
  const images = data.splits[split].images;
  const n = end - start;
  const a = new Float32Array(n * PIXELS);
  const b = new Float32Array(n * PIXELS);
  for (let r = 0; r < n; r++) {
    const ia = pr.a[start + r] * PIXELS;
    const ib = pr.b[start + r] * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      a[r * PIXELS + p] = images[ia + p] / 255;
      b[r * PIXELS + p] = images[ib + p] / 255;
    }
  }
  return { image_a: new ort.Tensor('float32', a, [n, 28, 28, 1]), image_b: new ort.Tensor('float32', b, [n, 28, 28, 1]) };
}

/** Accuracy and mean cross-entropy of probabilities [n,C] against integer labels. */
export function scoreProbs(probs: Float32Array, labels: ArrayLike<number>, classes: number): { accuracy: number; loss: number } {
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < labels.length; r++) {
    let arg = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c] > probs[r * classes + arg]) arg = c;
    if (arg === labels[r]) correct++;
    loss -= Math.log(Math.max(probs[r * classes + labels[r]], 1e-12));
  }
  return { accuracy: correct / labels.length, loss: loss / labels.length };
}

/**
 * Runs every pipeline graph over a whole split, each batch's image feeds built once and given to all
 * of them (model-1 and model-2 read the same pairs): per model probs [n,28], digitA/digitB [n,10];
 * the digit outputs are null for a graph without them (model-2 under model.model2Input 'dense',
 * see exportModel2).
 */
async function runSplit<M extends string>(sessions: Record<M, Session>, data: SeedData, split: SplitName, batch: number) {
  const n = data.pairs[split].n;
  const models = Object.keys(sessions) as M[];
  const out = Object.fromEntries(models.map((model) => {
    const digits = sessions[model].outputNames.includes('digit_a_probs');
    return [model, { digits, probs: new Float32Array(n * 28), digitA: digits ? new Float32Array(n * 10) : null, digitB: digits ? new Float32Array(n * 10) : null }];
  })) as Record<M, { digits: boolean; probs: Float32Array; digitA: Float32Array | null; digitB: Float32Array | null }>;
  for (let start = 0; start < n; start += batch) {
    const feeds = pairFeeds(data, split, start, Math.min(n, start + batch));
    for (const model of models) {
      const o = out[model];
      const res = await sessions[model].run(feeds, o.digits ? ['probs', 'digit_a_probs', 'digit_b_probs'] : ['probs']);
      o.probs.set(res.probs.data as Float32Array, start * 28);
      o.digitA?.set(res.digit_a_probs.data as Float32Array, start * 10);
      o.digitB?.set(res.digit_b_probs.data as Float32Array, start * 10);
      for (const t of Object.values(res)) t.dispose?.();
    }
  }
  return out;
}

/** Metrics rows for both models on every split, and the test probabilities for the tfjs check. */
export async function onnxMetrics(sessions: Record<ModelName, Session>, data: SeedData, batch: number): Promise<{ metrics: MetricRow[]; testProbs: Record<ModelName, Float32Array> }> {
  const rows = { model1: {}, model2: {} } as Record<ModelName, Record<SplitName, MetricRow[]>>;
  const testProbs = {} as Record<ModelName, Float32Array>;
  for (const split of SPLITS) {
    const pr = data.pairs[split];
    const outs = await runSplit(sessions, data, split, batch); // scored now, so only the test probs outlive their split
    for (const model of ['model1', 'model2'] as const) {
      const out = outs[model];
      if (split === 'test') testProbs[model] = out.probs;
      rows[model][split] = [{ model, network: 'pipeline', split, target: 'third', n: pr.n, ...scoreProbs(out.probs, pr.label, 28) }];
      if (out.digitA) rows[model][split].push({ model, network: 'cnn1', split, target: 'digit', n: pr.n, ...scoreProbs(out.digitA, pr.digitA, 10) });
      if (out.digitB) rows[model][split].push({ model, network: 'cnn2', split, target: 'digit', n: pr.n, ...scoreProbs(out.digitB, pr.digitB, 10) });
    }
  }
  // Rows in the order the study has always written them: per model, per split: pipeline, cnn1, cnn2.
  const metrics = (['model1', 'model2'] as const).flatMap((model) => SPLITS.flatMap((split) => rows[model][split]));
  return { metrics, testProbs };
}
