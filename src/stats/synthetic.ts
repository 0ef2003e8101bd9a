/**
 * Synthetic studies with a known answer, for tests and for trying the report without training.
 *
 * 'paper'       model-1's CNN1 (A) and CNN2 (B) independent; both model-2 CNNs = A + small noise;
 *               model-2 more accurate. All three claims true.
 * 'identical'   CNN2 of model-1 = CNN1's filters, permuted (same filters) → claim 2 false.
 * 'independent' all four CNNs independent random filters → claim 2 true, claim 3 has no effect.
 *
 * Every mode also writes the noise floor (model-1 CNN1's rerun 'cnn1_rerun' = A + N(0, rerunNoise) per
 * weight; noiseFloor: false leaves it out), the stop-rule fields (all met), and claim 4's rows:
 * relabelled and probe digit accuracy of each CNN, model-2's relabelled far below model-1's in
 * 'paper' (claim 4 true), equal in the other modes.
 *
 * sharedInit (recorded as config.train.sharedInit, which decides whether claim 3 part (a) is
 * tested; default true for 'paper' and 'identical', false for 'independent'):
 *   true   model-2's CNNs start from model-1's initial weights (init rows = model-1's), so a
 *          same-seed link between model-2 and model-1 is possible: in 'paper'/'identical' the
 *          model-2 CNNs are copies of the same seed's A (part (a) true); in 'independent' they
 *          are trained (independent noise) from model-1's inits.
 *   false  no shared random stream: in 'paper'/'identical' both model-2 CNNs are copies of an own
 *          trained set E (independent of A), so model-2's CNNs are alike (part (b) true) but the
 *          same-seed model-1 is no closer than another seed's (part (a) false by construction).
 */
import { makeRng } from '../rng.ts';
import { glorotFilters } from './baselines.ts';
import type { FilterSet, MetricRow, ModelName, NetworkName, StudyData } from './types.ts';

export interface SyntheticOptions {
  seeds: number;
  mode: 'paper' | 'identical' | 'independent';
  filters?: number; // 16
  kernelSize?: number; // 3
  noise?: number; // sd of the model-2 copy noise, 0.01
  seed?: number;
  /** See above; default mode !== 'independent'. */
  sharedInit?: boolean;
  /** Write model-1 CNN1's rerun (the noise floor); default true. */
  noiseFloor?: boolean;
  /** sd per weight of the rerun around A (default 0.03: well below the A–B distance). */
  rerunNoise?: number;
}

export function makeSyntheticStudy(o: SyntheticOptions): StudyData {
  const F = o.filters ?? 16;
  const K = o.kernelSize ?? 3;
  const noise = o.noise ?? 0.01;
  const sharedInit = o.sharedInit ?? o.mode !== 'independent';
  const rng = makeRng(o.seed ?? 0, `synthetic:${o.mode}`);
  const filters: FilterSet[] = [];
  const metrics: MetricRow[] = [];
  // "Trained" filters: initial Glorot draws moved by training (N(0, 0.15) per weight).
  const trainedFrom = (init: Float32Array[]): Float32Array[] => init.map((f) => f.map((v) => v + 0.15 * rng.normal()));
  const jitter = (w: Float32Array[]): Float32Array[] => w.map((f) => f.map((v) => v + noise * rng.normal()));
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  for (const seed of seeds) {
    const inits = Array.from({ length: 4 }, () => glorotFilters(K, F, rng));
    const A = trainedFrom(inits[0]);
    const B = o.mode === 'identical' ? [...A].reverse().map((f) => Float32Array.from(f)) : trainedFrom(inits[1]);
    const init2 = sharedInit ? [inits[0], inits[1]] : [inits[2], inits[3]];
    let C: Float32Array[];
    let D: Float32Array[];
    if (o.mode === 'independent') {
      C = trainedFrom(init2[0]);
      D = trainedFrom(init2[1]);
    } else {
      const base = sharedInit ? A : trainedFrom(inits[2]); // E: model-2's own solution
      C = jitter(base);
      D = jitter(base);
    }
    const sets: [ModelName, NetworkName, Float32Array[], Float32Array[]][] = [
      ['model1', 'cnn1', A, inits[0]],
      ['model1', 'cnn2', B, inits[1]],
      ['model2', 'cnn1', C, init2[0]],
      ['model2', 'cnn2', D, init2[1]],
    ];
    for (const [model, network, trained, init] of sets) {
      const bias = Float32Array.from({ length: F }, () => 0.05 * rng.normal());
      filters.push({ seed, model, network, stage: 'trained', weights: trained, bias });
      filters.push({ seed, model, network, stage: 'init', weights: init, bias: new Float32Array(F) });
    }
    if (o.noiseFloor ?? true) {
      const rerun = A.map((f) => f.map((v) => v + (o.rerunNoise ?? 0.03) * rng.normal()));
      filters.push({ seed, model: 'model1', network: 'cnn1_rerun', stage: 'trained', weights: rerun, bias: new Float32Array(F) });
    }
    const stop = { epochsRun: 10, bestEpoch: 8, stopReason: 'plateau', metStopRule: true };
    const row = (model: string, network: string, target: string, accuracy: number): MetricRow => ({
      seed, model, network, split: 'test', target, accuracy, loss: 1 - accuracy, n: 5000, trainSeconds: 1, backend: 'synthetic',
      ...stop, ...(model === 'model2' && network !== 'pipeline' ? { metStopRule: null } : {}),
    });
    const rel2 = o.mode === 'paper' ? 0.35 : 0.97;
    metrics.push(
      row('model1', 'cnn1', 'digit', 0.982 + 0.002 * rng.normal()),
      row('model1', 'cnn2', 'digit', 0.983 + 0.002 * rng.normal()),
      row('model1', 'pipeline', 'third', 0.494 + 0.02 * rng.normal()),
      row('model2', 'pipeline', 'third', 0.867 + 0.02 * rng.normal()),
    );
    for (const network of ['cnn1', 'cnn2']) {
      metrics.push(
        row('model1', network, 'digit_relabelled', 0.975 + 0.003 * rng.normal()),
        row('model2', network, 'digit_relabelled', rel2 + 0.03 * rng.normal()),
        row('model1', network, 'digit_probe', 0.97 + 0.003 * rng.normal()),
        row('model2', network, 'digit_probe', 0.95 + 0.005 * rng.normal()),
      );
    }
  }
  return {
    sources: ['synthetic'],
    configHash: `synthetic-${o.mode}`,
    config: { synthetic: o, train: { sharedInit } },
    kernelSize: K,
    numFilters: F,
    seeds,
    filters,
    metrics,
    similarity: [],
  };
}
