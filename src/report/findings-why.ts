/**
 * The "why" lines of the findings (findings.ts), written from each curated study's own seeds rather
 * than typed: whether a network was still learning when its training stopped (history.arrow), how
 * long each model's trained filters are and how much of raw S's claim-3 difference that length alone
 * makes (filters.arrow, stats.json), and, where a claim's verdict changes between recipes, the
 * accuracies on both sides. They say what the numbers show and no more: two recipes that differ in
 * several settings at once do not tell which setting is the cause.
 */
import { loadStudy } from '../io/load.ts';
import { endGain, STILL_IMPROVING } from '../stats/convergence.ts';
import type { StudyStats, Table2Row } from '../stats/types.ts';
import { ci, fmt, fmtSigned, verdictWord } from './format.ts';
import { readCurves } from './training.ts';

/** What these lines need of a curated study (findings.ts CuratedStudy, which imports this file). */
export interface CuratedStudy { name: string; dir: string; stats: StudyStats; config?: { train?: Record<string, unknown>; model?: Record<string, unknown> } }

/** The settings of a recipe that claim 1's answer could hang on, as config keys and how to name them. */
const RECIPE_SETTINGS: [string, 'train' | 'model', string][] = [
  ['optimizer', 'train', 'optimiser'], ['learningRate', 'train', 'learning rate'], ['batchSize', 'train', 'batch'], ['epochs', 'train', 'epochs'], ['model2Input', 'model', "model-2's reading"],
];

/** The names of the recipe settings in which the studies differ (by their configs). */
export function differingSettings(studies: CuratedStudy[]): string[] {
  return RECIPE_SETTINGS.filter(([key, part]) => new Set(studies.map((s) => JSON.stringify(s.config?.[part]?.[key] ?? null))).size > 1).map(([, , name]) => name);
}

const OPTIMISER_NAMES: Record<string, string> = { sgd: 'SGD', adam: 'Adam' };

/**
 * How one network's validation accuracy moved at the end of training, over a study's seeds, by the
 * definition the warnings use (stats/convergence.ts endGain, STILL_IMPROVING): the mean over the
 * last tenth of its epochs against the mean over the tenth before. Seeds with fewer than two epochs
 * are left out.
 */
export interface Climb {
  seeds: number;
  rising: number;
  falling: number;
  /** The two windows of the longest curve, as epoch ranges [first, last]. */
  before: [number, number];
  last: [number, number];
  /** Mean validation accuracy over each window, mean over seeds. */
  from: number;
  to: number;
  /** Per seed, the first epoch whose validation accuracy reached `reach` (null: never). */
  reached: (number | null)[];
}

/** Each study's curves, read once per process: one study's why lines ask for several networks. */
const curves = new Map<string, ReturnType<typeof readCurves>>();
const curvesOf = (dir: string): ReturnType<typeof readCurves> => curves.get(dir) ?? curves.set(dir, readCurves([dir])).get(dir)!;

/** The climb of one network (its curve label, training.ts CURVE_NETWORKS) on the given seeds; null without two epochs of it. */
export function climbAtEnd(s: Pick<CuratedStudy, 'dir'>, label: string, seeds: readonly number[], reach = Infinity): Climb | null {
  const wanted = new Set(seeds);
  const bySeed = new Map<number, { epoch: number; val: number }[]>();
  for (const p of curvesOf(s.dir)) {
    if (p.network !== label || !wanted.has(p.seed) || !Number.isFinite(p.valAccuracy)) continue;
    (bySeed.get(p.seed) ?? bySeed.set(p.seed, []).get(p.seed)!).push({ epoch: p.epoch, val: p.valAccuracy });
  }
  const curves = [...bySeed.values()].filter((c) => c.length >= 2).map((c) => c.sort((a, b) => a.epoch - b.epoch));
  if (!curves.length) return null;
  let rising = 0, falling = 0, from = 0, to = 0;
  let longest = curves[0];
  let w = 0; // the longest curve's window
  const reached: (number | null)[] = [];
  for (const curve of curves) {
    const g = endGain(curve.map((c) => c.val))!;
    if (g.gain > STILL_IMPROVING) rising++;
    if (g.gain < -STILL_IMPROVING) falling++;
    from += g.before;
    to += g.last;
    if (curve === longest || curve.length > longest.length) [longest, w] = [curve, g.window];
    reached.push(curve.find((c) => c.val >= reach)?.epoch ?? null);
  }
  const ep = (c: { epoch: number }[]): [number, number] => [c[0].epoch, c[c.length - 1].epoch];
  return { seeds: curves.length, rising, falling, before: ep(longest.slice(-2 * w, -w)), last: ep(longest.slice(-w)), from: from / curves.length, to: to / curves.length, reached };
}

