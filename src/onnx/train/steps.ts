/**
 * Whole training steps and evaluation passes as ONNX models.
 *
 * A step model reads the batch and the current weights, and returns the loss, the number correct
 * and the gradient of the mean loss w.r.t. every trained weight (`<name>:grad`); the optimiser
 * update runs outside the graph, in place (optimizer.ts ParamStore). Weights are named
 * `<part>/<key>` (part cnn, lstm, cnn1, cnn2). Batch rows N are symbolic: one model serves the full
 * batches and the last, short one.
 *
 * Inputs: images x / xa / xb uint8 [N,28,28,1]; onehot [N,C]; dropout masks mask / maskA / maskB
 * [N,P,P,F] (0 or 1/(1−rate), ml/models.ts dropoutMask) when model.dropout > 0; LSTM inputs x1, x2 [N,I].
 */
import type { Model2Input, StudyConfig } from '../../config.ts';
import { DIGITS, IMAGE_SIDE, THIRD_CLASSES, cnnShapes, lstmShapes, model2InputDim, pooledSide } from '../../ml/models.ts';
import { CNN_KEYS, addCnnBackward, addCnnForward } from './cnn-graph.ts';
import { LSTM_KEYS, addLstmBackward, addLstmForward } from './lstm-graph.ts';
import { addSoftmaxCe } from './loss-graph.ts';
import { updateRule, type UpdateRule } from './optimizer.ts';
import { TrainGraph, UINT8, attr } from './ops.ts';

type ModelConfig = StudyConfig['model'];

export type { Model2Input };

/** model.model2Input: what model-2's LSTM reads from each CNN. */
export function model2InputOf(m: ModelConfig): Model2Input {
  return m.model2Input;
}

/** LSTM input width of model-2 for its model2Input (ml/models.ts model2InputDim). */
export const model2LstmDim = model2InputDim;

/** A trained weight: graph input `name`, gradient output `<name>:grad`. */
export interface Param { name: string; dims: number[] }

export interface StepModel {
  bytes: Uint8Array;
  params: Param[];
  /** Names of the graph's per-step inputs besides the weights. */
  batchInputs: string[];
  rule: UpdateRule;
}

interface Part { prefix: string; keys: readonly string[]; dims: Record<string, number[]> }

const imageDims = ['N', IMAGE_SIDE, IMAGE_SIDE, 1];
const maskDims = (m: ModelConfig) => ['N', pooledSide(m), pooledSide(m), m.filters];

function declareParts(t: TrainGraph, parts: Part[]): void {
  for (const p of parts) for (const k of p.keys) t.input(`${p.prefix}/${k}`, p.dims[k], `weight ${k}`);
}

/** Declares every weight's gradient as an output; returns the trained parameters. */
function gradOutputs(t: TrainGraph, parts: Part[], grads: Record<string, string>): Param[] {
  const params: Param[] = [];
  for (const p of parts) {
    for (const k of p.keys) {
      const name = `${p.prefix}/${k}`;
      const g = grads[name];
      if (!g) throw new Error(`internal: no gradient for ${name}`);
      t.output(g, `${name}:grad`, p.dims[k], `gradient of the mean loss w.r.t. ${name}`);
      params.push({ name, dims: p.dims[k] });
    }
  }
  return params;
}

function lossOutputs(t: TrainGraph, logits: string, onehot: string): string {
  const ce = addSoftmaxCe(t, logits, onehot);
  t.output(ce.loss, 'loss', [], 'mean cross-entropy (dropout on)');
  t.output(ce.correct, 'correct', [], 'rows whose argmax is the label');
  return ce.dLogits;
}

const cnnPart = (m: ModelConfig, prefix: string, keys: readonly string[] = CNN_KEYS): Part => ({ prefix, keys, dims: cnnShapes(m) });
const lstmPart = (m: ModelConfig, prefix: string, inputDim: number): Part => ({ prefix, keys: LSTM_KEYS, dims: lstmShapes(m, inputDim) });

const prefixed = (prefix: string, g: Record<string, string>) => Object.fromEntries(Object.entries(g).map(([k, v]) => [`${prefix}/${k}`, v]));

