/**
 * Seeds until decided (`filterstudy run --until-decided`, config `seeds.untilDecided`): train the
 * seeds in rounds, analyse the study at looks fixed in advance, and stop at the first look where
 * every claim of the paper's family (claims 1–3) is decided (supported or not supported), or at
 * the last look. Pure functions: the run, the Slurm aggregate job and the calibration
 * (simulate.ts calibrateSequential, bench/until-decided.ts) all take their decisions here.
 *
 * Error control: Bonferroni over the looks. Each of the K looks is analysed at α/K (analyzeStudy
 * `alpha`; the claims' CIs at the matching two-sided level 1 − 2α/K, whose claimed-side end is the
 * one-sided bound of the one-sided test), so the chance of a false SUPPORTED at
 * ANY look is at most K · α/K = α per family, whatever the dependence between looks and wherever
 * the procedure stops (the union bound needs neither). Claim 4, its own family, is analysed at the
 * same looks at the same α/K, so it keeps the same bound; it does not drive the stopping (the
 * question is the paper's). The simulation in src/stats/README.md measures the actual rates.
 */
import { FilterstudyError } from '../errors.ts';
import { minSeedsFor } from './claim-parts.ts';
import type { LookOutcome, SequentialStats, Verdict } from './types.ts';
import { ALPHA, claimLevel } from './verdicts.ts';

export type { LookOutcome, SequentialStats };

/**
 * The looks (seeds trained when the study is analysed). 8: the fewest seeds at which a claim of
 * the paper's family can pass at α/4 (minSeedsFor(0.0125, 3) = 8, 2⁻⁸ < 0.0125/3); then rounds of 4
 * seeds, each dividing the smallest attainable exact p by 2⁴, up to 20 (the calibration's largest study).
 */
export const LOOKS: readonly number[] = [8, 12, 16, 20];

export interface SequentialDesign {
  /** Seeds at each look, increasing; the last is the most the study trains. */
  looks: number[];
  /** Family-wise α over the whole procedure. */
  alpha: number;
  /** α at each look: alpha / looks.length (Bonferroni). */
  alphaPerLook: number;
  /** The claims' two-sided CI level at each look: 1 − 2·alphaPerLook (verdicts.ts claimLevel). */
  level: number;
}

/**
 * The design for a study that may train at most `maxCount` seeds (null: every look of LOOKS):
 * the looks of LOOKS below maxCount, then maxCount itself. Refused (naming the option) when
 * maxCount is past the last look or so small that the first look could decide nothing.
 */
export function sequentialDesign(maxCount: number | null, alpha = ALPHA): SequentialDesign {
  const last = LOOKS[LOOKS.length - 1];
  const max = maxCount ?? last;
  if (!Number.isInteger(max) || max > last) {
    throw new FilterstudyError('E_CONFIG', `seeds.maxCount (--max-seeds) is ${max}: the looks of --until-decided are fixed in advance at ${LOOKS.join(', ')} seeds, so at most ${last}`, {
      hint: `choose --max-seeds ≤ ${last} (the looks up to it are kept), or run a fixed number of seeds with --seeds N instead`,
    });
  }
  const looks = [...LOOKS.filter((n) => n < max), max];
  const alphaPerLook = alpha / looks.length;
  const need = minSeedsFor(alphaPerLook, 3);
  if (looks[0] < need) {
    throw new FilterstudyError('E_CONFIG', `seeds.maxCount (--max-seeds) is ${max}: at that look the claims of the paper's family are tested at α = ${round(alphaPerLook)}, and with fewer than ${need} seeds no claim can pass (the smallest exact one-sided p, 2⁻ⁿ, must be < α/3)`, {
      hint: `choose --max-seeds ≥ ${need}`,
    });
  }
  return { looks, alpha, alphaPerLook, level: claimLevel(alphaPerLook) };
}

/** The 1-based look whose seed count is `count`, or null when `count` is no look of the design. */
export function lookIndex(design: SequentialDesign, count: number): number | null {
  const i = design.looks.indexOf(count);
  return i < 0 ? null : i + 1;
}

