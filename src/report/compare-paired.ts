/**
 * A paired between-study test per claim, for `compare`: where two studies share seeds, the
 * per-seed statistic a claim is tested on (its per-seed difference, stats.json
 * `numbers.perSeedDifference`) is compared seed by seed — d_s = study B's − study A's — with the
 * two-sided Wilcoxon signed-rank test of stats/tests.ts (exact up to 50 seeds). Each study is compared with the
 * first one (the sweep's first point). Descriptive: no multiplicity correction over claims or
 * studies, and seeds of different studies are paired only by their seed number (same data order
 * and initial weights only when the swept key leaves them alone).
 *
 * Studies of different recipes (the quick preset and Table 1) differ in many config keys; the test
 * needs only that both statistics measure the same thing: the same claim on the same seed set
 * (`decidedOn.seedSet`) and, for the filter claims, the same yardstick (`decidedOn.yardstick`). When
 * they do not (one study aggregated with another yardstick option) the pair is reported as not comparable.
 * Only seeds in both studies' decision sets (e.g. trained to the standard in both) pair.
 */
import { wilcoxon } from '../stats/tests.ts';
import type { ClaimVerdict, StudyStats } from '../stats/types.ts';
import { fmtSigned, pIs } from './format.ts';

export interface PairedClaimTest {
  claim: number;
  /** Study names: the reference (first) and the one compared with it. */
  ref: string;
  other: string;
  /** Seeds present in both with the claim's per-seed statistic. */
  seeds: number[];
  /** Median of other − ref over the shared seeds (null with none). */
  medianDifference: number | null;
  /** Exact two-sided Wilcoxon p (null when not computable: `why` says why). */
  p: number | null;
  why: string | null;
}

/** seed → the claim's per-seed statistic, or null when stats.json does not say which seed each value is. */
export function perSeedStatistic(c: ClaimVerdict | undefined, st: StudyStats): Map<number, number> | null {
  const d = c?.numbers.perSeedDifference;
  if (!Array.isArray(d)) return null;
  const seeds = Array.isArray(c!.numbers.differenceSeeds) ? (c!.numbers.differenceSeeds as number[]) : d.length === st.seeds.length ? st.seeds : null;
  if (!seeds || seeds.length !== d.length) return null;
  return new Map(seeds.map((s, i) => [s, d[i]]));
}

const median = (x: number[]): number => {
  const s = [...x].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** What a claim's per-seed statistic is measured on: "standard seeds, unit S" (older stats.json: numbers.yardstick). */
function basisOf(c: ClaimVerdict): string {
  const set = c.decidedOn?.seedSet ?? 'standard';
  const y = c.decidedOn?.yardstick ?? (typeof c.numbers.yardstick === 'string' ? c.numbers.yardstick : null);
  return `${set === 'standard' ? 'the seeds trained to the standard' : 'all seeds'}${y ? `, ${y} S` : ''}`;
}

/** Every claim of the first study against every other study. */
export function pairedClaimTests(studies: { name: string; stats: StudyStats }[]): PairedClaimTest[] {
  const [ref, ...others] = studies;
  const out: PairedClaimTest[] = [];
  for (const c of ref.stats.claims) {
    const a = perSeedStatistic(c, ref.stats);
    for (const o of others) {
      const cb = o.stats.claims.find((x) => x.claim === c.claim);
      const b = perSeedStatistic(cb, o.stats);
      const base = { claim: c.claim, ref: ref.name, other: o.name };
      if (cb && basisOf(c) !== basisOf(cb)) {
        out.push({ ...base, seeds: [], medianDifference: null, p: null, why: `not comparable: ${ref.name} decides on ${basisOf(c)}, ${o.name} on ${basisOf(cb)} (aggregate both with the same yardstick option)` });
        continue;
      }
      if (!a || !b) {
        out.push({ ...base, seeds: [], medianDifference: null, p: null, why: 'no per-seed statistic in stats.json (older file, or the claim was not testable)' });
        continue;
      }
      const empty = [[ref.name, a], [o.name, b]].find(([, m]) => (m as Map<number, number>).size === 0);
      if (empty) {
        out.push({ ...base, seeds: [], medianDifference: null, p: null, why: `${String(empty[0])} has no seed with the claim's per-seed statistic` });
        continue;
      }
      const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
      const d = seeds.map((s) => b.get(s)! - a.get(s)!);
      const medianDifference = d.length ? median(d) : null;
      if (!seeds.length) {
        out.push({ ...base, seeds, medianDifference, p: null, why: 'the studies share no seeds' });
      } else if (d.every((x) => x === 0)) {
        out.push({ ...base, seeds, medianDifference, p: null, why: 'identical on every shared seed' });
      } else {
        out.push({ ...base, seeds, medianDifference, p: wilcoxon(d, undefined, { alternative: 'two-sided' }).p, why: null });
      }
    }
  }
  return out;
}

/** A paired test in a cell or line: 'median Δ +0.012, p = 0.31, 6 shared seeds', or why it is not computable. */
export function pairedText(t: PairedClaimTest): string {
  const n = `${t.seeds.length} shared seed${t.seeds.length === 1 ? '' : 's'}`;
  if (t.p === null) return t.medianDifference === null ? `not computable: ${t.why}` : `median Δ ${fmtSigned(t.medianDifference, 4)}, ${n}; p not computable: ${t.why}`;
  return `median Δ ${fmtSigned(t.medianDifference, 4)}, ${pIs(t.p)}, ${n}`;
}