const epochs = ([a, b]: [number, number]): string => (a === b ? `epoch ${a}` : `epochs ${a}–${b}`);

/** "was still rising on 10 of 10 seeds when training stopped (validation accuracy 0.577 over epochs 81–90, 0.722 over 91–100, …)". */
export function climbText(c: Climb): string {
  const moved = `validation accuracy ${fmt(c.from)} over ${epochs(c.before)} and ${fmt(c.to)} over ${epochs(c.last)}, mean over ${c.seeds} seeds`;
  const state = c.rising ? `was still rising on ${c.rising} of ${c.seeds} seeds when training stopped` : c.falling ? `was falling on ${c.falling} of ${c.seeds} seeds when training stopped` : 'had levelled off when training stopped';
  return `${state} (${moved})`;
}

/** Mean length (L2 norm of the K×K weights) of the trained filters of each model's two CNNs, on the given seeds. */
export function filterLengths(s: Pick<CuratedStudy, 'dir'>, seeds: readonly number[]): { model1: number; model2: number } | null {
  const wanted = new Set(seeds);
  const sum = { model1: [0, 0], model2: [0, 0] };
  for (const f of loadStudy(s.dir).filters) {
    if (f.stage !== 'trained' || f.network === 'cnn1_rerun' || !wanted.has(f.seed) || !(f.model in sum)) continue;
    for (const w of f.weights) {
      sum[f.model as 'model1' | 'model2'][0] += Math.hypot(...w);
      sum[f.model as 'model1' | 'model2'][1]++;
    }
  }
  if (!sum.model1[1] || !sum.model2[1]) return null;
  return { model1: sum.model1[0] / sum.model1[1], model2: sum.model2[0] / sum.model2[1] };
}

const row = (s: CuratedStudy, key: string): Table2Row | undefined => s.stats.table2.find((r) => r.key === key && !r.diagnostic);
const seedsOf = (s: CuratedStudy): number[] => (s.stats.learned.standardSeeds.length ? s.stats.learned.standardSeeds : s.stats.seeds);

/** Why model-1's Table 2 figure differs from the paper's, from this study's LSTM curves and its CNNs. */
export function whyModel1(s: CuratedStudy, paper: number, higher: boolean): string {
  const c = climbAtEnd(s, 'model-1 LSTM', seedsOf(s), paper);
  if (!c) return '';
  const m1 = row(s, 'model-1')?.mean;
  const [a, b] = ['CNN1', 'CNN2'].map((k) => row(s, k)?.mean);
  const bound = typeof a === 'number' && typeof b === 'number' ? a * b : null;
  const boundText = bound === null ? '' : ` Both digits right, which model-1 needs, happens for ${fmt(bound)} of pairs if its CNNs (${fmt(a)}, ${fmt(b)}) err independently.`;
  if (c.rising === 0) {
    const atBound = bound !== null && typeof m1 === 'number' && Math.abs(m1 - bound) < 0.005;
    return ` Here model-1's LSTM ${climbText(c)}.${boundText}${atBound ? ' Model-1 is at that bound: its CNNs, not its training, limit it.' : ''}`;
  }
  const passed = c.reached.filter((e): e is number => e !== null);
  const when = higher && passed.length ? ` ${passed.length} of ${c.seeds} seeds' LSTMs passed the paper's ${fmt(paper)} (validation accuracy) at epochs ${Math.min(...passed)}–${Math.max(...passed)}; for the paper's run to end there, its LSTM would have had to leave the plateau later than any of ours.` : '';
  return ` Here model-1's LSTM ${climbText(c)}: under this recipe model-1 was still training, and more epochs would raise it.${when}${boundText}`;
}

/** Why model-2's figure differs from the paper's: whether it was still learning here; the reading the paper leaves open. */
export function whyModel2(s: CuratedStudy): string {
  const c = climbAtEnd(s, 'model-2', seedsOf(s));
  const here = c ? ` Here model-2 ${climbText(c)}.` : '';
  const opt = s.config?.train?.optimizer;
  const optimiser = typeof opt === 'string' && opt !== 'sgd' ? `; here also on the optimiser (${OPTIMISER_NAMES[opt] ?? opt}; Table 1 uses SGD)` : '';
  return `${here} Model-2 also depends on what its LSTM reads from the CNNs, which the paper leaves open ([paper.md](paper.md))${optimiser}.`;
}

/**
 * Claim 3 when some yardstick decides otherwise than the one that decides: raw S (the paper's) and
 * each yardstick that differs, with their estimates (a differing yardstick with raw's estimate and a
 * narrower interval is not a length effect), and how much of raw S's difference the filters' length
 * alone would make: (model-2 length / model-1 length − 1) × raw S of model-1's pair. Null when every
 * yardstick agrees with the decision.
 */
