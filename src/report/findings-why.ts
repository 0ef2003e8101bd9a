/**
 * The "why" lines of the findings (findings.ts), written from each curated study's own seeds rather
 * than typed: whether a network was still learning when its training stopped (history.arrow), how
 * long each model's trained filters are (filters.arrow: raw S grows with length, the unit yardstick
 * does not), and, where a claim's verdict changes between recipes, which accuracy moved.
 */
import { loadStudy } from '../io/load.ts';
import type { StudyStats, Table2Row } from '../stats/types.ts';
import { ci, fmt, verdictWord } from './format.ts';
import { readCurves } from './training.ts';

/** What these lines need of a curated study (findings.ts CuratedStudy, which imports this file). */
export interface CuratedStudy { name: string; dir: string; stats: StudyStats }

/** A validation accuracy that gains more than this over the last tenth of training is "still rising". */
export const RISING = 0.005;

/** How one network's validation accuracy moved over the last tenth of its epochs, over a study's seeds. */
export interface Climb {
  seeds: number;
  /** Seeds whose validation accuracy gained more than RISING over that stretch. */
  rising: number;
  fromEpoch: number;
  toEpoch: number;
  /** Mean validation accuracy at fromEpoch and at toEpoch (each seed's last epoch). */
  from: number;
  to: number;
  /** Per seed, the first epoch whose validation accuracy reached `reach` (null: never). */
  reached: (number | null)[];
}

/**
 * The climb of one network (its curve label, training.ts CURVE_NETWORKS) over the last tenth of its
 * epochs (at least one), on the given seeds; null when the study has no epochs of it.
 */
export function climbAtEnd(s: Pick<CuratedStudy, 'dir'>, label: string, seeds: readonly number[], reach = Infinity): Climb | null {
  const wanted = new Set(seeds);
  const bySeed = new Map<number, { epoch: number; val: number }[]>();
  for (const p of readCurves([s.dir])) {
    if (p.network !== label || !wanted.has(p.seed) || !Number.isFinite(p.valAccuracy)) continue;
    (bySeed.get(p.seed) ?? bySeed.set(p.seed, []).get(p.seed)!).push({ epoch: p.epoch, val: p.valAccuracy });
  }
  if (!bySeed.size) return null;
  let rising = 0, from = 0, to = 0, fromEpoch = 0, toEpoch = 0;
  const reached: (number | null)[] = [];
  for (const curve of bySeed.values()) {
    curve.sort((a, b) => a.epoch - b.epoch);
    const last = curve[curve.length - 1];
    const at = last.epoch - Math.max(1, Math.round(last.epoch / 10));
    const earlier = [...curve].reverse().find((c) => c.epoch <= at) ?? curve[0];
    if (last.val - earlier.val > RISING) rising++;
    from += earlier.val;
    to += last.val;
    fromEpoch = Math.max(fromEpoch, earlier.epoch);
    toEpoch = Math.max(toEpoch, last.epoch);
    reached.push(curve.find((c) => c.val >= reach)?.epoch ?? null);
  }
  return { seeds: bySeed.size, rising, fromEpoch, toEpoch, from: from / bySeed.size, to: to / bySeed.size, reached };
}

