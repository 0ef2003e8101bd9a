/**
 * Figures added for researchers' views of a study (issue #12): learning curves per network
 * (validation accuracy and loss per epoch, one line per seed) and the per-seed test accuracy of
 * several studies side by side (`filterstudy compare`). Vega-Lite specs, rendered to SVG by
 * renderSvg (figures.ts), in the shared look (CONFIG, PALETTE) of figure-specs.ts.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, REFERENCE_COLOR } from './figure-specs.ts';
import { renderSvg } from './figures.ts';

/** One epoch of one network of one seed (a history.arrow row, the columns the curves need). */
export interface CurvePoint { seed: number; network: string; epoch: number; valAccuracy: number; valLoss: number }

/**
 * Learning curves: rows = validation accuracy and validation loss, columns = networks, one line
 * per seed (seeds overlaid; colour = seed). Networks are labelled by the caller, e.g. 'model-1 CNN1'.
 */
export function learningCurvesSpec(points: CurvePoint[], o: { title: string; subtitle?: string; networks: string[] }): TopLevelSpec {
  const long = points.flatMap((p) => [
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'val accuracy', value: p.valAccuracy },
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'val loss', value: p.valLoss },
  ]).filter((r) => Number.isFinite(r.value));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG as never,
    title: o.subtitle ? { text: o.title, subtitle: [o.subtitle] } : { text: o.title },
    data: { values: long },
    facet: {
      row: { field: 'measure', type: 'nominal', title: null, sort: ['val accuracy', 'val loss'] },
      column: { field: 'network', type: 'nominal', title: null, sort: o.networks },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    spec: {
      width: 170,
      height: 120,
      layer: [
        {
          name: 'curves',
          mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.4, opacity: 0.85 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { zero: false } },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            color: { field: 'seed', type: 'nominal', title: 'seed', legend: { orient: 'bottom', direction: 'horizontal' } },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

export async function learningCurvesSvg(points: CurvePoint[], o: { title: string; subtitle?: string; networks: string[] }): Promise<string> {
  if (!points.length) throw new Error('learning curves: no history rows');
  return renderSvg(learningCurvesSpec(points, o));
}

/** One seed's test accuracy of one network in one study. */
export interface ComparePoint { study: string; network: string; seed: number; accuracy: number }

/**
 * Studies side by side: one panel per network, studies on the x axis, one dot per seed, a black
 * tick at the mean, and the paper's value as a dashed line.
 */
export function compareAccuracySpec(points: ComparePoint[], o: { title: string; studies: string[]; networks: string[]; paper: Record<string, number> }): TopLevelSpec {
  // The paper's value rides on every row (a layer with its own data would lose the facet field).
  const values = points.map((p) => ({ ...p, paper: Number.isFinite(o.paper[p.network]) ? o.paper[p.network] : null }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG as never,
    title: { text: o.title, subtitle: ['dots: seeds; tick: mean over seeds; dashed: the paper’s value'] },
    data: { values },
    facet: { column: { field: 'network', type: 'nominal', title: null, sort: o.networks } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: { step: 46 },
      height: 200,
      layer: [
        {
          name: 'seeds',
          mark: { type: 'point', filled: true, size: 36, opacity: 0.7 },
          encoding: {
            x: { field: 'study', type: 'nominal', title: null, sort: o.studies, axis: { labelAngle: -35, labelLimit: 160 } },
            y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } },
            color: { field: 'study', type: 'nominal', legend: null, sort: o.studies },
          },
        },
        {
          name: 'means',
          mark: { type: 'tick', color: 'black', thickness: 2, size: 24 },
          encoding: {
            x: { field: 'study', type: 'nominal', sort: o.studies },
            y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative' },
          },
        },
        {
          name: 'paper',
          mark: { type: 'rule', color: REFERENCE_COLOR, strokeDash: [5, 4] },
          encoding: { y: { aggregate: 'max', field: 'paper', type: 'quantitative' } },
        },
      ],
    },
  } as TopLevelSpec;
}

export async function compareAccuracySvg(points: ComparePoint[], o: { title: string; studies: string[]; networks: string[]; paper: Record<string, number> }): Promise<string> {
  if (!points.length) throw new Error('compare: no accuracies');
  return renderSvg(compareAccuracySpec(points, o));
}
