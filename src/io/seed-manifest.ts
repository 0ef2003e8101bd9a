/**
 * A seed counts as finished only if it verifies: its seed.json lists every file of the seed with
 * its size and SHA-256, and every listed file is there with exactly those bytes. A seed that does
 * not verify is moved to out/<study>/quarantine/ with the reason, and trained again.
 *
 * The steps are separate on purpose: `verifySeedDir` only reads (no side effect), `quarantineSeed`
 * only moves, and `scanSeeds` combines them for one process. A lease/claim step for a shared
 * sweep (issue #11) can sit between "list seed folders" and "verify" without changing either.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterstudyError, ioError } from '../errors.ts';
import { SEED_TABLES } from './schema.ts';

/** Bumped when the manifest's meaning changes; a seed.json without it predates manifests. */
export const MANIFEST_VERSION = 1;

export interface FileEntry { bytes: number; sha256: string }
/** file name (inside the seed folder, seed.json excluded) → size and SHA-256 of its bytes. */
export type Manifest = Record<string, FileEntry>;

/** Files every finished seed must have, whatever else it lists. */
export const REQUIRED_FILES: readonly string[] = SEED_TABLES.map((t) => `${t}.arrow`);

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export const manifestEntry = (bytes: Uint8Array): FileEntry => ({ bytes: bytes.length, sha256: sha256(bytes) });

export type Verdict =
  | { ok: true; record: Record<string, unknown>; files: Manifest }
  /** legacy: a valid seed.json of a finished seed written before manifests (it may be adopted). */
  | { ok: false; reason: string; legacy?: true };

/**
 * Reads `dir` (one seed folder) and says whether it is a complete, intact seed `seed`. No side
 * effects. Every listed file's size is checked; its SHA-256 too unless `hashOnly` names the files
 * to hash (the combine step hashes the tables it reads, not the ONNX graphs, after every seed).
 * With `configHash` (the study's), a seed whose record names another config hash does not verify:
 * it was trained with another config (copied in, or written by a run of another config).
 */
export function verifySeedDir(dir: string, seed: number, hashOnly?: readonly string[], configHash?: string): Verdict {
  const recordFile = join(dir, 'seed.json');
  if (!existsSync(recordFile)) return { ok: false, reason: 'seed.json is missing (the seed was never finished)' };
  let record: Record<string, unknown>;
  try {
    const j: unknown = JSON.parse(readFileSync(recordFile, 'utf8'));
    if (j === null || typeof j !== 'object' || Array.isArray(j)) return { ok: false, reason: 'seed.json is not a JSON object' };
    record = j as Record<string, unknown>;
  } catch (e) {
    return { ok: false, reason: `seed.json is not valid JSON (${(e as Error).message})` };
  }
  if (record.seed !== seed) return { ok: false, reason: `seed.json is for seed ${JSON.stringify(record.seed)}, the folder for seed ${seed}` };
  if (record.status !== 'ok') return { ok: false, reason: `seed.json has status ${JSON.stringify(record.status)}, not "ok"` };
  if (configHash !== undefined && record.configHash !== configHash) {
    return { ok: false, reason: `seed.json has config hash ${JSON.stringify(record.configHash ?? null)}, the study's config.json ${configHash}: the seed was trained with another config` };
  }
  if (record.manifestVersion === undefined && record.files === undefined) {
    return { ok: false, legacy: true, reason: 'seed.json lists no files with sizes and SHA-256s (written before seeds were verified)' };
  }
  if (record.manifestVersion !== MANIFEST_VERSION || record.files === null || typeof record.files !== 'object') {
    return { ok: false, reason: `seed.json has manifest version ${JSON.stringify(record.manifestVersion)} (this version reads ${MANIFEST_VERSION}) or no file list` };
  }
  const files = record.files as Manifest;
  for (const name of REQUIRED_FILES) if (!(name in files)) return { ok: false, reason: `seed.json does not list ${name}` };
  for (const [name, want] of Object.entries(files)) {
    if (name.includes('/') || name.includes('\\') || name === 'seed.json' || name.startsWith('.')) return { ok: false, reason: `seed.json lists an unsafe file name ${JSON.stringify(name)}` };
    const file = join(dir, name);
    if (!existsSync(file)) return { ok: false, reason: `${name} is missing` };
    const size = statSync(file).size;
    if (size !== want.bytes) return { ok: false, reason: `${name} has ${size} bytes, seed.json says ${want.bytes}${size < want.bytes ? ' (truncated)' : ''}` };
    if ((!hashOnly || hashOnly.includes(name)) && sha256(readFileSync(file)) !== want.sha256) return { ok: false, reason: `${name}: SHA-256 differs from seed.json (the file was changed or damaged)` };
  }
  return { ok: true, record, files };
}

