/**
 * Read the Arrow outputs of one or more out/<study> folders into StudyData.
 *
 * Pooling several folders is only valid when they trained the same thing: every file's schema
 * metadata 'filterstudy' must carry the same configHash (the hash covers everything that changes
 * what a seed computes, not the seed list), and no seed may appear in two folders (it would be
 * counted twice). Anything else is an E_OUTPUT error naming the file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterstudyError } from '../errors.ts';
import { trainerForwardPass } from '../ml/engine.ts';
import { WEIGHT_COLUMN, weightColumns, type SeedRecordField, type FileMeta, type MetricRow, type ModelName, type NetworkName, type SeedTableName, type SimilarityRow, type Stage } from './schema.ts';
import type { FilterSet, SeedAgreement, StudyData } from './study-data.ts';
import { columnGetter, readStudyTable, type StudyTable } from './tables.ts';

/** A study table, read and validated against io/schema.ts; null when it is optional and absent. */
function readTable(path: string, name: SeedTableName, required: boolean): StudyTable | null {
  if (!existsSync(path)) {
    if (!required) return null;
    throw new FilterstudyError('E_OUTPUT', `${path} is missing`, { hint: 'run the study first (filterstudy run), or point to its out/<study> folder' });
  }
  // An empty or truncated file is named as such (not, later, as a config-hash mismatch).
  return readStudyTable(path, name);
}

const configHashOf = (m: FileMeta): string | null => (typeof m.configHash === 'string' ? m.configHash : null);

const num = (v: unknown): number => v as number;

function parseFilters(f: StudyTable): { sets: FilterSet[]; k: number; nf: number } {
  const k = Math.round(Math.sqrt(f.spec.columns.filter((c) => WEIGHT_COLUMN.test(c.name)).length)); // validated: K·K columns
  const column = (n: string) => columnGetter(f, n);
  const cols = weightColumns(k).map(column);
  const seed = column('seed');
  const model = column('model');
  const network = column('network');
  const stage = column('stage');
  const filter = column('filter_index');
  const bias = column('bias');
  const groups = new Map<string, { key: [number, string, string, string]; rows: Map<number, { w: Float32Array; b: number }> }>();
  for (let i = 0; i < f.table.numRows; i++) {
    const key: [number, string, string, string] = [num(seed(i)), String(model(i)), String(network(i)), String(stage(i))];
    const id = key.join('|');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, rows: new Map() }));
    const fi = num(filter(i));
    if (g.rows.has(fi)) throw new FilterstudyError('E_OUTPUT', `${f.path}: filter ${fi} of ${key.join('/')} appears twice`);
    g.rows.set(fi, { w: Float32Array.from(cols, (c) => num(c(i))), b: num(bias(i)) });
  }
  let nf = -1;
  const sets: FilterSet[] = [];
  for (const { key, rows } of groups.values()) {
    if (nf < 0) nf = rows.size;
    if (rows.size !== nf) throw new FilterstudyError('E_OUTPUT', `${f.path}: ${key.join('/')} has ${rows.size} filters, others ${nf}`);
    const weights: Float32Array[] = [];
    const b = new Float32Array(nf);
    for (let j = 0; j < nf; j++) {
      const r = rows.get(j);
      if (!r) throw new FilterstudyError('E_OUTPUT', `${f.path}: ${key.join('/')} lacks filter ${j}`);
      weights.push(r.w);
      b[j] = r.b;
    }
    sets.push({ seed: key[0], model: key[1] as ModelName, network: key[2] as NetworkName, stage: key[3] as Stage, weights, bias: b });
  }
  return { sets, k, nf };
}

function parseMetrics(f: StudyTable): MetricRow[] {
  const c = Object.fromEntries(
    ['seed', 'model', 'network', 'split', 'target', 'accuracy', 'loss', 'n', 'train_seconds', 'backend'].map((n) => [n, columnGetter(f, n)]),
  );
  // Stop-rule columns: optional in the schema (older files lack them: null), nullable (model-2's CNN rows).
  const opt = Object.fromEntries(['epochs_run', 'best_epoch', 'stop_reason', 'met_stop_rule'].map((n) => [n, columnGetter(f, n)]));
  return Array.from({ length: f.table.numRows }, (_, i) => ({
    seed: num(c.seed(i)),
    model: String(c.model(i)),
    network: String(c.network(i)),
    split: String(c.split(i)),
    target: String(c.target(i)),
    accuracy: num(c.accuracy(i)),
    loss: num(c.loss(i)),
    n: num(c.n(i)),
    trainSeconds: num(c.train_seconds(i)),
    backend: String(c.backend(i)),
    epochsRun: opt.epochs_run(i) as number | null,
    bestEpoch: opt.best_epoch(i) as number | null,
    stopReason: opt.stop_reason(i) as string | null,
    metStopRule: opt.met_stop_rule(i) as boolean | null,
  }));
}

