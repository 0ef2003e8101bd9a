/**
 * The study folder out/<study>/:
 *   config.json                      resolved config, config hash, package versions
 *   seeds/seed-0001/                 one finished seed, created by renaming a complete temp folder
 *     filters.arrow metrics.arrow history.arrow similarity.arrow  *.onnx  seed.json
 *   failed/seed-0003.json            a seed that failed, with its error (retried on the next run)
 *   filters.arrow metrics.arrow history.arrow similarity.arrow     all finished seeds, combined
 * A killed run loses only the seeds in flight; the next run of the same study skips finished seeds.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configHash, DEFAULTS, trainingFingerprint, type StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { kernelToFilters, seedSimilarity, type FilterRef } from '../stats/similarity.ts';
import type { SeedFailure, SeedSuccess } from '../worker/task.ts';
import { buildTable, concatTables, readArrowFile, writeArrowFile, writeFileAtomic, type Column } from './arrow.ts';

export const TABLES = ['filters', 'metrics', 'history', 'similarity'] as const;
export type TableName = (typeof TABLES)[number];

export interface StudyPaths { root: string; seeds: string; failed: string; config: string }

export function studyPaths(cfg: StudyConfig): StudyPaths {
  const root = join(cfg.outDir, cfg.name);
  return { root, seeds: join(root, 'seeds'), failed: join(root, 'failed'), config: join(root, 'config.json') };
}

export const seedDirName = (seed: number): string => `seed-${String(seed).padStart(4, '0')}`;

/** What every output file carries in its schema metadata (key 'filterstudy') and config.json. */
export interface StudyMeta {
  study: string;
  configHash: string;
  config: StudyConfig;
  versions: Record<string, string>;
  /** Where the MNIST files came from and their SHA-256s. */
  data?: unknown;
}

export function studyMeta(cfg: StudyConfig, versions: Record<string, string>): StudyMeta {
  return { study: cfg.name, configHash: configHash(cfg), config: cfg, versions };
}

