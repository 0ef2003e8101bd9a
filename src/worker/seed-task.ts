/**
 * One seed of the study: model-1 and model-2, trained and evaluated on one thread.
 * Every random stream (initialisers, shuffling, dropout) derives from (seed, stream name), so the
 * same seed on the same backend gives bit-identical filters.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { StudyConfig } from '../config.ts';
import {
  DIGITS, THIRD_CLASSES, cnnLogits, disposeParams, dropoutMask, encodePrediction, fromVariables, initCnn, initLstm,
  lstmInputDim, lstmLogits, model2Logits, toVariables, type Params, type Weights,
} from './models.ts';
import { makeRng } from './rng.ts';
import { fit, imageBatch, labelBatch, lossAndCorrect, predictLogits, rowBatch, scoreLogits, type EpochRecord, type Progress } from './train.ts';
import type { Pairs, Split } from './mnist.ts';

type TF = typeof tfType;
export type ModelName = 'model1' | 'model2';
export type SplitName = 'train' | 'val' | 'test';

export interface SeedData {
  splits: Record<SplitName, Split>;
  pairs: Record<SplitName, Pairs>;
}

export interface MetricRow { model: ModelName; network: string; split: SplitName; target: 'digit' | 'third'; accuracy: number; loss: number; n: number }
export interface HistoryRow extends EpochRecord { model: ModelName; network: string }
export interface FilterSet { model: ModelName; network: 'cnn1' | 'cnn2'; stage: 'init' | 'trained' | 'rerun'; kernel: Float32Array /* [K,K,1,F] */; bias: Float32Array /* [F] */ }

