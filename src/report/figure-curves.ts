/**
 * Figures added for researchers' views of a study (issue #12): learning curves per network
 * (training and validation accuracy and loss per epoch, one line per seed and split) and the per-seed test accuracy of
 * several studies side by side (`filterstudy compare`). Vega-Lite specs, rendered to SVG by
 * renderSvg (figures.ts), in the shared look (CONFIG, PALETTE) of figure-specs.ts.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, REFERENCE_COLOR } from './figure-specs.ts';
import { renderSvg } from './figures.ts';

/** One epoch of one network of one seed (a history.arrow row, the columns the curves need). */
export interface CurvePoint { seed: number; network: string; epoch: number; valAccuracy: number; valLoss: number; trainAccuracy?: number; trainLoss?: number }

/** Up to this many epochs the learning curves mark each epoch with a dot. */
export const MAX_EPOCHS_WITH_DOTS = 20;

/**
 * Learning curves: rows = networks, columns = accuracy and loss, one line per seed and split
 * (colour = seed; solid = validation, dashed = training, dropout on). Two panels side by side
 * keep the SVG ~560 px wide, so that it is shown at its own size (fonts unscaled) down to an
 * 800 px window; five networks side by side were ~1,000 px and shrank the labels to ~5 px.
 * Networks are labelled by the caller, e.g. 'model-1 CNN1'.
 */
export function learningCurvesSpec(points: CurvePoint[], o: { title: string; subtitle?: string; networks: string[] }): TopLevelSpec {
  const splits = ['validation', 'training'];
  const long = points.flatMap((p) => [
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'accuracy', split: 'validation', value: p.valAccuracy },
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'loss', split: 'validation', value: p.valLoss },
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'accuracy', split: 'training', value: p.trainAccuracy ?? NaN },
    { seed: `seed ${p.seed}`, network: p.network, epoch: p.epoch, measure: 'loss', split: 'training', value: p.trainLoss ?? NaN },
  ]).filter((r) => Number.isFinite(r.value));
  // A dot per epoch helps read a few epochs; over many (Table 1: 100) dots hide the lines and make
  // the SVG megabytes (the findings commit it).
  const dots = Math.max(0, ...points.map((p) => p.epoch)) <= MAX_EPOCHS_WITH_DOTS;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG as never,
    title: o.subtitle ? { text: o.title, subtitle: [o.subtitle] } : { text: o.title },
    data: { values: long },
    facet: {
      row: { field: 'network', type: 'nominal', title: null, sort: o.networks, header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelFontWeight: 'bold' } },
      column: { field: 'measure', type: 'nominal', title: null, sort: ['accuracy', 'loss'] },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    spec: {
      width: 220,
      height: 110,
      layer: [
        {
          name: 'curves',
          mark: { type: 'line', point: dots ? { size: 14 } : false, strokeWidth: 1.4, opacity: 0.85 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { zero: false } },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            color: { field: 'seed', type: 'nominal', title: 'seed', legend: { orient: 'bottom', direction: 'horizontal', columns: 6 } },
            strokeDash: { field: 'split', type: 'nominal', title: null, sort: splits, scale: { domain: splits, range: [[1, 0], [4, 3]] }, legend: { orient: 'bottom', direction: 'horizontal' } },
            detail: { field: 'split' },
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
