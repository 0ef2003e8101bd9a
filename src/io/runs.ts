/**
 * The runs table: one row per study × seed, wide, as W&B's runs table — the study, its config
 * flattened to dotted keys (swept keys included), every network's final metrics, the epochs each
 * network ran and the seed's seconds. Built from a study folder's config.json, metrics.arrow,
 * history.arrow and seeds/seed-NNNN/seed.json; written as runs.parquet / runs.csv beside the
 * other exports (io/export.ts) and stacked across studies by `export` and `compare`.
 *
 * Its columns are declared in io/schema.ts (RUNS: the fixed ones; RUNS_COLUMN_PATTERNS: the
 * config, metric and epoch columns, named from the study). Stacked studies share one column set:
 * a column a study lacks is null there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterstudyError } from '../errors.ts';
import { toCsv, toParquet, studyIdentity, type ExportColumn, type ExportFormat } from './export.ts';
import { writeFileAtomic } from './arrow.ts';
import { RUNS, type CellValue, type RunRow } from './schema.ts';
import { readStudyTable, tableRows } from './tables.ts';

/** A config object flattened to dotted keys ('train.learningRate'); arrays stay one value. */
export function flattenConfig(o: unknown, prefix = ''): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return prefix ? { [prefix]: o } : {};
  return Object.assign({}, ...Object.entries(o as Record<string, unknown>).map(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k)));
}

/** A config value as a cell: numbers, strings and booleans as they are; arrays and objects as JSON. */
const configCell = (v: unknown): CellValue => (v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v));

/** The rows of one study folder (one per seed with metrics). */
export function runRows(dir: string): RunRow[] {
  const metricsFile = join(dir, 'metrics.arrow');
  if (!existsSync(metricsFile)) throw new FilterstudyError('E_OUTPUT', `${dir} has no metrics.arrow: no runs to tabulate`, { hint: 'run or resume the study first: filterstudy run' });
  const metrics = readStudyTable(metricsFile, 'metrics');
  const id = studyIdentity(dir, metrics.table);
  const cfgFile = join(dir, 'config.json');
  // config.json (run's folders), else the config in the tables' metadata (exported, copied folders).
  const config = existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as { config?: unknown }).config : metrics.meta.config;
  // The seeds keys plan the study (which seeds, until decided), not what a seed computes: no run's setting.
  const flat = Object.fromEntries(Object.entries(flattenConfig(config)).filter(([k]) => !k.startsWith('seeds.')).map(([k, v]) => [`config.${k}`, configCell(v)]));
  const bySeed = new Map<number, RunRow>();
  const row = (seed: number): RunRow => {
    let r = bySeed.get(seed);
    if (!r) bySeed.set(seed, (r = { study: id.study, configHash: id.configHash, seed, seconds: seedSeconds(dir, seed), values: { ...flat } }));
    return r;
  };
  for (const m of tableRows(metrics)) {
    const r = row(Number(m.seed));
    const key = `${String(m.model)}.${String(m.network)}.${String(m.split)}.${String(m.target)}`;
    r.values[`${key}.accuracy`] = m.accuracy;
    r.values[`${key}.loss`] = m.loss;
    r.values[`${String(m.model)}.train_seconds`] = m.train_seconds;
  }
  const historyFile = join(dir, 'history.arrow');
  if (existsSync(historyFile)) {
    for (const h of tableRows(readStudyTable(historyFile, 'history'))) {
      const r = bySeed.get(Number(h.seed));
      if (!r) continue; // a seed without metrics is not a finished run
      const key = `${String(h.model)}.${String(h.network)}.epochs_run`;
      r.values[key] = Math.max(Number(r.values[key] ?? 0), Number(h.epoch));
    }
  }
  return [...bySeed.values()].sort((a, b) => a.seed - b.seed);
}

/** seed.json's `seconds` (the whole seed task's wall time), or null for folders without seeds/. */
function seedSeconds(dir: string, seed: number): number | null {
  const f = join(dir, 'seeds', `seed-${String(seed).padStart(4, '0')}`, 'seed.json');
  if (!existsSync(f)) return null;
  const s = (JSON.parse(readFileSync(f, 'utf8')) as { seconds?: unknown }).seconds;
  return typeof s === 'number' ? s : null;
}

/** The columns of stacked rows: RUNS' fixed columns, then config.*, then the metric and epoch columns, each sorted. */
export function runColumns(rows: RunRow[]): ExportColumn[] {
  const fixed: ExportColumn[] = RUNS.columns.map((c) => ({ name: c.name, type: c.type === 'Int32' ? 'INT32' : c.type === 'Utf8' ? 'STRING' : 'DOUBLE', values: rows.map((r) => c.value(r)) as ExportColumn['values'] }));
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const sorted = [...names.filter((n) => n.startsWith('config.')).sort(), ...names.filter((n) => !n.startsWith('config.')).sort()];
  const dynamic = sorted.map((name): ExportColumn => {
    const values = rows.map((r) => (r.values[name] === undefined ? null : r.values[name]));
    const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
    // One type per column across stacked studies; mixed kinds (a key swept over a number and a string) as text.
    if (kinds.size === 1 && kinds.has('number')) return { name, type: 'DOUBLE', values };
    if (kinds.size === 1 && kinds.has('boolean')) return { name, type: 'BOOLEAN', values };
    return { name, type: 'STRING', values: values.map((v) => (v === null ? null : String(v))) };
  });
  return [...fixed, ...dynamic];
}

/** Writes the runs table of `dirs` (stacked in the order given) to `file` as Parquet or CSV. */
export function writeRuns(dirs: string[], file: string, format: ExportFormat): string {
  const rows = dirs.flatMap(runRows);
  const cols = runColumns(rows);
  writeFileAtomic(file, format === 'parquet' ? toParquet(cols) : toCsv(cols));
  return file;
}

/** True when `dir` holds a finished study's metrics (a runs table can be built). */
export const hasRuns = (dir: string): boolean => existsSync(join(dir, 'metrics.arrow'));
