/**
 * Running step models: an onnxruntime session that carries weights and optimiser state from one
 * step to the next.
 *
 * Carrying: the step's `<name>:new` outputs become the next step's `<name>` inputs: by default the
 * output tensors onnxruntime-node returns are fed back as they are (inputs are passed to onnxruntime
 * without a copy). `prealloc` instead allocates two sets of tensors once and swaps them every step
 * (double buffering), passing one set as pre-allocated outputs to session.run(feeds, fetches).
 * Measured (bench/ort-step.ts --prealloc, CPU time per step, shared machine, 3 alternations): no
 * faster — CNN step median 16.3 ms with vs 15.4 without (SGD), 18.0 vs 16.2 (Adam); model-2 Adam
 * 38.1 vs 35.1 — so it is off by default.
 * One intra-op and one inter-op thread, sequential execution: the study runs one worker per core,
 * and a single thread makes every reduction's order, hence every result, the same run to run.
 */
import * as ort from 'onnxruntime-node';
import { FilterstudyError } from '../../errors.ts';
import { ADAM, ADAM_SCALARS } from './optimizer.ts';
import type { Carried, StepModel } from './steps.ts';

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
  /** Current value of every carried tensor, by input name. */
  private cur: Record<string, ort.Tensor> = {};
  /** The other buffer set (prealloc): the next step writes here. */
  private next: Record<string, ort.Tensor> = {};
  private acc1 = Math.fround(ADAM.beta1);
  private acc2 = Math.fround(ADAM.beta2);
  private disposed = false;

  private constructor(readonly session: ort.InferenceSession, readonly model: StepModel, private readonly prealloc: boolean) {}

  /** `weights` by input name (`<part>/<key>`), copied; optimiser state starts at zero (as in tfjs). */
  static async create(model: StepModel, weights: Record<string, Float32Array>, opts: SessionOptions & { prealloc?: boolean } = {}): Promise<StepRunner> {
    const r = new StepRunner(await createSession(model.bytes, opts), model, opts.prealloc ?? false);
    for (const c of model.carried) {
      const init = c.weight ? weights[c.input] : new Float32Array(size(c.dims));
      if (!init || init.length !== size(c.dims)) {
        throw new FilterstudyError('E_MODEL', `weight "${c.input}" has ${init?.length ?? 0} values, expected ${size(c.dims)} for shape [${c.dims}]`);
      }
      r.cur[c.input] = new ort.Tensor('float32', init.slice(), c.dims);
      if (r.prealloc) r.next[c.input] = new ort.Tensor('float32', new Float32Array(size(c.dims)), c.dims);
    }
    return r;
  }

  /** One step on the batch inputs; returns the loss and number correct (and, for tests, every output). */
  async step(batch: Record<string, ort.Tensor>): Promise<{ loss: number; correct: number; outputs: ort.InferenceSession.ReturnType }> {
    if (this.disposed) throw new Error('internal: step on a disposed trainer');
    const feeds: Record<string, ort.Tensor> = { ...batch, ...this.cur };
    if (this.model.adam) {
      feeds[ADAM_SCALARS[0]] = new ort.Tensor('float32', new Float32Array([Math.fround(1 - this.acc1)]), []);
      feeds[ADAM_SCALARS[1]] = new ort.Tensor('float32', new Float32Array([Math.fround(1 - this.acc2)]), []);
    }
    let out: ort.InferenceSession.ReturnType;
    if (this.prealloc) {
      const fetches: Record<string, ort.Tensor | null> = {};
      for (const name of this.session.outputNames) fetches[name] = null;
      for (const c of this.model.carried) fetches[c.output] = this.next[c.input];
      out = await this.session.run(feeds, fetches);
      const old = this.cur;
      for (const c of this.model.carried) this.cur[c.input] = out[c.output];
      this.next = {};
      for (const c of this.model.carried) this.next[c.input] = old[c.input] === this.cur[c.input] ? new ort.Tensor('float32', new Float32Array(size(c.dims)), c.dims) : old[c.input];
    } else {
      out = await this.session.run(feeds);
      for (const c of this.model.carried) this.cur[c.input] = out[c.output];
    }
    if (this.model.adam) {
      this.acc1 = Math.fround(this.acc1 * Math.fround(ADAM.beta1));
      this.acc2 = Math.fround(this.acc2 * Math.fround(ADAM.beta2));
    }
    return { loss: (out.loss.data as Float32Array)[0], correct: (out.correct.data as Float32Array)[0], outputs: out };
  }

  /** Current weight (not state) values by input name, as views of the live buffers: copy before keeping. */
  weightViews(): Record<string, Float32Array> {
    const w: Record<string, Float32Array> = {};
    for (const c of this.model.carried) if (c.weight) w[c.input] = this.cur[c.input].data as Float32Array;
    return w;
  }

  /** Overwrites weights (not optimiser state) by input name. */
  setWeights(w: Record<string, Float32Array>): void {
    for (const c of this.model.carried) {
      if (!c.weight || !w[c.input]) continue;
      (this.cur[c.input].data as Float32Array).set(w[c.input]);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
