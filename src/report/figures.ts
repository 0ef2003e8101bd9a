/**
 * Figures as standalone SVG strings: pure functions from plain data to an SVG document.
 *
 * Each figure is a small Vega-Lite spec (built in ./figure-specs.ts) compiled to Vega and
 * rendered headless with `new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG()`:
 * no DOM, no canvas, no browser. Same input → byte-identical SVG (jitter is deterministic).
 *
 * Every figure carries its own title, a subtitle with n, axis titles and a legend, so it can be
 * read without the surrounding text. Bad input (empty, ragged, NaN/∞, wrong lengths) throws a
 * FilterstudyError with code 'E_STATS' naming the problem, before anything is rendered.
 *
 * `svgToPng` rasterises with @resvg/resvg-js (prebuilt binary shipped inside the npm package,
 * loaded lazily so that the SVG functions work even where that binary is missing).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FilterstudyError } from '../errors.ts';
import {
  distributionSpec,
  filterGridSpec,
  heatmapSpec,
  intervalSpec,
  profileSpec,
  scatterSpec,
  type DistributionData,
  type FilterGridData,
  type HeatmapData,
  type ProfileData,
  type ScatterData,
} from './figure-specs.ts';

export { FONT, PALETTE, distributionSpec, filterGridSpec, heatmapSpec, intervalSpec, profileSpec, scatterSpec } from './figure-specs.ts';

// ---------------------------------------------------------------------------------------------
// Rendering

/** Compile a Vega-Lite spec and render it to an SVG string with a headless Vega View. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  useFontMetrics();
  // vega-lite's default logger prints spec warnings (none for the specs in this module) to stderr.
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Without a canvas, Vega guesses every text as 0.8 em per character, which truncates axis labels
 * ("seed 0 vs shuffled label…") and pads every figure on the right. Vega lets a caller supply
 * `textMetrics.width` (vl-convert does the same); ours uses DejaVu Sans advance widths, the widest
 * common 'sans-serif' face, so text fits whether the viewer renders DejaVu, Arial or Helvetica.
 */
const DEJAVU_SANS_ASCII = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
]; // per 1000 em, code points 32..126

/** Width in px of one line of text in DejaVu Sans (bold ≈ 13% wider). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    w += c >= 32 && c <= 126 ? DEJAVU_SANS_ASCII[c - 32] : c < 0x2000 ? 650 : 880;
  }
  return Math.ceil((w / 1000) * fontSize * (bold ? 1.13 : 1));
}

let metricsInstalled = false;
function useFontMetrics(): void {
  if (metricsInstalled) return;
  metricsInstalled = true;
  type TextItem = { text?: unknown; fontSize?: number; fontWeight?: string | number };
  // vega re-exports vega-scenegraph's textMetrics at run time; its typings omit it.
  const tm = (vega as unknown as { textMetrics: unknown }).textMetrics as { width: (item: TextItem, text?: unknown) => number };
  tm.width = (item, text) => {
    const t = text ?? item.text;
    const lines = Array.isArray(t) ? t.map(String) : t == null ? [] : [String(t)];
    const size = typeof item.fontSize === 'number' ? item.fontSize : 11;
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);
    return size <= 0 ? 0 : Math.max(0, ...lines.map((l) => textWidth(l, size, bold)));
  };
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

function fail(msg: string, hint: string): never {
  throw new FilterstudyError('E_STATS', msg, { hint });
}

function checkTitle(fn: string, t: unknown): void {
  if (typeof t !== 'string' || t.trim() === '') fail(`${fn}: title is empty`, 'give every figure a title that says what it shows');
}

function checkFinite(fn: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${fn}: ${what} is ${String(v)}, not a finite number`, 'drop or fix NaN/Infinity values before plotting');
}

// ---------------------------------------------------------------------------------------------
// Figures

export interface HeatmapOptions {
  title: string;
  subtitle?: string;
  /** Axis title for rows, e.g. 'filter i of reference CNN (seed 0)'. */
  rowLabel: string;
  /** Axis title for columns, e.g. 'filter j of CNN (seed 7)'. */
  colLabel: string;
  /** Legend title for the cell value, with units, e.g. 'E_ij (L2 distance, unit-norm filters)'. */
  valueLabel: string;
  /** Circle each row's minimum (S_i). Default true. */
  highlightRowMin?: boolean;
}