/** Loss, correct count and weight gradients of one digit-CNN training step on its digit labels. */
export function cnnStepModel(cfg: StudyConfig): StepModel {
  const m = cfg.model;
  const t = new TrainGraph();
  const x = t.input('x', imageDims, 'images, MNIST bytes', UINT8);
  const onehot = t.input('onehot', ['N', DIGITS], 'one-hot digit labels');
  const mask = m.dropout > 0 ? t.input('mask', maskDims(m), 'dropout mask') : null;
  const parts = [cnnPart(m, 'cnn')];
  declareParts(t, parts);
  const fw = addCnnForward(t, m, 'cnn', x, { mask });
  const dLogits = lossOutputs(t, fw.logits!, onehot);
  const grads = prefixed('cnn', addCnnBackward(t, m, 'cnn', fw, dLogits, null));
  const params = gradOutputs(t, parts, grads);
  return { bytes: t.encode('cnn_step', 'digit-CNN training step'), params, batchInputs: ['x', 'onehot', ...(mask ? ['mask'] : [])], rule: updateRule(cfg.train) };
}

/** Loss, correct count and weight gradients of one step of model-1's LSTM on precomputed inputs x1, x2 [N,I]. */
export function lstmStepModel(cfg: StudyConfig, inputDim: number): StepModel {
  const m = cfg.model;
  const t = new TrainGraph();
  const x1 = t.input('x1', ['N', inputDim], 'time step 1 (from CNN1)');
  const x2 = t.input('x2', ['N', inputDim], 'time step 2 (from CNN2)');
  const onehot = t.input('onehot', ['N', THIRD_CLASSES], 'one-hot third-term labels');
  const parts = [lstmPart(m, 'lstm', inputDim)];
  declareParts(t, parts);
  const fw = addLstmForward(t, m, 'lstm', x1, x2);
  const dLogits = lossOutputs(t, fw.logits, onehot);
  const grads = prefixed('lstm', addLstmBackward(t, m, 'lstm', fw, dLogits, false).grads);
  const params = gradOutputs(t, parts, grads);
  return { bytes: t.encode('lstm_step', 'model-1 LSTM training step'), params, batchInputs: ['x1', 'x2', 'onehot'], rule: updateRule(cfg.train) };
}

/** What model-2's LSTM reads from a CNN's forward pass [N,I]. */
function lstmInputFrom(t: TrainGraph, fw: { logits: string | null; h1: string }, mode: Model2Input): string {
  if (mode === 'dense' || !fw.logits) return fw.h1;
  return mode === 'logits' ? fw.logits : t.op('Softmax', [fw.logits], [attr.int('axis', 1)]);
}

/** Gradient of the CNN's output given the gradient `d` of the LSTM input `s` (softmax: tfjs' dy·y − Σ(dy·y)·y). */
function backToCnn(t: TrainGraph, s: string, d: string, mode: Model2Input): { dLogits: string | null; dH1: string | null } {
  if (mode === 'dense') return { dLogits: null, dH1: d };
  if (mode === 'logits') return { dLogits: d, dH1: null };
  const dyy = t.mul(d, s);
  return { dLogits: t.sub(dyy, t.mul(t.sum(dyy, [1], true), s)), dH1: null };
}

