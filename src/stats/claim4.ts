/**
 * Claim 4 (the paper's Discussion): model-2's CNNs extract features for the LSTM rather than
 * classify digits. Measured by train7 per CNN on the test split (metrics.arrow targets):
 *   digit_relabelled  digit accuracy up to the best one-to-one relabelling of the 10 outputs
 *                     (matching fitted on val): do the outputs classify digits under some names?
 *   digit_probe       linear-probe digit accuracy of the dense-128 layer: is digit information
 *                     in the features at all?
 * Per seed (CNN1 and CNN2 averaged): d_s = relabelled(model-2) − relabelled(model-1) [< 0] decides
 * the claim — model-2's CNNs classify digits clearly worse than model-1's, even allowing any
 * naming of their outputs. The probe difference is reported beside it (two-sided), as context:
 * it says whether the features still carry the digits.
 *
 * Seeds: those trained to the standard (model-2 learned the task and every network met its stop
 * rule): the claim is about a model-2 that works; a stalled model-2's CNNs classify nothing,
 * which would make the claim true for the wrong reason. The same test over all seeds is shown
 * as a secondary result. Family: claim 4 alone (see docs/statistics.md: multiplicity).
 */
import { bootstrapCI } from './bootstrap.ts';
import { NO_CI, pairedPart, type PartResult } from './claim-parts.ts';
import { mean } from './distances.ts';
import { wilcoxon } from './tests.ts';
import { fin, type SummaryOptions } from './summaries.ts';
import type { MetricRow } from './types.ts';

export const CLAIM4_TARGETS = ['digit_relabelled', 'digit_probe'] as const;

/** Per seed: mean over CNN1 and CNN2 of (model, target) test accuracy; seeds lacking a row are absent. */
export function cnnMean(metrics: MetricRow[], model: string, target: string): Map<number, number> {
  const parts = new Map<number, number[]>();
  for (const m of metrics) {
    if (m.split !== 'test' || m.model !== model || m.target !== target || (m.network !== 'cnn1' && m.network !== 'cnn2')) continue;
    parts.set(m.seed, [...(parts.get(m.seed) ?? []), m.accuracy]);
  }
  const out = new Map<number, number>();
  for (const [s, v] of parts) if (v.length === 2) out.set(s, mean(v));
  return out;
}

export interface Claim4Part {
  seeds: number[];
  part: PartResult;
  model1Mean: number | null;
  model2Mean: number | null;
}

/** d_s = target(model-2) − target(model-1) on `seeds` (those with both), tested with `alt`. */
export function claim4Part(metrics: MetricRow[], target: string, seeds: number[], alt: 'less' | 'two-sided', o: SummaryOptions, signFlip = true): Claim4Part {
  const m1 = cnnMean(metrics, 'model1', target);
  const m2 = cnnMean(metrics, 'model2', target);
  const ss = seeds.filter((s) => m1.has(s) && m2.has(s));
  const d = ss.map((s) => m2.get(s)! - m1.get(s)!);
  const b = d.length ? bootstrapCI(d, undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level, method: 'bca', expand: true }) : { estimate: NaN, ci: NO_CI(o.level) };
  let part: PartResult;
  if (alt === 'less') part = pairedPart(d, 'less', b.estimate, b.ci, signFlip);
  else part = { p: d.some((v) => v !== 0) ? wilcoxon(d).p : null, estimate: b.estimate, ci: b.ci, d, alt: 'two-sided', signFlipP: null };
  return { seeds: ss, part, model1Mean: fin(mean(ss.map((s) => m1.get(s)!))), model2Mean: fin(mean(ss.map((s) => m2.get(s)!))) };
}

/** Whether the study measured claim 4 at all (train7's metrics rows). */
export const hasClaim4Rows = (metrics: MetricRow[]): boolean => metrics.some((m) => m.target === 'digit_relabelled');