/**
 * The paper's E_ij heatmap: m[i][j] is the dissimilarity of filter i of the reference CNN (row)
 * and filter j of the other CNN (column). Rows and columns are labelled 1..n. With
 * highlightRowMin (default) each row's minimum — the first one on ties — is circled.
 */
export async function heatmapSvg(m: number[][], o: HeatmapOptions): Promise<string> {
  checkTitle('heatmapSvg', o.title);
  return renderSvg(heatmapSpec(heatmapData(m, o.highlightRowMin ?? true), o)).then(withTitle(o.title));
}

/** Validated cell and row-minimum data for heatmapSpec (exported for tests). */
export function heatmapData(m: number[][], highlightRowMin: boolean): HeatmapData {
  const fn = 'heatmapSvg';
  if (!Array.isArray(m) || m.length === 0) fail(`${fn}: matrix has no rows`, 'pass an n×m array of numbers, e.g. the 16×16 E_ij matrix');
  const cols = Array.isArray(m[0]) ? m[0].length : 0;
  if (cols === 0) fail(`${fn}: matrix row 0 is empty`, 'pass an n×m array of numbers with m ≥ 1');
  const cells: HeatmapData['cells'] = [];
  const minima: HeatmapData['minima'] = [];
  m.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols) fail(`${fn}: ragged matrix: row ${i} has ${Array.isArray(row) ? row.length : 'no'} columns, row 0 has ${cols}`, 'every row must have the same length');
    let best = 0;
    row.forEach((v, j) => {
      checkFinite(fn, `m[${i}][${j}]`, v);
      cells.push({ i, j, v }); // filter indices 0–15, as in the Arrow columns (filter, i, argmin)
      if (v < row[best]) best = j;
    });
    if (highlightRowMin) minima.push({ i, j: best, v: row[best] });
  });
  return { cells, minima, rows: m.length, cols };
}

export interface FilterGridOptions {
  title: string;
  /** Filter side length K; each weights array holds K·K values, row-major. */
  k: number;
  /** Filters per row of the grid. Default min(8, number of filters). */
  columns?: number;
  /** Colour domain [-max|w|, +max|w|] over all filters (default true); false: data range, still centred at 0. */
  symmetricScale?: boolean;
}

/** The filters of one CNN as small K×K images on one shared diverging colour scale centred at 0. */
export async function filterGridSvg(filters: { label: string; weights: Float32Array }[], o: FilterGridOptions): Promise<string> {
  checkTitle('filterGridSvg', o.title);
  return renderSvg(filterGridSpec(filterGridData(filters, o), o)).then(withTitle(o.title));
}

export function filterGridData(filters: { label: string; weights: Float32Array }[], o: FilterGridOptions): FilterGridData {
  const fn = 'filterGridSvg';
  const k = o.k;
  if (!Number.isInteger(k) || k < 1) fail(`${fn}: k = ${String(k)} is not a positive integer`, 'k is the filter side length, e.g. 3 for 3×3 filters');
  if (!Array.isArray(filters) || filters.length === 0) fail(`${fn}: no filters given`, 'pass at least one { label, weights } filter');
  const columns = o.columns ?? Math.min(8, filters.length);
  if (!Number.isInteger(columns) || columns < 1) fail(`${fn}: columns = ${String(columns)} is not a positive integer`, 'columns is the number of filters per grid row');
  const seen = new Set<string>();
  const pixels: FilterGridData['pixels'] = [];
  let maxAbs = 0;
  filters.forEach((f, n) => {
    if (typeof f.label !== 'string' || f.label === '') fail(`${fn}: filter ${n} has an empty label`, 'label each filter, e.g. "filter 1"');
    if (seen.has(f.label)) fail(`${fn}: filter label "${f.label}" is used twice`, 'labels name the small panels and must be unique');
    seen.add(f.label);
    if (!f.weights || f.weights.length !== k * k) fail(`${fn}: filter "${f.label}" has ${f.weights ? f.weights.length : 0} weights, expected k·k = ${k * k}`, 'weights are one K×K kernel, row-major');
    for (let idx = 0; idx < k * k; idx++) {
      const w = f.weights[idx];
      checkFinite(fn, `filter "${f.label}" weight ${idx}`, w);
      maxAbs = Math.max(maxAbs, Math.abs(w));
      pixels.push({ filter: f.label, order: n, r: Math.floor(idx / k), c: idx % k, w });
    }
  });
  const lim = maxAbs > 0 ? maxAbs : 1;
  return { pixels, n: filters.length, k, columns, domain: [-lim, lim], symmetric: o.symmetricScale ?? true };
}

