/**
 * Table 2 across seeds: the paper's four rows (with its values) and every other (model, network,
 * target) measured on the test split, each with mean, SD and an expanded-BCa CI over seeds.
 */
import { bootstrapCI } from './bootstrap.ts';
import { mean, sd } from './distances.ts';
import { netLabel } from './format.ts';
import { fin, type SummaryOptions } from './summaries.ts';
import type { StudyData, Table2Row } from './types.ts';

const PAPER_TABLE2 = [
  { key: 'CNN1', label: 'CNN1', diagnostic: false, model: 'model1', network: 'cnn1', target: 'digit', paper: 0.982 },
  { key: 'CNN2', label: 'CNN2', diagnostic: false, model: 'model1', network: 'cnn2', target: 'digit', paper: 0.983 },
  { key: 'model-1', label: 'model-1', diagnostic: false, model: 'model1', network: 'pipeline', target: 'third', paper: 0.494 },
  { key: 'model-2', label: 'model-2', diagnostic: false, model: 'model2', network: 'pipeline', target: 'third', paper: 0.867 },
];

/** Label of a Table 2 row outside the paper's four. model-2's CNNs are trained end to end on the
 *  third term only and never see a digit label: their digit (argmax) accuracy is a diagnostic. */
function rowLabel(model: string, network: string, target: string): { label: string; diagnostic: boolean } {
  if (model === 'model2' && target === 'digit') return { label: `${netLabel(`${model}.${network}`)} (diagnostic: never trained on digits)`, diagnostic: true };
  // Claim 4's measurements: descriptive rows, not a classifier trained on their target.
  if (target === 'digit_relabelled') return { label: `${netLabel(`${model}.${network}`)} (digits, best relabelling of its outputs)`, diagnostic: true };
  if (target === 'digit_probe') return { label: `${netLabel(`${model}.${network}`)} (digits, linear probe on its dense layer)`, diagnostic: true };
  return { label: `${model}.${network}.${target}`, diagnostic: false };
}

export function table2(data: StudyData, o: SummaryOptions): Table2Row[] {
  const test = data.metrics.filter((m) => m.split === 'test');
  type Key = { key: string; label: string; diagnostic: boolean; model: string; network: string; target: string; paper: number | null };
  const keys = new Map<string, Key>();
  for (const p of PAPER_TABLE2) keys.set(`${p.model}|${p.network}|${p.target}`, p);
  for (const m of test) {
    const id = `${m.model}|${m.network}|${m.target}`;
    if (!keys.has(id)) keys.set(id, { key: `${m.model}.${m.network}.${m.target}`, ...rowLabel(m.model, m.network, m.target), model: m.model, network: m.network, target: m.target, paper: null });
  }
  const rows: Table2Row[] = [];
  for (const k of keys.values()) {
    const perSeed = test
      .filter((m) => m.model === k.model && m.network === k.network && m.target === k.target)
      .map((m) => ({ seed: m.seed, accuracy: m.accuracy }))
      .sort((a, b) => a.seed - b.seed);
    if (!perSeed.length) continue;
    const acc = perSeed.map((p) => p.accuracy);
    const b = bootstrapCI(acc, undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level, method: 'bca', expand: true });
    rows.push({ ...k, split: 'test', n: acc.length, mean: mean(acc), sd: fin(sd(acc)), ci: b.ci, perSeed });
  }
  return rows;
}
