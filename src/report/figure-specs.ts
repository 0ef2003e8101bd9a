/**
 * Vega-Lite spec builders for src/report/figures.ts. Each builder is a pure function from
 * already-validated plain data to a small declarative Vega-Lite spec; figures.ts validates the
 * input, calls a builder and renders the result to SVG. Kept apart so that the specs can be read
 * (and dumped to a .vl.json for the online editor) without the rendering machinery.
 *
 * Named layers (`name: 'cells'` etc.) become the CSS class `cells_marks` on the rendered mark
 * group, which is what the tests count.
 */
import type { TopLevelSpec } from 'vega-lite';

/** One font family that every renderer (browser, resvg, rsvg, Inkscape) resolves. */
export const FONT = 'sans-serif';
/** Okabe–Ito: colour-blind safe, used for every categorical colour in every figure. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];
/** Colour for "the paper's value" / reference lines, kept apart from the study's own colours. */
export const REFERENCE_COLOR = '#D55E00';
export const MEASURED_COLOR = '#0072B2';
/** Plot-area width used by all single-panel figures (the full SVG is ~ 560–640 px wide). */
export const PLOT_WIDTH = 440;

/** Shared look: fonts, sizes, white background, title left-aligned with a grey subtitle. */
export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#444', anchor: 'start', offset: 12, subtitlePadding: 4 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelColor: '#222', titleColor: '#111', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260, titleLimit: 260 },
  header: { labelFontSize: 11, titleFontSize: 12 },
  range: { category: PALETTE },
  view: { stroke: '#ccc' },
} as const;

type Title = { text: string; subtitle?: string[] };
function title(text: string, subtitle: (string | undefined)[]): Title {
  const lines = subtitle.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return lines.length > 0 ? { text, subtitle: lines } : { text };
}

function spec(s: Record<string, unknown>): TopLevelSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...s } as unknown as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------------
// Heatmap of E_ij

export interface HeatmapData {
  cells: { i: number; j: number; v: number }[]; // 0-based filter indices, as in the Arrow columns
  minima: { i: number; j: number; v: number }[]; // one per row when highlighted
  rows: number;
  cols: number;
}

export function heatmapSpec(
  d: HeatmapData,
  o: { title: string; subtitle?: string; rowLabel: string; colLabel: string; valueLabel: string },
): TopLevelSpec {
  const cell = Math.max(8, Math.min(30, Math.floor(PLOT_WIDTH / Math.max(d.rows, d.cols))));
  const auto = `${d.rows} × ${d.cols} filter pairs, darker = lower` + (d.minima.length > 0 ? '; ○ marks each row’s minimum S_i = min_j E_ij' : '');
  const x = { field: 'j', type: 'ordinal', title: o.colLabel, axis: { labelAngle: 0, orient: 'top' as const } };
  const y = { field: 'i', type: 'ordinal', title: o.rowLabel };
  const layers: Record<string, unknown>[] = [
    {
      name: 'cells',
      data: { values: d.cells },
      mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x,
        y,
        color: {
          field: 'v',
          type: 'quantitative',
          title: o.valueLabel,
          scale: { scheme: 'viridis', zero: false },
          legend: { orient: 'right', gradientLength: Math.min(300, cell * d.rows), direction: 'vertical', title: wrap(o.valueLabel, 22) },
        },
      },
    },
  ];
  if (d.minima.length > 0) {
    layers.push({
      name: 'minima',
      data: { values: d.minima },
      mark: { type: 'point', shape: 'circle', filled: false, opacity: 1, stroke: 'white', strokeWidth: 2.5, size: Math.round(cell * cell * 0.45) },
      encoding: { x, y },
    });
    layers.push({
      name: 'minima_inner',
      data: { values: d.minima },
      mark: { type: 'point', shape: 'circle', filled: false, opacity: 1, stroke: 'black', strokeWidth: 1, size: Math.round(cell * cell * 0.45) },
      encoding: { x, y },
    });
  }
  return spec({
    title: title(o.title, [o.subtitle, auto]),
    width: cell * d.cols,
    height: cell * d.rows,
    layer: layers,
  });
}

// ---------------------------------------------------------------------------------------------
// Grid of K×K filters