export interface DistributionOptions {
  title: string;
  subtitle?: string;
  /** Axis title for the values, with units. */
  valueLabel: string;
  /** Dashed lines across the plot, e.g. the paper's value or a random-filter baseline; shown in a legend. */
  referenceLines?: { label: string; value: number }[];
}

/**
 * One box plot (median, IQR, 1.5×IQR whiskers) per group with every value as a jittered dot.
 * Vertical for up to 4 short-labelled groups, horizontal otherwise. Groups keep the given order.
 */
export async function distributionSvg(groups: { label: string; values: number[] }[], o: DistributionOptions): Promise<string> {
  checkTitle('distributionSvg', o.title);
  return renderSvg(distributionSpec(distributionData(groups, o.referenceLines ?? []), o)).then(withTitle(o.title));
}

export function distributionData(groups: { label: string; values: number[] }[], refs: { label: string; value: number }[]): DistributionData {
  const fn = 'distributionSvg';
  if (!Array.isArray(groups) || groups.length === 0) fail(`${fn}: no groups given`, 'pass at least one { label, values } group');
  const seen = new Set<string>();
  const points: DistributionData['points'] = [];
  groups.forEach((g, gi) => {
    if (typeof g.label !== 'string' || g.label === '') fail(`${fn}: group ${gi} has an empty label`, 'label each group, e.g. "seed 0 vs seed k"');
    if (seen.has(g.label)) fail(`${fn}: group label "${g.label}" is used twice`, 'group labels must be unique');
    seen.add(g.label);
    if (!Array.isArray(g.values) || g.values.length === 0) fail(`${fn}: group "${g.label}" has no values`, 'every group needs at least one value; drop empty groups');
    g.values.forEach((v, vi) => {
      checkFinite(fn, `group "${g.label}" value ${vi}`, v);
      points.push({ group: g.label, order: gi, value: v, jitter: jitter(vi) });
    });
  });
  const refSeen = new Set<string>();
  refs.forEach((r, ri) => {
    if (typeof r.label !== 'string' || r.label === '') fail(`${fn}: reference line ${ri} has an empty label`, 'label each reference line, e.g. "paper (Fig. 5)"');
    if (refSeen.has(r.label)) fail(`${fn}: reference line label "${r.label}" is used twice`, 'reference labels must be unique');
    refSeen.add(r.label);
    checkFinite(fn, `reference line "${r.label}"`, r.value);
  });
  return { points, groups: groups.map((g) => g.label), counts: groups.map((g) => g.values.length), refs: refs.map((r) => ({ ...r })) };
}

/** Deterministic, evenly spread offsets in [-0.7, 0.7] (golden-ratio sequence): same data, same picture. */
function jitter(i: number): number {
  const u = (i * 0.6180339887498949 + 0.5) % 1;
  return Math.round((u * 2 - 1) * 0.7 * 1e4) / 1e4;
}

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Draw the least-squares line over all points and print slope and Pearson r in the subtitle. */
  trend?: boolean;
}

/** Points coloured and shaped by group, with an optional least-squares line over all points. */
export async function scatterSvg(points: { x: number; y: number; group: string }[], o: ScatterOptions): Promise<string> {
  checkTitle('scatterSvg', o.title);
  return renderSvg(scatterSpec(scatterData(points, o.trend ?? false), o)).then(withTitle(o.title));
}

