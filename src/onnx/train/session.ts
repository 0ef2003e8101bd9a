/**
 * Running step models: an onnxruntime session for the step graph (forward, backward → gradients)
 * and a ParamStore (optimizer.ts) holding the weights and optimiser state, updated in place after
 * each step.
 *
 * No copies of weights per step: the graph's weight inputs are tensors over the store's live
 * arrays (onnxruntime-node passes inputs without a copy). The gradients come back as onnxruntime's
 * output tensors and are copied into the store (~0.03 ms per 346k values). Handing onnxruntime the
 * store's gradient arrays as pre-allocated outputs gained nothing: onnxruntime-node 1.30 still returns
 * each output in a new buffer (1.39 MB more ArrayBuffer memory per CNN step either way).
 * One intra-op and one inter-op thread, sequential execution: the study runs one worker per core,
 * and a single thread makes every reduction's order, hence every result, the same run to run.
 */
import * as ort from 'onnxruntime-node';
import { FilterstudyError } from '../../errors.ts';
import { ParamStore } from './optimizer.ts';
import type { StepModel } from './steps.ts';

export interface SessionOptions {
  /** Write per-op timings (onnxruntime profiling) to files with this prefix. */
  profilePrefix?: string;
}

export async function createSession(bytes: Uint8Array, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(opts.profilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix } : {}),
  };
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (e) {
    throw new FilterstudyError('E_MODEL', `onnxruntime could not load a training graph: ${(e as Error).message}`, {
      hint: 'this is a bug in the graph builders (src/onnx/train); please report it with the model config',
      cause: e,
    });
  }
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export class StepRunner {
  /** Weight tensors over the store's live arrays, by input name. */
  private readonly weightFeeds: Record<string, ort.Tensor> = {};
  private disposed = false;

  private constructor(readonly session: ort.InferenceSession, readonly model: StepModel, readonly store: ParamStore) {}

  /** `weights` by input name (`<part>/<key>`), copied; optimiser state starts at zero (as in tfjs). */
  static async create(model: StepModel, weights: Record<string, Float32Array>, opts: SessionOptions = {}): Promise<StepRunner> {
    const store = new ParamStore(model.rule, model.params.map((p) => ({ name: p.name, size: size(p.dims) })));
    for (const p of model.params) {
      const init = weights[p.name];
      if (!init || init.length !== size(p.dims)) {
        throw new FilterstudyError('E_MODEL', `weight "${p.name}" has ${init?.length ?? 0} values, expected ${size(p.dims)} for shape [${p.dims}]`);
      }
      store.weight(p.name).set(init);
    }
    const r = new StepRunner(await createSession(model.bytes, opts), model, store);
    for (const p of model.params) r.weightFeeds[p.name] = new ort.Tensor('float32', store.weight(p.name), p.dims);
    return r;
  }

  /** One step on the batch inputs; returns the loss and number correct (and, for tests, every output: the gradients). */
  async step(batch: Record<string, ort.Tensor>): Promise<{ loss: number; correct: number; outputs: ort.InferenceSession.ReturnType }> {
    if (this.disposed) throw new Error('internal: step on a disposed trainer');
    const feeds = { ...batch, ...this.weightFeeds };
    const out = await this.session.run(feeds);
    for (const p of this.model.params) this.store.grad(p.name).set(out[`${p.name}:grad`].data as Float32Array);
    this.store.update();
    return { loss: (out.loss.data as Float32Array)[0], correct: (out.correct.data as Float32Array)[0], outputs: out };
  }

  /** Current weight values by input name, as views of the live arrays: copy before keeping. */
  weightViews(): Record<string, Float32Array> {
    return Object.fromEntries(this.model.params.map((p) => [p.name, this.store.weight(p.name)]));
  }

  /** Overwrites weights (not optimiser state) by input name. */
  setWeights(w: Record<string, Float32Array>): void {
    for (const p of this.model.params) if (w[p.name]) this.store.weight(p.name).set(w[p.name]);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
