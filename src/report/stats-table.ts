/**
 * stats.arrow: the main numbers of a StudyStats as one tidy long table (one row per number). Its
 * columns, their types and meanings are io/schema.ts STATS (and docs/outputs.md's table generated from it):
 *   section    'study' | 'claim' | 'table2' | 'similarity' | 'baseline' | 'cka' | 'accuracy_gap' |
 *              'learned' (model-2 learned the task; per seed: accuracy, learned, standard) |
 *              'equivalence' (TOST of CNN1 − CNN2 digit accuracy) | 'onnx' (flagged seeds) |
 *              'multiverse' (each claim's verdict, effect, p, Holm p per yardstick × seed set;
 *              variant '<yardstick>/<seed set>', e.g. 'unit/standard'; 'summary' rows: one word)
 *   key        claim id ('claim1'), Table 2 row ('CNN1', 'model-2', …), comparison
 *              ('model1.cnn1 -> model1.cnn2'), CNN ('model1.cnn1'), CKA pair
 *   variant    distance variant ('raw' | 'unit' | 'signflip' | 'unit-signflip' | 'matched'),
 *              baseline kind ('trained-vs-init' | 'fresh-glorot' | 'within-cnn-nearest' |
 *              'cross-seed'), claim part ('a' | 'b'), else null
 *   statistic  'mean' | 'median' | 'sd' | 'paper' | 'accuracy' | 'mean_S' | 'collisions' |
 *              'chamfer' | 'effect' | 'p' | 'p_holm' | 'p_signflip' | 'verdict' | 'cka' |
 *              'spearman_rho' | 'abs_gap' | 'p_improvement' (claim 1: P(model-2 > model-1 on a
 *              random seed), bootstrap CI) | 'p_improvement_exact' (its Clopper–Pearson CI) | …
 *   text       the verdict ('supported' | 'not supported' | 'inconclusive') on 'verdict' rows;
 *              the row label on Table 2 'mean' rows; on claim 3's 'effect' rows 'tested' or
 *              'descriptive' (part (a) without train.sharedInit); the effect's name on other
 *              'effect' rows; the secondary analysis' name on claim rows with variant 'secondary';
 *              on 'decided_on' rows the seed set and yardstick that decide; on 'yardsticks_agree'
 *              rows (value 1/0) whether the deciding and the paper's raw yardstick agree
 * Schema metadata 'filterstudy': JSON { schemaVersion, configHash, seeds, level, claimLevel, columns }: claimLevel
 * is the claims' two-sided CI level, 1 − 2α (its claimed-side end the one-sided bound of the one-sided
 * test; 1 − 2α/K at a look of a study run until decided, stats/sequential.ts).
 */
import type { Table } from 'apache-arrow';
import { STATS, type StatRow } from '../io/schema.ts';
import { tableFromRows } from '../io/tables.ts';
import { claimCiLevel, num } from './format.ts';
import type { SSummary, StudyStats } from '../stats/types.ts';

export type { StatRow } from '../io/schema.ts';
export const STATS_COLUMNS = STATS.columns.map((c) => c.name);

