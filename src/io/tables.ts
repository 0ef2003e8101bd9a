/**
 * Tables built from, and checked against, the schema (io/schema.ts): the writer's rows → an Arrow
 * Table with `schemaVersion` in its metadata; a read Arrow file → its declared metadata keys and a
 * coded error for a missing column, a wrong type or a newer schema, naming the file and the fix.
 */
import { DataType, type Table } from 'apache-arrow';
import { FilterstudyError } from '../errors.ts';
import { arrowFromBytes, buildTable, readArrowFile, type Column } from './arrow.ts';
import {
  filtersSpec, META_KEYS, METADATA_KEY, SCHEMA_VERSION, TABLE_SPECS, UNVERSIONED_SCHEMA, V2_RENAMES, WEIGHT_COLUMN,
  type ArrowType, type CellValue, type ColumnSpec, type FileMeta, type MetaKey, type TableName, type TableSpec,
} from './schema.ts';

/** The metadata object of a file: the caller's keys (each one of META_KEYS) plus the schema version. */
export type MetaInput = { [K in MetaKey]?: unknown };

const typedColumn = <R>(c: ColumnSpec<R>, rows: readonly R[]): Column => {
  // Nullable columns and booleans (no typed array) carry a validity bitmap; the rest are typed
  // arrays (zero copy) or plain Utf8 strings, as pandas, polars, R and DuckDB read them.
  if (c.nullable || c.type === 'Bool') {
    const kind = ({ Int32: 'int32', Float32: 'float32', Float64: 'float64', Utf8: 'utf8', Bool: 'bool' } as const)[c.type];
    return { type: kind, values: rows.map(c.value) };
  }
  switch (c.type) {
    case 'Int32': return Int32Array.from(rows, (r) => c.value(r) as number);
    case 'Float32': return Float32Array.from(rows, (r) => c.value(r) as number);
    case 'Float64': return Float64Array.from(rows, (r) => c.value(r) as number);
    case 'Utf8': return rows.map((r) => c.value(r) as string);
  }
};

/** Rows → the table `spec` declares, metadata `{ schemaVersion, ...meta }` under 'filterstudy'. */
export function tableFromRows<R>(spec: TableSpec<R>, rows: readonly R[], meta: MetaInput): Table {
  return buildTable(Object.fromEntries(spec.columns.map((c) => [c.name, typedColumn(c, rows)])), { schemaVersion: SCHEMA_VERSION, ...meta });
}

const rerunHint = (name: TableName): string => name === 'stats'
  ? 'written by an older filterstudy or another tool: re-run `filterstudy aggregate` on the study folder'
  : 'written by an older filterstudy or another tool: re-run the study with this version (`filterstudy run`, a new --name or --out), or read it with the version that wrote it';

/** The declared keys of a file's 'filterstudy' metadata; unknown keys are dropped, a missing version is 1. */
export function readMeta(table: Table, path: string, name: TableName): FileMeta {
  const raw = table.schema.metadata.get(METADATA_KEY);
  let j: Record<string, unknown> = {};
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) j = parsed as Record<string, unknown>;
      else throw new Error('not a JSON object');
    } catch (cause) {
      throw new FilterstudyError('E_OUTPUT', `${path}: schema metadata '${METADATA_KEY}' is not a JSON object`, { cause, hint: rerunHint(name) });
    }
  }
  const version = j.schemaVersion ?? UNVERSIONED_SCHEMA;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new FilterstudyError('E_OUTPUT', `${path}: schemaVersion ${JSON.stringify(version)} is not a version number`, { hint: rerunHint(name) });
  }
  if (version > SCHEMA_VERSION) {
    throw new FilterstudyError('E_OUTPUT', `${path} has Arrow schema version ${version}; this filterstudy reads versions up to ${SCHEMA_VERSION}`, {
      hint: 'written by a newer filterstudy: upgrade filterstudy to read it',
    });
  }
  const meta: FileMeta = { schemaVersion: version };
  for (const k of Object.keys(META_KEYS) as MetaKey[]) if (k !== 'schemaVersion' && k in j) meta[k] = j[k];
  return meta;
}

/** The kernel size a filters table's weight columns w_<r>_<c> give (largest index + 1), or an error naming the file. */
function kernelSizeOf(table: Table, path: string): number {
  const idx = table.schema.fields.map((f) => WEIGHT_COLUMN.exec(f.name)).filter((m) => m !== null).flatMap((m) => [Number(m[1]), Number(m[2])]);
  if (!idx.length) throw new FilterstudyError('E_OUTPUT', `${path}: no weight columns w_<r>_<c>`, { hint: rerunHint('filters') });
  return Math.max(...idx) + 1; // a missing w_r_c of that K×K kernel is then named by validateTable
}

/**
 * Whether a column of Arrow type `t` reads as the schema's `want`: the exact type, or one the
 * reader converts without loss of meaning (dictionary or large strings, other integer widths,
 * either float precision), as pandas, polars or a tool's rewrite of a study file may store them.
 */
function readsAs(t: DataType, want: ArrowType): boolean {
  switch (want) {
    case 'Utf8': return DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary)));
    case 'Int32': return DataType.isInt(t);
    case 'Float32': case 'Float64': return DataType.isFloat(t);
    case 'Bool': return DataType.isBool(t);
  }
}

