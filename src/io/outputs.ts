/**
 * The study folder out/<study>/:
 *   config.json                      resolved config, config hash, package versions
 *   seeds/seed-0001/                 one finished seed, created by renaming a complete temp folder
 *     filters.arrow metrics.arrow history.arrow similarity.arrow  *.onnx  seed.json
 *   failed/seed-0003.json            a seed that failed, with its error (retried on the next run)
 *   quarantine/seed-0004-<time>/     a seed folder that failed verification, with quarantine.json (retrained)
 *   filters.arrow metrics.arrow history.arrow similarity.arrow     all finished seeds, combined
 * A killed run loses only the seeds in flight; the next run of the same study verifies and skips
 * finished seeds (seed-manifest.ts). Every table's columns, the metadata keys and seed.json's
 * fields are io/schema.ts's; the caller hands the rows (coordinator/seed-rows.ts computes them).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import { configHash, DEFAULTS, trainingFingerprint, type HashInputs, type StudyConfig } from '../config.ts';
import { FilterstudyError, ioError } from '../errors.ts';
import { arrowFromBytes, ensureDir, concatTables, writeArrowFile, writeFileAtomic } from './arrow.ts';
import { staleTempFolders, staleTemps, tempPathFor } from './claims.ts';
import { filtersSpec, HISTORY, METRICS, SCHEMA_VERSION, SEED_RECORD_FIELDS, SEED_TABLES, SIMILARITY, type DataSource, type SeedRecordField, type SeedTables } from './schema.ts';
import { adoptLegacySeed, manifestEntry, MANIFEST_VERSION, quarantineSeed, readVerified, scanSeeds, verifySeedDir, type Manifest, type Quarantined } from './seed-manifest.ts';
import { readStudyTable, tableFromRows, type MetaInput, type StudyTable } from './tables.ts';


export interface StudyPaths { root: string; seeds: string; failed: string; config: string; quarantine: string }

export function studyPaths(cfg: StudyConfig): StudyPaths {
  const root = join(cfg.outDir, cfg.name);
  return { root, seeds: join(root, 'seeds'), failed: join(root, 'failed'), config: join(root, 'config.json'), quarantine: join(root, 'quarantine') };
}

export const seedDirName = (seed: number): string => `seed-${String(seed).padStart(4, '0')}`;

/** What every output file carries in its schema metadata (key 'filterstudy') and config.json. */
export interface StudyMeta {
  study: string;
  configHash: string;
  config: StudyConfig;
  versions: Record<string, string>;
  /** The backend and data SHA-256s the hash covers (absent in folders made before issue #11). */
  hashInputs?: HashInputs;
  /** Where the MNIST files came from and their SHA-256s (null: synthetic, no data; absent in folders made before it was recorded). */
  data?: DataSource | null;
}

/** The study's metadata (io/schema.ts META_KEYS); `data`: the MNIST source trained on (null for synthetic studies). */
export function studyMeta(cfg: StudyConfig, versions: Record<string, string>, inputs: HashInputs, data: DataSource | null): StudyMeta {
  const hashInputs = { backend: inputs.backend, data: inputs.data.map((f) => ({ role: f.role, sha256: f.sha256 })) };
  return { study: cfg.name, configHash: configHash(cfg, hashInputs), config: cfg, versions, hashInputs, data };
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

/** config.json of an existing study, or null; anything unreadable is an E_OUTPUT error naming it. */
function readStudyConfig(file: string): StudyMeta | null {
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw ioError(e, 'read', file);
  }
  let old: unknown;
  try {
    old = JSON.parse(text);
  } catch (e) {
    old = e;
  }
  const o = old as Partial<StudyMeta> | null;
  if (o === null || typeof o !== 'object' || o instanceof Error || typeof o.configHash !== 'string' || o.config === null || typeof o.config !== 'object') {
    throw new FilterstudyError('E_OUTPUT', `${file} is not a study config written by filterstudy${old instanceof Error ? ` (not valid JSON: ${old.message})` : ''}: cannot tell which config made this study`, {
      hint: `if the seeds in this folder were made with the same settings, delete ${file} and rerun (each seed is still verified); otherwise give the study another --name`,
    });
  }
  return o as StudyMeta;
}