export function statsRows(st: StudyStats): StatRow[] {
  const rows: StatRow[] = [];
  const add = (r: Partial<StatRow> & { section: string; key: string; statistic: string }): void => {
    rows.push({ variant: null, seed: null, lo: null, hi: null, n: null, text: null, ...r, value: num(r.value) });
  };
  const n = st.seeds.length;
  add({ section: 'study', key: 'study', statistic: 'seeds', value: n, n });
  for (const s of st.seeds) add({ section: 'study', key: 'study', statistic: 'seed', seed: s, value: s });
  for (const c of st.claims) {
    const key = `claim${c.claim}`;
    add({ section: 'claim', key, statistic: 'verdict', n: c.nSeeds, text: c.verdict });
    if (c.claim !== 3) {
      if (c.effect) add({ section: 'claim', key, statistic: 'effect', value: c.effect.estimate, lo: c.effect.ci.lo, hi: c.effect.ci.hi, n: c.nSeeds, text: c.effect.name });
    } else {
      // Both parts; text: 'tested' or 'descriptive' (part (a) without train.sharedInit).
      for (const part of ['a', 'b'] as const) {
        const k = part.toUpperCase();
        const tested = part === 'b' || c.numbers.partA !== 'descriptive';
        add({ section: 'claim', key, variant: part, statistic: 'effect', value: num(c.numbers[`effect${k}`]), lo: num(c.numbers[`effect${k}Lo`]), hi: num(c.numbers[`effect${k}Hi`]), n: c.nSeeds, text: tested ? 'tested' : 'descriptive' });
      }
    }
    for (const s of c.secondary) {
      add({ section: 'claim', key, variant: 'secondary', statistic: 'verdict', n: s.seeds.length, text: `${s.name}: ${s.verdict}` });
      if (s.effect) add({ section: 'claim', key, variant: 'secondary', statistic: 'effect', value: s.effect.estimate, lo: s.effect.ci.lo, hi: s.effect.ci.hi, n: s.seeds.length, text: s.name });
      add({ section: 'claim', key, variant: 'secondary', statistic: 'p', value: s.p, n: s.seeds.length, text: s.name });
      add({ section: 'claim', key, variant: 'secondary', statistic: 'p_adj', value: s.pAdj, n: s.seeds.length, text: s.name });
    }
    add({ section: 'claim', key, statistic: 'decided_on', n: c.nSeeds, text: `seeds: ${c.decidedOn.seedSet}${c.decidedOn.yardstick ? `; yardstick: ${c.decidedOn.yardstick}` : ''}` });
    if (c.yardstickCheck) {
      const y = c.yardstickCheck;
      add({ section: 'claim', key, variant: y.beside, statistic: 'yardsticks_agree', value: y.agree ? 1 : 0, n: c.nSeeds, text: y.note });
    }
    add({ section: 'claim', key, statistic: 'sentence', n: c.nSeeds, text: c.sentence });
    add({ section: 'claim', key, statistic: 'p', value: c.p, n: c.nSeeds });
    add({ section: 'claim', key, statistic: 'p_holm', value: c.pHolm, n: c.nSeeds });
    for (const [name, v] of Object.entries(c.numbers)) {
      if (typeof v === 'number' || v === null) add({ section: 'claim', key, statistic: name, value: v, n: c.nSeeds });
    }
    // Per-seed differences, labelled with the seeds they were computed on (claim 1: seeds with both
    // pipelines' accuracies, which need not be the filter analysis' complete seeds).
    const perSeed = c.numbers.perSeedDifference;
    const dSeeds = Array.isArray(c.numbers.differenceSeeds) ? c.numbers.differenceSeeds : st.seeds;
    if (Array.isArray(perSeed)) perSeed.forEach((v, i) => add({ section: 'claim', key, statistic: 'difference', seed: dSeeds[i] ?? null, value: v, n: 1 }));
  }
  // Claim 1 seed by seed (stats/claim1.ts): P(model-2 > model-1 on a random seed), beside its verdict.
  const pi = st.claim1Profile.probabilityOfImprovement;
  add({ section: 'claim', key: 'claim1', statistic: 'p_improvement', value: pi.estimate, lo: pi.ci.lo, hi: pi.ci.hi, n: pi.n, text: `P(model-2 > model-1 on a random seed), ties 1/2, percentile bootstrap CI: ${pi.wins} wins, ${pi.ties} ties, ${pi.losses} losses` });
  add({ section: 'claim', key: 'claim1', statistic: 'p_improvement_exact', value: pi.estimate, lo: pi.exactCi.lo, hi: pi.exactCi.hi, n: pi.n, text: pi.exactCi.method });
  // The multiverse: key claimN, variant '<yardstick>/<seed set>' (e.g. 'unit/standard').
  for (const m of st.multiverse ?? []) {
    const base = { section: 'multiverse', key: `claim${m.claim}`, variant: `${m.yardstick}/${m.seedSet}`, n: m.nSeeds };
    add({ ...base, statistic: 'verdict', text: m.verdict });
    add({ ...base, statistic: 'effect', value: m.estimate, lo: m.lo, hi: m.hi });
    add({ ...base, statistic: 'p', value: m.p });
    add({ ...base, statistic: 'p_holm', value: m.pHolm });
  }
  for (const m of st.multiverseSummary ?? []) add({ section: 'multiverse', key: `claim${m.claim}`, statistic: 'summary', text: m.summary });
  const L = st.learned;
  add({ section: 'learned', key: 'model2', statistic: 'fraction', value: L.fraction, lo: L.ci.lo, hi: L.ci.hi, n: L.n, text: `learned: test accuracy ≥ ${L.threshold}` });
  for (const q of L.perSeed) {
    add({ section: 'learned', key: 'model2', statistic: 'accuracy', seed: q.seed, value: q.accuracy, n: 1, text: q.learned ? 'learned' : 'not learned' });
    add({ section: 'learned', key: 'model2', statistic: 'standard', seed: q.seed, value: q.standard ? 1 : 0, n: 1, text: q.metStopRule === null ? 'stop rule not recorded' : q.metStopRule ? 'met stop rule' : 'missed stop rule' });
  }
  const eq = st.equivalence;
  add({ section: 'equivalence', key: 'model1.cnn1-cnn2', statistic: 'mean_gap', value: eq.meanGap, lo: eq.ci.lo, hi: eq.ci.hi, n: eq.n, text: `TOST margin ${eq.margin}` });
  add({ section: 'equivalence', key: 'model1.cnn1-cnn2', statistic: 'p_tost', value: eq.p, n: eq.n, text: eq.equivalent === null ? null : eq.equivalent ? 'equivalent' : 'not shown equivalent' });
  // The export check (exported graph vs the trainer's forward pass): how many seeds it leaves out, then each flagged model (n: the argmax mismatches that count).
  if (st.onnx.recorded) add({ section: 'onnx', key: 'export-vs-trainer', statistic: 'seeds_left_out', value: st.onnx.leftOut.length, n: st.onnx.checked.length, text: `trainer: ${st.onnx.trainers.join(', ') || 'none recorded'}; near-tie flips not counted: ${st.onnx.nearTies}` });
  for (const f of st.onnx.flagged) add({ section: 'onnx', key: f.model, statistic: 'max_abs_diff', seed: f.seed, value: f.maxAbsDiff, n: f.decisiveMismatches ?? f.argmaxMismatches, text: `left out of the verdicts (vs ${f.trainer ?? 'unknown'}; ${f.argmaxMismatches} argmax mismatches, ${f.decisiveMismatches ?? 'all'} beyond a near-tie)` });
  for (const t of st.table2) {
    add({ section: 'table2', key: t.key, variant: t.target, statistic: 'mean', value: t.mean, lo: t.ci.lo, hi: t.ci.hi, n: t.n, text: t.label });
    add({ section: 'table2', key: t.key, variant: t.target, statistic: 'sd', value: t.sd, n: t.n });
    if (t.paper !== null) add({ section: 'table2', key: t.key, variant: t.target, statistic: 'paper', value: t.paper });
    for (const p of t.perSeed) add({ section: 'table2', key: t.key, variant: t.target, statistic: 'accuracy', seed: p.seed, value: p.accuracy, n: 1 });
  }
  const summary = (section: string, key: string, variant: string, s: SSummary, seeds: number[]): void => {
    add({ section, key, variant, statistic: 'mean_S', value: s.mean, lo: s.ci.lo, hi: s.ci.hi, n: s.perSeed.length });
    add({ section, key, variant, statistic: 'median_S', value: s.median, n: s.perSeed.length });
    add({ section, key, variant, statistic: 'sd_seeds', value: s.sdSeeds, n: s.perSeed.length });
    s.perSeed.forEach((v, i) => add({ section, key, variant, statistic: 'mean_S', seed: seeds[i] ?? null, value: v, n: 1 }));
  };
  for (const c of st.comparisons) {
    for (const [v, s] of Object.entries(c.variants)) summary('similarity', c.comparison, v, s, c.seeds);
    summary('similarity', c.comparison, 'matched', c.matched, c.seeds);
    for (const [statistic, x] of [['collisions', c.collisions], ['chamfer', c.chamfer]] as const) {
      add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic, value: x.mean, n: c.seeds.length });
      x.perSeed.forEach((v, i) => add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic, seed: c.seeds[i], value: v, n: 1 }));
    }
  }
  const b = st.baselines;
  for (const [variant, rec] of [['trained-vs-init', b.trainedVsInit], ['fresh-glorot', b.trainedVsFreshGlorot], ['within-cnn-nearest', b.withinCnnNearest], ['noise-floor', b.noiseFloor ?? {}]] as const) {
    for (const [key, s] of Object.entries(rec)) summary('baseline', key, variant, s, st.seeds);
  }
  for (const [key, x] of Object.entries(b.crossSeed)) {
    add({ section: 'baseline', key, variant: 'cross-seed', statistic: 'mean_S', value: x.mean, n: x.pairs.length });
    add({ section: 'baseline', key, variant: 'cross-seed', statistic: 'median_S', value: x.median, n: x.pairs.length });
  }
  add({ section: 'baseline', key: 'glorot', statistic: 'glorot_limit', value: b.glorotLimit });
  if (st.cka) {
    for (const [key, c] of Object.entries(st.cka.comparisons)) {
      add({ section: 'cka', key, statistic: 'cka', value: c.mean, n: c.perSeed.length });
      c.perSeed.forEach((v, i) => add({ section: 'cka', key, statistic: 'cka', seed: st.seeds[i], value: v, n: 1 }));
    }
  }
  const g = st.sVsAccuracyGap;
  add({ section: 'accuracy_gap', key: 'model1', statistic: 'spearman_rho', value: g.rho, n: g.n });
  add({ section: 'accuracy_gap', key: 'model1', statistic: 'p', value: g.p, n: g.n });
  return rows;
}

/** The long table as an Arrow Table, built from io/schema.ts STATS (nullable columns with validity bitmaps). */
export function statsTable(st: StudyStats, level = 0.95): Table {
  return tableFromRows(STATS, statsRows(st), { configHash: st.configHash, seeds: st.seeds, level, claimLevel: claimCiLevel(st), columns: STATS_COLUMNS });
}