export interface FilterGridData {
  pixels: { filter: string; order: number; r: number; c: number; w: number }[];
  n: number;
  k: number;
  columns: number;
  domain: [number, number];
  symmetric: boolean;
}

export function filterGridSpec(d: FilterGridData, o: { title: string }): TopLevelSpec {
  const size = Math.max(36, Math.min(72, Math.floor(480 / d.columns) - 8));
  const gridRows = Math.ceil(d.n / d.columns);
  const scale: Record<string, unknown> = { scheme: 'redblue', reverse: true, domainMid: 0, nice: false };
  if (d.symmetric) scale.domain = d.domain;
  const sub = `${d.n} filters, each ${d.k} × ${d.k} weights; red > 0 > blue, ` + (d.symmetric ? `shared scale symmetric about 0 (±${fmt(d.domain[1])})` : 'shared scale centred at 0');
  return spec({
    title: title(o.title, [sub]),
    data: { values: d.pixels },
    facet: {
      field: 'filter',
      type: 'ordinal',
      sort: { field: 'order' },
      title: null,
      header: { labelFontSize: 11, labelPadding: 2 },
    },
    columns: d.columns,
    spacing: { column: 8, row: 4 },
    spec: {
      name: 'pixels',
      width: size,
      height: size,
      mark: { type: 'rect', stroke: '#888', strokeWidth: 0.25 },
      encoding: {
        x: { field: 'c', type: 'ordinal', axis: null },
        y: { field: 'r', type: 'ordinal', axis: null },
        color: { field: 'w', type: 'quantitative', title: 'weight', scale, legend: { orient: 'right', gradientLength: Math.max(100, Math.min(260, gridRows * (size + 22) - 30)), tickCount: 5, format: '.2~f' } },
      },
    },
    resolve: { scale: { color: 'shared' } },
  });
}

// ---------------------------------------------------------------------------------------------
// Distribution per group: box plot + jittered points

export interface DistributionData {
  points: { group: string; order: number; value: number; jitter: number }[];
  groups: string[];
  counts: number[];
  refs: { label: string; value: number }[];
}

/** Vertical boxes up to this many groups, horizontal (group labels on the y axis) above. */
export const HORIZONTAL_ABOVE = 4;

export function distributionSpec(d: DistributionData, o: { title: string; subtitle?: string; valueLabel: string }): TopLevelSpec {
  const horizontal = d.groups.length > HORIZONTAL_ABOVE || d.groups.some((g) => g.length > 18);
  const band = horizontal ? Math.max(26, Math.min(48, Math.floor(420 / d.groups.length))) : Math.max(60, Math.min(110, Math.floor(PLOT_WIDTH / d.groups.length)));
  const g = { field: 'group', type: 'nominal', title: null, sort: d.groups, axis: horizontal ? { labelLimit: 260 } : { labelAngle: 0, labelLimit: band - 4 } };
  const v = { field: 'value', type: 'quantitative', title: o.valueLabel, scale: { zero: false, nice: true } };
  const gc = horizontal ? 'y' : 'x';
  const vc = horizontal ? 'x' : 'y';
  const off = horizontal ? 'yOffset' : 'xOffset';
  const nMin = Math.min(...d.counts);
  const nMax = Math.max(...d.counts);
  const nText = nMin === nMax ? `n = ${nMin} values per group` : `n = ${nMin}–${nMax} values per group`;
  const color = { field: 'group', type: 'nominal', sort: d.groups, legend: null };
  const layers: Record<string, unknown>[] = [
    {
      name: 'points',
      mark: { type: 'circle', size: d.points.length > 600 ? 10 : 16, opacity: d.points.length > 600 ? 0.4 : 0.6 },
      encoding: {
        [gc]: g,
        [vc]: v,
        [off]: { field: 'jitter', type: 'quantitative', scale: { domain: [-1, 1] }, axis: null, legend: null },
        color,
      },
    },
    {
      name: 'box',
      mark: {
        type: 'boxplot',
        extent: 1.5,
        outliers: false,
        size: Math.round(band * 0.55),
        box: { fillOpacity: 0.2, stroke: '#222', strokeWidth: 1.2 },
        median: { color: '#111', thickness: 2.5 },
        rule: { color: '#222', strokeWidth: 1.2 },
        ticks: { color: '#222', size: Math.round(band * 0.3) },
      },
      encoding: { [gc]: g, [vc]: v, color },
    },
  ];
  if (d.refs.length > 0) {
    layers.push({
      name: 'refs',
      data: { values: d.refs },
      mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [6, 3] },
      encoding: {
        [vc]: { field: 'value', type: 'quantitative' },
        stroke: {
          field: 'label',
          type: 'nominal',
          title: 'reference',
          sort: d.refs.map((r) => r.label),
          scale: { range: [REFERENCE_COLOR, '#555555', '#CC79A7', '#009E73', '#000000'] },
          legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', symbolStrokeWidth: 2, symbolDash: [6, 3] },
        },
      },
    });
  }
  const size = horizontal ? { width: PLOT_WIDTH, height: { step: band } } : { width: { step: band }, height: 320 };
  return spec({
    title: title(o.title, [o.subtitle, `${nText}; box = median and IQR, whiskers = 1.5 × IQR, dots = individual values`]),
    data: { values: d.points },
    ...size,
    layer: layers,
  });
}

