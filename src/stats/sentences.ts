/**
 * One plain sentence per claim, for a newcomer: what was measured, the numbers, and what the
 * verdict means. Built from StudyStats only (so the report, the terminal summary and stats.json
 * say the same thing).
 */
import { ci, ciName, fmt, fmtSigned, num, pIs } from './format.ts';
import type { ClaimVerdict, StudyStats, Verdict } from './types.ts';

/** "95% CI [lo, hi]" (the interval's level: a sequential look's claims are at 1 − α/K), or plainly that none could be computed (too few seeds). */
const ci95 = (text: string, level = 0.95): string => (text === 'CI not computable' ? 'no CI computable' : text === '—' ? `${ciName(level)} —` : `${ciName(level)} ${text}`);

const meaning = (v: Verdict): string =>
  v === 'supported' ? 'the seeds support the claim' : v === 'not supported' ? 'the seeds contradict the claim' : 'the seeds do not decide the claim';

const pctOf = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

function claim1(c: ClaimVerdict, st: StudyStats): string {
  const x = c.numbers;
  const L = st.learned;
  const e = c.effect;
  const all = c.secondary.find((s) => s.name === 'all seeds');
  const learnedPart = L.n ? `; ${L.k} of ${L.n} model-2 networks learned the task (test accuracy ≥ ${L.threshold}; ${pctOf(L.fraction)}, ${ci95(ci(L.ci, 2))})` : '';
  const allPart = all ? `, and over all ${all.seeds.length} seeds model-2 scored ${fmt(num(x.model2MeanAll))} against ${fmt(num(x.model1MeanAll))} (${all.verdict})` : '';
  return `On the ${c.nSeeds} seeds trained to the standard model-2 answered ${fmt(num(x.model2Mean))} of the test pairs correctly and model-1 ${fmt(num(x.model1Mean))} (difference ${e ? fmtSigned(e.estimate, 3) : '—'}, ${ci95(e ? ci(e.ci) : '—', e?.ci.level)}), so ${meaning(c.verdict)} that model-2 is more accurate when it trains${learnedPart}${allPart}.`;
}

/** "; the paper's raw S gives the same verdict" or the disagreement, for claims 2 and 3. */
const rawPart = (c: ClaimVerdict): string => {
  const y = c.yardstickCheck;
  if (!y) return '';
  return y.agree ? `; the paper's raw S gives the same verdict` : `; the paper's raw S would say ${y.besideVerdict.toUpperCase()} — the ${y.decides} yardstick decides, because raw S also measures the filters' length`;
};

const yardName = (c: ClaimVerdict): string => (c.decidedOn.yardstick === 'unit' ? 'direction (unit-length) distance' : `${c.decidedOn.yardstick ?? 'raw'} distance`);

function claim2(c: ClaimVerdict, st: StudyStats): string {
  const x = c.numbers;
  const eq = st.equivalence;
  const premise = eq.equivalent === null ? '' : `; the two CNNs' digit accuracies differ by ${fmtSigned(eq.meanGap, 4)} on average, ${eq.equivalent ? 'equal' : 'not shown equal'} within ±${eq.margin} (${pIs(eq.p, 'TOST p')})`;
  if (!c.testable) {
    return `Claim 2 cannot be tested on this study: without the noise floor (model-1's CNN1 trained twice from the same starting weights, train.noiseFloor) nothing says how far apart two trainings of the same CNN land, so the CNN1–CNN2 distance of ${fmt(num(x.meanSWithinModel1))} has no yardstick${premise}.`;
  }
  if (x.filtersMoved === false) {
    return `Claim 2 is not decided: model-1's filters barely left their random starting values (the less-moved CNN moved ${fmt(num(x.movedRatio), 2)} of the distance between unrelated random filters, below ${fmt(num(x.movedFraction), 2)}), so CNN1 and CNN2 differ because they started differently, not because they learned differently${premise}.`;
  }
  const e = c.effect;
  return `On the ${yardName(c)}, model-1's CNN1 and CNN2 filters are ${fmt(num(x.meanSWithinModel1))} apart on average, against ${fmt(num(x.meanSNoiseFloor))} for CNN1 retrained from the same start and ${fmt(num(x.meanSUnrelated))} for unrelated random filters — ${e ? fmt(e.estimate, 2) : '—'} of the way from noise (0) to unrelated (1), ${ci95(e ? ci(e.ci, 2) : '—', e?.ci.level)}, ${c.nSeeds} seeds — so ${meaning(c.verdict)} that equally accurate CNNs learn different filters${rawPart(c)}${premise}.`;
}

function claim3(c: ClaimVerdict): string {
  const x = c.numbers;
  return `On the ${yardName(c)}, model-2's two CNNs have filters ${fmt(num(x.meanSModel2Pair))} apart on average against ${fmt(num(x.meanSModel1Pair))} for model-1's pair (difference ${fmtSigned(num(x.effectB), 3)}, ${ci95(ci({ lo: num(x.effectBLo), hi: num(x.effectBHi) }), c.effect?.ci.level)}, ${c.nSeeds} seeds), so ${meaning(c.verdict)} that model-2's filters resemble each other and model-1's${x.partA === 'descriptive' ? ' (only the "resemble each other" part is tested in this study)' : ''}${rawPart(c)}.`;
}

function claim4(c: ClaimVerdict): string {
  const x = c.numbers;
  if (!c.testable) return 'Claim 4 cannot be tested on this study: it has no relabelled-digit or linear-probe measurements of the CNNs (metrics.arrow targets digit_relabelled, digit_probe).';
  // Tested on the seeds trained to the standard only: a pilot whose model-2 learned on none has no numbers to give.
  if (c.nSeeds === 0) return `Claim 4 cannot be computed on this study: it is tested on the seeds trained to the standard (model-2 learned the task and every network met its stop rule), and there are none${c.secondary[0]?.seeds.length ? `; over all ${c.secondary[0].seeds.length} seeds, see below` : ''}.`;
  const e = c.effect;
  return `Even under the best renaming of their 10 outputs, model-2's CNNs name ${fmt(num(x.relabelledModel2))} of test digits correctly against ${fmt(num(x.relabelledModel1))} for model-1's (difference ${e ? fmtSigned(e.estimate, 3) : '—'}, ${ci95(e ? ci(e.ci) : '—', e?.ci.level)}, ${c.nSeeds} seeds trained to the standard), while a linear probe on their 128-unit layer reads digits at ${fmt(num(x.probeModel2))} against ${fmt(num(x.probeModel1))}, so ${meaning(c.verdict)} that model-2's CNNs extract features rather than classify digits.`;
}

export function claimSentences(st: StudyStats): string[] {
  return st.claims.map((c) => (c.claim === 1 ? claim1(c, st) : c.claim === 2 ? claim2(c, st) : c.claim === 3 ? claim3(c) : claim4(c)));
}