interface ClaimLike { claim: number; family: 'paper' | 'discussion'; verdict: Verdict }

/** Claims of the paper's family (1–3) not yet decided. */
export const undecidedClaims = (claims: readonly ClaimLike[]): number[] => claims.filter((c) => c.family === 'paper' && c.verdict === 'inconclusive').map((c) => c.claim);

/** The stopping rule at look `look` (1-based, null: no look) of `design`. */
export function lookOutcome(design: SequentialDesign, look: number | null, complete: boolean, claims: readonly ClaimLike[]): LookOutcome {
  if (look === null) return 'not a look';
  if (!complete) return 'incomplete';
  if (undecidedClaims(claims).length === 0) return 'decided';
  return look >= design.looks.length ? 'last look' : 'continue';
}

const round = (x: number): number => Number(x.toPrecision(4));
const pct = (x: number): string => `${round(100 * x)}%`;

export function sequentialStats(design: SequentialDesign, count: number, complete: boolean, claims: readonly ClaimLike[]): SequentialStats {
  const look = lookIndex(design, count);
  const outcome = lookOutcome(design, look, complete, claims);
  const K = design.looks.length;
  const undecided = undecidedClaims(claims);
  const which = (xs: number[]) => `claim${xs.length === 1 ? '' : 's'} ${xs.join(', ')}`;
  const designText = `seeds until decided: looks fixed in advance at ${design.looks.join(', ')} seeds; each look analysed at α = ${round(design.alphaPerLook)} (${design.alpha} split equally over the ${K} look${K === 1 ? '' : 's'}, Bonferroni) with ${pct(design.level)} CIs for the claims, so over the whole procedure the chance of a false SUPPORTED is at most ${design.alpha} per family (claims 1–3; claim 4 its own family, analysed at the same looks, does not stop the study); the study stops at the first look where claims 1–3 are all decided, or at the last`;
  const at = look === null ? '' : `look ${look} of ${K} (${count} seeds)`;
  const early = 'an effect estimated where a study stops early tends to overstate the true effect (it stops when its seeds look clearest)';
  const note = outcome === 'decided'
    ? `${at}: claims 1–3 are all decided, so the study stopped here; the verdicts hold at the procedure's ${design.alpha} per family; ${look! < K ? early : 'this was the last look'}`
    : outcome === 'last look'
      ? `${at}, the last: ${which(undecided)} remain${undecided.length === 1 ? 's' : ''} undecided (INCONCLUSIVE), and the design allows no further look`
      : outcome === 'continue'
        ? `${at}, interim: ${which(undecided)} undecided, so these verdicts are not final; the study continues to ${design.looks[look!]} seeds`
        : outcome === 'incomplete'
          ? `${at} is incomplete (seeds of the look are missing): these verdicts are no look of the design and stop nothing; rerun to train the missing seeds`
          : `${count} seeds is none of the design's looks (${design.looks.join(', ')}): these verdicts, at the per-look α, are no look of the sequential design`;
  return {
    looks: design.looks, alpha: design.alpha, alphaPerLook: design.alphaPerLook, level: design.level,
    look, seedsAtLook: count, complete, outcome,
    looksTaken: look !== null && complete ? look : null,
    nextLook: outcome === 'continue' ? design.looks[look!] : null,
    undecided, design: designText, note,
  };
}

/** The note each claim carries at a sequential analysis, so that no verdict reads as more than its look allows. */
export function sequentialClaimNote(q: SequentialStats): string {
  const at = q.look === null ? `${q.seedsAtLook} seeds, no look of the design` : `look ${q.look} of ${q.looks.length} (${q.seedsAtLook} seeds)`;
  const why = q.outcome === 'continue' ? 'an interim verdict, not final: the study continues'
    : q.outcome === 'incomplete' || q.outcome === 'not a look' ? 'no look of the design: this verdict stops nothing'
      : q.outcome === 'decided' && q.look! < q.looks.length ? 'the study stopped early here, and an effect estimated at an early stop tends to overstate the true effect'
        : 'the study stopped here';
  return `sequential design (seeds until decided), ${at}, α = ${round(q.alphaPerLook)} at each look: ${why}`;
}