/**
 * Creates out/<study>/ or checks that an existing one was made by the same training config, so
 * that resuming never mixes seeds of different configs. A key that did not exist when the study
 * was made and now holds its default is no difference: new keys default to the old behaviour;
 * nor is a removed key that held null (its default) then. Such an equivalent config keeps the
 * study's config hash (returned in `meta`), so that old and new seeds carry one hash.
 * Verifies every seed folder, its config hash against the study's included: the intact ones are
 * finished, the others are moved to quarantine/ (and so trained again). Clears temp folders a
 * killed run left behind. Processes sharing the folder call it under the study lock
 * (claims.ts withCombinedLock), so that the first one's config.json is the one the others check.
 */
export function prepareStudyDir(paths: StudyPaths, meta: StudyMeta): { finished: number[]; quarantined: Quarantined[]; meta: StudyMeta } {
  const old = readStudyConfig(paths.config);
  if (old) {
    if (old.configHash !== meta.configHash) {
      // A folder made before the hash covered backend and data SHA-256s is compared on its config only.
      const pick = (m: StudyMeta) => {
        const fp = trainingFingerprint(m.config, m.hashInputs ?? { backend: '', data: [] });
        if (!old.hashInputs) return { data: fp.data, model: fp.model, train: fp.train };
        return fp;
      };
      const diffs = configDiffs(pick(old), pick(meta), '', (key, a, b) => (a === undefined && JSON.stringify(b) === JSON.stringify(defaultAt(key))) || (b === undefined && a === null));
      if (diffs.length) {
        throw new FilterstudyError('E_OUTPUT', `${paths.root} holds a study made with another config (hash ${old.configHash}, now ${meta.configHash}): ${diffs.join('; ')}`, {
          hint: `give this study another name (--name), or move ${paths.root} away; nothing was changed`,
        });
      }
      meta = { ...meta, configHash: old.configHash }; // the same training: the study keeps its hash
    }
  }
  for (const d of [paths.seeds, paths.failed]) ensureDir(d);
  // Only provably stale temp folders and files: other processes may be writing theirs (claims.ts).
  for (const d of staleTempFolders(paths.root, paths.seeds)) rmSync(d, { recursive: true, force: true });
  // Temp files of atomic writes (combined files, config.json, failure records) a kill left behind.
  for (const dir of [paths.root, paths.failed]) for (const f of staleTemps(dir)) rmSync(f, { force: true });
  slowConfigFault();
  writeFileAtomic(paths.config, `${JSON.stringify(meta, null, 2)}\n`);
  let { good, bad } = scanSeeds(paths.seeds, undefined, meta.configHash);
  // Seeds finished before manifests existed are adopted when every table decodes, else quarantined.
  const legacy = bad.filter((b) => b.legacy);
  if (legacy.length) {
    const why = new Map(legacy.map((b) => [b.seed, adoptLegacySeed(b.dir, JSON.parse(readFileSync(join(b.dir, 'seed.json'), 'utf8')), arrowFromBytes)]));
    ({ good, bad } = scanSeeds(paths.seeds, undefined, meta.configHash));
    bad = bad.map((b) => (why.get(b.seed) ? { ...b, reason: `${b.reason}; ${why.get(b.seed)}` } : b));
  }
  const quarantined = bad.map((b) => quarantineSeed(paths.root, b.dir, b.seed, b.reason));
  return { finished: good.map((g) => g.seed), quarantined, meta };
}

/**
 * FILTERSTUDY_FAULTS=slow-config (tests only): waits 3 s between checking config.json and writing
 * it, the window in which two runs of different configs started together both passed the check
 * before config.json was created under the study lock (test/study-ownership.test.ts).
 */
