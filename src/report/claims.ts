/**
 * The report's prose about the claims: each claim's paragraph (its plain sentence first, then the
 * numbers and the test), the tables of who learned the task and which seeds the ONNX check left
 * out, Methods and Limitations. doc.ts assembles them.
 */
import type { ReportContext } from './context.ts';
import { ci, ciName, claimCiLevel, fmt, pIs, fmtSigned, num, verdictWord } from './format.ts';
import type { Block } from './blocks.ts';
import { SEED_SETS, type ClaimVerdict, type SeedSet, type StudyStats } from '../stats/types.ts';
import { exportCheckSubject } from '../stats/standard.ts';

/** '95% CI [lo, hi]', or 'no CI computable' (never "95% CI CI not computable"). */
const ciIs = (iv: { lo: number | null; hi: number | null }, d: number, name = '95% CI'): string => (iv.lo === null || iv.hi === null ? 'no CI computable' : `${name} ${ci(iv, d)}`);

function testSentence(c: ClaimVerdict, st: StudyStats, signFlip: unknown): string {
  const family = c.family === 'paper' ? `${pIs(c.pHolm, 'Holm-adjusted p', c.nSeeds)} (α = ${st.alpha}, family of claims 1–3)` : `its own family, α = ${st.alpha}`;
  return `Test: ${c.test}; n = ${c.nSeeds} seeds; ${pIs(c.p, 'p', c.nSeeds)}, ${family}${typeof signFlip === 'number' ? `; sign-flip ${pIs(signFlip, 'permutation p')}` : ''}.`;
}

const effectText = (c: ClaimVerdict): string => {
  const e = c.effect;
  return e ? `${fmtSigned(e.estimate, 4)} (${ciIs(e.ci, 4, ciName(e.ci.level))}${e.cohenDz !== null ? `, Cohen’s d_z = ${fmt(e.cohenDz, 2)}` : ''})` : 'not computable';
};

/** Claim 1 seed by seed (stats/claim1.ts), as rliable reports runs: shown beside the verdict, never deciding it. */
function seedBySeed(st: StudyStats): string {
  const pi = st.claim1Profile.probabilityOfImprovement;
  if (!pi.n) return '';
  return `Seed by seed, all seeds (as rliable reports runs; descriptive, the verdict rests on the mean difference above): model-2 beats model-1 on ${pi.wins} of ${pi.n} seeds${pi.ties ? ` (${pi.ties} tied)` : ''}; the probability that it does on a random seed (ties count ½) is ${fmt(pi.estimate, 2)}, 95% percentile-bootstrap CI ${ci(pi.ci, 2)}, exact (Clopper–Pearson, ties as losses / as wins) ${ci(pi.exactCi, 2)} — with few seeds the bootstrap interval cannot reach past the observed share, the exact one can. The accuracy profile below shows both models’ seeds.`;
}

/** The analyses beside the decision (all seeds; the paper's raw S for claims 2 and 3), one sentence each. */
function besideText(c: ClaimVerdict): string {
  return c.secondary.map((s) =>
    ` Beside it — ${s.name} (${s.seeds.length} seeds: ${s.seeds.join(', ') || 'none'}): effect ${s.effect ? `${fmtSigned(s.effect.estimate, 4)} (${ciIs(s.effect.ci, 4, ciName(s.effect.ci.level))})` : 'not computable'}, ${pIs(s.p, 'p', s.seeds.length)}, ${pIs(s.pAdj, c.family === 'paper' ? 'Holm p' : 'p', s.seeds.length)} ⇒ ${verdictWord(s.verdict)} (${s.note}).`).join('') +
    (c.yardstickCheck ? ` **Yardsticks:** ${c.yardstickCheck.note}.` : '');
}

