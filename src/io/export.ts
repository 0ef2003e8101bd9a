/**
 * Parquet and CSV copies of a study's Arrow tables, for tools that cannot read Arrow IPC without
 * extra installs (pandas without pyarrow, R without arrow, DuckDB without its arrow extension).
 *
 * Generic over tables and columns: every `<name>.arrow` in the folder becomes `<name>.parquet` or
 * `<name>.csv` with the same columns in the same order (whatever columns the tables have: new
 * ones need no change here), plus `study` and `config_hash` so stacked studies keep their origin.
 * Types map Int32 → INT32, Int64 → INT64, Float32 → FLOAT, Float64 → DOUBLE, Utf8 → UTF8 string,
 * Bool → BOOLEAN; nulls stay nulls (Parquet) or empty fields (CSV).
 *
 * A table of schema version 1–2 (an older study folder) is written in version 3's vocabulary, as
 * the reader reads it (io/tables.ts columnGetter, io/schema.ts V2_RENAMES): `filter` as
 * `filter_index`, the rerun as network `cnn1_rerun` (stage `trained`), model-1's history `lstm` as
 * `pipeline`; its metadata's schemaVersion becomes 3. The Arrow files themselves are not rewritten.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataType, type Table, type Vector } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FilterstudyError } from '../errors.ts';
import { readArrowFile, writeFileAtomic } from './arrow.ts';
import { METADATA_KEY, SCHEMA_VERSION, SEED_TABLES, V2_RENAMES, type FileMeta, type TableName } from './schema.ts';
import { columnGetter, readMeta, validateTable, type StudyTable } from './tables.ts';

export const EXPORT_FORMATS = ['parquet', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type ParquetType = 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'STRING' | 'BOOLEAN';

/** One exported column: its values (null = missing) and Parquet type. */
export interface ExportColumn { name: string; type: ParquetType; values: ArrayLike<number | bigint | string | boolean | null> }

function parquetType(t: DataType, name: string): ParquetType {
  if (DataType.isInt(t)) {
    if (t.bitWidth === 64) return 'INT64';
    if (t.bitWidth <= 32 && (t.isSigned || t.bitWidth < 32)) return 'INT32';
  }
  if (DataType.isFloat(t)) return t.precision === 1 /* SINGLE */ ? 'FLOAT' : 'DOUBLE';
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isDictionary(t)) return 'STRING';
  if (DataType.isBool(t)) return 'BOOLEAN';
  throw new FilterstudyError('E_OUTPUT', `column "${name}" has Arrow type ${String(t)}, which the Parquet/CSV export does not map`, {
    hint: 'add the type to parquetType() in src/io/export.ts',
  });
}

function columnValues(v: Vector, type: ParquetType): ExportColumn['values'] {
  // Typed arrays pass straight through when nothing is missing; otherwise a plain array with nulls.
  if (v.nullCount === 0 && type !== 'STRING' && type !== 'BOOLEAN') return v.toArray() as ExportColumn['values'];
  return Array.from({ length: v.length }, (_, i) => v.get(i) as number | bigint | string | boolean | null);
}

/** Which study a folder holds: config.json first (run's folders), else the tables' own metadata. */
export function studyIdentity(dir: string, table?: Table): { study: string; configHash: string } {
  const cfgFile = join(dir, 'config.json');
  if (existsSync(cfgFile)) {
    const c = JSON.parse(readFileSync(cfgFile, 'utf8')) as { study?: string; configHash?: string };
    if (c.study && c.configHash) return { study: c.study, configHash: c.configHash };
  }
  // Declared keys only (io/schema.ts META_KEYS): a file's metadata, or none when it has none.
  const meta = JSON.parse(table?.schema.metadata.get(METADATA_KEY) ?? '{}') as Pick<FileMeta, 'study' | 'configHash'> & { config?: { name?: string } };
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { study: str(meta.study) ?? meta.config?.name ?? basename(dir), configHash: str(meta.configHash) ?? '' };
}

/** The table's columns as they are, typed for export. */
function tableColumns(table: Table): ExportColumn[] {
  return table.schema.fields.map((f, i) => {
    const type = parquetType(f.type, f.name);
    return { name: f.name, type, values: columnValues(table.getChildAt(i)!, type) };
  });
}

/**
 * The columns of `file`'s table in the current vocabulary, and its metadata: a per-seed or combined
 * table of schema 1–2 renamed and relabelled as described above (validated first, so a damaged
 * file is named); any other table as it is.
 */
