import { describe, expect, it } from 'vitest';
import { COMPARISONS, comparisonName, kernelToFilters, seedSimilarity, type FilterRef } from '../src/stats/similarity.ts';

describe('per-seed similarity (the paper\'s S_i)', () => {
  it('kernelToFilters reads the tfjs [K,K,1,F] layout', () => {
    // K=2, F=2: kernel[r][c][0][f] = 10·f + (2r + c)
    const kernel = Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]);
    expect(kernelToFilters(kernel, 2, 2).map((f) => Array.from(f))).toEqual([[0, 1, 2, 3], [10, 11, 12, 13]]);
  });

  it('S_i and argmin match hand-computed values', () => {
    // Reference filters (K=1 → 1 weight each, F=3) and the other CNN's filters.
    const sets: Record<string, Float32Array[]> = {
      'model1.cnn1': [[0], [1], [5]].map((v) => Float32Array.from(v)),
      'model1.cnn2': [[0.5], [4], [10]].map((v) => Float32Array.from(v)),
    };
    const get = (r: FilterRef) => sets[`${r.model}.${r.network}`] ?? sets['model1.cnn1'];
    const rows = seedSimilarity(get).filter((r) => r.comparison === 'model1.cnn1 -> model1.cnn2');
    expect(rows.map((r) => r.s)).toEqual([0.5, 0.5, 1]);
    expect(rows.map((r) => r.argmin)).toEqual([0, 0, 1]);
    const back = seedSimilarity(get).filter((r) => r.comparison === 'model1.cnn2 -> model1.cnn1');
    expect(back.map((r) => r.s)).toEqual([0.5, 1, 5]);
  });

  it('covers the paper\'s eight comparisons plus four trained-vs-init, each once', () => {
    const names = COMPARISONS.map(([a, b]) => comparisonName(a, b));
    expect(new Set(names).size).toBe(12);
    expect(names).toContain('model2.cnn1 -> model1.cnn1');
    expect(names).toContain('model1.cnn2 -> model2.cnn2');
    expect(names.filter((n) => n.endsWith('@init'))).toHaveLength(4);
  });
});
