/**
 * Claim 1 seed by seed, as rliable (Agarwal et al. 2021, "Deep reinforcement learning at the edge
 * of the statistical precipice") reports runs, beside the verdict on the mean difference (which
 * stays the decision, verdicts.ts). Model-2's outcomes are bimodal (it learns, ≈ 0.9, or stalls,
 * ≈ 0.1): a mean then mixes "how often" with "by how much", and these two numbers separate them.
 *
 * - Probability of improvement P(X₂ > X₁): the chance that model-2's pipeline beats model-1's on
 *   a random seed, paired by seed (both models of one seed are compared, as claim 1's d_s), ties
 *   count 1/2: P̂ = (wins + ties/2) / n. Unlike the mean difference, one stalled seed moves it by
 *   1/n however far it fell. (rliable pairs every run of one algorithm with every run of the
 *   other; here seeds pair the two models, as in claim 1's test.)
 * - Its CI: percentile bootstrap over seeds (rliable's interval), seeded. With k of n seeds
 *   favouring one model it cannot reach beyond the observed extremes (6 of 6 wins: [1, 1]),
 *   so a conservative exact interval is given beside it: Clopper–Pearson with ties counted as
 *   losses for the lower bound and as wins for the upper one.
 * - The accuracy profile: per model, the fraction of seeds whose third-term test accuracy exceeds
 *   τ, over τ (1 − ECDF; rliable's performance profile), drawn by the report (report/figures.ts
 *   profileSvg). Its data are the per-seed accuracies kept here.
 */
import { FilterstudyError } from '../errors.ts';
import { bootstrapCI } from './bootstrap.ts';
import { clopperPearson } from './tests.ts';
import type { Claim1Profile, Interval, ProbabilityOfImprovement } from './types.ts';

/** P(X₂ > X₁) over seeds paired by index, ties 1/2, with its bootstrap and exact CIs. */
export function probabilityOfImprovement(x1: number[], x2: number[], o: { reps: number; seed: number; level: number }): ProbabilityOfImprovement {
  if (x1.length !== x2.length) {
    throw new FilterstudyError('E_STATS', `probabilityOfImprovement: ${x1.length} model-1 accuracies against ${x2.length} model-2 accuracies`, { hint: 'pass one accuracy per seed for each model, in the same seed order' });
  }
  const n = x1.length;
  // Per seed: 1 = model-2 better, 1/2 = tie, 0 = model-1 better; P̂ is their mean.
  const score = x1.map((a, i) => (x2[i] > a ? 1 : x2[i] === a ? 0.5 : 0));
  const wins = score.filter((v) => v === 1).length;
  const ties = score.filter((v) => v === 0.5).length;
  const none: Interval = { lo: null, hi: null, level: o.level, method: 'none' };
  if (n === 0) return { estimate: null, ci: none, exactCi: none, wins, ties, losses: 0, n };
  const b = bootstrapCI(score, undefined, { reps: o.reps, seed: o.seed, level: o.level, method: 'percentile' });
  const lo = clopperPearson(wins, n, o.level).lo;
  const hi = clopperPearson(wins + ties, n, o.level).hi;
  return {
    estimate: b.estimate,
    ci: b.ci,
    exactCi: { lo, hi, level: o.level, method: 'clopper-pearson (ties as losses / as wins)' },
    wins, ties, losses: n - wins - ties, n,
  };
}

/** The profile of claim 1 on all seeds with both pipelines' test accuracy (stalled ones included: the point). */
export function claim1Profile(seeds: number[], acc1: Map<number, number>, acc2: Map<number, number>, o: { reps: number; seed: number; level: number }): Claim1Profile {
  const model1 = seeds.map((s) => acc1.get(s)!);
  const model2 = seeds.map((s) => acc2.get(s)!);
  return { seeds: [...seeds], model1, model2, probabilityOfImprovement: probabilityOfImprovement(model1, model2, o) };
}