export function currentColumns(file: string, table: Table): { columns: ExportColumn[]; metadata: string | undefined } {
  const metadata = table.schema.metadata.get(METADATA_KEY);
  const name = basename(file, '.arrow') as TableName;
  const asIs = tableColumns(table);
  if (!(SEED_TABLES as readonly string[]).includes(name)) return { columns: asIs, metadata };
  const meta = readMeta(table, file, name);
  if (meta.schemaVersion >= 3) return { columns: asIs, metadata };
  const t: StudyTable = { path: file, table, meta, spec: validateTable(table, name, file, meta.schemaVersion) };
  const current = Object.fromEntries(Object.entries(V2_RENAMES.columns[name] ?? {}).map(([now, before]) => [before, now]));
  const columns = asIs.map((c) => {
    const now = current[c.name] ?? c.name;
    if (!t.spec.columns.some((x) => x.name === now)) return c; // a column the schema does not declare: as it is
    const get = columnGetter(t, now);
    return { name: now, type: c.type, values: Array.from({ length: table.numRows }, (_, i) => get(i)) };
  });
  return { columns, metadata: JSON.stringify({ ...(JSON.parse(metadata ?? '{}') as object), schemaVersion: SCHEMA_VERSION }) };
}

/** The table's columns plus `study` and `config_hash` (constant over the rows), in export order. */
export function exportColumns(table: Table, id: { study: string; configHash: string }, columns: ExportColumn[] = tableColumns(table)): ExportColumn[] {
  const cols: ExportColumn[] = [...columns];
  const n = table.numRows;
  for (const [name, value] of [['study', id.study], ['config_hash', id.configHash]] as const) {
    if (!cols.some((c) => c.name === name)) cols.push({ name, type: 'STRING', values: new Array<string>(n).fill(value) });
  }
  return cols;
}

export function toParquet(cols: ExportColumn[], metadata?: string): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: cols.map((c) => ({ name: c.name, type: c.type, data: c.values as never, nullable: true })),
    kvMetadata: metadata ? [{ key: METADATA_KEY, value: metadata }] : undefined,
    createdBy: 'filterstudy (hyparquet-writer)',
  });
  return new Uint8Array(buf);
}

/** Shortest decimal that reads back as the same float32 (a float32 printed as a double shows noise digits). */
function float32Text(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** RFC 4180 CSV with a header row; numbers in full precision, missing values as empty fields. */
export function toCsv(cols: ExportColumn[]): string {
  const n = cols.length ? cols[0].values.length : 0;
  const lines = [cols.map((c) => csvField(c.name)).join(',')];
  for (let r = 0; r < n; r++) {
    lines.push(cols.map((c) => {
      const v = c.values[r];
      if (v === null || v === undefined) return '';
      if (c.type === 'FLOAT') return float32Text(v as number);
      return typeof v === 'string' ? csvField(v) : String(v);
    }).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The Arrow tables of a study folder (combined tables and stats.arrow; not the per-seed copies). */
export function arrowTablesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new FilterstudyError('E_OUTPUT', `${dir} does not exist`, { hint: 'pass an out/<study> folder written by filterstudy run' });
  return readdirSync(dir).filter((f) => f.endsWith('.arrow')).sort().map((f) => join(dir, f));
}

/** Writes `<name>.<format>` beside every `<name>.arrow` in `dir` (or into `outDir`; only `tables`, Arrow files of `dir`, when given). Returns the files written. */
export function exportStudy(dir: string, format: ExportFormat, outDir = dir, tables?: string[]): string[] {
  if (!EXPORT_FORMATS.includes(format)) {
    throw new FilterstudyError('E_CONFIG', `unknown export format "${String(format)}"`, { hint: `use one of ${EXPORT_FORMATS.join(', ')}` });
  }
  const files = tables ?? arrowTablesIn(dir);
  if (!files.length) throw new FilterstudyError('E_OUTPUT', `${dir} holds no .arrow tables`, { hint: 'run or resume the study first: filterstudy run' });
  const written: string[] = [];
  for (const file of files) {
    const table = readArrowFile(file);
    const { columns, metadata } = currentColumns(file, table);
    const cols = exportColumns(table, studyIdentity(dir, table), columns);
    const out = join(outDir, `${basename(file, '.arrow')}.${format}`);
    writeFileAtomic(out, format === 'parquet' ? toParquet(cols, metadata) : toCsv(cols));
    written.push(out);
  }
  return written;
}
