/**
 * Claim 3 (model-2's filters have model-1 counterparts; model-2's two CNNs resemble each other)
 * on one yardstick (yardsticks.ts) and one set of seeds. Parts, claimed direction < 0:
 *   (a) d_s = mean S(model-2 CNNk → all 2F model-1 filters, same seed) − the same against model-1
 *       of every other seed (tested only with train.sharedInit; see PART_A_DESCRIPTIVE_NOTE);
 *   (b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2).
 * Both parts' groups are indexed by the same reference filters per seed ([2F]: CNN1's then
 * CNN2's), so their CIs come from the paired hierarchical bootstrap.
 */
import { hierarchicalBootstrap } from './bootstrap.ts';
import { NO_CI, pairedPart, type PartResult } from './claim-parts.ts';
import { bothWays, concatSeeds } from './claim2.ts';
import { mean } from './distances.ts';
import { fin, type FilterIndex, type SummaryOptions } from './summaries.ts';
import { yardstickS, type Yardstick } from './yardsticks.ts';

export interface Claim3Result {
  partA: PartResult;
  partB: PartResult;
  /** The p that enters Holm: max(p_a, p_b) with sharedInit (intersection–union), else p_b. */
  p: number | null;
  /** Part (a) could be computed (≥ 2 seeds for the cross-seed control). */
  hasA: boolean;
  numbers: Record<string, number | null>;
}

/** Per seed s: S of ref(s) → other(b) on the yardstick, averaged over all b ≠ s, per filter. */
function crossSeed(idx: FilterIndex, seeds: number[], ref: string, other: string, y: Yardstick): Float64Array[] {
  return seeds.map((s) => {
    const a = idx.weights(s, ref);
    const acc = new Float64Array(a.length);
    for (const b of seeds) {
      if (b === s) continue;
      const r = yardstickS(a, idx.weights(b, other), y);
      for (let i = 0; i < acc.length; i++) acc[i] += r[i] / (seeds.length - 1);
    }
    return acc;
  });
}

export function claim3(idx: FilterIndex, seeds: number[], o: SummaryOptions & { yardstick: Yardstick; sharedInit: boolean; descriptive: boolean }): Claim3Result {
  const y = o.yardstick;
  const noCi = NO_CI(o.level);
  const boot = (groups: Float64Array[][]): { estimate: number; ci: typeof noCi } =>
    groups[0].length ? hierarchicalBootstrap(groups, (m) => m[0] - m[1], { reps: o.reps, seed: o.bootstrapSeed, level: o.level, paired: true }) : { estimate: NaN, ci: noCi };
  const toModel1 = (ss: number[]): Float64Array[] =>
    concatSeeds(ss.map((s) => yardstickS(idx.weights(s, 'model2.cnn1'), idx.weights(s, 'model1'), y)), ss.map((s) => yardstickS(idx.weights(s, 'model2.cnn2'), idx.weights(s, 'model1'), y)));
  const m2m1 = toModel1(seeds);
  const needA = o.sharedInit || o.descriptive;
  const ctrl = needA && seeds.length >= 2 ? concatSeeds(crossSeed(idx, seeds, 'model2.cnn1', 'model1', y), crossSeed(idx, seeds, 'model2.cnn2', 'model1', y)) : [];
  const bA = ctrl.length ? boot([m2m1, ctrl]) : { estimate: NaN, ci: noCi };
  const dA = ctrl.length ? seeds.map((_, s) => mean(m2m1[s]) - mean(ctrl[s])) : [];
  const partA = pairedPart(dA, 'less', bA.estimate, bA.ci, o.descriptive);
  const m2pair = bothWays(idx, seeds, 'model2.cnn1', 'model2.cnn2', y);
  const m1pair = bothWays(idx, seeds, 'model1.cnn1', 'model1.cnn2', y);
  const bB = boot([m2pair, m1pair]);
  const dB = seeds.map((_, s) => mean(m2pair[s]) - mean(m1pair[s]));
  const partB = pairedPart(dB, 'less', bB.estimate, bB.ci, o.descriptive);
  const hasA = dA.length > 0;
  const p = o.sharedInit
    ? partA.p === null || partB.p === null || !hasA ? null : Math.max(partA.p, partB.p)
    : seeds.length ? partB.p : null;
  return {
    partA, partB, p, hasA,
    numbers: {
      meanSModel2ToModel1: fin(mean(m2m1.map((g) => mean(g)))),
      meanSCrossSeedControl: ctrl.length ? fin(mean(ctrl.map((g) => mean(g)))) : null,
      meanSModel2Pair: fin(mean(m2pair.map((g) => mean(g)))),
      meanSModel1Pair: fin(mean(m1pair.map((g) => mean(g)))),
    },
  };
}