// ---------------------------------------------------------------------------------------------
// Scatter with optional linear trend

export interface ScatterData {
  points: { x: number; y: number; group: string }[];
  groups: string[];
  fit?: { slope: number; intercept: number; r: number; x0: number; x1: number };
}

export function scatterSpec(d: ScatterData, o: { title: string; xLabel: string; yLabel: string }): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative', title: o.xLabel, scale: { zero: false, nice: true } };
  const y = { field: 'y', type: 'quantitative', title: o.yLabel, scale: { zero: false, nice: true } };
  const layers: Record<string, unknown>[] = [
    {
      name: 'points',
      mark: { type: 'point', filled: true, size: 40, opacity: 0.75 },
      encoding: {
        x,
        y,
        color: { field: 'group', type: 'nominal', sort: d.groups, title: 'group', legend: { orient: 'right' } },
        shape: { field: 'group', type: 'nominal', sort: d.groups, title: 'group' },
      },
    },
  ];
  let fitText: string | undefined;
  if (d.fit) {
    const f = d.fit;
    layers.push({
      name: 'trend',
      data: { values: [{ x: f.x0, y: f.intercept + f.slope * f.x0 }, { x: f.x1, y: f.intercept + f.slope * f.x1 }] },
      mark: { type: 'line', color: '#333', strokeWidth: 1.5, strokeDash: [6, 3] },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    fitText = `dashed line: least-squares fit over all points, slope ${fmt(f.slope)}, Pearson r = ${fmt(f.r)}`;
  }
  const n = d.points.length;
  return spec({
    title: title(o.title, [`n = ${n} points in ${d.groups.length} group${d.groups.length === 1 ? '' : 's'}`, fitText]),
    data: { values: d.points },
    width: PLOT_WIDTH,
    height: 320,
    layer: layers,
  });
}

// ---------------------------------------------------------------------------------------------
// Dot-and-interval plot (Table 2) beside a reference value

export interface IntervalData {
  rows: { label: string; mean: number; lo: number; hi: number; reference?: number }[];
  measuredLabel: string;
  referenceLabel: string;
}

export function intervalSpec(d: IntervalData, o: { title: string; valueLabel: string; labelLimit?: number }): TopLevelSpec {
  const labels = d.rows.map((r) => r.label);
  // Room for the longest label (~7 px per character at the axis font), at least 220 px. Figures
  // shown side by side pass one labelLimit, so their SVGs are equally wide and, scaled to their
  // column, show one font size. labelLimit alone does not reserve the room: minExtent does.
  const labelLimit = o.labelLimit ?? Math.max(220, 7 * Math.max(...labels.map((l) => l.length)));
  const y = { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelLimit, minExtent: labelLimit } };
  const kinds = [d.measuredLabel, d.referenceLabel];
  const legendColor = { field: 'kind', type: 'nominal', title: null, sort: kinds, scale: { domain: kinds, range: [MEASURED_COLOR, REFERENCE_COLOR] }, legend: { orient: 'bottom', direction: 'horizontal' } };
  const legendShape = { field: 'kind', type: 'nominal', title: null, sort: kinds, scale: { domain: kinds, range: ['circle', 'diamond'] } };
  const measured = d.rows.map((r) => ({ label: r.label, kind: d.measuredLabel, value: r.mean, lo: r.lo, hi: r.hi }));
  const refs = d.rows.filter((r) => r.reference !== undefined).map((r) => ({ label: r.label, kind: d.referenceLabel, value: r.reference as number }));
  const step = Math.max(28, Math.min(44, Math.floor(360 / d.rows.length)));
  const layers: Record<string, unknown>[] = [
    {
      name: 'ci',
      data: { values: measured },
      mark: { type: 'rule', strokeWidth: 2, color: MEASURED_COLOR },
      encoding: { y, x: { field: 'lo', type: 'quantitative', title: o.valueLabel, scale: { zero: false, nice: true } }, x2: { field: 'hi' } },
    },
    {
      name: 'mean',
      data: { values: measured },
      mark: { type: 'point', filled: true, opacity: 1, size: 70, yOffset: refs.length > 0 ? -4 : 0 },
      encoding: { y, x: { field: 'value', type: 'quantitative' }, color: legendColor, shape: legendShape },
    },
  ];
  if (refs.length > 0) {
    layers.push({
      name: 'reference',
      data: { values: refs },
      mark: { type: 'point', filled: true, opacity: 1, size: 80, yOffset: 6 },
      encoding: { y, x: { field: 'value', type: 'quantitative' }, color: legendColor, shape: legendShape },
    });
  }
  const nRef = refs.length;
  return spec({
    title: title(o.title, [`${d.rows.length} networks; ${d.measuredLabel}` + (nRef > 0 ? `; ◆ = ${d.referenceLabel} (${nRef} of ${d.rows.length} rows)` : '')]),
    width: PLOT_WIDTH,
    height: { step },
    layer: layers,
  });
}