export function claimText(c: ClaimVerdict, st: StudyStats): string {
  const x = c.numbers;
  const lead = `**${c.sentence}** `;
  if (c.claim === 1) {
    return (
      lead +
      `Mean test accuracy on the third term, seeds trained to the standard (${(x.differenceSeeds as number[]).join(', ') || 'none'}): model-1 ${fmt(num(x.model1Mean))}, model-2 ${fmt(num(x.model2Mean))} (paper: 0.494 and 0.867); all seeds: ${fmt(num(x.model1MeanAll))} and ${fmt(num(x.model2MeanAll))}. ` +
      `Per-seed difference model-2 − model-1: ${effectText(c)}. ${testSentence(c, st, x.signFlipP)}${besideText(c)} ${seedBySeed(st)}`
    );
  }
  if (c.claim === 2) {
    const eq = st.equivalence;
    const tostText = eq.p === null
      ? 'The “equally accurate” premise could not be tested (fewer than 2 seeds with both CNN accuracies).'
      : `“Equally accurate” premise: CNN1 − CNN2 digit accuracy ${fmtSigned(eq.meanGap, 4)} on average, ${ciIs(eq.ci, 4, ciName(eq.ci.level))}; TOST against ±${eq.margin}: ${pIs(eq.p)} ⇒ ${eq.equivalent ? 'equivalent' : 'equivalence not shown'} (reported, not part of the verdict).`;
    if (!c.testable) return `${lead}${tostText}`;
    return (
      lead +
      `Mean S_i on the ${x.yardstick} yardstick (both directions): model-1 CNN1 ↔ CNN2 ${fmt(num(x.meanSWithinModel1))}; noise floor (CNN1 ↔ its rerun from the same initial weights, other data order) ${fmt(num(x.meanSNoiseFloor))}; unrelated random filters (independent random sets, no trained network) ${fmt(num(x.meanSUnrelated))}. ` +
      `Effect on the scale noise floor = 0, unrelated = 1: ${effectText(c)}; mean per-seed difference ${fmtSigned(num(x.meanDifference), 4)}. ` +
      `Premise “the filters were learned”: the less-moved CNN’s trained-vs-own-init distance is ${fmt(num(x.movedRatio), 2)} of the unrelated distance (needs ≥ ${fmt(num(x.movedFraction), 2)}). ${tostText} ` +
      `Context (raw S): nearest other filter in the same CNN ${fmt(num(x.meanSWithinCnnNearest))}, CNN1 of another seed ${fmt(num(x.meanSCrossSeedCnn1))}; scale- and sign-free S ${fmt(num(x.meanSWithinModel1UnitSignflip))}${num(x.ckaModel1) !== null ? `, CKA ${fmt(num(x.ckaModel1))}` : ''}. ${testSentence(c, st, x.signFlipP)}${besideText(c)}`
    );
  }
  if (c.claim === 4) {
    if (!c.testable) return lead;
    if (c.nSeeds === 0) return `${lead}${testSentence(c, st, undefined)}${besideText(c)}`;
    return (
      lead +
      `Relabelled digit accuracy (best one-to-one renaming of the 10 outputs, fitted on validation, scored on test), CNN1 and CNN2 averaged: model-1 ${fmt(num(x.relabelledModel1), 4)}, model-2 ${fmt(num(x.relabelledModel2), 4)}; difference ${effectText(c)}. ` +
      `Linear probe on the 128-unit dense layer: model-1 ${fmt(num(x.probeModel1), 4)}, model-2 ${fmt(num(x.probeModel2), 4)}; difference ${fmtSigned(num(x.probeEffect), 4)} (${ciIs({ lo: num(x.probeLo), hi: num(x.probeHi) }, 4)}, ${pIs(num(x.probeP), 'two-sided p')}, descriptive). ` +
      `${testSentence(c, st, x.signFlipP)}${besideText(c)}`
    );
  }
  const part = (k: 'A' | 'B'): string =>
    `${fmtSigned(num(x[`effect${k}`]), 4)} (${ciIs({ lo: num(x[`effect${k}Lo`]), hi: num(x[`effect${k}Hi`]) }, 4, decisionCi(st))})`;
  const tested = x.partA === 'tested';
  return (
    lead +
    `(a)${tested ? '' : ' [descriptive]'} Model-2 filters to the nearest of model-1’s 32 filters, same seed: mean S ${fmt(num(x.meanSModel2ToModel1))}, vs ${fmt(num(x.meanSCrossSeedControl))} against model-1 of other seeds; difference ${part('A')}, ${pIs(num(x.pA), 'one-sided p')}${tested ? '' : ' (not tested)'}. ` +
    `(b) Model-2 CNN1 ↔ CNN2: mean S ${fmt(num(x.meanSModel2Pair))}, vs ${fmt(num(x.meanSModel1Pair))} for model-1’s pair; difference ${part('B')}, ${pIs(num(x.pB), 'one-sided p')}. ` +
    `Both on the ${x.yardstick} yardstick. ` +
    (tested
      ? 'Both parts must hold (intersection–union test: p = max(p_a, p_b)). '
      : 'Part (a) is reported but not tested: this study was trained with train.sharedInit = false, so model-1 and model-2 of one seed share no random stream (own initial weights, data order and dropout draws), the same-seed model-1 is exchangeable with any other seed’s, and part (a) is false by construction. The verdict rests on part (b) alone; `--set train.sharedInit=true` (model-2’s CNNs start from model-1’s initial weights) makes part (a) testable. ') +
    testSentence(c, st, undefined) + besideText(c)
  );
}

