/**
 * Study folders for tests, written by the real writer (io/outputs.ts): StudyData (e.g. a synthetic
 * study) → rows typed by io/schema.ts → writeSeed / seedTableBytes. No table is built here.
 */
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../src/io/arrow.ts';
import { prepareStudyDir, seedDirName, seedTableBytes, writeSeed, type StudyMeta, type StudyPaths } from '../src/io/outputs.ts';
import type { FilterRow, HistoryRow, SeedTables } from '../src/io/schema.ts';
import type { MetaInput } from '../src/io/tables.ts';
import type { StudyData } from '../src/io/study-data.ts';

/** The rows of `seeds` of `data`, as the writer takes them (synthetic studies have no history: `history` gives some). */
export function studyRows(data: StudyData, seeds: ReadonlySet<number>, history: readonly HistoryRow[] = []): SeedTables {
  const filters: FilterRow[] = data.filters.filter((s) => seeds.has(s.seed)).flatMap((s) =>
    s.weights.map((weights, filterIndex) => ({ seed: s.seed, model: s.model, network: s.network, stage: s.stage, filterIndex, weights, bias: s.bias[filterIndex] })));
  return {
    filters,
    metrics: data.metrics.filter((m) => seeds.has(m.seed)),
    history: history.filter((h) => seeds.has(h.seed)),
    similarity: data.similarity.filter((r) => seeds.has(r.seed)),
  };
}

/** The study's config with the kernel size the writer needs (synthetic configs carry none). */
function configOf(data: StudyData, extra: Record<string, unknown> = {}): StudyMeta['config'] {
  const c = (data.config ?? {}) as Record<string, unknown>;
  return { ...c, ...extra, model: { ...(c.model as object | undefined), kernelSize: data.kernelSize } } as unknown as StudyMeta['config'];
}

/**
 * The four tables of `seeds` of `data` (default all) in `dir` itself, as one unit (a folder
 * without seeds/, as an exported or copied study): the same bytes the writer gives a seed folder.
 */
export function writeStudyFiles(dir: string, data: StudyData, o: { seeds?: number[]; metadata?: MetaInput } = {}): void {
  ensureDir(dir);
  const meta: MetaInput = { configHash: data.configHash, config: data.config, ...o.metadata };
  for (const [name, bytes] of seedTableBytes(studyRows(data, new Set(o.seeds ?? data.seeds)), data.kernelSize, meta)) writeFileAtomic(join(dir, name), bytes);
}

/**
 * A study folder as `run` lays it out, by prepareStudyDir and writeSeed: config.json planning
 * `planned` (default: the seeds' range; with untilDecided, maxCount: a study run until decided), seeds/seed-NNNN/ with the tables and seed.json for each of
 * `seeds`; `backend` overrides the metrics' backend; `study` names the study (default 'synthetic');
 * `history` gives history.arrow rows (each seed gets its own).
 */
export function writeSeedFolders(root: string, data: StudyData, o: { seeds?: number[]; planned?: { start: number; count: number; untilDecided?: boolean; maxCount?: number | null }; backend?: string; study?: string; history?: HistoryRow[] } = {}): StudyPaths {
  const seeds = o.seeds ?? data.seeds;
  const planned = o.planned ?? { start: Math.min(...seeds), count: Math.max(...seeds) - Math.min(...seeds) + 1 };
  const paths: StudyPaths = { root, seeds: join(root, 'seeds'), failed: join(root, 'failed'), config: join(root, 'config.json'), quarantine: join(root, 'quarantine') };
  const meta: StudyMeta = {
    study: o.study ?? 'synthetic', configHash: data.configHash ?? '', config: configOf(data, { seeds: planned }), versions: {},
    hashInputs: { backend: o.backend ?? 'synthetic', data: [] }, data: null,
  };
  prepareStudyDir(paths, meta);
  for (const seed of seeds) {
    const tables = studyRows(data, new Set([seed]), o.history);
    if (o.backend !== undefined) tables.metrics = tables.metrics.map((m) => ({ ...m, backend: o.backend! }));
    const backend = tables.metrics[0]?.backend ?? 'synthetic';
    writeSeed(paths, {
      seed, backend, tables, onnx: {},
      record: { backendNotes: [], kernels: [], kernelPaths: null, seconds: 0, trainSeconds: {}, claim4Seconds: null, exportVsTrainer: data.agreement?.[seed] ?? null },
    }, meta);
  }
  return paths;
}

export { seedDirName };