/** A seed.json as read: only the fields io/schema.ts SEED_RECORD_FIELDS declares, each possibly absent. */
export type SeedRecord = { [K in SeedRecordField]?: unknown };

/**
 * seed.json of each seed folder under dir/seeds, by seed. A missing or unreadable seed.json
 * leaves the seed out of the map (the report then says what it could not read for it).
 */
export function readSeedRecords(dir: string): Map<number, SeedRecord> {
  const out = new Map<number, SeedRecord>();
  const seedsDir = join(dir, 'seeds');
  if (!existsSync(seedsDir)) return out;
  for (const name of readdirSync(seedsDir)) {
    const file = join(seedsDir, name, 'seed.json');
    if (!/^seed-\d+$/.test(name) || !existsSync(file)) continue;
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as SeedRecord;
      if (typeof j.seed === 'number') out.set(j.seed, j);
    } catch {
      continue; // an unreadable seed.json: unknown for that seed (reported as such)
    }
  }
  return out;
}

/** seed.json's name of the export check before it was named for what it compares (still read). */
const OLD_EXPORT_CHECK_FIELD = 'onnxVsTfjs';

/**
 * seed.json's `exportVsTrainer` (per model: argmax mismatches, those beyond a near-tie, and max |Δp|
 * between the exported graph and the trainer's forward pass on every test pair) for each seed folder
 * under dir/seeds, or the older `onnxVsTfjs` (no gaps recorded: decisiveMismatches null; the trainer
 * from seed.json's backend); seeds without either are left out.
 */
export function readAgreement(dir: string): Record<number, Record<string, SeedAgreement>> {
  const out: Record<number, Record<string, SeedAgreement>> = {};
  for (const [seed, j] of readSeedRecords(dir)) {
    const old = (j as Record<string, unknown>)[OLD_EXPORT_CHECK_FIELD];
    const checks = (j.exportVsTrainer ?? old) as Record<string, Partial<SeedAgreement>> | undefined;
    if (!checks || typeof checks !== 'object') continue;
    const backendTrainer = typeof j.backend === 'string' ? trainerForwardPass(j.backend) : null;
    const rec: Record<string, SeedAgreement> = {};
    for (const [model, a] of Object.entries(checks)) {
      rec[model] = {
        trainer: typeof a.trainer === 'string' ? a.trainer : backendTrainer,
        argmaxMismatches: Number(a.argmaxMismatches ?? NaN),
        decisiveMismatches: typeof a.decisiveMismatches === 'number' ? a.decisiveMismatches : null,
        maxAbsDiff: Number(a.maxAbsDiff ?? NaN),
        tolerance: Number(a.tolerance ?? 1e-5),
        ok: a.ok === true,
      };
    }
    out[seed] = rec;
  }
  return out;
}

/** The latest seed.json `finishedAt` of the folders (when the data was written), or null. */
export function lastFinishedAt(dirs: string[]): string | null {
  const times = dirs.flatMap((d) => [...readSeedRecords(d).values()].map((r) => r.finishedAt)).filter((t): t is string => typeof t === 'string');
  return times.length ? times.sort().at(-1)! : null;
}

/**
 * The metadata (io/schema.ts META_KEYS) of a study folder's first metrics.arrow: a seed's, or the
 * folder's own when it has no seed folders. Null when there is none.
 */
export function studyMetadata(dir: string): FileMeta | null {
  const first = studyFileSets(dir)[0];
  if (!first || !existsSync(first.metrics)) return null;
  return readStudyTable(first.metrics, 'metrics').meta;
}