/** Leaf-level differences of the training sections, as `key: old → new`, skipping `ignore(key, old, new)`. */
function configDiffs(a: unknown, b: unknown, prefix: string, ignore: (key: string, a: unknown, b: unknown) => boolean): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => configDiffs(a[k], b[k], prefix ? `${prefix}.${k}` : k, ignore));
  }
  if (JSON.stringify(a) === JSON.stringify(b) || ignore(prefix, a, b)) return [];
  return [`${prefix}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}

/** Keys whose default changed: a study written before the key existed ran with this value, not today's default. */
const BEHAVIOUR_BEFORE_KEY: Record<string, unknown> = {
  'train.noiseFloor': false, // the key came with default false; the default became true later
};

function defaultAt(key: string): unknown {
  if (key in BEHAVIOUR_BEFORE_KEY) return BEHAVIOUR_BEFORE_KEY[key];
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], DEFAULTS);
}

/**
 * Creates out/<study>/ or checks that an existing one was made by the same training config, so
 * that resuming never mixes seeds of different configs. A key that did not exist when the study
 * was made and now holds its default is no difference: new keys default to the old behaviour;
 * nor is a removed key that held null (its default) then.
 * Returns the seeds already finished; clears temp folders a killed run left behind.
 */
export function prepareStudyDir(paths: StudyPaths, meta: StudyMeta): number[] {
  if (existsSync(paths.config)) {
    const old = JSON.parse(readFileSync(paths.config, 'utf8')) as StudyMeta;
    if (old.configHash !== meta.configHash) {
      const pick = (c: StudyConfig) => trainingFingerprint(c);
      const diffs = configDiffs(pick(old.config), pick(meta.config), '', (key, a, b) => (a === undefined && JSON.stringify(b) === JSON.stringify(defaultAt(key))) || (b === undefined && a === null));
      if (diffs.length) {
        throw new FilterstudyError('E_OUTPUT', `${paths.root} holds a study made with another config (hash ${old.configHash}, now ${meta.configHash}): ${diffs.join('; ')}`, {
          hint: `give this study another name (--name), or move ${paths.root} away; nothing was changed`,
        });
      }
    }
  }
  mkdirSync(paths.seeds, { recursive: true });
  mkdirSync(paths.failed, { recursive: true });
  for (const d of readdirSync(paths.seeds)) if (/\.tmp-\d+$/.test(d)) rmSync(join(paths.seeds, d), { recursive: true, force: true });
  writeFileAtomic(paths.config, `${JSON.stringify(meta, null, 2)}\n`);
  return finishedSeeds(paths);
}

export function finishedSeeds(paths: StudyPaths): number[] {
  if (!existsSync(paths.seeds)) return [];
  return readdirSync(paths.seeds)
    .filter((d) => /^seed-\d+$/.test(d) && existsSync(join(paths.seeds, d, 'seed.json')))
    .map((d) => Number(d.slice(5)))
    .sort((a, b) => a - b);
}

// ---- per-seed tables ---------------------------------------------------------------------------

function filtersTable(r: SeedSuccess, cfg: StudyConfig, meta: unknown) {
  const k = cfg.model.kernelSize;
  const f = cfg.model.filters;
  const n = r.filters.length * f;
  const cols: Record<string, Column> = { seed: new Int32Array(n).fill(r.seed), model: [], network: [], stage: [], filter: new Int32Array(n) };
  const w = Array.from({ length: k * k }, () => new Float32Array(n));
  const bias = new Float32Array(n);
  let row = 0;
  for (const set of r.filters) {
    const filters = kernelToFilters(set.kernel, k, f);
    for (let j = 0; j < f; j++, row++) {
      (cols.model as string[]).push(set.model);
      (cols.network as string[]).push(set.network);
      (cols.stage as string[]).push(set.stage);
      (cols.filter as Int32Array)[row] = j;
      filters[j].forEach((v, rc) => (w[rc][row] = v));
      bias[row] = set.bias[j];
    }
  }
  for (let rc = 0; rc < k * k; rc++) cols[`w_${Math.floor(rc / k)}_${rc % k}`] = w[rc];
  cols.bias = bias;
  return buildTable(cols, meta);
}

/**
 * The training of the network a metrics row measures: a model-1 CNN row → that CNN; a pipeline
 * row → the network trained last (model-1's LSTM, model-2 end to end); model-2's cnn1/cnn2 rows →
 * none (those CNNs are not trained on their own).
 */
export function trainingOf(r: SeedSuccess, model: string, network: string): SeedSuccess['training'][number] | null {
  const trained = model === 'model1' ? (network === 'pipeline' ? 'lstm' : network) : network === 'pipeline' ? 'pipeline' : null;
  return r.training.find((t) => t.model === model && t.network === trained) ?? null;
}

function metricsTable(r: SeedSuccess, meta: unknown) {
  const m = r.metrics;
  const tr = m.map((x) => trainingOf(r, x.model, x.network));
  return buildTable({
    seed: new Int32Array(m.length).fill(r.seed),
    model: m.map((x) => x.model),
    network: m.map((x) => x.network),
    split: m.map((x) => x.split),
    target: m.map((x) => x.target),
    accuracy: Float64Array.from(m, (x) => x.accuracy),
    loss: Float64Array.from(m, (x) => x.loss),
    n: Int32Array.from(m, (x) => x.n),
    train_seconds: Float64Array.from(m, (x) => r.trainSeconds[x.model]),
    backend: m.map(() => r.backend),
    epochs_run: { type: 'int32', values: tr.map((t) => t?.epochsRun ?? null) },
    best_epoch: { type: 'int32', values: tr.map((t) => t?.bestEpoch ?? null) },
    stop_reason: { type: 'utf8', values: tr.map((t) => t?.stopReason ?? null) },
    met_stop_rule: { type: 'bool', values: tr.map((t) => t?.metStopRule ?? null) },
  }, meta);
}

function historyTable(r: SeedSuccess, meta: unknown) {
  const h = r.history;
  return buildTable({
    seed: new Int32Array(h.length).fill(r.seed),
    model: h.map((x) => x.model),
    network: h.map((x) => x.network),
    epoch: Int32Array.from(h, (x) => x.epoch),
    train_loss: Float64Array.from(h, (x) => x.trainLoss),
    train_accuracy: Float64Array.from(h, (x) => x.trainAccuracy),
    val_loss: Float64Array.from(h, (x) => x.valLoss),
    val_accuracy: Float64Array.from(h, (x) => x.valAccuracy),
    seconds: Float64Array.from(h, (x) => x.seconds),
    best: { type: 'bool', values: h.map((x) => x.best) },
  }, meta);
}

function similarityTable(r: SeedSuccess, cfg: StudyConfig, meta: unknown) {
  const get = (ref: FilterRef) => {
    const set = r.filters.find((s) => s.model === ref.model && s.network === ref.network && s.stage === ref.stage);
    return set ? kernelToFilters(set.kernel, cfg.model.kernelSize, cfg.model.filters) : null;
  };
  const rows = seedSimilarity(get);
  return buildTable({
    seed: new Int32Array(rows.length).fill(r.seed),
    comparison: rows.map((x) => x.comparison),
    ref_model: rows.map((x) => x.ref.model),
    ref_network: rows.map((x) => x.ref.network),
    ref_stage: rows.map((x) => x.ref.stage),
    other_model: rows.map((x) => x.other.model),
    other_network: rows.map((x) => x.other.network),
    other_stage: rows.map((x) => x.other.stage),
    i: Int32Array.from(rows, (x) => x.i),
    s: Float64Array.from(rows, (x) => x.s),
    argmin: Int32Array.from(rows, (x) => x.argmin),
  }, meta);
}

/** Writes one finished seed: everything into a temp folder, then one rename makes it visible. */
export function writeSeed(paths: StudyPaths, r: SeedSuccess, meta: StudyMeta): string {
  const cfg = meta.config;
  const fileMeta = { ...meta, seed: r.seed, backend: r.backend };
  const dir = join(paths.seeds, seedDirName(r.seed));
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeArrowFile(join(tmp, 'filters.arrow'), filtersTable(r, cfg, fileMeta));
  writeArrowFile(join(tmp, 'metrics.arrow'), metricsTable(r, fileMeta));
  writeArrowFile(join(tmp, 'history.arrow'), historyTable(r, fileMeta));
  writeArrowFile(join(tmp, 'similarity.arrow'), similarityTable(r, cfg, fileMeta));
  for (const [name, bytes] of Object.entries(r.onnx)) writeFileSync(join(tmp, name), bytes);
  const record = {
    seed: r.seed, status: r.status, configHash: meta.configHash, backend: r.backend, backendNotes: r.backendNotes, kernels: r.kernels,
    seconds: r.seconds, trainSeconds: r.trainSeconds, claim4Seconds: r.claim4Seconds, onnxVsTfjs: r.agreement, finishedAt: new Date().toISOString(),
  };
  writeFileSync(join(tmp, 'seed.json'), `${JSON.stringify(record, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true }); // a stale half-written folder without seed.json
  renameSync(tmp, dir);
  rmSync(join(paths.failed, `${seedDirName(r.seed)}.json`), { force: true });
  return dir;
}

export function writeFailure(paths: StudyPaths, r: SeedFailure): string {
  const file = join(paths.failed, `${seedDirName(r.seed)}.json`);
  writeFileAtomic(file, `${JSON.stringify({ ...r, failedAt: new Date().toISOString() }, null, 2)}\n`);
  return file;
}

/** Concatenates every finished seed's tables into out/<study>/<table>.arrow. Returns the files written. */
export function combineSeeds(paths: StudyPaths, meta: StudyMeta): string[] {
  const seeds = finishedSeeds(paths);
  const written: string[] = [];
  for (const name of TABLES) {
    const tables = seeds.map((s) => readArrowFile(join(paths.seeds, seedDirName(s), `${name}.arrow`)));
    const backends = [...new Set(tables.map((t) => (JSON.parse(t.schema.metadata.get('filterstudy') ?? '{}') as { backend?: string }).backend).filter(Boolean))];
    const combined = concatTables(tables, { ...meta, seeds, backends });
    if (!combined) continue;
    const file = join(paths.root, `${name}.arrow`);
    writeArrowFile(file, combined);
    written.push(file);
  }
  return written;
}

