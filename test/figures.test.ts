import { describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import {
  distributionSvg,
  filterGridSvg,
  heatmapSvg,
  intervalSvg,
  scatterSvg,
  svgToPng,
  textWidth,
} from '../src/report/figures.ts';
import { wrap } from '../src/report/figure-specs.ts';

// ---- parse-light helpers ----------------------------------------------------------------------

/** The <path>/<line> items of every mark group whose Vega-Lite layer was named `name`. */
function marks(svg: string, name: string): string[] {
  const re = new RegExp(`<g class="mark-\\w+ role-mark ${name}_marks"[^>]*>(.*?)</g>`, 'gs');
  const out: string[] = [];
  for (const m of svg.matchAll(re)) out.push(...(m[1].match(/<(?:path|line) [^>]*>/g) ?? []));
  return out;
}
const attr = (el: string, a: string): string => (el.match(new RegExp(` ${a}="([^"]*)"`)) ?? [])[1] ?? '';
/** aria-label "field: value; field: value" → object. */
function ariaFields(el: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const part of attr(el, 'aria-label').split('; ')) {
    const k = part.lastIndexOf(': ');
    if (k > 0) o[part.slice(0, k)] = part.slice(k + 2);
  }
  return o;
}
function checkSvg(svg: string, title: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  const w = Number((svg.match(/^<svg[^>]* width="([\d.]+)"/) ?? [])[1]);
  expect(w).toBeGreaterThan(300);
  expect(w).toBeLessThan(760);
  expect(svg).toMatch(new RegExp(`role-title-text[^>]*>(<[^>]*>)*?<text[^>]*>${title.replace(/[()]/g, '\\$&')}</text>`));
  expect(svg).toContain('font-family="sans-serif"');
  expect(svg).not.toMatch(/NaN|undefined/);
}
const legendCount = (svg: string): number => (svg.match(/aria-roledescription="legend"/g) ?? []).length;

async function expectStatsError(p: () => Promise<unknown>, msg: RegExp): Promise<void> {
  let err: unknown;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FilterstudyError);
  const fe = err as FilterstudyError;
  expect(fe.code).toBe('E_STATS');
  expect(fe.message).toMatch(msg);
  expect(fe.hint).toBeTruthy();
}

// ---- data -------------------------------------------------------------------------------------

/** 16×16 with a known minimum per row: row i has its minimum 0.05 + i/100 at column (5i + 3) mod 16. */
const N = 16;
const minCol = (i: number): number => (5 * i + 3) % N;
const E: number[][] = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (j === minCol(i) ? 0.05 + i / 100 : 0.5 + ((i * 7 + j * 3) % 11) / 10)));
const hOpts = { title: 'E_ij seed 0 vs seed 3', subtitle: '16 filters, 3×3', rowLabel: 'filter i (seed 0)', colLabel: 'filter j (seed 3)', valueLabel: 'E_ij (L2)' };

