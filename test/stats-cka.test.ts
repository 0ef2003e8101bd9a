import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { activationPositions, firstLayerActivations, hsicUnbiased, linearCkaDebiased, type Features } from '../src/stats/cka.ts';
import { makeRng } from '../src/rng.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'));
const feat = (rows: number[][]): Features => ({ n: rows.length, p: rows[0].length, data: Float64Array.from(rows.flat()) });

/** Random orthogonal p×p matrix (Gram–Schmidt). */
function orthogonal(p: number, seed: number): number[][] {
  const rng = makeRng(seed, 'orth');
  const q: number[][] = [];
  for (let r = 0; r < p; r++) {
    const v = Array.from({ length: p }, () => rng.normal());
    for (const u of q) {
      const d = v.reduce((s, x, i) => s + x * u[i], 0);
      for (let i = 0; i < p; i++) v[i] -= d * u[i];
    }
    const n = Math.hypot(...v);
    q.push(v.map((x) => x / n));
  }
  return q;
}
const mul = (X: number[][], Q: number[][]): number[][] => X.map((row) => Q[0].map((_, j) => row.reduce((s, x, k) => s + x * Q[k][j], 0)));

describe('debiased linear CKA', () => {
  it('matches the numpy Gram-matrix reference', () => {
    const X = feat(ref.cka.X);
    expect(hsicUnbiased(X, feat(ref.cka.Y))).toBeCloseTo(ref.cka.hsicXY, 8); // not centred: checks the formula itself
    expect(linearCkaDebiased(X, feat(ref.cka.Y))).toBeCloseTo(ref.cka.XY, 10);
    expect(linearCkaDebiased(X, feat(ref.cka.Z))).toBeCloseTo(ref.cka.XZ, 10);
    expect(linearCkaDebiased(X, X)).toBeCloseTo(1, 12);
  });
  it('is invariant to orthogonal transforms, isotropic scaling and translation', () => {
    const X: number[][] = ref.cka.X;
    const Y: number[][] = ref.cka.Y;
    const base = linearCkaDebiased(feat(X), feat(Y));
    const XQ = mul(X, orthogonal(X[0].length, 3));
    expect(linearCkaDebiased(feat(XQ), feat(Y))).toBeCloseTo(base, 10);
    expect(linearCkaDebiased(feat(X.map((r) => r.map((v) => 7.5 * v))), feat(Y))).toBeCloseTo(base, 10);
    expect(linearCkaDebiased(feat(X.map((r) => r.map((v, i) => v + i + 3))), feat(Y))).toBeCloseTo(base, 10);
    expect(linearCkaDebiased(feat(XQ), feat(X))).toBeCloseTo(1, 10);
  });
});

describe('first-layer activations', () => {
  it('valid 3×3 cross-correlation + bias + ReLU by hand', () => {
    // 4×4 image with pixel value = index; filter picks the centre pixel, and the negative filter
    const img = Float32Array.from({ length: 16 }, (_, i) => i);
    const centre = [0, 0, 0, 0, 1, 0, 0, 0, 0];
    const neg = centre.map((v) => -v);
    const topLeft = [1, 0, 0, 0, 0, 0, 0, 0, 0];
    const pos = activationPositions(1, { height: 4, width: 4 });
    expect(Array.from(pos)).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1]);
    const a = firstLayerActivations(img, [centre, neg, topLeft], [0.5, 1, 0], pos, { height: 4, width: 4 });
    expect(a.n).toBe(4);
    // positions (0,0),(0,1),(1,0),(1,1): centres 5, 6, 9, 10
    expect(Array.from(a.data)).toEqual([5.5, 0, 0, 6.5, 0, 1, 9.5, 0, 4, 10.5, 0, 5]);
  });
  it('sampled positions are seeded, distinct within an image, and CKA of a CNN with itself is 1', () => {
    const rng = makeRng(1, 'img');
    const n = 20;
    const images = Float32Array.from({ length: n * 784 }, () => rng.next());
    const p1 = activationPositions(n, { positionsPerImage: 50, seed: 4 });
    expect(Array.from(activationPositions(n, { positionsPerImage: 50, seed: 4 }))).toEqual(Array.from(p1));
    const cells = new Set<number>();
    for (let r = 0; r < 50; r++) cells.add(p1[3 * r + 1] * 26 + p1[3 * r + 2]);
    expect(cells.size).toBe(50);
    const w = Array.from({ length: 16 }, () => Array.from({ length: 9 }, () => rng.next() - 0.5));
    const b = new Float32Array(16);
    const A = firstLayerActivations(images, w, b, p1);
    expect(linearCkaDebiased(A, A)).toBeCloseTo(1, 10);
    // a permutation of the filters gives the same representation up to column order → CKA 1
    const B = firstLayerActivations(images, [...w].reverse(), b, p1);
    expect(linearCkaDebiased(A, B)).toBeCloseTo(1, 10);
  });
});
