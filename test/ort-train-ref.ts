/**
 * The tfjs reference for the onnxruntime training engine's tests: the same networks (models.ts),
 * loss (train.ts lossAndCorrect) and optimisers (train.ts makeOptimizer), with autodiff
 * (tf.variableGrads) on whatever tfjs backend is active (the tests use 'cpu'); model-2 is models.ts
 * model2Logits under each model2Input.
 */
import type * as tfType from '../src/ml/tfjs.ts';
import type { StudyConfig } from '../src/config.ts';
import { cnnLogits, lstmLogits, model2Logits, pooledSide, toVariables, type Params, type Weights } from '../src/ml/models.ts';
import { lossAndCorrect, makeOptimizer } from '../src/ml/train.ts';
import type { Model2Input } from '../src/onnx/train/steps.ts';

type TF = typeof tfType;
type ModelConfig = StudyConfig['model'];

/** A batch as plain arrays: images as bytes [R·784], masks [R,P,P,F], LSTM inputs [R,I]. */
export interface RefBatch {
  x?: Uint8Array; xa?: Uint8Array; xb?: Uint8Array;
  mask?: Float32Array | null; maskA?: Float32Array | null; maskB?: Float32Array | null;
  x1?: Float32Array; x2?: Float32Array;
  onehot: Float32Array; rows: number; classes: number;
}

let unique = 0;

/** Holds tfjs variables for parts {prefix: Weights} and steps them with autodiff + the study's optimiser. */
export class TfRef {
  readonly params: Record<string, Params>;
  private readonly tag = `ref${unique++}`;
  private readonly opt: tfType.Optimizer;

  constructor(private readonly tf: TF, private readonly cfg: StudyConfig, parts: Record<string, Weights>, private readonly kind: 'cnn' | 'lstm' | 'model2', private readonly mode: Model2Input = 'softmax') {
    this.params = Object.fromEntries(Object.entries(parts).map(([k, w]) => [k, toVariables(tf, w, `${this.tag}/${k}`)]));
    this.opt = makeOptimizer(tf, cfg.train);
  }

  private logits(b: RefBatch): tfType.Tensor2D {
    const { tf, cfg } = this;
    const m = cfg.model;
    const P = pooledSide(m);
    const img = (x: Uint8Array) => tf.div(tf.tensor4d(Float32Array.from(x), [b.rows, 28, 28, 1]), 255) as tfType.Tensor4D;
    const mk = (mask: Float32Array | null | undefined) => (mask ? tf.tensor4d(mask, [b.rows, P, P, m.filters]) : null);
    if (this.kind === 'cnn') return cnnLogits(tf, this.params.cnn, img(b.x!), m, mk(b.mask));
    if (this.kind === 'lstm') {
      const dim = b.x1!.length / b.rows;
      return lstmLogits(tf, this.params.lstm, [tf.tensor2d(b.x1!, [b.rows, dim]), tf.tensor2d(b.x2!, [b.rows, dim])], m);
    }
    const p = this.params as { cnn1: Params; cnn2: Params; lstm: Params };
    return model2Logits(tf, p, img(b.xa!), img(b.xb!), { ...m, model2Input: this.mode }, { a: mk(b.maskA), b: mk(b.maskB) });
  }

  /** One step: loss, gradients by `<part>/<key>` (only those on the loss's path), weights after the update. */
  step(b: RefBatch): { loss: number; correct: number; grads: Record<string, Float32Array>; weights: Record<string, Float32Array> } {
    const { tf } = this;
    let correct = 0;
    const vars = Object.values(this.params).flatMap((p) => Object.values(p));
    const { value, grads } = tf.variableGrads(() => {
      const r = lossAndCorrect(tf, this.logits(b), tf.tensor2d(b.onehot, [b.rows, b.classes]));
      correct = r.correct.dataSync()[0];
      return r.loss;
    }, vars);
    const loss = value.dataSync()[0];
    const out: Record<string, Float32Array> = {};
    for (const [name, g] of Object.entries(grads)) out[name.slice(this.tag.length + 1)] = (g.dataSync() as Float32Array).slice();
    this.opt.applyGradients(grads);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    return { loss, correct, grads: out, weights: this.weights() };
  }

  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [part, p] of Object.entries(this.params)) for (const [k, v] of Object.entries(p)) out[`${part}/${k}`] = (v.dataSync() as Float32Array).slice();
    return out;
  }

  dispose(): void {
    this.opt.dispose();
    for (const p of Object.values(this.params)) for (const v of Object.values(p)) v.dispose();
  }
}

/** max |a − b| / max(1, max |b|): absolute for values up to 1, relative to the tensor's scale above. */
export function scaledDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    d = Number.isNaN(e) ? Infinity : Math.max(d, e);
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/**
 * ‖a − b‖ / ‖b‖ (L2 over the whole tensor): the relative error of a gradient, which a 1 % error in
 * a small tensor cannot hide under (scaledDiff is absolute below 1, and model-2's CNN gradients are
 * 1e-3–1e-2). 0 when both are all zero; Infinity when only b is, on NaN, or on a length mismatch.
 */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let dd = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dd += (a[i] - b[i]) ** 2;
    bb += b[i] ** 2;
  }
  if (Number.isNaN(dd)) return Infinity;
  if (bb === 0) return dd === 0 ? 0 : Infinity;
  return Math.sqrt(dd / bb);
}

/** One gradient tensor against its reference: both measures and whether each is within its bound. */
export interface GradientError { name: string; scaled: number; relative: number; ok: boolean }

/** Every gradient of `got` against `want` (same names): scaledDiff ≤ absTol and relativeError ≤ relTol. */
export function gradientErrors(got: Record<string, Float32Array>, want: Record<string, Float32Array>, absTol: number, relTol: number): GradientError[] {
  return Object.keys(want).sort().map((name) => {
    const g = got[name] ?? new Float32Array(0);
    const scaled = scaledDiff(g, want[name]);
    const relative = relativeError(g, want[name]);
    return { name, scaled, relative, ok: scaled <= absTol && relative <= relTol };
  });
}