export interface SeedOutcome {
  seed: number;
  filters: FilterSet[];
  history: HistoryRow[];
  trainSeconds: Record<ModelName, number>;
  /** Trained weights, for ONNX export. */
  weights: Record<ModelName, { cnn1: Weights; cnn2: Weights; lstm: Weights }>;
  /** Test-set probabilities from tfjs [n,28], to check the ONNX models against. */
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

export function runSeed(tf: TF, cfg: StudyConfig, seed: number, data: SeedData, onProgress: ProgressFn): SeedOutcome {
  const m = cfg.model;
  const t = cfg.train;
  const rng = (stream: string) => makeRng(seed, stream);
  const evalBatch = t.evalBatchSize;
  const filters: FilterSet[] = [];
  const history: HistoryRow[] = [];
  const splits: SplitName[] = ['train', 'val', 'test'];

  const keepFilters = (model: ModelName, network: 'cnn1' | 'cnn2', stage: FilterSet['stage'], w: Weights) =>
    filters.push({ model, network, stage, kernel: w.convKernel.data.slice(), bias: w.convBias.data.slice() });

  // CNN logits [n,10] on the first (a) or second (b) images of a split's pairs, dropout off.
  const cnnOn = (p: Params, split: SplitName, side: 'a' | 'b') => {
    const idxOf = data.pairs[split][side];
    const images = data.splits[split].images;
    return predictLogits(tf, idxOf.length, evalBatch, DIGITS, (idx) => cnnLogits(tf, p, imageBatch(tf, images, idx.map((i) => idxOf[i])), m));
  };

  // Every variable this seed creates, freed in `finally` even when training throws (a NaN loss
  // must not leave the worker thread holding the failed seed's weights).
  const owned: Params[] = [];
  const vars = (w: Weights, name: string): Params => {
    const p = toVariables(tf, w, name);
    owned.push(p);
    return p;
  };
  try {
    // ============================ model-1 ============================
    // CNN1 learns the digit of the first image, CNN2 of the second; then the LSTM learns the third
    // term from the CNNs' predictions (encoded as cfg.model.lstmInput).
    const t1 = performance.now();
    let rerunSeconds = 0;
    const m1: Record<'cnn1' | 'cnn2', Params> = {} as never;
    const m1Init: Record<'cnn1' | 'cnn2', Weights> = {} as never;
    // One digit classifier: trained from `init` with the named shuffle/dropout streams.
    const trainDigitCnn = (side: 'a' | 'b', init: Weights, streams: string, label: string): Params => {
      const p = vars(init, `s${seed}/model1/${label}`);
      const train = data.pairs.train;
      const digits = side === 'a' ? train.digitA : train.digitB;
      const val = data.pairs.val;
      const valDigits = side === 'a' ? val.digitA : val.digitB;
      const drop = rng(`dropout/model1/${streams}`);
      const h = fit(tf, t, {
        network: label, vars: Object.values(p), n: train.n, epochs: t.epochs, shuffle: rng(`shuffle/model1/${streams}`),
        step: (idx) => {
          const rows = idx.map((i) => train[side][i]);
          const x = imageBatch(tf, data.splits.train.images, rows);
          return lossAndCorrect(tf, cnnLogits(tf, p, x, m, dropoutMask(tf, idx.length, m, drop)), labelBatch(tf, digits, idx, DIGITS));
        },
        validate: () => scoreLogits(cnnOn(p, 'val', side), valDigits, DIGITS),
        onProgress: (pr) => onProgress({ ...pr, model: 'model1' }),
      });
      history.push(...h.map((r) => ({ ...r, model: 'model1' as const, network: label })));
      return p;
    };
    for (const [network, side] of [['cnn1', 'a'], ['cnn2', 'b']] as const) {
      const init = initCnn(m, rng(`init/model1/${network}`));
      m1Init[network] = init;
      keepFilters('model1', network, 'init', init);
      m1[network] = trainDigitCnn(side, init, network, network);
    }
    // Noise floor: CNN1 again from the same initial weights, with another data order and dropout
    // draws. How far apart these two land is what data order alone does to the filters.
    if (t.noiseFloor) {
      const t0 = performance.now();
      const rerun = trainDigitCnn('a', m1Init.cnn1, 'cnn1/rerun', 'cnn1-rerun');
      keepFilters('model1', 'cnn1', 'rerun', fromVariables(rerun));
      rerunSeconds = (performance.now() - t0) / 1000; // not part of model-1's training time
    }

    // LSTM inputs: the CNNs' predictions of each split, encoded → [n, I] per time step.
    const inDim = lstmInputDim(m.lstmInput);
    const encode = (logits: Float32Array) => {
      const n = logits.length / DIGITS;
      return predictLogits(tf, n, evalBatch, inDim, (idx) => encodePrediction(tf, rowBatch(tf, logits, DIGITS, idx), m.lstmInput));
    };
    const cnnLogitsBySplit = Object.fromEntries(splits.map((s) => [s, { a: cnnOn(m1.cnn1, s, 'a'), b: cnnOn(m1.cnn2, s, 'b') }])) as Record<SplitName, { a: Float32Array; b: Float32Array }>;
    const seqBySplit = Object.fromEntries(splits.map((s) => [s, { a: encode(cnnLogitsBySplit[s].a), b: encode(cnnLogitsBySplit[s].b) }])) as Record<SplitName, { a: Float32Array; b: Float32Array }>;
    const lstmOn = (p: Params, split: SplitName) => {
      const seq = seqBySplit[split];
      return predictLogits(tf, data.pairs[split].n, evalBatch, THIRD_CLASSES, (idx) => lstmLogits(tf, p, [rowBatch(tf, seq.a, inDim, idx), rowBatch(tf, seq.b, inDim, idx)], m));
    };
    const lstm1 = vars(initLstm(m, inDim, rng('init/model1/lstm')), `s${seed}/model1/lstm`);
    const hl = fit(tf, t, {
      network: 'lstm', vars: Object.values(lstm1), n: data.pairs.train.n, epochs: t.lstmEpochs ?? t.epochs, shuffle: rng('shuffle/model1/lstm'),
      step: (idx) => {
        const seq = seqBySplit.train;
        const logits = lstmLogits(tf, lstm1, [rowBatch(tf, seq.a, inDim, idx), rowBatch(tf, seq.b, inDim, idx)], m);
        return lossAndCorrect(tf, logits, labelBatch(tf, data.pairs.train.label, idx, THIRD_CLASSES));
      },
      validate: () => scoreLogits(lstmOn(lstm1, 'val'), data.pairs.val.label, THIRD_CLASSES),
      onProgress: (pr) => onProgress({ ...pr, model: 'model1' }),
    });
    history.push(...hl.map((r) => ({ ...r, model: 'model1' as const, network: 'lstm' })));
    const train1 = (performance.now() - t1) / 1000 - rerunSeconds;

    // tfjs' test probabilities [n,28]: the reference the exported ONNX graphs are checked against.
    const testProbs1 = probsFromLogits(lstmOn(lstm1, 'test'), THIRD_CLASSES);

    // ============================ model-2 ============================
    // Both CNNs' softmax outputs form a 2-step sequence into one LSTM; trained end to end on the
    // third term only: the CNNs never see a digit label.
    const t2 = performance.now();
    const m2Init = {
      cnn1: t.sharedInit ? m1Init.cnn1 : initCnn(m, rng('init/model2/cnn1')),
      cnn2: t.sharedInit ? m1Init.cnn2 : initCnn(m, rng('init/model2/cnn2')),
    };
    keepFilters('model2', 'cnn1', 'init', m2Init.cnn1);
    keepFilters('model2', 'cnn2', 'init', m2Init.cnn2);
    const m2 = {
      cnn1: vars(m2Init.cnn1, `s${seed}/model2/cnn1`),
      cnn2: vars(m2Init.cnn2, `s${seed}/model2/cnn2`),
      lstm: vars(initLstm(m, DIGITS, rng('init/model2/lstm')), `s${seed}/model2/lstm`),
    };
    const pairBatch = (split: SplitName, idx: ArrayLike<number>) => {
      const pr = data.pairs[split];
      const images = data.splits[split].images;
      const ia = Array.from(idx, (i) => pr.a[i]);
      const ib = Array.from(idx, (i) => pr.b[i]);
      return { xa: imageBatch(tf, images, ia), xb: imageBatch(tf, images, ib) };
    };
    const model2On = (split: SplitName) =>
      predictLogits(tf, data.pairs[split].n, evalBatch, THIRD_CLASSES, (idx) => {
        const { xa, xb } = pairBatch(split, idx);
        return model2Logits(tf, m2, xa, xb, m);
      });
    const dropA = rng('dropout/model2/cnn1');
    const dropB = rng('dropout/model2/cnn2');
    const h2 = fit(tf, t, {
      network: 'pipeline', vars: [...Object.values(m2.cnn1), ...Object.values(m2.cnn2), ...Object.values(m2.lstm)], n: data.pairs.train.n, epochs: t.epochs,
      shuffle: rng('shuffle/model2'),
      step: (idx) => {
        const { xa, xb } = pairBatch('train', idx);
        const masks = { a: dropoutMask(tf, idx.length, m, dropA), b: dropoutMask(tf, idx.length, m, dropB) };
        return lossAndCorrect(tf, model2Logits(tf, m2, xa, xb, m, masks), labelBatch(tf, data.pairs.train.label, idx, THIRD_CLASSES));
      },
      validate: () => scoreLogits(model2On('val'), data.pairs.val.label, THIRD_CLASSES),
      onProgress: (pr) => onProgress({ ...pr, model: 'model2' }),
    });
    history.push(...h2.map((r) => ({ ...r, model: 'model2' as const, network: 'pipeline' })));
    const train2 = (performance.now() - t2) / 1000;

    const testProbs2 = probsFromLogits(model2On('test'), THIRD_CLASSES);

    // ---- collect and free ----
    const weights = {
      model1: { cnn1: fromVariables(m1.cnn1), cnn2: fromVariables(m1.cnn2), lstm: fromVariables(lstm1) },
      model2: { cnn1: fromVariables(m2.cnn1), cnn2: fromVariables(m2.cnn2), lstm: fromVariables(m2.lstm) },
    };
    for (const model of ['model1', 'model2'] as const) for (const network of ['cnn1', 'cnn2'] as const) keepFilters(model, network, 'trained', weights[model][network]);
    return { seed, filters, history, trainSeconds: { model1: train1, model2: train2 }, weights, testProbs: { model1: testProbs1, model2: testProbs2 } };
  } finally {
    for (const p of owned) disposeParams(p);
  }
}
