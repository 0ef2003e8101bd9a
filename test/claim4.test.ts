/** Claim-4 measurements: the relabelling matcher and the linear probe on synthetic problems. */
import { describe, expect, it } from 'vitest';
import { linearProbe, relabelMatching, relabelledScore } from '../src/worker/claim4.ts';
import { makeRng, type Rng } from '../src/rng.ts';

/** Logits [n,10] of a classifier that outputs class perm[digit] for `acc` of the rows, another class otherwise. */
function permutedClassifier(labels: number[], perm: number[], acc: number, rng: Rng): Float32Array {
  const out = new Float32Array(labels.length * 10);
  labels.forEach((y, r) => {
    for (let k = 0; k < 10; k++) out[r * 10 + k] = rng.normal() * 0.1;
    const k = rng.next() < acc ? perm[y] : (perm[y] + 1 + rng.int(9)) % 10;
    out[r * 10 + k] += 3;
  });
  return out;
}

describe('relabelling', () => {
  const rng = makeRng(1, 'relabel');
  const labels = (n: number) => Array.from({ length: n }, () => rng.int(10));
  const perm = [3, 7, 0, 9, 1, 4, 8, 2, 6, 5]; // digit d is output perm[d]

  it('recovers a permuted digit classifier: raw accuracy ~0, relabelled ~its accuracy', () => {
    const yv = labels(2000);
    const yt = labels(2000);
    const match = relabelMatching(permutedClassifier(yv, perm, 0.9, rng), yv);
    // match maps output k → digit: the inverse of perm
    for (let d = 0; d < 10; d++) expect(match[perm[d]]).toBe(d);
    const test = permutedClassifier(yt, perm, 0.9, rng);
    const r = relabelledScore(test, yt, match);
    expect(r.accuracy).toBeGreaterThan(0.87);
    expect(r.accuracy).toBeLessThan(0.93);
    const identity = relabelledScore(test, yt, Int32Array.from({ length: 10 }, (_, i) => i));
    expect(identity.accuracy).toBeLessThan(0.05); // no digit is its own output in `perm`
    expect(r.loss).toBeLessThan(identity.loss);
  });

  it('is one-to-one: a classifier that says one class for everything scores one digit\'s share', () => {
    const yv = labels(3000);
    const constant = new Float32Array(yv.length * 10).map((_, i) => (i % 10 === 4 ? 1 : 0));
    const match = relabelMatching(constant, yv);
    expect(new Set(match).size).toBe(10);
    const r = relabelledScore(constant, yv, match);
    expect(r.accuracy).toBeGreaterThan(0.07);
    expect(r.accuracy).toBeLessThan(0.13);
  });
});

describe('linear probe', () => {
  /** c Gaussian clusters in d dims (means 3 apart on random axes), plus `noise` pure-noise features. */
  function clusters(n: number, d: number, c: number, rng: Rng, sep: number) {
    const centres = Array.from({ length: c }, () => Float64Array.from({ length: d }, () => rng.normal() * sep));
    const y = Array.from({ length: n }, () => rng.int(c));
    const x = new Float32Array(n * d);
    y.forEach((k, r) => { for (let j = 0; j < d; j++) x[r * d + j] = centres[k][j] + rng.normal() + 5; });
    return { x, y, centres };
  }

  it('separates a linearly separable problem, and is deterministic', () => {
    const rng = makeRng(2, 'probe-data');
    const all = clusters(3000, 16, 10, rng, 3);
    const train = { x: all.x.subarray(0, 2000 * 16), y: all.y.slice(0, 2000) };
    const test = { x: all.x.subarray(2000 * 16), y: all.y.slice(2000) };
    const a = linearProbe(train, test, 16, 10, makeRng(1, 'probe'));
    const b = linearProbe(train, test, 16, 10, makeRng(1, 'probe'));
    expect(a.accuracy).toBeGreaterThan(0.97);
    expect(a).toEqual(b);
  });

  it('is at chance on labels unrelated to the features', () => {
    const rng = makeRng(3, 'probe-data');
    const all = clusters(3000, 16, 10, rng, 3);
    const y = all.y.map(() => rng.int(10)); // labels independent of the clusters
    const r = linearProbe({ x: all.x.subarray(0, 2000 * 16), y: y.slice(0, 2000) }, { x: all.x.subarray(2000 * 16), y: y.slice(2000) }, 16, 10, makeRng(1, 'probe'));
    expect(r.accuracy).toBeLessThan(0.16);
  });

  it('ignores constant (dead) features instead of dividing by a zero std', () => {
    const rng = makeRng(4, 'probe-data');
    const all = clusters(1000, 8, 3, rng, 3);
    for (let r = 0; r < 1000; r++) all.x[r * 8 + 2] = 0;
    const r = linearProbe({ x: all.x.subarray(0, 700 * 8), y: all.y.slice(0, 700) }, { x: all.x.subarray(700 * 8), y: all.y.slice(700) }, 8, 3, makeRng(1, 'probe'));
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.accuracy).toBeGreaterThan(0.9);
  });
});