/** What the badge beside a claim's verdict names: the seeds and yardstick that decided it, and
 *  for claim 3 the part(s) tested. */
export function claimBadge(c: ClaimVerdict): string {
  const y = c.decidedOn.yardstick ? ` · ${c.decidedOn.yardstick} S` : '';
  const part = c.claim === 3 ? (c.numbers.partA === 'tested' ? 'parts (a) and (b) tested · ' : 'part (b) tested · ') : '';
  return `${part}${c.decidedOn.seedSet === 'standard' ? 'seeds trained to the standard' : 'all seeds'}${y}`;
}

const SEED_SET_LABEL: Record<SeedSet, string> = { standard: 'trained to the standard', all: 'all seeds' };

/** The multiverse table: each claim's verdict under every yardstick × seed set, and one word. */
export function multiverseBlocks(st: StudyStats): Block[] {
  const cells = st.multiverse ?? [];
  if (!cells.length) return [];
  const ys = [...new Set(cells.map((c) => c.yardstick))];
  // One row per claim × yardstick and one column per seed set: five narrow columns, so every
  // verdict stays in view at 800 px (one column per yardstick did not fit).
  const rows: string[][] = [];
  for (const claim of [...new Set(cells.map((c) => c.claim))]) {
    const summary = st.multiverseSummary.find((m) => m.claim === claim)?.summary ?? '—';
    ys.forEach((y, i) => {
      const row = SEED_SETS.map((set) => {
        const m = cells.find((c) => c.claim === claim && c.seedSet === set && c.yardstick === y);
        const decides = set === st.options.seedSet && (claim === 1 || claim === 4 || y === st.options.yardstick);
        return m ? `${decides ? '**' : ''}${verdictWord(m.verdict)}${decides ? '**' : ''}\n${m.estimate === null ? 'no effect computable' : fmtSigned(m.estimate, 3)}` : 'not computed';
      });
      rows.push([i === 0 ? String(claim) : '', `${y} S`, ...row, i === 0 ? summary : '']);
    });
  }
  return [
    { kind: 'heading', level: 3, text: 'Multiverse: every claim under every yardstick and seed set', id: 'multiverse' },
    {
      kind: 'table',
      head: ['Claim', 'Yardstick', ...SEED_SETS.map((set) => (set === 'all' ? 'All seeds' : `Seeds ${SEED_SET_LABEL[set]}`)), 'Summary'],
      rows,
      caption: `Each cell: the verdict (Holm within that analysis’ family of claims 1–3; claim 4 its own family) and the effect. Bold: the cell that decides (${st.options.yardstick} S for claims 2 and 3, seeds trained to the standard for every claim). Claims 1 and 4 measure accuracies: the yardstick changes them only through claim 1’s Holm family. Summary: “robust” when every cell agrees, “seeds” when only the seed set changes the verdict, otherwise the yardstick(s) that carry the most decisive verdict.`,
    },
  ];
}

/** Who learned the task, and the standard per seed. */
export function learnedBlocks(st: StudyStats): Block[] {
  const L = st.learned;
  const out: Block[] = [{
    kind: 'para',
    text: `Model-2 learned the task on **${L.k} of ${L.n} seeds** (test accuracy ≥ ${L.threshold}): ${L.fraction === null ? '—' : `${(100 * L.fraction).toFixed(1)} %`}, 95% Clopper–Pearson CI ${ci(L.ci, 3)}. ` +
      `A seed is **trained to the standard** when model-2 learned the task and every network met its stop rule${L.stopRuleRecorded ? '' : ' (this study records no stop rule: learned only)'}: ${L.standardSeeds.length} seeds (${L.standardSeeds.join(', ') || 'none'}).`,
  }];
  if (L.perSeed.length) {
    out.push({
      kind: 'table',
      head: ['Seed', 'model-2 test accuracy', 'learned', 'met stop rule', 'trained to the standard'],
      numeric: [true, true, false, false, false],
      rows: L.perSeed.map((p) => [String(p.seed), fmt(p.accuracy, 4), p.learned ? 'yes' : 'no', p.metStopRule === null ? '—' : p.metStopRule ? 'yes' : 'no', p.standard ? 'yes' : 'no']),
    });
  }
  return out;
}