/** Model-2 end to end: both CNNs → their model2Input → 2-step LSTM → third term. */
export function model2StepModel(cfg: StudyConfig): StepModel {
  const m = cfg.model;
  const mode = model2InputOf(m);
  const t = new TrainGraph();
  const xa = t.input('xa', imageDims, 'first images a, MNIST bytes', UINT8);
  const xb = t.input('xb', imageDims, 'second images b, MNIST bytes', UINT8);
  const onehot = t.input('onehot', ['N', THIRD_CLASSES], 'one-hot third-term labels');
  const maskA = m.dropout > 0 ? t.input('maskA', maskDims(m), 'dropout mask of CNN1') : null;
  const maskB = m.dropout > 0 ? t.input('maskB', maskDims(m), 'dropout mask of CNN2') : null;
  // 'dense': the CNNs' dense2 layers are off the loss's path and not updated (as tfjs' optimisers do).
  const cnnKeys = mode === 'dense' ? CNN_KEYS.filter((k) => !k.startsWith('dense2')) : CNN_KEYS;
  const parts = [cnnPart(m, 'cnn1', cnnKeys), cnnPart(m, 'cnn2', cnnKeys), lstmPart(m, 'lstm', model2LstmDim(m))];
  declareParts(t, parts);
  const fa = addCnnForward(t, m, 'cnn1', xa, { mask: maskA, withLogits: mode !== 'dense' });
  const fb = addCnnForward(t, m, 'cnn2', xb, { mask: maskB, withLogits: mode !== 'dense' });
  const sa = lstmInputFrom(t, fa, mode);
  const sb = lstmInputFrom(t, fb, mode);
  const fl = addLstmForward(t, m, 'lstm', sa, sb);
  const dLogits = lossOutputs(t, fl.logits, onehot);
  const bl = addLstmBackward(t, m, 'lstm', fl, dLogits, true);
  const [dsa, dsb] = bl.dx!;
  const ga = backToCnn(t, sa, dsa, mode);
  const gb = backToCnn(t, sb, dsb, mode);
  const grads = {
    ...prefixed('lstm', bl.grads),
    ...prefixed('cnn1', addCnnBackward(t, m, 'cnn1', fa, ga.dLogits, ga.dH1)),
    ...prefixed('cnn2', addCnnBackward(t, m, 'cnn2', fb, gb.dLogits, gb.dH1)),
  };
  const params = gradOutputs(t, parts, grads);
  return {
    bytes: t.encode('model2_step', `model-2 training step (LSTM reads the CNNs' ${mode})`),
    params,
    batchInputs: ['xa', 'xb', 'onehot', ...(maskA ? ['maskA', 'maskB'] : [])],
    rule: updateRule(cfg.train),
  };
}

// ---- evaluation (dropout off, weights as inputs) ----------------------------------------------------

/** x [N,28,28,1] uint8 → logits [N,10] and dense [N,D] (dense layer after ReLU). */
export function cnnForwardModel(m: ModelConfig): Uint8Array {
  const t = new TrainGraph();
  const x = t.input('x', imageDims, 'images, MNIST bytes', UINT8);
  declareParts(t, [cnnPart(m, 'cnn')]);
  const fw = addCnnForward(t, m, 'cnn', x, { forBackward: false });
  t.output(fw.logits!, 'logits', ['N', DIGITS], 'digit logits');
  t.output(fw.h1, 'dense', ['N', m.denseUnits], 'dense layer after ReLU');
  return t.encode('cnn_forward', 'digit CNN, dropout off');
}

/** x1, x2 [N,I] → logits [N,28]. */
export function lstmForwardModel(m: ModelConfig, inputDim: number): Uint8Array {
  const t = new TrainGraph();
  const x1 = t.input('x1', ['N', inputDim], 'time step 1');
  const x2 = t.input('x2', ['N', inputDim], 'time step 2');
  declareParts(t, [lstmPart(m, 'lstm', inputDim)]);
  t.output(addLstmForward(t, m, 'lstm', x1, x2).logits, 'logits', ['N', THIRD_CLASSES], 'third-term logits');
  return t.encode('lstm_forward', 'third-term LSTM');
}

/** xa, xb [N,28,28,1] uint8 → logits [N,28]. */
export function model2ForwardModel(m: ModelConfig): Uint8Array {
  const mode = model2InputOf(m);
  const t = new TrainGraph();
  const xa = t.input('xa', imageDims, 'first images a, MNIST bytes', UINT8);
  const xb = t.input('xb', imageDims, 'second images b, MNIST bytes', UINT8);
  const cnnKeys = mode === 'dense' ? CNN_KEYS.filter((k) => !k.startsWith('dense2')) : CNN_KEYS;
  declareParts(t, [cnnPart(m, 'cnn1', cnnKeys), cnnPart(m, 'cnn2', cnnKeys), lstmPart(m, 'lstm', model2LstmDim(m))]);
  const sa = lstmInputFrom(t, addCnnForward(t, m, 'cnn1', xa, { withLogits: mode !== 'dense', forBackward: false }), mode);
  const sb = lstmInputFrom(t, addCnnForward(t, m, 'cnn2', xb, { withLogits: mode !== 'dense', forBackward: false }), mode);
  t.output(addLstmForward(t, m, 'lstm', sa, sb).logits, 'logits', ['N', THIRD_CLASSES], 'third-term logits');
  return t.encode('model2_forward', `model-2 (LSTM reads the CNNs' ${mode})`);
}