/** "still rising on 10 of 10 seeds: 0.581 at epoch 90, 0.727 at epoch 100 (validation, mean)". */
function climbText(c: Climb): string {
  const moved = `validation accuracy ${fmt(c.from)} at epoch ${c.fromEpoch} and ${fmt(c.to)} at epoch ${c.toEpoch}, mean over ${c.seeds} seeds`;
  return c.rising === 0 ? `had levelled off when training stopped (${moved})` : `was still rising when training stopped on ${c.rising} of ${c.seeds} seeds (${moved})`;
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

/** Why model-1's Table 2 figure differs from the paper's, from this study's LSTM curves. */
export function whyModel1(s: CuratedStudy, paper: number, higher: boolean): string {
  const c = climbAtEnd(s, 'model-1 LSTM', seedsOf(s), paper);
  if (!c) return '';
  const cnns = ['CNN1', 'CNN2'].map((k) => row(s, k)?.mean).filter((x): x is number => typeof x === 'number');
  const bound = cnns.length === 2 ? ` Both digits right, which a model-1 needs, happens for ${fmt(cnns[0] * cnns[1])} of pairs if its CNNs err independently (CNN1 ${fmt(cnns[0])} × CNN2 ${fmt(cnns[1])}).` : '';
  if (c.rising === 0) return ` Here model-1's LSTM ${climbText(c)}: model-1 is limited by its CNNs, not by training.${bound}${higher ? " The paper's lower figure fits an LSTM that had not converged." : ''}`;
  const passed = c.reached.filter((e): e is number => e !== null);
  const when = higher && passed.length ? ` Our seeds' LSTMs passed the paper's ${fmt(paper)} (validation) at epochs ${Math.min(...passed)}–${Math.max(...passed)}: the paper's figure fits an LSTM stopped earlier on the same climb.` : '';
  return ` Here model-1's LSTM ${climbText(c)}: this recipe's epochs, not the network, set model-1's figure, and more epochs would raise it.${when}${bound}`;
}

/** Why model-2's figure differs from the paper's: whether it was still learning here; the rest the paper leaves open. */
export function whyModel2(s: CuratedStudy): string {
  const c = climbAtEnd(s, 'model-2', seedsOf(s));
  const here = c ? ` Here model-2 ${climbText(c)}.` : '';
  return `${here} Model-2 also depends on what its LSTM reads from the CNNs and on the optimiser, both of which the paper leaves open ([paper.md](paper.md)).`;
}

/** The yardsticks that keep the filters' length (raw S is the paper's); unit and unit-signflip remove it. */
const LENGTH_KEEPING = ['raw', 'signflip', 'matched'] as const;

/**
 * Claim 3 on the yardsticks that keep the filters' length against the scale-free one that decides,
 * when any of them gives another verdict: the length of each model's filters, which those measure
 * and unit S does not. Null when they all agree with the decision.
 */
export function whyClaim3Yardstick(s: CuratedStudy): string | null {
  const v = s.stats.claims.find((c) => c.claim === 3);
  if (!v || LENGTH_KEEPING.some((y) => y === v.decidedOn?.yardstick)) return null;
  const set = v.decidedOn?.seedSet ?? 'standard';
  const cells = LENGTH_KEEPING.map((y) => (s.stats.multiverse ?? []).find((c) => c.claim === 3 && c.seedSet === set && c.yardstick === y)).filter((c) => c !== undefined);
  const differ = cells.filter((c) => c.verdict !== v.verdict);
  if (!differ.length) return null;
  const said = differ.map((c) => `${c.yardstick === 'raw' ? "the paper's raw S" : `${c.yardstick} S`} says ${verdictWord(c.verdict)} (${fmt(c.estimate)} ${ci({ lo: c.lo, hi: c.hi })})`).join(', ');
  const agree = cells.filter((c) => c.verdict === v.verdict).map((c) => `${c.yardstick} S`);
  const len = filterLengths(s, seedsOf(s));
  const lengths = len ? `model-2's trained filters are ${fmt(len.model2 / len.model1, 2)}× as long as model-1's (mean L2 norm ${fmt(len.model2)} against ${fmt(len.model1)}), and those yardsticks scale with length whatever the filters' directions` : "those yardsticks also measure the filters' length";
  return `- Claim 3 (the paper: supported, on raw S): ${said}${agree.length ? ` (${agree.join(' and ')}, which also keep length, agree with the decision)` : ''}; on the filters' directions alone (${v.decidedOn?.yardstick ?? 'unit'} S, which decides) it is ${verdictWord(v.verdict)}: ${lengths}, so a verdict that only a length-keeping yardstick gives mixes length with direction.`;
}

/**
 * Where a claim's deciding verdict differs between recipes, the numbers behind it. For claim 1, the
 * accuracy that moved between the recipes (model-1's or model-2's) and whether model-1's LSTM had
 * converged in each. Empty when every claim gets the same verdict everywhere.
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
    const acc = (k: string) => studies.map((s) => row(s, k)?.mean ?? null);
    const m1 = acc('model-1'), m2 = acc('model-2');
    const spread = (xs: (number | null)[]) => { const v = xs.filter((x): x is number => x !== null); return v.length ? Math.max(...v) - Math.min(...v) : 0; };
    const list = (xs: (number | null)[]) => studies.map((s, i) => `${fmt(xs[i])} (\`${s.name}\`)`).join(', ');
    const moved = spread(m1) >= spread(m2) ? 'model-1' : 'model-2';
    const lstm = studies.map((s) => { const c = climbAtEnd(s, 'model-1 LSTM', seedsOf(s)); return c ? `under \`${s.name}\` its LSTM ${c.rising ? `was still rising on ${c.rising} of ${c.seeds} seeds when training stopped` : 'had levelled off'}` : null; }).filter(Boolean);
    out.push(`- Claim 1: ${verdicts}. Model-2 scores ${list(m2)}; model-1 ${list(m1)}: what moves between the recipes is ${moved}${moved === 'model-1' && lstm.length ? ` (${lstm.join('; ')})` : ''}. Claim 1 compares the two models at a fixed budget, so it answers for the recipe, not for the architectures.`);
  }
  return out.length ? ['Where the verdicts differ between recipes, and which numbers move:', '', ...out] : [];
}