/** The ONNX export check (exported graph vs the trainer's forward pass): which seeds were left out, and why. */
export function onnxBlocks(st: StudyStats): Block[] {
  const c = st.onnx;
  if (!c.recorded) return [{ kind: 'para', text: 'No export-check records (seed.json) with this data: no seed was checked.' }];
  const ties = c.nearTies ? ` ${c.nearTies} argmax flip${c.nearTies === 1 ? '' : 's'} at a near-tie (top-two gap ≤ ${c.tolerance}) not counted.` : '';
  const subject = exportCheckSubject(c);
  const head = `${subject[0].toUpperCase()}${subject.slice(1)} on every test pair, per seed (seed.json \`exportVsTrainer\`): ${c.checked.length} seeds checked; a seed with an argmax mismatch whose top-two gap exceeds ${c.tolerance}, or max |Δp| ≥ ${c.tolerance}, is left out of every verdict. **The check leaves out ${c.leftOut.length} seed${c.leftOut.length === 1 ? '' : 's'}${c.leftOut.length ? ` (${c.leftOut.join(', ')})` : ''}.**${ties}`;
  const unknown = c.unknown.length ? ` No record for seeds ${c.unknown.join(', ')} (kept).` : '';
  if (!c.flagged.length) return [{ kind: 'para', text: `${head} All agree.${unknown}` }];
  return [
    { kind: 'para', text: `${head}${unknown}` },
    {
      kind: 'table', head: ['Seed', 'Model', 'trainer', 'argmax mismatches', 'beyond a near-tie', 'max |Δp|'], numeric: [true, false, false, true, true, true],
      rows: c.flagged.map((f) => [String(f.seed), f.model, f.trainer ?? '—', String(f.argmaxMismatches), f.decisiveMismatches === null ? '— (old record: all count)' : String(f.decisiveMismatches), f.maxAbsDiff === null ? '—' : f.maxAbsDiff.toExponential(2)]),
    },
  ];
}

/** The name of the claims' intervals: '90% CI' (1 − 2α), or at a sequential look 1 − 2α/K, e.g. '97.5% CI'. */
export const decisionCi = (st: StudyStats): string => ciName(claimCiLevel(st));