/** Reads `name` of a verified seed and checks its bytes against the manifest: what is used is what was hashed. */
export function readVerified(dir: string, name: string, files: Manifest): Uint8Array {
  const file = join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw ioError(e, 'read', file);
  }
  const want = files[name];
  if (!want || bytes.length !== want.bytes || sha256(bytes) !== want.sha256) {
    throw new FilterstudyError('E_OUTPUT', `${file} changed after it was verified (${bytes.length} bytes${want ? `, seed.json says ${want.bytes}` : ', not in seed.json'})`, {
      hint: 'something else is writing into the study folder; rerun the same command: the seed is quarantined and trained again',
    });
  }
  return bytes;
}

/**
 * A seed finished by a version without manifests (hours of training on the paper preset): kept
 * if every file it must have is there and each Arrow table decodes completely (a truncated one
 * does not); then its seed.json gets the manifest of the files as they are now. `parse` decodes
 * one Arrow file and throws if it cannot. Returns the reason when the seed cannot be adopted.
 */
export function adoptLegacySeed(dir: string, record: Record<string, unknown>, parse: (bytes: Uint8Array, path: string) => unknown): string | null {
  const names = readdirSync(dir).filter((n) => n !== 'seed.json' && !n.startsWith('.'));
  for (const name of [...REQUIRED_FILES, 'model1.onnx', 'model2.onnx']) if (!names.includes(name)) return `${name} is missing`;
  const files: Manifest = {};
  for (const name of names.sort()) {
    const bytes = readFileSync(join(dir, name));
    if (name.endsWith('.arrow')) {
      try {
        parse(bytes, join(dir, name));
      } catch (e) {
        return `${name} does not decode (${(e as Error).message.split('\n')[0]})`;
      }
    }
    if (bytes.length === 0) return `${name} is empty`;
    files[name] = manifestEntry(bytes);
  }
  const tmp = join(dir, `.seed.json.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, `${JSON.stringify({ ...record, manifestVersion: MANIFEST_VERSION, files, manifestAddedAt: new Date().toISOString() }, null, 2)}\n`);
    renameSync(tmp, join(dir, 'seed.json'));
  } catch (e) {
    throw ioError(e, 'write', join(dir, 'seed.json'));
  }
  return null;
}

export interface Quarantined { seed: number; reason: string; movedTo: string }

/**
 * Moves a seed folder that failed verification to <root>/quarantine/seed-NNNN-<time>/ with a
 * quarantine.json saying why. Nothing is deleted: a user can inspect or restore it.
 */
export function quarantineSeed(root: string, dir: string, seed: number, reason: string): Quarantined {
  const qdir = join(root, 'quarantine');
  const name = `${dir.split(/[\\/]/).pop()}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const to = join(qdir, name);
  try {
    mkdirSync(qdir, { recursive: true });
    renameSync(dir, to);
    writeFileSync(join(to, 'quarantine.json'), `${JSON.stringify({ seed, reason, from: dir, movedAt: new Date().toISOString() }, null, 2)}\n`);
  } catch (e) {
    throw ioError(e, 'move a damaged seed to', to);
  }
  return { seed, reason, movedTo: to };
}

/** Seed folders (seed-NNNN) under `seedsDir`, as [seed, folder]. */
export function seedFolders(seedsDir: string): [number, string][] {
  if (!existsSync(seedsDir)) return [];
  return readdirSync(seedsDir)
    .filter((d) => /^seed-\d+$/.test(d))
    .map((d) => [Number(d.slice(5)), join(seedsDir, d)] as [number, string])
    .sort((a, b) => a[0] - b[0]);
}

/** Verifies every seed folder (against the study's `configHash` when given); returns the good ones and the bad ones with their reasons. */
export function scanSeeds(seedsDir: string, hashOnly?: readonly string[], configHash?: string): { good: { seed: number; dir: string; files: Manifest }[]; bad: { seed: number; dir: string; reason: string; legacy?: true }[] } {
  const good: { seed: number; dir: string; files: Manifest }[] = [];
  const bad: { seed: number; dir: string; reason: string; legacy?: true }[] = [];
  for (const [seed, dir] of seedFolders(seedsDir)) {
    const v = verifySeedDir(dir, seed, hashOnly, configHash);
    if (v.ok) good.push({ seed, dir, files: v.files });
    else bad.push({ seed, dir, reason: v.reason, legacy: v.legacy });
  }
  return { good, bad };
}
