/**
 * The onnxruntime engine's optimiser updates (src/onnx/train/optimizer.ts ParamStore): the wasm SIMD
 * module and the Math.fround JS loops give the same bits, both equal tfjs' optimisers (cpu backend)
 * bit for bit over several steps, and the store's layout keeps parameters apart.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBackend, type TF } from '../src/ml/backend.ts';
import { ParamStore, optimizerPath, type UpdateRule } from '../src/onnx/train/optimizer.ts';
import { makeRng } from '../src/rng.ts';

let tf: TF;
beforeAll(async () => {
  tf = (await loadBackend('cpu')).tf;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const RULES: UpdateRule[] = [
  { kind: 'sgd', learningRate: 0.05, momentum: 0 },
  { kind: 'momentum', learningRate: 0.05, momentum: 0.9 },
  { kind: 'adam', learningRate: 0.001, momentum: 0 },
];
// sizes not a multiple of 4 (the padding), one of 1, and one large enough for many SIMD groups
const PARAMS = [{ name: 'a', size: 1 }, { name: 'b', size: 7 }, { name: 'c', size: 4099 }];
const STEPS = 4;

/** Per step, a gradient per parameter with zeros, tiny, large and negative values. */
function gradients(): Float32Array[][] {
  const rng = makeRng(21, 'grads');
  return Array.from({ length: STEPS }, () => PARAMS.map(({ size }) => Float32Array.from({ length: size }, (_, i) => (i % 11 === 0 ? 0 : (rng.next() - 0.5) * 10 ** (rng.int(9) - 6)))));
}
const initial = () => { const rng = makeRng(22, 'w'); return PARAMS.map(({ size }) => Float32Array.from({ length: size }, () => rng.next() - 0.5)); };

/** Runs STEPS updates; returns every weight and state array after each step. */
function runStore(rule: UpdateRule): { path: string; after: number[][][] } {
  const store = new ParamStore(rule, PARAMS);
  initial().forEach((w, i) => store.weight(PARAMS[i].name).set(w));
  const after: number[][][] = [];
  for (const g of gradients()) {
    g.forEach((gi, i) => store.grad(PARAMS[i].name).set(gi));
    store.update();
    const slots = rule.kind === 'adam' ? 2 : rule.kind === 'momentum' ? 1 : 0;
    after.push(PARAMS.flatMap(({ name }) => [Array.from(store.weight(name)), ...Array.from({ length: slots }, (_, s) => Array.from(store.state(name, s)))]));
  }
  return { path: store.path, after };
}

/** The same updates by tfjs' optimisers on the cpu backend: weights after each step. */
function runTfjs(rule: UpdateRule): number[][][] {
  const vars = initial().map((w) => tf.variable(tf.tensor1d(w)));
  const opt = rule.kind === 'adam' ? tf.train.adam(rule.learningRate) : rule.kind === 'momentum' ? tf.train.momentum(rule.learningRate, rule.momentum) : tf.train.sgd(rule.learningRate);
  const out: number[][][] = [];
  for (const g of gradients()) {
    opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor1d(g[i]) })));
    out.push(vars.map((v) => Array.from(v.dataSync())));
  }
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

describe('ParamStore updates', () => {
  for (const rule of RULES) {
    it(`${rule.kind}: the SIMD module and the JS loops give the same bits, and tfjs' weights bit for bit`, () => {
      const simd = runStore(rule);
      expect(simd.path).toBe('wasm-simd');
      vi.stubEnv('FILTERSTUDY_NO_SIMD', '1');
      const js = runStore(rule);
      expect(js.path).toBe('js (disabled by FILTERSTUDY_NO_SIMD)');
      expect(js.after).toEqual(simd.after);
      const want = runTfjs(rule);
      const slots = rule.kind === 'adam' ? 2 : rule.kind === 'momentum' ? 1 : 0;
      simd.after.forEach((arrays, s) => PARAMS.forEach((p, i) => expect(arrays[i * (1 + slots)], `${p.name}, step ${s + 1}`).toEqual(want[s][i])));
    });
  }

  it('keeps parameters apart: an update touches only its own arrays, and padding stays zero', () => {
    const store = new ParamStore(RULES[2], PARAMS);
    const w0 = initial();
    w0.forEach((w, i) => store.weight(PARAMS[i].name).set(w));
    store.grad('b').fill(1);
    store.update(); // a and c have zero gradients: Adam leaves their weights and moments as they were
    for (const i of [0, 2]) {
      expect(Array.from(store.weight(PARAMS[i].name))).toEqual(Array.from(w0[i]));
      expect(Array.from(store.state(PARAMS[i].name, 0)).every((x) => x === 0)).toBe(true);
    }
    expect(Array.from(store.weight('b')).map((x, j) => x - w0[1][j]).every((d) => Math.abs(d + 0.001) < 1e-6)).toBe(true); // Adam's first step: −lr·sign(g)
    const padding = new Float32Array(store.memory.buffer, store.weight('b').byteOffset + 7 * 4, 1);
    expect(padding[0]).toBe(0);
  });

  it('refuses a parameter with no values (the wasm loops run at least once)', () => {
    expect(() => new ParamStore(RULES[0], [{ name: 'empty', size: 0 }])).toThrow(/parameter empty has no values/);
  });

  it('says which implementation runs', () => {
    expect(optimizerPath()).toBe('wasm-simd');
    vi.stubEnv('FILTERSTUDY_NO_SIMD', '1');
    expect(optimizerPath()).toBe('js (disabled by FILTERSTUDY_NO_SIMD)');
  });
});