export function scatterData(points: { x: number; y: number; group: string }[], trend: boolean): ScatterData {
  const fn = 'scatterSvg';
  if (!Array.isArray(points) || points.length === 0) fail(`${fn}: no points given`, 'pass at least one { x, y, group } point');
  const groups: string[] = [];
  points.forEach((p, n) => {
    checkFinite(fn, `point ${n} x`, p.x);
    checkFinite(fn, `point ${n} y`, p.y);
    if (typeof p.group !== 'string' || p.group === '') fail(`${fn}: point ${n} has an empty group`, 'give every point a group label');
    if (!groups.includes(p.group)) groups.push(p.group);
  });
  const out: ScatterData = { points: points.map((p) => ({ x: p.x, y: p.y, group: p.group })), groups };
  if (trend) {
    const n = points.length;
    const mx = points.reduce((s, p) => s + p.x, 0) / n;
    const my = points.reduce((s, p) => s + p.y, 0) / n;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (const p of points) {
      sxx += (p.x - mx) ** 2;
      sxy += (p.x - mx) * (p.y - my);
      syy += (p.y - my) ** 2;
    }
    if (n < 3 || sxx === 0) fail(`${fn}: cannot fit a trend line to ${n} point${n === 1 ? '' : 's'}${sxx === 0 ? ' that all share one x value' : ''}`, 'a trend needs at least 3 points with at least 2 distinct x values; pass trend: false');
    const slope = sxy / sxx;
    const xs = points.map((p) => p.x);
    out.fit = { slope, intercept: my - slope * mx, r: syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy), x0: Math.min(...xs), x1: Math.max(...xs) };
  }
  return out;
}

export interface IntervalOptions {
  title: string;
  /** Axis title for the values, with units. */
  valueLabel: string;
  /** Legend text for the reference marks. Default 'paper'. */
  referenceLabel?: string;
  /** Legend text for the dots and bars. Default 'this study: mean and 95% CI'. */
  measuredLabel?: string;
  /** Pixels for the row labels (default: from the longest label); equal in figures shown side by side. */
  labelLimit?: number;
}

/** Table 2 as a plot: per row a dot at the mean with a bar from lo to hi, and a ◆ at the reference. */
export async function intervalSvg(rows: { label: string; mean: number; lo: number; hi: number; reference?: number }[], o: IntervalOptions): Promise<string> {
  const fn = 'intervalSvg';
  checkTitle(fn, o.title);
  if (!Array.isArray(rows) || rows.length === 0) fail(`${fn}: no rows given`, 'pass at least one { label, mean, lo, hi } row');
  const seen = new Set<string>();
  rows.forEach((r, n) => {
    if (typeof r.label !== 'string' || r.label === '') fail(`${fn}: row ${n} has an empty label`, 'label each row with its network');
    if (seen.has(r.label)) fail(`${fn}: row label "${r.label}" is used twice`, 'row labels must be unique');
    seen.add(r.label);
    checkFinite(fn, `row "${r.label}" mean`, r.mean);
    checkFinite(fn, `row "${r.label}" lo`, r.lo);
    checkFinite(fn, `row "${r.label}" hi`, r.hi);
    if (!(r.lo <= r.mean && r.mean <= r.hi)) fail(`${fn}: row "${r.label}" has lo ${r.lo}, mean ${r.mean}, hi ${r.hi}; need lo ≤ mean ≤ hi`, 'pass the interval bounds in the right order');
    if (r.reference !== undefined) checkFinite(fn, `row "${r.label}" reference`, r.reference);
  });
  const measuredLabel = o.measuredLabel ?? 'this study: mean and 95% CI';
  const referenceLabel = o.referenceLabel ?? 'paper';
  if (measuredLabel === referenceLabel) fail(`${fn}: measuredLabel and referenceLabel are both "${referenceLabel}"`, 'the legend needs two different labels');
  const data = { rows: rows.map((r) => ({ ...r })), measuredLabel, referenceLabel };
  return renderSvg(intervalSpec(data, o)).then(withTitle(o.title));
}

export interface ProfileOptions {
  title: string;
  subtitle?: string;
  /** Axis title for τ, with units, e.g. 'third-term test accuracy τ'. */
  xLabel: string;
}

/**
 * Accuracy profile (rliable's performance profile): per series a step line of the fraction of
 * seeds whose value exceeds τ, τ from 0 to 1, and a tick per seed. Every series has one value per
 * seed (the same n): values are fractions in [0, 1], e.g. test accuracies.
 */