function parseSimilarity(f: StudyTable): SimilarityRow[] {
  const names = ['seed', 'comparison', 'ref_model', 'ref_network', 'ref_stage', 'other_model', 'other_network', 'other_stage', 'i', 's', 'argmin'];
  const c = Object.fromEntries(names.map((n) => [n, columnGetter(f, n)]));
  return Array.from({ length: f.table.numRows }, (_, i) => ({
    seed: num(c.seed(i)),
    comparison: String(c.comparison(i)),
    refModel: String(c.ref_model(i)),
    refNetwork: String(c.ref_network(i)),
    refStage: String(c.ref_stage(i)),
    otherModel: String(c.other_model(i)),
    otherNetwork: String(c.other_network(i)),
    otherStage: String(c.other_stage(i)),
    i: num(c.i(i)),
    s: num(c.s(i)),
    argmin: num(c.argmin(i)),
  }));
}

/** The Arrow files of one unit of a study folder: one finished seed, or the folder's combined files. */
interface FileSet { filters: string; metrics: string; similarity: string; history: string }

const SEED_DIR = /^seed-\d+$/;

/**
 * Where a study folder's tables are. A folder written by `run` has seeds/seed-NNNN/, and those are
 * read (not the combined files: several processes may share the folder, and the per-seed folders
 * are the ground truth, each complete once seed.json is in it). A folder of combined files only
 * (an exported or copied study, or test/study-folder.ts writeStudyFiles) is read as one unit.
 */
export function studyFileSets(dir: string, skip: ReadonlySet<number> = new Set()): FileSet[] {
  const seedsDir = join(dir, 'seeds');
  const at = (d: string): FileSet => ({ filters: join(d, 'filters.arrow'), metrics: join(d, 'metrics.arrow'), similarity: join(d, 'similarity.arrow'), history: join(d, 'history.arrow') });
  if (!existsSync(seedsDir)) return [at(dir)];
  return readdirSync(seedsDir)
    .filter((d) => SEED_DIR.test(d) && !skip.has(Number(d.slice(5))) && existsSync(join(seedsDir, d, 'seed.json')))
    .sort()
    .map((d) => at(join(seedsDir, d)));
}

/** History files of the folders (per seed where there are seed folders). */
export function historyFiles(dirs: string[], skip: ReadonlySet<number> = new Set()): string[] {
  return dirs.flatMap((d) => studyFileSets(d, skip).map((f) => f.history)).filter((f) => existsSync(f));
}

/**
 * The config hash in a study folder's config.json (what every seed of the study must carry), or
 * undefined when it has none or it cannot be read (the folder is then checked seed by seed only).
 */
export function studyConfigHash(dir: string): string | undefined {
  try {
    const h = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { configHash?: unknown }).configHash;
    return typeof h === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The seeds section of a study folder's config.json (what `run` planned; with untilDecided, the sequential design), or undefined when unreadable. */
export function studySeedsPlan(dir: string): { start: number; count: number; untilDecided?: boolean; maxCount?: number | null } | undefined {
  try {
    const seeds = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { config?: { seeds?: unknown } }).config?.seeds as { start?: unknown; count?: unknown; untilDecided?: unknown; maxCount?: unknown } | undefined;
    if (!seeds || !Number.isInteger(seeds.start) || !Number.isInteger(seeds.count)) return undefined;
    return { start: seeds.start as number, count: seeds.count as number, untilDecided: seeds.untilDecided === true, maxCount: Number.isInteger(seeds.maxCount) ? (seeds.maxCount as number) : null };
  } catch {
    return undefined;
  }
}

/**
 * Seeds the folders' studies planned (config.json) but that have no finished seed folder, with
 * the error of those that failed (failed/seed-NNNN.json). A shard killed or failed under Slurm
 * leaves exactly these; the report lists them.
 */
export function missingSeeds(dirs: string[], present: number[]): { seed: number; error?: string }[] {
  const have = new Set(present);
  const planned = new Set<number>();
  const errors = new Map<number, string>();
  for (const dir of dirs) {
    const cfgFile = join(dir, 'config.json');
    if (!existsSync(cfgFile)) continue;
    try {
      const seeds = (JSON.parse(readFileSync(cfgFile, 'utf8')) as { config?: { seeds?: { start: number; count: number } } }).config?.seeds;
      if (seeds) for (let i = 0; i < seeds.count; i++) planned.add(seeds.start + i);
    } catch {
      continue; // an unreadable config.json: nothing planned to report from it
    }
    const failedDir = join(dir, 'failed');
    if (!existsSync(failedDir)) continue;
    for (const f of readdirSync(failedDir)) {
      const m = /^seed-(\d+)\.json$/.exec(f);
      if (!m) continue;
      try {
        const e = (JSON.parse(readFileSync(join(failedDir, f), 'utf8')) as { error?: { code?: string; message?: string } }).error;
        errors.set(Number(m[1]), `${e?.code ?? 'error'}: ${e?.message ?? 'unknown'}`);
      } catch {
        errors.set(Number(m[1]), 'failed (its record is unreadable)');
      }
    }
  }
  return [...planned].filter((s) => !have.has(s)).sort((a, b) => a - b).map((seed) => ({ seed, error: errors.get(seed) }));
}