/**
 * Checks every declared column: present (unless `optional`) and of a type that reads as the
 * schema's (readsAs; the writer writes exactly the schema's). Extra columns are allowed (a newer minor addition, or a tool's own). Returns the spec the table matched.
 */
export function validateTable(table: Table, name: TableName, path: string, version: number): TableSpec<unknown> {
  const spec = (name === 'filters' ? filtersSpec(kernelSizeOf(table, path)) : TABLE_SPECS[name]) as TableSpec<unknown>;
  const fields = new Map(table.schema.fields.map((f) => [f.name, f.type as DataType]));
  for (const c of spec.columns) {
    const type = fields.get(fileColumnName(name, c.name, version));
    if (type === undefined) {
      if (c.optional) continue;
      throw new FilterstudyError('E_OUTPUT', `${path}: column '${c.name}' is missing (${c.type}; file schema version ${version}; columns present: ${[...fields.keys()].join(', ')})`, { hint: rerunHint(name) });
    }
    if (!readsAs(type, c.type)) {
      throw new FilterstudyError('E_OUTPUT', `${path}: column '${c.name}' is ${String(type)}, the schema says ${c.type}`, { hint: rerunHint(name) });
    }
  }
  return spec;
}

export interface StudyTable { path: string; table: Table; meta: FileMeta; spec: TableSpec<unknown> }

/** An Arrow file of the study folder, read (from `bytes` when given), its metadata parsed and its columns validated. */
export function readStudyTable(path: string, name: TableName, bytes?: Uint8Array): StudyTable {
  const table = bytes ? arrowFromBytes(bytes, path) : readArrowFile(path);
  const meta = readMeta(table, path, name);
  return { path, table, meta, spec: validateTable(table, name, path, meta.schemaVersion) };
}

/** The name column `name` (current) has in a file of schema `version`: renamed in version 3 (V2_RENAMES). */
const fileColumnName = (table: TableName, name: string, version: number): string =>
  (version < 3 ? V2_RENAMES.columns[table]?.[name] : undefined) ?? name;

/**
 * Column `name` of a validated table as a getter, in the current vocabulary: a file of schema 1–2
 * reads with version 3's names (V2_RENAMES): its `filter` column as `filter_index`, the rerun
 * (`cnn1` + stage `rerun`, `cnn1-rerun`, `model1.cnn1@rerun`) as network `cnn1_rerun` (stage
 * `trained`), model-1's history `lstm` as `pipeline`. An optional column the file lacks reads as null.
 */
export function columnGetter(t: StudyTable, name: string): (i: number) => CellValue {
  const raw = rawColumnGetter(t, fileColumnName(t.spec.name as TableName, name, t.meta.schemaVersion), name);
  if (t.meta.schemaVersion >= 3) return raw;
  const table = t.spec.name as TableName;
  const R = V2_RENAMES;
  // filters: (network, stage); similarity: (ref_network, ref_stage) and (other_network, other_stage)
  const stageOf = (col: string): string | null => (table === 'filters' && col === 'network' ? 'stage' : table === 'similarity' && /^(ref|other)_network$/.test(col) ? col.replace('network', 'stage') : null);
  const stageCol = stageOf(name);
  if (stageCol) {
    const stage = rawColumnGetter(t, stageCol, stageCol);
    return (i) => (stage(i) === R.rerunStage ? R.rerunNetwork : raw(i));
  }
  if ((table === 'filters' && name === 'stage') || (table === 'similarity' && /^(ref|other)_stage$/.test(name))) return (i) => (raw(i) === R.rerunStage ? 'trained' : raw(i));
  if (table === 'similarity' && name === 'comparison') return (i) => R.comparisons.reduce((v, [from, to]) => v.split(from).join(to), String(raw(i)));
  if ((table === 'metrics' || table === 'history') && name === 'network') {
    const model = table === 'history' ? rawColumnGetter(t, 'model', 'model') : null;
    return (i) => {
      const v = String(raw(i));
      if (model && v === R.model1HistoryLstm && model(i) === 'model1') return 'pipeline';
      return R.networks[v] ?? v;
    };
  }
  return raw;
}

/** Column `file` (its name in the file) of a validated table as a getter, as stored; `name`: its current name (for optional and errors). */
function rawColumnGetter(t: StudyTable, file: string, name: string): (i: number) => CellValue {
  const c = t.table.getChild(file);
  if (!c) {
    if (t.spec.columns.some((s) => s.name === name && s.optional)) return () => null;
    throw new FilterstudyError('E_OUTPUT', `${t.path}: column '${name}' is missing`, { hint: rerunHint(t.spec.name as TableName) });
  }
  return (i: number) => {
    const v = c.get(i) as CellValue | bigint | undefined;
    return typeof v === 'bigint' ? Number(v) : (v ?? null);
  };
}

/** Every row of a validated table as a plain object keyed by column name (optional columns absent → null). */
export function tableRows(t: StudyTable): Record<string, CellValue>[] {
  const names = t.spec.columns.map((c) => c.name);
  const get = names.map((n) => columnGetter(t, n));
  return Array.from({ length: t.table.numRows }, (_, i) => Object.fromEntries(names.map((n, j) => [n, get[j](i)])));
}
