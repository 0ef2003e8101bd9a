/**
 * A curated copy of a study for git (results/<study>/): what the statistics need and nothing else.
 *
 *   config.json                     the study's resolved config and hash, as written by `run`
 *   seeds/seed-NNNN/                the four tables and seed.json of every verified seed
 *   stats.json                      written afterwards by `aggregate` (cli/curate.ts)
 *
 * The ONNX graphs stay behind (~1.8 MB per seed against ~50 KB of tables). Each copied seed.json
 * lists only the files that were copied, so the copy verifies like any seed folder and `aggregate`
 * reads it unchanged; the graphs' sizes and SHA-256s move to its `curated.omitted`, so the copy
 * still says which trained networks it came from. The copy is built in a temp folder beside
 * `dest` (stageCuratedCopy), completed there by the caller (stats.json from `aggregate`), and only
 * then renamed over `dest` (commitCuratedCopy): a failure at any step leaves the previous copy whole.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FilterstudyError, ioError } from '../errors.ts';
import { writeFileAtomic } from './arrow.ts';
import { seedDirName } from './outputs.ts';
import { SEED_TABLES, type CURATED_RECORD_FIELDS } from './schema.ts';
import { scanSeeds, type Manifest } from './seed-manifest.ts';

/** The files a curated seed keeps: the tables the statistics read (seed.json is rewritten). */
export const CURATED_SEED_FILES: readonly string[] = SEED_TABLES.map((t) => `${t}.arrow`);

export interface CurateResult {
  dest: string;
  /** The temp folder beside dest holding the copy until commitCuratedCopy renames it to dest. */
  staged: string;
  seeds: number[];
  /** Every file written, relative to dest. */
  files: string[];
  /** Bytes written in all. */
  bytes: number;
  /** Files of the source seeds left out (per seed the same names: the ONNX graphs). */
  omitted: string[];
}

/**
 * Copies `src` (a study folder written by `run`) into a temp folder beside `dest` (`staged`), as
 * described above; `dest` is not touched. The caller completes the copy, then commitCuratedCopy or
 * discardCuratedCopy.
 */
export function stageCuratedCopy(src: string, dest: string): CurateResult {
  const config = join(src, 'config.json');
  if (!existsSync(config)) {
    throw new FilterstudyError('E_INPUT', `${src} is not a study folder: it has no config.json`, { hint: 'name a folder written by `filterstudy run`, e.g. out/quick' });
  }
  const { good, bad } = scanSeeds(join(src, 'seeds'));
  if (bad.length) {
    throw new FilterstudyError('E_OUTPUT', `${src}: seed ${bad[0].seed} does not verify (${bad[0].reason})${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}`, {
      hint: 'rerun the study (`filterstudy run` with the same options) so that bad seeds are quarantined and trained again, then curate',
    });
  }
  if (!good.length) throw new FilterstudyError('E_INPUT', `${src} has no finished seed to curate`, { hint: 'run the study first' });

  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const files: string[] = [];
  let bytes = 0;
  const omitted = new Set<string>();
  const put = (rel: string, write: (path: string) => void) => {
    const path = join(tmp, rel);
    write(path);
    files.push(rel);
    bytes += statSync(path).size;
  };
  try {
    mkdirSync(join(tmp, 'seeds'), { recursive: true });
    put('config.json', (p) => copyFileSync(config, p));
    for (const { seed, dir, files: manifest } of good) {
      const rel = join('seeds', seedDirName(seed));
      mkdirSync(join(tmp, rel));
      const kept: Manifest = {};
      const left: Manifest = {};
      for (const [name, entry] of Object.entries(manifest)) {
        if (CURATED_SEED_FILES.includes(name)) kept[name] = entry;
        else left[name] = entry, omitted.add(name);
      }
      for (const name of Object.keys(kept)) put(join(rel, name), (p) => copyFileSync(join(dir, name), p));
      const record = JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as Record<string, unknown>;
      const extra: Record<keyof typeof CURATED_RECORD_FIELDS, unknown> = { curated: { from: src, omitted: left } };
      put(join(rel, 'seed.json'), (p) => writeFileAtomic(p, `${JSON.stringify({ ...record, files: kept, ...extra }, null, 2)}\n`));
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e instanceof FilterstudyError ? e : ioError(e, 'write', dest);
  }
  return { dest, staged: tmp, seeds: good.map((g) => g.seed), files, bytes, omitted: [...omitted].sort() };
}

/**
 * Replaces `dest` by the completed staged copy: the old copy is moved aside, the new one renamed
 * into place, and only then the old one removed (put back if the rename fails).
 */
export function commitCuratedCopy(r: CurateResult): void {
  const old = existsSync(r.dest) ? join(dirname(r.dest), `.${basename(r.dest)}.old-${process.pid}`) : null;
  try {
    if (old) {
      rmSync(old, { recursive: true, force: true }); // left by a process of the same pid that was killed here
      renameSync(r.dest, old);
    }
    try {
      renameSync(r.staged, r.dest);
    } catch (e) {
      if (old) renameSync(old, r.dest);
      throw e;
    }
  } catch (e) {
    throw ioError(e, 'write', r.dest);
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Removes a staged copy that will not be committed (dest stays as it was). */
export function discardCuratedCopy(r: CurateResult): void {
  rmSync(r.staged, { recursive: true, force: true });
}
