/**
 * The short summary `filterstudy run` ends with: Table 2 (test accuracy, mean ± sd across seeds,
 * beside the paper) and the mean S_i of every comparison. Read from the combined Arrow files, so
 * it covers resumed seeds too. The full statistics are `filterstudy aggregate`'s job.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { columnGetter, readStudyTable, tableRows } from '../io/tables.ts';
import { convergenceNotes } from '../stats/convergence.ts';
import { COMPARISONS, comparisonName } from '../stats/similarity.ts';
import { studyKernels } from './kernels.ts';

export const PAPER_TABLE2: { key: string; label: string; paper: number }[] = [
  { key: 'model1.cnn1', label: 'CNN1 (model-1, digit)', paper: 0.982 },
  { key: 'model1.cnn2', label: 'CNN2 (model-1, digit)', paper: 0.983 },
  { key: 'model1.pipeline', label: 'model-1 (LSTM on CNN labels)', paper: 0.494 },
  { key: 'model2.pipeline', label: 'model-2 (end to end)', paper: 0.867 },
];

function meanSd(x: number[]): { mean: number; sd: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1)) : NaN;
  return { mean, sd };
}

const pm = (v: { mean: number; sd: number }, d = 3) => `${v.mean.toFixed(d)} ± ${Number.isNaN(v.sd) ? '—' : v.sd.toFixed(d)}`;

export function summaryText(root: string): string {
  const lines: string[] = [];
  const metricsFile = join(root, 'metrics.arrow');
  if (!existsSync(metricsFile)) return `no finished seeds in ${root}`;
  const metrics = tableRows(readStudyTable(metricsFile, 'metrics'));
  const seeds = new Set(metrics.map((r) => r.seed)).size;
  lines.push(`Table 2 — test accuracy across ${seeds} seed(s), mean ± sd (sd over seeds)`);
  lines.push(`  ${'network'.padEnd(32)}${'this study'.padEnd(18)}paper`);
  for (const row of PAPER_TABLE2) {
    const [model, network] = row.key.split('.');
    const acc = metrics.filter((r) => r.split === 'test' && r.model === model && r.network === network).map((r) => r.accuracy as number);
    lines.push(`  ${row.label.padEnd(32)}${(acc.length ? pm(meanSd(acc)) : 'n/a').padEnd(18)}${row.paper.toFixed(3)}`);
  }
  const simFile = join(root, 'similarity.arrow');
  if (existsSync(simFile)) {
    const st = readStudyTable(simFile, 'similarity');
    const t = st.table;
    const comparisonOf = columnGetter(st, 'comparison'); // version-2 folders name the rerun's comparison otherwise
    const comp = Array.from({ length: t.numRows }, (_, i) => comparisonOf(i) as string);
    const seed = t.getChild('seed')!.toArray() as Int32Array;
    const s = t.getChild('s')!.toArray() as Float64Array;
    lines.push('', 'Dissimilarity S_i = min_j ||F_i − G_j|| (raw Euclidean), mean over filters, then mean ± sd over seeds');
    for (const [ref, other] of COMPARISONS) {
      const name = comparisonName(ref, other);
      const perSeed = new Map<number, number[]>();
      for (let r = 0; r < comp.length; r++) if (comp[r] === name) perSeed.set(seed[r], [...(perSeed.get(seed[r]) ?? []), s[r]]);
      const means = [...perSeed.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
      if (means.length) lines.push(`  ${name.padEnd(34)}${pm(meanSd(means))}`);
    }
  }
  const kernels = studyKernels([root]);
  lines.push('', `kernels: ${kernels.summary}`, ...kernels.warnings.map((w) => `warning: ${w}`));
  const hist = join(root, 'history.arrow');
  if (existsSync(hist)) {
    const notes = convergenceNotes(tableRows(readStudyTable(hist, 'history')));
    if (notes.length) lines.push('', ...notes.map((n) => `  note: ${n}`));
  }
  return lines.join('\n');
}
