/**
 * The test machinery every claim shares: a per-seed difference d_s tested one-sided with the
 * Wilcoxon signed-rank test (sign-flip permutation p beside it), an effect with its CI, and the
 * decision rule (src/stats/README.md, "Decision rules").
 */
import { cohenDz, signFlipTest, wilcoxon, type Alternative } from './tests.ts';
import type { ClaimVerdict, Interval, Verdict } from './types.ts';

export interface PartResult {
  p: number | null;
  estimate: number;
  ci: Interval;
  d: number[]; // per-seed paired differences (claimed direction: alt)
  alt: Alternative;
  signFlipP: number | null;
}

/** One-sided Wilcoxon + sign-flip on per-seed differences; effect CI supplied by the caller.
 *  signFlip false skips the sign-flip p (reported only, never in a verdict; its exact
 *  enumeration costs 2ⁿ·n, ~0.1 s at 20 seeds — the calibration runs thousands of studies). */
export function pairedPart(d: number[], alt: Alternative, estimate: number, ci: Interval, signFlip = true): PartResult {
  const nonzero = d.some((v) => v !== 0);
  return {
    p: nonzero ? wilcoxon(d, undefined, { alternative: alt }).p : d.length ? 1 : null,
    estimate,
    ci,
    d,
    alt,
    signFlipP: signFlip && d.length ? signFlipTest(d, { alternative: alt }).p : null,
  };
}

/** An interval or number strictly on the claimed side of 0. */
const onClaimedSide = (x: number | null, alt: Alternative): boolean => x !== null && Number.isFinite(x) && (alt === 'greater' ? x > 0 : x < 0);

/** The whole CI on the wrong side of 0 (0 included: an effect of exactly 0 is not the claimed one). */
export const ciWhollyWrong = (ci: Interval, alt: Alternative): boolean =>
  ci.lo !== null && ci.hi !== null && (alt === 'greater' ? ci.hi <= 0 : ci.lo >= 0);

/**
 * The verdict rule shared by all claims:
 *  1. fewer than minSeeds seeds (or no p) ⇒ inconclusive;
 *  2. some part's effect CI lies wholly on the wrong side of 0 ⇒ not supported;
 *  3. the family-adjusted p < α and every part's estimate and CI on the claimed side ⇒ supported;
 *  4. otherwise inconclusive (a point estimate on the wrong side alone is noise at 6 seeds).
 */
export function decide(parts: PartResult[], pAdj: number | null, n: number, minSeeds: number, alpha: number): Verdict {
  if (n < minSeeds || pAdj === null) return 'inconclusive';
  if (parts.some((q) => ciWhollyWrong(q.ci, q.alt))) return 'not supported';
  const all = parts.every((q) => onClaimedSide(q.estimate, q.alt) && onClaimedSide(q.ci.lo, q.alt) && onClaimedSide(q.ci.hi, q.alt));
  return pAdj < alpha && all ? 'supported' : 'inconclusive';
}

/** Effect summary of a part (for ClaimVerdict.effect). */
export function effectOf(name: string, q: PartResult): NonNullable<ClaimVerdict['effect']> {
  return {
    name,
    estimate: q.estimate,
    ci: q.ci,
    cohenDz: q.d.length > 1 ? cohenDz(q.d) : null,
    rankBiserial: q.d.some((v) => v !== 0) ? wilcoxon(q.d).rankBiserial : null,
  };
}

/**
 * Smallest number of seeds at which a one-sided exact Wilcoxon test can pass the first Holm
 * step of a family of m tests: the smallest p with n seeds is 2⁻ⁿ, so n = the least n with
 * 2⁻ⁿ < α/m (α = 0.05: m = 3 → 6 seeds, m = 1 → 5 seeds).
 */
export function minSeedsFor(alpha: number, familySize: number): number {
  let n = 1;
  while (2 ** -n >= alpha / familySize) n++;
  return n;
}

export const NO_CI = (level: number): Interval => ({ lo: null, hi: null, level, method: 'none' });
