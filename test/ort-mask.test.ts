/**
 * The onnxruntime engine's dropout masks (src/onnx/train/mask-simd.ts): the wasm SIMD expand draws
 * the same values as ml/models.ts dropoutMaskData, leaves the stream where it leaves it, and keeps
 * doing so as its memory grows, is reused by a shorter batch, and through the JS paths (a rate whose
 * keep·256 is not whole, FILTERSTUDY_NO_SIMD). The trainers' steps against reference masks are in
 * test/ort-engine.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config.ts';
import { dropoutMaskData } from '../src/ml/models.ts';
import { MaskDrawer, maskModuleBytes, maskPath } from '../src/onnx/train/mask-simd.ts';
import { makeRng } from '../src/rng.ts';

const m = DEFAULTS.model; // 13·13·16 = 2,704 units per row: whole groups of 16
/** Bit patterns, so +0 and −0 (and any NaN) would differ. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('MaskDrawer', () => {
  afterEach(() => {
    delete process.env.FILTERSTUDY_NO_SIMD;
  });

  it('runs the SIMD module in this runtime', () => {
    expect(maskPath()).toBe('wasm-simd');
    expect(() => new WebAssembly.Module(maskModuleBytes().buffer as ArrayBuffer)).not.toThrow();
  });

  it('draws what dropoutMaskData draws, bit for bit, and leaves the stream where it leaves it: grown, reused shorter, other rates, odd tails', () => {
    const drawer = new MaskDrawer();
    const cases: [number, typeof m, string][] = [
      [64, m, 'a'], // grows to 173,056 units
      [3, m, 'b'], // a short last batch in the same memory
      [128, m, 'c'], // grows again
      [5, { ...m, dropout: 0.5 }, 'd'], // threshold 128
      [5, { ...m, dropout: 0.3 }, 'e'], // keep·256 = 179.2: one uint32 per unit, the JS path
      [1, { ...m, filters: 3 }, 'f'], // 507 units: 31 groups of 16 and a tail of 11 (126¾ draws)
      [7, { ...m, filters: 5 }, 'g'], // 5,915 units: a tail of 11 again, at the start of a larger memory
      [64, m, 'h'],
    ];
    for (const [n, model, stream] of cases) {
      const rng = makeRng(9, stream);
      const ref = makeRng(9, stream);
      const got = drawer.draw(n, model, rng)!;
      const want = dropoutMaskData(n, model, ref)!;
      // the SIMD expand drew it, except for the rate whose keep·256 is not whole
      expect(drawer.path, `stream ${stream}`).toBe(stream === 'e' ? 'js (keep·256 = 179.2 is not whole)' : 'wasm-simd');
      expect(got.length, `n ${n}, stream ${stream}`).toBe(want.length);
      expect(bits(got), `n ${n}, stream ${stream}`).toEqual(bits(want));
      expect(rng.uint32(), `stream ${stream} after the mask`).toBe(ref.uint32());
    }
  });

  it('a mask is a view that the next draw overwrites (the trainer draws after each step has run)', () => {
    const drawer = new MaskDrawer();
    const first = drawer.draw(2, m, makeRng(1, 'v'))!;
    const kept = bits(first);
    drawer.draw(2, m, makeRng(2, 'v'));
    expect(bits(first)).not.toEqual(kept);
  });

  it('returns null when dropout is off, and draws nothing', () => {
    const rng = makeRng(3, 'off');
    expect(new MaskDrawer().draw(4, { ...m, dropout: 0 }, rng)).toBeNull();
    expect(rng.uint32()).toBe(makeRng(3, 'off').uint32());
  });

  it('FILTERSTUDY_NO_SIMD=1 draws the same masks in JS and says so', () => {
    process.env.FILTERSTUDY_NO_SIMD = '1';
    expect(maskPath()).toBe('js (disabled by FILTERSTUDY_NO_SIMD)');
    const drawer = new MaskDrawer();
    const got = drawer.draw(3, m, makeRng(4, 'js'))!;
    expect(drawer.path).toBe('js (disabled by FILTERSTUDY_NO_SIMD)');
    expect(bits(got)).toEqual(bits(dropoutMaskData(3, m, makeRng(4, 'js'))!));
  });
});