// ---------------------------------------------------------------------------------------------
// Accuracy profile (rliable's performance profile): fraction of seeds above τ, per model

export interface ProfileData {
  /** Step points per series: fraction of seeds with accuracy > τ, from τ = 0 to τ = 1. */
  steps: { series: string; tau: number; fraction: number }[];
  /** One value per seed and series (the ticks). */
  seeds: { series: string; accuracy: number }[];
  series: string[];
  n: number;
}

export function profileSpec(d: ProfileData, o: { title: string; subtitle?: string; xLabel: string }): TopLevelSpec {
  const color = { field: 'series', type: 'nominal', title: null, sort: d.series, scale: { domain: d.series, range: PALETTE.slice(0, d.series.length) }, legend: { orient: 'bottom', direction: 'horizontal' } };
  const x = { field: 'tau', type: 'quantitative', title: o.xLabel, scale: { domain: [0, 1] } };
  const layers: Record<string, unknown>[] = [
    {
      name: 'profile',
      data: { values: d.steps },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: { x, y: { field: 'fraction', type: 'quantitative', title: 'fraction of seeds with accuracy > τ', scale: { domain: [0, 1] } }, color },
    },
    // One tick per seed just above the τ axis, one row per series (mark offsets: no overlap).
    ...d.series.map((name, k) => ({
      name: `seeds${k}`,
      data: { values: d.seeds.filter((p) => p.series === name) },
      mark: { type: 'tick', orient: 'vertical', size: 9, thickness: 2, yOffset: -6 - 10 * k },
      encoding: { x: { field: 'accuracy', type: 'quantitative' }, y: { datum: 0, type: 'quantitative' }, color },
    })),
  ];
  return spec({
    title: title(o.title, [o.subtitle, `n = ${d.n} seeds; step line: fraction of seeds whose accuracy exceeds τ (1 − ECDF); ticks: one per seed`]),
    width: PLOT_WIDTH,
    height: 260,
    layer: layers,
  });
}

/** Break a long legend title into lines of at most ~maxChars characters, at spaces. */
export function wrap(text: string, maxChars: number): string | string[] {
  if (text.length <= maxChars) return text;
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur !== '' && cur.length + 1 + word.length > maxChars) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/** Compact number for subtitles: 3 significant digits, no exponent for everyday magnitudes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}
