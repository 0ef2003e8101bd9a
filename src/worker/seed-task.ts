/**
 * One seed of the study: model-1 and model-2, trained and evaluated on one thread through an
 * Engine (ml/engine.ts). Every random stream (initialisers, shuffling, dropout) derives from
 * (seed, stream name), so the same seed on the same engine gives bit-identical filters.
 */
import type { LstmInput, StudyConfig } from '../config.ts';
import type { Engine, NetWeights, Trainer } from '../ml/engine.ts';
import { DIGITS, THIRD_CLASSES, initCnn, initLstm, lstmInputDim, model2InputDim, type Weights } from '../ml/models.ts';
import { makeRng } from '../rng.ts';
import { fit, type Progress } from '../ml/train.ts';
import type { SeedData, SplitName } from '../data/mnist.ts';
import type { FilterSet, HistoryRow, ModelName, NetworkTraining } from '../ml/records.ts';

export interface SeedOutcome {
  seed: number;
  filters: FilterSet[];
  history: HistoryRow[];
  training: NetworkTraining[];
  trainSeconds: Record<ModelName, number>;
  /** Trained weights, for ONNX export. */
  weights: Record<ModelName, { cnn1: Weights; cnn2: Weights; lstm: Weights }>;
  /** The noise-floor rerun of model-1's CNN1 (train.noiseFloor), for the claim-4 measurements. */
  rerunWeights: Weights | null;
  /** Test-set probabilities from the trainer's own forward pass [n,28], to check the exported ONNX graphs against. */
  testProbs: Record<ModelName, Float32Array>;
}

export type ProgressFn = (p: Progress & { model: ModelName }) => void;

function probsFromLogits(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let o = 0; o < logits.length; o += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += (out[o + c] = Math.exp(logits[o + c] - max));
    for (let c = 0; c < classes; c++) out[o + c] /= sum;
  }
  return out;
}

/**
 * Model-1's LSTM input from a CNN's logits [n,10] → [n,I], as ml/models.ts encodePrediction does it
 * in tfjs: one-hot of the argmax (first max), the softmax (float64, stored as float32), or
 * argmax/9. Computed here, not by an engine, so that every engine feeds the LSTM the same values.
 */
export function encodeLogits(logits: Float32Array, enc: LstmInput): Float32Array {
  const n = logits.length / DIGITS;
  const out = new Float32Array(n * lstmInputDim(enc));
  for (let r = 0; r < n; r++) {
    const o = r * DIGITS;
    let arg = 0;
    for (let c = 1; c < DIGITS; c++) if (logits[o + c] > logits[o + arg]) arg = c;
    if (enc === 'onehot') out[r * DIGITS + arg] = 1;
    else if (enc === 'scalar') out[r] = arg / 9;
    else {
      let sum = 0;
      for (let c = 0; c < DIGITS; c++) sum += Math.exp(logits[o + c] - logits[o + arg]);
      for (let c = 0; c < DIGITS; c++) out[o + c] = Math.exp(logits[o + c] - logits[o + arg]) / sum;
    }
  }
  return out;
}