export async function profileSvg(series: { label: string; values: number[] }[], o: ProfileOptions): Promise<string> {
  checkTitle('profileSvg', o.title);
  return renderSvg(profileSpec(profileData(series), o)).then(withTitle(o.title));
}

export function profileData(series: { label: string; values: number[] }[]): ProfileData {
  const fn = 'profileSvg';
  if (!Array.isArray(series) || series.length === 0) fail(`${fn}: no series given`, 'pass at least one { label, values } series');
  const n = series[0].values?.length ?? 0;
  const seen = new Set<string>();
  const steps: ProfileData['steps'] = [];
  const seeds: ProfileData['seeds'] = [];
  for (const [k, g] of series.entries()) {
    if (typeof g.label !== 'string' || g.label === '') fail(`${fn}: series ${k} has an empty label`, 'label each series, e.g. "model-2"');
    if (seen.has(g.label)) fail(`${fn}: series label "${g.label}" is used twice`, 'series labels must be unique');
    seen.add(g.label);
    if (!Array.isArray(g.values) || g.values.length === 0 || g.values.length !== n) fail(`${fn}: series "${g.label}" has ${g.values?.length ?? 0} values, series 0 has ${n}`, 'every series needs one value per seed (n ≥ 1)');
    g.values.forEach((v, i) => {
      checkFinite(fn, `series "${g.label}" value ${i}`, v);
      if (v < 0 || v > 1) fail(`${fn}: series "${g.label}" value ${i} is ${v}, outside [0, 1]`, 'the profile is drawn for fractions such as accuracies');
      seeds.push({ series: g.label, accuracy: v });
    });
    // Survival steps: 1 up to the smallest value, then down by (seeds at that value)/n at each value.
    const sorted = [...g.values].sort((a, b) => a - b);
    steps.push({ series: g.label, tau: 0, fraction: 1 });
    sorted.forEach((v, i) => {
      if (i + 1 < n && sorted[i + 1] === v) return; // equal values drop together
      steps.push({ series: g.label, tau: v, fraction: (n - 1 - i) / n });
    });
    steps.push({ series: g.label, tau: 1, fraction: 0 });
  }
  return { steps, seeds, series: series.map((g) => g.label), n };
}

/**
 * Finish a rendered SVG: add a <title> (tooltips, accessibility), and replace Vega's
 * process-global ids (gradient_0, gradient_1, … counting up across renders) by ids derived from
 * the content, so that the same input gives byte-identical output and several figures inlined in
 * one HTML page do not pick up each other's gradients.
 */
function withTitle(t: string): (svg: string) => string {
  return (svg) => {
    const ids = new Map<string, string>();
    const idRe = /\b((?:gradient|clip|pattern)_?\d+)\b/g;
    const local = svg.replace(idRe, (id) => {
      if (!ids.has(id)) ids.set(id, `@${ids.size}@`);
      return ids.get(id) as string;
    });
    const prefix = `fs${createHash('sha256').update(local).digest('hex').slice(0, 8)}`;
    const out = local.replace(/@(\d+)@/g, (_, k: string) => `${prefix}_${k}`);
    return out.replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(t)}</title>`);
  };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---------------------------------------------------------------------------------------------
// PNG

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: ResvgModule | undefined;

/**
 * Rasterise an SVG from this module to PNG (default 2× scale) with @resvg/resvg-js. Text uses
 * the system's fonts; `fontFamily` names the family that the generic 'sans-serif' resolves to.
 */
export function svgToPng(svg: string, o: { scale?: number; fontFamily?: string } = {}): Buffer {
  if (typeof svg !== 'string' || !svg.trimStart().startsWith('<svg')) fail('svgToPng: input is not an SVG document', 'pass the string returned by one of the *Svg functions');
  const scale = o.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) fail(`svgToPng: scale ${scale} is outside (0, 8]`, 'use e.g. 1 or 2');
  if (!resvg) {
    try {
      resvg = createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
    } catch (e) {
      throw new FilterstudyError('E_STATS', 'svgToPng: @resvg/resvg-js could not be loaded on this platform', { hint: 'use the SVG, or convert it with rsvg-convert', cause: e });
    }
  }
  const family = o.fontFamily ?? 'DejaVu Sans';
  const r = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: family, sansSerifFamily: family },
    background: 'white',
  });
  return r.render().asPng();
}
