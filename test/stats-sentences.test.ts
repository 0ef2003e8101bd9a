/** The plain sentence per claim: a study too small for intervals says so once, in words. */
import { describe, expect, it } from 'vitest';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

describe('claim sentences', () => {
  it('with one seed no CI is computable: said plainly, never "95% CI CI not computable"', () => {
    const st = analyzeStudy(makeSyntheticStudy({ seeds: 1, mode: 'paper' }), { reps: 50 });
    const sentences = st.claims.map((c) => c.sentence ?? '');
    expect(sentences.join(' ')).not.toMatch(/CI CI/);
    expect(sentences.some((s) => s.includes('no CI computable'))).toBe(true);
  });

  it('with enough seeds the interval is given with its level: "90% CI [lo, hi]" (the claims\' 1 − 2α)', () => {
    const st = analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), { reps: 200 });
    expect(st.claims[0].sentence).toMatch(/90% CI \[-?\d\.\d{3}, -?\d\.\d{3}\]/);
    // at another α the level follows: α = 0.025 → 95 %
    const st2 = analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), { reps: 200, alpha: 0.025 });
    expect(st2.claims[0].sentence).toMatch(/95% CI \[-?\d\.\d{3}, -?\d\.\d{3}\]/);
  });
});
