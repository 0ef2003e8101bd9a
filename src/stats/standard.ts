/**
 * Which seeds a verdict may use, and how many of them trained to the standard.
 *
 * - ONNX export check: each seed's seed.json records the exported graph (run by onnxruntime)
 *   against the trainer's own forward pass on every test pair (`exportVsTrainer`; older files
 *   `onnxVsTfjs`): on the onnxruntime engine its own forward graphs, tfjs only on the tfjs engines.
 *   A seed with a decisive argmax mismatch (one whose top-two gap exceeds the tolerance, not a
 *   near-tie) or max |Δp| ≥ 1e-5 has metrics (computed from the export) that may not be those of the
 *   trained network: it is flagged in the report and left out of every statistic and verdict.
 * - "Learned the task": model-2's test accuracy on the third term ≥ LEARNED_THRESHOLD.
 * - "Trained to the standard" (defined once, src/stats/README.md): every network of the seed that
 *   records a stop rule met it (metrics.arrow met_stop_rule, train7's column) and model-2 learned
 *   the task. Studies without the stop-rule columns (all null): the stop rule is unknown and only
 *   "learned" is checked (LearnedStats.stopRuleRecorded = false says so).
 */
import { clopperPearson } from './tests.ts';
import type { LearnedStats, OnnxCheck, SeedAgreement, StudyData } from './types.ts';

/** Model-2 "learned the task" at test accuracy ≥ 0.5: the measured outcomes are two clusters,
 *  the plateau (~0.09–0.10, the commonest third terms; ~0.35 in the 3-epoch quick preset) and
 *  trained (0.85–0.92); 0.5 lies in the empty gap and above anything the plateau reaches. */
export const LEARNED_THRESHOLD = 0.5;

/** Export vs the trainer's forward pass: a decisive argmax mismatch (top-two gap above this), or max
 *  |Δp| at or above this, flags a seed (a tiny onnxruntime-engine run measured max |Δp| 7.5e-9). */
export const ONNX_TOLERANCE = 1e-5;

/** Argmax mismatches that count: those beyond a near-tie; old records (no gaps recorded) count them all. */
const counted = (a: SeedAgreement): number => a.decisiveMismatches ?? a.argmaxMismatches;
const disagrees = (a: SeedAgreement): boolean => !(counted(a) === 0 && a.maxAbsDiff < ONNX_TOLERANCE);

export function onnxCheck(data: StudyData): OnnxCheck {
  const out: OnnxCheck = { recorded: data.agreement !== undefined, tolerance: ONNX_TOLERANCE, trainers: [], checked: [], flagged: [], leftOut: [], nearTies: 0, unknown: [] };
  if (!data.agreement) return out;
  const trainers = new Set<string>();
  for (const s of data.seeds) {
    const rec = data.agreement[s];
    if (!rec || !Object.keys(rec).length) {
      out.unknown.push(s);
      continue;
    }
    out.checked.push(s);
    for (const [model, a] of Object.entries(rec)) {
      trainers.add(a.trainer ?? 'unknown');
      out.nearTies += a.decisiveMismatches === null ? 0 : a.argmaxMismatches - a.decisiveMismatches;
      if (disagrees(a)) {
        out.flagged.push({ seed: s, model, trainer: a.trainer, argmaxMismatches: a.argmaxMismatches, decisiveMismatches: a.decisiveMismatches, maxAbsDiff: Number.isFinite(a.maxAbsDiff) ? a.maxAbsDiff : null });
      }
    }
  }
  out.trainers = [...trainers].sort();
  out.leftOut = [...new Set(out.flagged.map((f) => f.seed))];
  return out;
}

/** What the check compared, in words: "the exported ONNX graphs against the trainer's forward pass (onnxruntime)". */
export function exportCheckSubject(c: OnnxCheck): string {
  return `the exported ONNX graphs against the trainer's forward pass${c.trainers.length ? ` (${c.trainers.join(', ')})` : ''}`;
}

/** The study without the given seeds (filters, metrics, similarity rows and agreement). */
export function withoutSeeds(data: StudyData, drop: number[]): StudyData {
  if (!drop.length) return data;
  const d = new Set(drop);
  return {
    ...data,
    seeds: data.seeds.filter((s) => !d.has(s)),
    filters: data.filters.filter((f) => !d.has(f.seed)),
    metrics: data.metrics.filter((m) => !d.has(m.seed)),
    similarity: data.similarity.filter((r) => !d.has(r.seed)),
  };
}

/**
 * Model-2's learned fraction (Clopper–Pearson CI) and each seed's standard. met_stop_rule per
 * seed: false if any network's row says false, true if some say true and none false, null if no
 * row records it (model-2's cnn1/cnn2 digit rows carry null by design and are ignored).
 */
export function learnedStats(data: StudyData, threshold = LEARNED_THRESHOLD, level = 0.95): LearnedStats {
  const acc = new Map<number, number>();
  const met = new Map<number, boolean | null>();
  let recorded = false;
  for (const m of data.metrics) {
    if (m.model === 'model2' && m.network === 'pipeline' && m.target === 'third' && m.split === 'test') acc.set(m.seed, m.accuracy);
    // null: not recorded (older files) or no rule of its own (model-2's CNN rows).
    if (m.metStopRule === undefined || m.metStopRule === null) continue;
    recorded = true;
    const prev = met.get(m.seed);
    met.set(m.seed, prev === false ? false : m.metStopRule);
  }
  const perSeed = data.seeds
    .filter((s) => acc.has(s))
    .map((s) => {
      const accuracy = acc.get(s)!;
      const learned = accuracy >= threshold;
      const metStopRule = met.has(s) ? met.get(s)! : null;
      return { seed: s, accuracy, learned, metStopRule, standard: learned && metStopRule !== false && (!recorded || metStopRule === true) };
    });
  const k = perSeed.filter((p) => p.learned).length;
  const n = perSeed.length;
  const ci = n ? clopperPearson(k, n, level) : null;
  return {
    threshold,
    stopRuleRecorded: recorded,
    k,
    n,
    fraction: n ? k / n : null,
    ci: ci ? { lo: ci.lo, hi: ci.hi, level, method: 'clopper-pearson' } : { lo: null, hi: null, level, method: 'none' },
    perSeed,
    standardSeeds: perSeed.filter((p) => p.standard).map((p) => p.seed),
  };
}
