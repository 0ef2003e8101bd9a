/**
 * The optimiser updates, applied in place to weights and state that live in one WebAssembly.Memory
 * (ParamStore), after the step graph has returned the gradients. Written op for op as tfjs 4.22
 * computes them (tf.train.sgd / momentum / adam), the same float32 operations in the same order:
 *
 *   sgd       w' = (−lr)·g + w
 *   momentum  a' = mom·a + g;  w' = (−lr)·a' + w                         (classical, not Nesterov)
 *   adam      m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *             w' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + w
 *
 * tfjs keeps β1ᵗ, β2ᵗ as float32 scalars multiplied by β once per step (starting at β); ParamStore
 * does the same products with Math.fround (exact: a product of two float32 is exact in float64).
 *
 * Two implementations with bit-identical results (test/ort-optimizer.test.ts): the wasm SIMD module
 * (optimizer-simd.ts), and plain JS loops that round every operation with Math.fround (float64 then
 * float32 rounding equals float32 arithmetic for + − × ÷ √), used where wasm SIMD is missing or
 * FILTERSTUDY_NO_SIMD is set (~10× slower). Why not as ONNX ops in the step graph, as before: up to 14
 * element-wise ops per weight array (Adam; SGD 2, momentum 4), each a new buffer, then a copy of every updated tensor into
 * JavaScript — the memory traffic that kept two workers from scaling (docs/performance.md "Measuring speed").
 */
import type { StudyConfig } from '../../config.ts';
import { simdOffByEnv } from '../../ml/kernels/wasm-asm.ts';
import { optimizerKernels, type OptimizerKernels } from './optimizer-simd.ts';

type TrainConfig = StudyConfig['train'];

/** tfjs' tf.train.adam defaults: beta1 0.9, beta2 0.999, epsilon = the backend's epsilon(), 1e-7 for float32 backends. */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export type OptimizerKind = 'sgd' | 'momentum' | 'adam';

export function optimizerKind(t: TrainConfig): OptimizerKind {
  if (t.optimizer === 'adam') return 'adam';
  return t.momentum > 0 ? 'momentum' : 'sgd';
}

/** Names of the per-weight state slots of an optimiser. */
export function stateSlots(kind: OptimizerKind): string[] {
  return kind === 'adam' ? ['m', 'v'] : kind === 'momentum' ? ['acc'] : [];
}

export interface UpdateRule { kind: OptimizerKind; learningRate: number; momentum: number }

export const updateRule = (t: TrainConfig): UpdateRule => ({ kind: optimizerKind(t), learningRate: t.learningRate, momentum: t.momentum });

const f = Math.fround;

/** The float32 scalars of one step's update, as tfjs makes them (each a float32 tensor). */
interface Scalars { negLr: number; mom: number; b1: number; c1: number; b2: number; c2: number; o1: number; o2: number; eps: number }

// ---- the JS loops (reference and fallback): every operation rounded to float32 ----

function sgdJs(w: Float32Array, g: Float32Array, s: Scalars): void {
  for (let i = 0; i < w.length; i++) w[i] = f(s.negLr * g[i]) + w[i];
}

function momentumJs(w: Float32Array, g: Float32Array, a: Float32Array, s: Scalars): void {
  for (let i = 0; i < w.length; i++) {
    const ai = f(f(s.mom * a[i]) + g[i]);
    a[i] = ai;
    w[i] = f(s.negLr * ai) + w[i];
  }
}

function adamJs(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: Scalars): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * s.b1) + f(gi * s.c1));
    const vi = f(f(v[i] * s.b2) + f(f(gi * gi) * s.c2));
    m[i] = mi;
    v[i] = vi;
    const step = f(f(mi / s.o1) / f(f(Math.sqrt(f(vi / s.o2))) + s.eps));
    w[i] = f(step * s.negLr) + w[i];
  }
}

/** Whether the SIMD module runs the updates, or why not (FILTERSTUDY_NO_SIMD, as for the tfjs kernels). */
function kernelsFor(memory: WebAssembly.Memory): OptimizerKernels | string {
  return simdOffByEnv() ?? optimizerKernels(memory);
}