export const methods = (st: StudyStats): string[] => [
  `**Measure.** S_i = min_j ‖F_i − G_j‖ (the paper’s raw Euclidean distance between 3×3 filters); reported also scale-free (unit-norm filters), sign-free (min over ±G_j) and both. S is asymmetric; claims pool both directions. Matched distance: one-to-one Hungarian assignment (mean cost); collisions = 16 − number of distinct nearest filters. **Claims 2 and 3 are decided on the ${st.options.yardstick} yardstick**${st.options.yardstick === 'unit' ? ' (‖a/‖a‖ − b/‖b‖‖: unchanged when a network’s filters are multiplied by a positive constant, which a ReLU network absorbs in its next layer)' : ''}; the paper’s raw S gets its own verdict beside it, and the multiverse table gives every yardstick.`,
  `**Unit of replication.** The seed. Each seed trains all four CNNs (model-1’s and model-2’s CNN1 and CNN2)${st.options.sharedInit ? ', model-2’s CNNs from model-1’s initial weights (train.sharedInit)' : ' from their own initialisations'}; per-seed means enter the tests. Seeds whose exported ONNX graph disagrees with the trainer’s forward pass are left out.`,
  '**Confidence intervals.** For S statistics, a hierarchical bootstrap: resample seeds with replacement, then filters within each resampled seed (percentile interval); the claims’ comparisons share one draw of filter indices per seed (paired), so a per-seed difference that is 0 everywhere gets a zero-width CI. For accuracies, claims 1 and 4, a BCa bootstrap over seeds. The learned fraction: Clopper–Pearson. Bootstrap replicates and seed are fixed, so the report is reproducible.',
  `**Tests.** One-sided Wilcoxon signed-rank test on the per-seed differences d_s (exact null distribution over all sign patterns of the average ranks for n ≤ 50, ties included; zero differences are dropped and reduce n); a paired sign-flip permutation test is reported alongside. Claims 1–3 are one family, Holm-corrected at α = ${st.alpha}; claim 4 (the paper’s Discussion) is its own family at α = ${st.alpha}.`,
  `**Decision rule** (each claim): (1) fewer than ${st.options.minSeedsPaper} seeds (claim 4: ${st.options.minSeedsDiscussion}) ⇒ inconclusive — with fewer the smallest exact one-sided Wilcoxon p, 2⁻ⁿ, cannot pass the family’s first Holm step even if every seed agrees; (2) the effect’s ${decisionCi(st)} wholly on the wrong side of 0 ⇒ not supported; (3) adjusted p < α and the effect’s CI entirely on the claimed side ⇒ supported; (4) otherwise inconclusive (more seeds may decide). The claims’ intervals are two-sided at 1 − 2α, so each end is a one-sided bound at α: the same α as the one-sided test (Table 2 and the S tables stay at 95 %).`,
  `**Which seeds.** One rule for every claim: the seeds trained to the standard decide (model-2 learned the task and every network met its stop rule: filters that did not move say nothing about what training finds); the same analysis on all seeds is shown beside each claim. **Claim 1:** d_s = acc(model-2) − acc(model-1), third term, test split [> 0]. **Claim 2:** d_s = mean S(model-1 CNN1 ↔ CNN2) − mean S(CNN1 ↔ its rerun from the same initial weights) [> 0]; effect scaled so that 0 = noise floor, 1 = unrelated random filters; needs the noise floor (train.noiseFloor) and filters that left their initialisation (trained-vs-init ≥ ${st.options.movedFraction} × unrelated distance); the CNN1–CNN2 accuracy gap is checked by TOST against ±${st.options.equivalenceMargin}. **Claim 3:** (a) mean S(model-2 CNN → all 32 model-1 filters, same seed) − the same against model-1 of every other seed [< 0], (b) mean S(model-2 CNN1 ↔ CNN2) − mean S(model-1 CNN1 ↔ CNN2) [< 0]; ${st.options.sharedInit ? 'both must hold (this study has train.sharedInit = true).' : 'part (a) is tested only with train.sharedInit = true — without it (a) is false by construction — so here claim 3 is decided on (b) alone.'} **Claim 4:** d_s = relabelled digit accuracy of model-2’s CNNs − model-1’s [< 0], seeds trained to the standard; linear-probe accuracy beside it.`,
  `**Reversed pairing.** With data.pairing = 'reversed', pair i is (x_i, x_{n−1−i}) and pair n−1−i mirrors it, so CNN1 and CNN2 see the same training images, in another order: claim 2 asks whether two CNNs trained on the same images from different initialisations learn the same filters.`,
  '**Baselines.** Trained filters vs their own initialisation; vs 20 fresh Glorot-uniform draws (limit √(6/(K² + K²F))); nearest other filter within the same CNN; the same CNN role across seeds (all seed pairs); the noise floor (CNN1 retrained from the same initial weights).',
];

export function limitations(st: StudyStats, ctx: ReportContext): string[] {
  const out = [
    'CKA of first-layer activations is high even for independent random filters: with 16 filters over a 9-dimensional patch space every filter bank is a (ReLU’d) linear map of the same patches, so first-layer CKA near 0.8 says little. It is reported, never used in a verdict.',
    'Raw S depends on the filters’ scale; two CNNs can differ in norm but not in direction. That is why claims 2 and 3 are decided on a scale-free yardstick; the multiverse table shows every yardstick.',
    'S_i is a nearest-neighbour measure: several filters may share one nearest counterpart (collisions), which the Hungarian matched distance avoids.',
    `The thresholds (model-2 learned at ≥ ${st.options.learnedThreshold}, equivalence margin ±${st.options.equivalenceMargin}, filters moved at ≥ ${st.options.movedFraction} of the unrelated distance) are choices made for this reproduction, each with its reason in src/stats/README.md; the paper gives no numeric criterion.`,
    'Claim 1 on the seeds trained to the standard selects seeds on model-2’s own outcome: it answers “when model-2 trains, is it better?”, not claim 1 itself.',
    'The heatmaps and filter images show one seed only; the verdicts use all seeds.',
  ];
  if (st.seeds.length < st.minSeeds) out.unshift(`Only ${st.seeds.length} complete seeds: below ${st.minSeeds} seeds every verdict on claims 1–3 is inconclusive by rule. Run more seeds and pool the folders.`);
  if (ctx.synthetic) out.unshift('This report is built from synthetic data (no training): the numbers demonstrate the pipeline, not the paper.');
  return out;
}