describe('heatmapSvg', () => {
  it('draws 256 cells, a legend and one marker per row at the row minimum', async () => {
    const svg = await heatmapSvg(E, hOpts);
    checkSvg(svg, hOpts.title);
    const cells = marks(svg, 'cells');
    expect(cells).toHaveLength(256);
    expect(legendCount(svg)).toBe(1);
    expect(svg).toContain("Gradient legend titled 'E_ij (L2)'");
    expect(svg).toContain('16 × 16 filter pairs');
    expect(svg).toContain('16 filters, 3×3');
    expect(svg).toContain('>filter i (seed 0)<');
    expect(svg).toContain('>filter j (seed 3)<');

    // cell geometry by (i, j), from the rect path "Mx,yhWvHh-WZ" and its aria label
    const rect = new Map<string, { x: number; y: number; w: number; h: number; v: number }>();
    for (const c of cells) {
      const f = ariaFields(c);
      const [, x, y, w, h] = (attr(c, 'd').match(/^M([\d.-]+),([\d.-]+)h([\d.]+)v([\d.]+)/) ?? []).map(Number);
      rect.set(`${f['filter i (seed 0)']},${f['filter j (seed 3)']}`, { x, y, w, h, v: Number(f['E_ij (L2)']) });
    }
    expect(rect.size).toBe(256);

    const markers = marks(svg, 'minima');
    expect(markers).toHaveLength(16);
    const rows = new Set<number>();
    for (const mk of markers) {
      const f = ariaFields(mk);
      const i = Number(f['filter i (seed 0)']); // 0-based, as in the Arrow columns
      const j = Number(f['filter j (seed 3)']);
      rows.add(i);
      expect(j).toBe(minCol(i));
      // the marker sits at the centre of that cell, and that cell holds the row's minimum
      const [, tx, ty] = (attr(mk, 'transform').match(/translate\(([\d.-]+),([\d.-]+)\)/) ?? []).map(Number);
      const r = rect.get(`${i},${j}`)!;
      expect(Math.abs(tx - (r.x + r.w / 2))).toBeLessThan(1);
      expect(Math.abs(ty - (r.y + r.h / 2))).toBeLessThan(1);
      expect(r.v).toBeCloseTo(Math.min(...E[i]), 9);
    }
    expect(rows.size).toBe(16);
  });

  it('marks the first minimum on ties, and none when highlightRowMin is false', async () => {
    const svg = await heatmapSvg([[3, 1, 1], [0, 2, 0]], { ...hOpts, title: 'ties' });
    const js = marks(svg, 'minima').map((m) => ariaFields(m)['filter j (seed 3)']);
    expect(js).toEqual(['1', '0']);
    const plain = await heatmapSvg(E, { ...hOpts, highlightRowMin: false });
    expect(marks(plain, 'cells')).toHaveLength(256);
    expect(marks(plain, 'minima')).toHaveLength(0);
  });

  it('rejects ragged, empty and non-finite matrices', async () => {
    await expectStatsError(() => heatmapSvg([[1, 2], [3]], hOpts), /ragged matrix: row 1 has 1 columns, row 0 has 2/);
    await expectStatsError(() => heatmapSvg([], hOpts), /no rows/);
    await expectStatsError(() => heatmapSvg([[]], hOpts), /row 0 is empty/);
    await expectStatsError(() => heatmapSvg([[1, NaN]], hOpts), /m\[0\]\[1\] is NaN/);
    await expectStatsError(() => heatmapSvg([[1, Infinity]], hOpts), /Infinity/);
    await expectStatsError(() => heatmapSvg([[1]], { ...hOpts, title: ' ' }), /title is empty/);
  });

  it('is deterministic, with ids unique to the figure', async () => {
    const a = await heatmapSvg(E, hOpts);
    expect(await heatmapSvg(E, hOpts)).toBe(a);
    const b = await heatmapSvg(E, { ...hOpts, title: 'another' });
    const idsOf = (s: string): string[] => [...s.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(idsOf(a).length).toBeGreaterThan(0);
    for (const id of idsOf(a)) expect(a).toContain(`url(#${id})`);
    expect(idsOf(b).filter((id) => idsOf(a).includes(id))).toEqual([]);
  });
});

const filters = Array.from({ length: 16 }, (_, f) => ({ label: `filter ${f}`, weights: Float32Array.from({ length: 9 }, (_, k) => Math.sin(f * 9 + k) * 0.4) }));

describe('filterGridSvg', () => {
  it('draws 16 panels of 3×3 cells with one shared diverging legend', async () => {
    const svg = await filterGridSvg(filters, { title: 'Filters of seed 0', k: 3 });
    checkSvg(svg, 'Filters of seed 0');
    expect(marks(svg, 'pixels')).toHaveLength(16 * 9);
    expect(svg.match(/role-mark pixels_marks/g)).toHaveLength(16);
    expect(legendCount(svg)).toBe(1);
    expect(svg).toContain("Gradient legend titled 'weight'");
    expect(svg).toContain('16 filters, each 3 × 3 weights');
    for (const f of ['filter 0', 'filter 9', 'filter 15']) expect(svg).toContain(`>${f}</text>`);
    // symmetric domain: the max |w| over all filters on both ends
    const maxAbs = Math.max(...filters.flatMap((f) => [...f.weights].map(Math.abs)));
    const [lo, hi] = (svg.match(/legend titled 'weight' for fill color with values from (\S+) to (\S+)"/) ?? []).slice(1).map((t) => Number(t.replace('−', '-')));
    expect(lo).toBeCloseTo(-maxAbs, 2);
    expect(hi).toBeCloseTo(maxAbs, 2);
    // the zero weight is white-ish, the largest positive weight red, the most negative blue
    const one = await filterGridSvg([{ label: 'f', weights: Float32Array.from([-1, 0, 1, 0]) }], { title: 't', k: 2 });
    const fills = marks(one, 'pixels').map((p) => attr(p, 'fill'));
    const rgb = (s: string): number[] => (s.match(/\d+/g) ?? []).map(Number);
    const [neg, zero, pos] = [rgb(fills[0]), rgb(fills[1]), rgb(fills[2])];
    expect(neg[2]).toBeGreaterThan(neg[0]);
    expect(pos[0]).toBeGreaterThan(pos[2]);
    expect(Math.min(...zero)).toBeGreaterThan(220);
  });

  it('honours columns and symmetricScale: false', async () => {
    const svg = await filterGridSvg(filters.slice(0, 5), { title: 'five', k: 3, columns: 5, symmetricScale: false });
    expect(marks(svg, 'pixels')).toHaveLength(45);
    expect(svg).toContain('shared scale centred at 0');
  });

  it('rejects bad filters', async () => {
    await expectStatsError(() => filterGridSvg([], { title: 't', k: 3 }), /no filters/);
    await expectStatsError(() => filterGridSvg([{ label: 'a', weights: new Float32Array(8) }], { title: 't', k: 3 }), /"a" has 8 weights, expected k·k = 9/);
    await expectStatsError(() => filterGridSvg([{ label: 'a', weights: Float32Array.from([0, NaN, 0, 0]) }], { title: 't', k: 2 }), /weight 1 is NaN/);
    await expectStatsError(() => filterGridSvg(filters, { title: 't', k: 0 }), /k = 0/);
    await expectStatsError(() => filterGridSvg([filters[0], filters[0]], { title: 't', k: 3 }), /used twice/);
  });
});

const groups = [
  { label: 'seeds 1–9 vs 0', values: Array.from({ length: 144 }, (_, n) => 0.3 + 0.2 * Math.sin(n)) },
  { label: 'random init', values: Array.from({ length: 144 }, (_, n) => 0.8 + 0.2 * Math.cos(n)) },
];
const dOpts = { title: 'S_i per comparison', subtitle: '10 seeds × 16 filters', valueLabel: 'S_i (L2 distance)', referenceLines: [{ label: 'paper', value: 0.42 }] };

describe('distributionSvg', () => {
  it('draws one box per group, every value as a dot, and reference lines with a legend', async () => {
    const svg = await distributionSvg(groups, dOpts);
    checkSvg(svg, dOpts.title);
    expect(marks(svg, 'points')).toHaveLength(288);
    const boxParts = [...svg.matchAll(/role-mark (box_[\w]+)_marks/g)].map((m) => m[1]);
    expect(boxParts.length).toBeGreaterThanOrEqual(3); // whiskers, box, median
    for (const b of boxParts) expect(marks(svg, b)).toHaveLength(2);
    expect(marks(svg, 'refs')).toHaveLength(1);
    expect(svg).toContain("legend titled 'reference'");
    expect(svg).toContain('n = 144 values per group');
    expect(svg).toContain('10 seeds × 16 filters');
    expect(svg).toContain('>S_i (L2 distance)<');
    expect(svg).toContain('>seeds 1–9 vs 0<');
    // two groups → vertical: group labels on the x axis
    expect(svg).toMatch(/X-axis for a discrete scale with 2 values/);
  });

  it('turns horizontal for many groups and reports unequal n', async () => {
    const many = Array.from({ length: 7 }, (_, g) => ({ label: `comparison ${g}`, values: Array.from({ length: 10 + g }, (_, n) => g + n / 10) }));
    const svg = await distributionSvg(many, { title: 'many', valueLabel: 'S_i' });
    expect(svg).toMatch(/Y-axis for a discrete scale with 7 values/);
    expect(marks(svg, 'points')).toHaveLength(many.reduce((s, g) => s + g.values.length, 0));
    expect(svg).toContain('n = 10–16 values per group');
    expect(svg).not.toContain('…'); // no truncated group label
  });

  it('rejects empty groups and NaN', async () => {
    await expectStatsError(() => distributionSvg([], dOpts), /no groups/);
    await expectStatsError(() => distributionSvg([{ label: 'a', values: [] }], dOpts), /group "a" has no values/);
    await expectStatsError(() => distributionSvg([{ label: 'a', values: [1, NaN] }], dOpts), /group "a" value 1 is NaN/);
    await expectStatsError(() => distributionSvg(groups, { ...dOpts, referenceLines: [{ label: 'x', value: NaN }] }), /reference line "x" is NaN/);
  });
});

const pts = Array.from({ length: 30 }, (_, n) => ({ x: n / 10, y: 0.4 + 0.05 * (n / 10) + 0.02 * Math.sin(n), group: n % 2 ? 'SGD' : 'Adam' }));
const sOpts = { title: 'S_i vs accuracy gap', xLabel: 'accuracy gap (percentage points)', yLabel: 'mean S_i (L2)' };

describe('scatterSvg', () => {
  it('draws every point, a group legend and an optional trend line', async () => {
    const svg = await scatterSvg(pts, { ...sOpts, trend: true });
    checkSvg(svg, sOpts.title);
    expect(marks(svg, 'points')).toHaveLength(30);
    expect(marks(svg, 'trend')).toHaveLength(1);
    expect(legendCount(svg)).toBe(1);
    expect(svg).toContain("legend titled 'group'");
    expect(svg).toContain('n = 30 points in 2 groups');
    expect(svg).toMatch(/Pearson r = 0\.9\d/);
    expect(svg).toContain('>accuracy gap (percentage points)<');
    const plain = await scatterSvg(pts, sOpts);
    expect(marks(plain, 'trend')).toHaveLength(0);
    expect(plain).not.toContain('Pearson');
  });

  it('rejects NaN, no points and an impossible trend', async () => {
    await expectStatsError(() => scatterSvg([], sOpts), /no points/);
    await expectStatsError(() => scatterSvg([{ x: 1, y: NaN, group: 'a' }], sOpts), /point 0 y is NaN/);
    await expectStatsError(() => scatterSvg([1, 2, 3].map((y) => ({ x: 1, y, group: 'a' })), { ...sOpts, trend: true }), /share one x value/);
  });
});

const rows = [
  { label: 'LeNet-5', mean: 0.43, lo: 0.39, hi: 0.47, reference: 0.41 },
  { label: 'small CNN', mean: 0.51, lo: 0.46, hi: 0.55, reference: 0.48 },
  { label: 'wide CNN', mean: 0.31, lo: 0.29, hi: 0.34 },
];

describe('intervalSvg', () => {
  it('draws an interval and a dot per row, the reference where given, and a legend', async () => {
    const svg = await intervalSvg(rows, { title: 'Table 2', valueLabel: 'mean S_i (L2)', referenceLabel: 'paper, Table 2' });
    checkSvg(svg, 'Table 2');
    expect(marks(svg, 'ci')).toHaveLength(3);
    expect(marks(svg, 'mean')).toHaveLength(3);
    expect(marks(svg, 'reference')).toHaveLength(2);
    expect(legendCount(svg)).toBe(1);
    expect(svg).toContain('paper, Table 2');
    expect(svg).toContain('this study: mean and 95% CI');
    expect(svg).toContain('3 networks');
  });

  it('rejects bad rows', async () => {
    const o = { title: 't', valueLabel: 'v' };
    await expectStatsError(() => intervalSvg([], o), /no rows/);
    await expectStatsError(() => intervalSvg([{ label: 'a', mean: 1, lo: 2, hi: 3 }], o), /need lo ≤ mean ≤ hi/);
    await expectStatsError(() => intervalSvg([{ label: 'a', mean: NaN, lo: 0, hi: 1 }], o), /row "a" mean is NaN/);
  });
});

describe('helpers', () => {
  it('svgToPng rasterises at 2× by default', async () => {
    const svg = await intervalSvg(rows, { title: 'png', valueLabel: 'v' });
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const w = Number((svg.match(/^<svg[^>]* width="([\d.]+)"/) ?? [])[1]);
    expect(png.readUInt32BE(16)).toBe(Math.ceil(w * 2));
    expect(() => svgToPng('hello')).toThrow(FilterstudyError);
  });

  it('measures and wraps text', () => {
    expect(textWidth('iiii', 10)).toBeLessThan(textWidth('MMMM', 10));
    expect(textWidth('abc', 12, true)).toBeGreaterThan(textWidth('abc', 12));
    expect(wrap('short', 20)).toBe('short');
    expect(wrap('E_ij (L2 distance of unit-norm filters)', 22)).toEqual(['E_ij (L2 distance of', 'unit-norm filters)']);
  });
});