export function whyClaim3Yardstick(s: CuratedStudy): string | null {
  const v = s.stats.claims.find((c) => c.claim === 3);
  if (!v) return null;
  const set = v.decidedOn?.seedSet ?? 'standard';
  const cells = (s.stats.multiverse ?? []).filter((c) => c.claim === 3 && c.seedSet === set);
  const differ = cells.filter((c) => c.verdict !== v.verdict);
  if (!differ.length) return null;
  const show = (c: (typeof cells)[number]) => `${verdictWord(c.verdict)}, ${fmt(c.estimate)} ${ci({ lo: c.lo, hi: c.hi })}`;
  const raw = cells.find((c) => c.yardstick === 'raw');
  const others = differ.filter((c) => c.yardstick !== 'raw');
  const parts = [raw ? `raw S (the paper's yardstick) is ${show(raw)}` : null,
    others.length ? `${others.map((c) => `${c.yardstick} S is ${show(c)}`).join(', ')} — ${others.length} of the ${cells.length} yardsticks, not corrected for choosing among them` : null].filter(Boolean);
  const len = filterLengths(s, seedsOf(s));
  const rawPair = s.stats.comparisons.find((c) => c.comparison === 'model1.cnn1 -> model1.cnn2')?.variants?.raw?.mean;
  const lengthPart = len && typeof rawPair === 'number'
    ? ` Model-2's trained filters are ${fmt(len.model2 / len.model1, 2)}× as long as model-1's (mean L2 norm ${fmt(len.model2)} against ${fmt(len.model1)}); on raw S, where model-1's pair is ${fmt(rawPair)} apart, that length alone would move the difference by about ${fmtSigned((len.model2 / len.model1 - 1) * rawPair)}, with the same directions.`
    : '';
  return `- Claim 3 (the paper: supported, on raw S from one run): ${parts.join('; ')}; ${v.decidedOn?.yardstick ?? 'unit'} S, which removes length and decides, says ${verdictWord(v.verdict)}.${lengthPart}`;
}

/**
 * Where a claim's deciding verdict differs between recipes: the accuracies (claim 1) on each side.
 * The recipes differ in several settings at once, so no line names a cause. Empty when every claim
 * gets the same verdict everywhere.
 */
export function recipeDifferences(studies: CuratedStudy[]): string[] {
  if (studies.length < 2) return [];
  const out: string[] = [];
  for (const n of [1, 2, 3, 4]) {
    const vs = studies.map((s) => s.stats.claims.find((c) => c.claim === n)?.verdict ?? null);
    if (vs.some((v) => v === null) || new Set(vs).size < 2) continue;
    const verdicts = studies.map((s, i) => `${verdictWord(vs[i]!)} under \`${s.name}\``).join(', ');
    if (n !== 1) {
      out.push(`- Claim ${n}: ${verdicts}; see each study's claim ${n} below for its numbers.`);
      continue;
    }
    const diff = differingSettings(studies);
    const each = studies.map((s) => {
      const m1 = row(s, 'model-1')?.mean, m2 = row(s, 'model-2')?.mean;
      if (typeof m1 !== 'number' || typeof m2 !== 'number') return null;
      const c = climbAtEnd(s, 'model-1 LSTM', seedsOf(s));
      const lstm = c ? `; model-1's LSTM ${c.rising ? `still rising on ${c.rising} of ${c.seeds} seeds at the end` : c.falling ? `falling on ${c.falling} of ${c.seeds} seeds at the end` : 'levelled off'}` : '';
      return `\`${s.name}\` model-2 ${fmt(m2)}, model-1 ${fmt(m1)} (${fmtSigned(m2 - m1)}${lstm})`;
    }).filter(Boolean);
    // Two studies whose verdicts differ and whose recipes differ in one setting only isolate that setting.
    const isolated: string[] = [];
    studies.forEach((a, i) => studies.slice(i + 1).forEach((b, j) => {
      const d = differingSettings([a, b]);
      if (vs[i] !== vs[i + 1 + j] && d.length === 1) isolated.push(`\`${a.name}\` and \`${b.name}\` differ only in ${d[0]}, so that setting alone changes the answer between them`);
    }));
    out.push(`- Claim 1: ${verdicts}. Model-2 − model-1 per study: ${each.join('; ')}. Claim 1 compares the two models at one training budget, so it answers for a recipe${diff.length > 1 ? `; these recipes differ in ${diff.join(', ')}` : diff.length === 1 ? `; these recipes differ only in ${diff[0]}` : ''}.${isolated.length ? ` ${isolated.map((x) => x[0].toUpperCase() + x.slice(1)).join('; ')}.` : ''}`);
  }
  return out.length ? ['Where the verdicts differ between recipes:', '', ...out] : [];
}