function slowConfigFault(): void {
  if ((process.env.FILTERSTUDY_FAULTS ?? '').split(',').includes('slow-config')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
}

/** Seeds whose folder verifies (every file's size and SHA-256 as seed.json lists them). */
export function finishedSeeds(paths: StudyPaths): number[] {
  return scanSeeds(paths.seeds).good.map((g) => g.seed);
}

// ---- per-seed tables ---------------------------------------------------------------------------

/** seed.json's fields the writer fills itself; every other SEED_RECORD_FIELDS field comes from the caller. */
const WRITER_FIELDS = ['seed', 'status', 'configHash', 'backend', 'finishedAt', 'manifestVersion', 'files'] as const;

/** seed.json's fields that come from the seed task: SEED_RECORD_FIELDS (io/schema.ts) but WRITER_FIELDS. */
export type SeedRecordInput = Record<Exclude<SeedRecordField, (typeof WRITER_FIELDS)[number]>, unknown>;

/** One finished seed as the writer takes it: its table rows (computed by the caller), ONNX files and record. */
export interface SeedOutput {
  seed: number;
  backend: string;
  tables: SeedTables;
  /** file name → bytes (the ONNX graphs) */
  onnx: Record<string, Uint8Array>;
  record: SeedRecordInput;
}

/** The Arrow bytes of one seed's four tables, in SEED_TABLES order (kernel size k for filters.arrow). */
export function seedTableBytes(t: SeedTables, k: number, meta: MetaInput): [string, Uint8Array][] {
  return [
    ['filters.arrow', tableToIPC(tableFromRows(filtersSpec(k), t.filters, meta), 'file')],
    ['metrics.arrow', tableToIPC(tableFromRows(METRICS, t.metrics, meta), 'file')],
    ['history.arrow', tableToIPC(tableFromRows(HISTORY, t.history, meta), 'file')],
    ['similarity.arrow', tableToIPC(tableFromRows(SIMILARITY, t.similarity, meta), 'file')],
  ];
}

/**
 * Writes one finished seed: everything into a temp folder, seed.json last with every file's size
 * and SHA-256 (of the bytes written), then one rename makes it visible. A seed folder already
 * there that verifies (with this study's config hash) is never replaced: another process sharing
 * the folder finished the seed (this one lost its lease on it); the temp folder is discarded and
 * `written` is false. On a write error (disk full, read-only) the temp folder is removed, nothing
 * finished is touched, and an E_IO error names the file and the OS reason.
 */
export function writeSeed(paths: StudyPaths, r: SeedOutput, meta: StudyMeta): { dir: string; written: boolean } {
  const fileMeta: MetaInput = { ...meta, seed: r.seed, backend: r.backend };
  const dir = join(paths.seeds, seedDirName(r.seed));
  const tmp = tempPathFor(dir); // host, pid, random: never another process's temp folder
  const contents: [string, Uint8Array][] = [...seedTableBytes(r.tables, meta.config.model.kernelSize, fileMeta), ...Object.entries(r.onnx)];
  const files: Manifest = Object.fromEntries(contents.map(([name, bytes]) => [name, manifestEntry(bytes)]));
  // Exactly SEED_RECORD_FIELDS, in its order (io/schema.ts; test/schema.test.ts checks it).
  const own: Record<(typeof WRITER_FIELDS)[number], unknown> = {
    seed: r.seed, status: 'ok', configHash: meta.configHash, backend: r.backend, finishedAt: new Date().toISOString(), manifestVersion: MANIFEST_VERSION, files,
  };
  const record = Object.fromEntries((Object.keys(SEED_RECORD_FIELDS) as SeedRecordField[]).map((k) => [k, k in own ? own[k as keyof typeof own] : r.record[k as keyof SeedRecordInput]]));
  let current = tmp;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const [name, bytes] of contents) writeFileSync((current = join(tmp, name)), bytes);
    writeFileSync((current = join(tmp, 'seed.json')), `${JSON.stringify(record, null, 2)}\n`);
    current = dir;
    const finishedElsewhere = () => existsSync(dir) && verifySeedDir(dir, r.seed, undefined, meta.configHash).ok;
    if (finishedElsewhere()) {
      rmSync(tmp, { recursive: true, force: true });
      return { dir, written: false };
    }
    rmSync(dir, { recursive: true, force: true }); // a stale folder that did not verify
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process renamed its finished seed into place between the check and here.
      if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '') || !finishedElsewhere()) throw e;
      rmSync(tmp, { recursive: true, force: true });
      return { dir, written: false };
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError(e, 'write', current);
  }
  rmSync(join(paths.failed, `${seedDirName(r.seed)}.json`), { force: true });
  return { dir, written: true };
}