/** Which implementation ParamStore uses in this thread: 'wasm-simd', or 'js (why not SIMD)'. */
export function optimizerPath(): string {
  const k = kernelsFor(new WebAssembly.Memory({ initial: 1 }));
  return typeof k === 'string' ? `js (${k})` : 'wasm-simd';
}

const PAGE = 65536;
const pad4 = (n: number) => Math.ceil(n / 4) * 4; // f32x4 groups: every array 16-byte aligned and padded

interface Slot { size: number; w: number; g: number; state: number[] } // byte offsets

/**
 * Weights, gradients and optimiser state of named parameters, in one WebAssembly.Memory that never
 * grows (so views on it stay valid), each array 16-byte aligned and padded to a multiple of 4
 * values (the padding stays 0). State starts at zero, as in tfjs.
 */
export class ParamStore {
  readonly memory: WebAssembly.Memory;
  /** 'wasm-simd', or 'js' with the reason the SIMD module is not used. */
  readonly path: string;
  private readonly kernels: OptimizerKernels | null;
  private readonly slots = new Map<string, Slot>();
  private acc1 = f(ADAM.beta1);
  private acc2 = f(ADAM.beta2);

  constructor(readonly rule: UpdateRule, params: { name: string; size: number }[]) {
    const nState = stateSlots(rule.kind).length;
    let bytes = 0;
    const take = (size: number) => { const at = bytes; bytes += pad4(size) * 4; return at; };
    for (const { name, size } of params) {
      if (this.slots.has(name)) throw new Error(`internal: parameter ${name} declared twice`);
      if (size < 1) throw new Error(`internal: parameter ${name} has no values`); // the wasm loops run at least once
      this.slots.set(name, { size, w: take(size), g: take(size), state: Array.from({ length: nState }, () => take(size)) });
    }
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const k = kernelsFor(this.memory);
    this.kernels = typeof k === 'string' ? null : k;
    this.path = typeof k === 'string' ? `js (${k})` : 'wasm-simd';
  }

  get names(): string[] { return [...this.slots.keys()]; }
  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`internal: no parameter ${name}`);
    return s;
  }
  private view(at: number, size: number): Float32Array { return new Float32Array(this.memory.buffer, at, size); }
  /** The live weight values (a view: copy before keeping). */
  weight(name: string): Float32Array { const s = this.slot(name); return this.view(s.w, s.size); }
  /** Where the step's gradient goes before update(). */
  grad(name: string): Float32Array { const s = this.slot(name); return this.view(s.g, s.size); }
  /** Optimiser state slot `i` (stateSlots order). */
  state(name: string, i: number): Float32Array { const s = this.slot(name); return this.view(s.state[i], s.size); }

  /** One optimiser step on every parameter from the gradients in grad(); advances Adam's βᵗ. */
  update(): void {
    const r = this.rule;
    const s: Scalars = {
      negLr: f(-r.learningRate), mom: f(r.momentum), b1: f(ADAM.beta1), c1: f(1 - ADAM.beta1), b2: f(ADAM.beta2), c2: f(1 - ADAM.beta2),
      o1: f(1 - this.acc1), o2: f(1 - this.acc2), eps: f(ADAM.epsilon),
    };
    for (const slot of this.slots.values()) {
      const n = pad4(slot.size) / 4;
      const k = this.kernels;
      if (r.kind === 'sgd') {
        if (k) k.sgd(slot.w, slot.g, n, s.negLr);
        else sgdJs(this.view(slot.w, slot.size), this.view(slot.g, slot.size), s);
      } else if (r.kind === 'momentum') {
        if (k) k.momentum(slot.w, slot.g, slot.state[0], n, s.mom, s.negLr);
        else momentumJs(this.view(slot.w, slot.size), this.view(slot.g, slot.size), this.view(slot.state[0], slot.size), s);
      } else if (k) {
        k.adam(slot.w, slot.g, slot.state[0], slot.state[1], n, s.b1, s.c1, s.b2, s.c2, s.o1, s.o2, s.eps, s.negLr);
      } else {
        adamJs(this.view(slot.w, slot.size), this.view(slot.g, slot.size), this.view(slot.state[0], slot.size), this.view(slot.state[1], slot.size), s);
      }
    }
    if (r.kind === 'adam') {
      this.acc1 = f(this.acc1 * f(ADAM.beta1));
      this.acc2 = f(this.acc2 * f(ADAM.beta2));
    }
  }
}