/**
 * Load and merge out/<study> folders (per seed: filters.arrow and metrics.arrow required;
 * similarity.arrow optional). `skip`: seeds whose folders are left out (failed verification).
 */
export function loadStudy(dirs: string | string[], skip: ReadonlySet<number> = new Set()): StudyData {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  if (list.length === 0) throw new FilterstudyError('E_OUTPUT', 'no output folder given');
  let hash: { value: string | null; path: string } | null = null;
  let config: unknown = null;
  let k = -1;
  let nf = -1;
  const filters: FilterSet[] = [];
  const metrics: MetricRow[] = [];
  const similarity: SimilarityRow[] = [];
  const agreement: Record<number, Record<string, SeedAgreement>> = {};
  const seedOwner = new Map<number, string>();
  for (const dir of list) {
    const dirSeeds = new Set<number>();
    for (const set of studyFileSets(dir, skip)) {
      const filtersFile = readTable(set.filters, 'filters', true)!;
      const metricsFile = readTable(set.metrics, 'metrics', true)!;
      const simFile = readTable(set.similarity, 'similarity', false);
      for (const f of [filtersFile, metricsFile, simFile]) {
        if (!f) continue;
        if (hash === null) {
          hash = { value: configHashOf(f.meta), path: f.path };
          config = f.meta.config ?? null;
        } else if (configHashOf(f.meta) !== hash.value) {
          throw new FilterstudyError('E_OUTPUT', `${f.path} has configHash ${configHashOf(f.meta) ?? '(none)'} but ${hash.path} has ${hash.value ?? '(none)'}`, {
            hint: 'only folders trained with the same config (apart from seeds) can be pooled; analyse them separately or re-run with one config',
          });
        }
      }
      const p = parseFilters(filtersFile);
      if (k >= 0 && (p.k !== k || p.nf !== nf)) {
        throw new FilterstudyError('E_OUTPUT', `${filtersFile.path}: ${p.nf} filters of ${p.k}×${p.k}, earlier folders ${nf} of ${k}×${k}`);
      }
      k = p.k;
      nf = p.nf;
      for (const s of p.sets) dirSeeds.add(s.seed);
      filters.push(...p.sets);
      metrics.push(...parseMetrics(metricsFile));
      if (simFile) similarity.push(...parseSimilarity(simFile));
    }
    for (const s of dirSeeds) {
      const prev = seedOwner.get(s);
      if (prev !== undefined) {
        throw new FilterstudyError('E_OUTPUT', `seed ${s} appears in both ${prev} and ${dir}`, { hint: 'pool folders with disjoint seeds only (a seed counted twice fakes replication)' });
      }
      seedOwner.set(s, dir);
    }
    Object.assign(agreement, readAgreement(dir));
  }
  if (seedOwner.size === 0 && list.every((d) => existsSync(join(d, 'seeds')))) {
    throw new FilterstudyError('E_OUTPUT', `no finished seed in ${list.join(', ')}`, { hint: 'the runs may be unfinished; re-run or resume the study' });
  }
  // Float results differ across backends: seeds trained on different ones must not pool silently
  // (the config hash covers the backend; this also catches folders made before it did).
  const backends = [...new Set(metrics.map((m) => m.backend))];
  if (backends.length > 1) {
    const by = backends.map((b) => `${b}: seeds ${[...new Set(metrics.filter((m) => m.backend === b).map((m) => m.seed))].sort((x, y) => x - y).join(', ')}`);
    throw new FilterstudyError('E_OUTPUT', `the seeds were trained on different backends (${by.join('; ')})`, {
      hint: 'pool seeds of one backend only: re-run the others with --backend, or aggregate the backends separately',
    });
  }
  const seeds = [...seedOwner.keys()].sort((a, b) => a - b);
  return { sources: list, configHash: hash?.value ?? null, config, kernelSize: k, numFilters: nf, seeds, filters, metrics, similarity, agreement };
}