/** failed/seed-NNNN.json: the failed seed's record (the worker's SeedFailure) with the time. */
export function writeFailure(paths: StudyPaths, r: { seed: number; status: 'failed' }): string {
  const file = join(paths.failed, `${seedDirName(r.seed)}.json`);
  writeFileAtomic(file, `${JSON.stringify({ ...r, failedAt: new Date().toISOString() }, null, 2)}\n`);
  return file;
}

/** Parsed tables of seeds already read by this process, keyed by seed folder (see combineSeeds). */
export type CombineCache = Map<string, { key: string; tables: StudyTable[] }>;

/**
 * Concatenates every verified seed's tables into out/<study>/<table>.arrow. Returns the files written.
 * Every call checks every seed folder's file sizes against seed.json (a stat each); a seed's tables
 * are read, checked against their SHA-256s and parsed once per process and kept in `cache`, so
 * refreshing the combined files after each of n seeds reads n seeds in all, not n²/2. Several
 * processes sharing the folder call this under withCombinedLock (claims.ts): each writes from the
 * listing it makes under the lock, atomically.
 */
export function combineSeeds(paths: StudyPaths, meta: StudyMeta, cache: CombineCache = new Map()): string[] {
  const { good, bad } = scanSeeds(paths.seeds, [], meta.configHash);
  if (bad.length) {
    // Verified when the run started: damaged since. Stop rather than combine without it silently.
    throw new FilterstudyError('E_OUTPUT', `${bad[0].dir} no longer verifies: ${bad[0].reason}`, {
      hint: 'something else changed the study folder during the run; rerun the same command: the seed is quarantined and trained again',
    });
  }
  const seeds = good.map((g) => g.seed);
  const perSeed = good.map((g) => {
    const key = SEED_TABLES.map((t) => g.files[`${t}.arrow`]?.sha256).join(',');
    const hit = cache.get(g.dir);
    if (hit && hit.key === key) return hit.tables;
    // Parsed from the bytes whose SHA-256 was just checked against seed.json, and checked against the schema.
    const tables = SEED_TABLES.map((name) => readStudyTable(join(g.dir, `${name}.arrow`), name, readVerified(g.dir, `${name}.arrow`, g.files)));
    cache.set(g.dir, { key, tables });
    return tables;
  });
  // A seed written before schema 3 has other names (io/schema.ts V2_RENAMES): stamping it as this version would mislabel them.
  const old = perSeed.flat().find((t) => t.meta.schemaVersion !== SCHEMA_VERSION);
  if (old) {
    throw new FilterstudyError('E_OUTPUT', `${old.path} has Arrow schema version ${old.meta.schemaVersion}; this filterstudy writes version ${SCHEMA_VERSION} and cannot combine the two`, {
      hint: 'finish the study with the filterstudy version that started it, or start it again under a new --name (`aggregate` reads the older folder as it is)',
    });
  }
  const written: string[] = [];
  SEED_TABLES.forEach((name, ti) => {
    const tables = perSeed.map((t) => t[ti]);
    const backends = [...new Set(tables.map((t) => t.meta.backend).filter((b): b is string => typeof b === 'string'))];
    const combined = concatTables(tables.map((t) => t.table), { schemaVersion: SCHEMA_VERSION, ...meta, seeds, backends } satisfies MetaInput);
    if (!combined) return;
    const file = join(paths.root, `${name}.arrow`);
    writeArrowFile(file, combined);
    written.push(file);
  });
  return written;
}