export async function runSeed(engine: Engine, cfg: StudyConfig, seed: number, data: SeedData, onProgress: ProgressFn): Promise<SeedOutcome> {
  const m = cfg.model;
  const t = cfg.train;
  const rng = (stream: string) => makeRng(seed, stream);
  const filters: FilterSet[] = [];
  const history: HistoryRow[] = [];
  const training: NetworkTraining[] = [];
  const splits: SplitName[] = ['train', 'val', 'test'];

  const keepFilters = (model: ModelName, network: FilterSet['network'], stage: FilterSet['stage'], w: Weights) =>
    filters.push({ model, network, stage, kernel: w.convKernel.data.slice(), bias: w.convBias.data.slice() });

  // Every trainer this seed creates, freed in `finally` even when training throws (a NaN loss
  // must not leave the worker thread holding the failed seed's weights).
  const owned: Trainer[] = [];
  const own = async (t: Promise<Trainer>): Promise<Trainer> => {
    const tr = await t;
    owned.push(tr);
    return tr;
  };
  // Every network trains under the same stop rule (cfg.train), so claim 1 compares equal effort.
  const train = async (model: ModelName, network: string, trainer: Trainer, shuffle: string, valLabels: ArrayLike<number>) => {
    const { history: h, ...end } = await fit(trainer, t, {
      network, n: data.pairs.train.n, shuffle: rng(shuffle), valLabels,
      onProgress: (pr) => onProgress({ ...pr, model }),
    });
    history.push(...h.map((r) => ({ ...r, model, network })));
    training.push({ model, network, ...end });
  };
  try {
    // ============================ model-1 ============================
    // CNN1 learns the digit of the first image, CNN2 of the second; then the LSTM learns the third
    // term from the CNNs' predictions (encoded as cfg.model.lstmInput).
    const t1 = performance.now();
    let rerunSeconds = 0;
    let rerunWeights: Weights | null = null;
    const m1 = {} as Record<'cnn1' | 'cnn2', Trainer>;
    const m1Init = {} as Record<'cnn1' | 'cnn2', Weights>;
    // One digit classifier: trained from `init` with the named shuffle/dropout streams.
    const trainDigitCnn = async (side: 'a' | 'b', init: Weights, streams: string, label: string): Promise<Trainer> => {
      const trainer = await own(engine.digitCnn({ cfg, data, init, side, dropout: rng(`dropout/model1/${streams}`) }));
      await train('model1', label, trainer, `shuffle/model1/${streams}`, side === 'a' ? data.pairs.val.digitA : data.pairs.val.digitB);
      return trainer;
    };
    for (const [network, side] of [['cnn1', 'a'], ['cnn2', 'b']] as const) {
      const init = initCnn(m, rng(`init/model1/${network}`));
      m1Init[network] = init;
      keepFilters('model1', network, 'init', init);
      m1[network] = await trainDigitCnn(side, init, network, network);
    }
    // Noise floor: CNN1 again from the same initial weights, with another data order and dropout
    // draws. How far apart these two land is what data order alone does to the filters.
    if (t.noiseFloor) {
      const t0 = performance.now();
      const rerun = await trainDigitCnn('a', m1Init.cnn1, 'cnn1/rerun', 'cnn1_rerun');
      rerunWeights = (await rerun.weights()).cnn;
      keepFilters('model1', 'cnn1_rerun', 'trained', rerunWeights);
      await rerun.dispose();
      rerunSeconds = (performance.now() - t0) / 1000; // not part of model-1's training time
    }

    // LSTM inputs: the CNNs' predictions of each split, encoded → [n, I] per time step.
    const inDim = lstmInputDim(m.lstmInput);
    const seqBySplit = {} as Record<SplitName, { a: Float32Array; b: Float32Array }>;
    for (const s of splits) seqBySplit[s] = { a: encodeLogits(await m1.cnn1.logits(s), m.lstmInput), b: encodeLogits(await m1.cnn2.logits(s), m.lstmInput) };
    const lstm1 = await own(engine.lstm({ cfg, data, init: initLstm(m, inDim, rng('init/model1/lstm')), inputs: seqBySplit, inputDim: inDim }));
    await train('model1', 'pipeline', lstm1, 'shuffle/model1/lstm', data.pairs.val.label);
    const train1 = (performance.now() - t1) / 1000 - rerunSeconds;

    // The trainer's test probabilities [n,28] (tfjs or onnxruntime, by engine): the reference the exported ONNX graphs are checked against.
    const testProbs1 = probsFromLogits(await lstm1.logits('test'), THIRD_CLASSES);

    // ============================ model-2 ============================
    // Both CNNs' outputs (softmax, logits or dense layer: model.model2Input) form a 2-step sequence
    // into one LSTM; trained end to end on the third term only: the CNNs never see a digit label.
    const t2 = performance.now();
    const m2Init = {
      cnn1: t.sharedInit ? m1Init.cnn1 : initCnn(m, rng('init/model2/cnn1')),
      cnn2: t.sharedInit ? m1Init.cnn2 : initCnn(m, rng('init/model2/cnn2')),
    };
    keepFilters('model2', 'cnn1', 'init', m2Init.cnn1);
    keepFilters('model2', 'cnn2', 'init', m2Init.cnn2);
    const init2 = { ...m2Init, lstm: initLstm(m, model2InputDim(m), rng('init/model2/lstm')) };
    const m2 = await own(engine.model2({ cfg, data, init: init2, dropoutA: rng('dropout/model2/cnn1'), dropoutB: rng('dropout/model2/cnn2') }));
    await train('model2', 'pipeline', m2, 'shuffle/model2', data.pairs.val.label);
    const train2 = (performance.now() - t2) / 1000;

    const testProbs2 = probsFromLogits(await m2.logits('test'), THIRD_CLASSES);

    // ---- collect and free ----
    const w2: NetWeights = await m2.weights();
    const weights = {
      model1: { cnn1: (await m1.cnn1.weights()).cnn, cnn2: (await m1.cnn2.weights()).cnn, lstm: (await lstm1.weights()).lstm },
      model2: { cnn1: w2.cnn1, cnn2: w2.cnn2, lstm: w2.lstm },
    };
    for (const model of ['model1', 'model2'] as const) for (const network of ['cnn1', 'cnn2'] as const) keepFilters(model, network, 'trained', weights[model][network]);
    return { seed, filters, history, training, trainSeconds: { model1: train1, model2: train2 }, weights, rerunWeights, testProbs: { model1: testProbs1, model2: testProbs2 } };
  } finally {
    for (const tr of owned) await tr.dispose();
  }
}
