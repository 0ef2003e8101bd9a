/**
 * Arrow IPC *file* format (not the stream default) from plain columns: typed arrays for numbers,
 * string arrays as plain Utf8 (not dictionary) so pandas, polars, R and DuckDB read them as text.
 * Files are written atomically: write a temp file, then rename.
 */
import { renameSync, writeFileSync, readFileSync } from 'node:fs';
import { Bool, Int32, makeVector, Schema, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';

/** A column that may hold nulls (or booleans, which have no typed array): Arrow int32, bool or utf8 with a validity bitmap. */
export interface TypedColumn {
  type: 'int32' | 'bool' | 'utf8';
  values: (number | boolean | string | null)[];
}

export type Column = Int32Array | Float32Array | Float64Array | string[] | TypedColumn;

const ARROW_TYPES = { int32: () => new Int32(), bool: () => new Bool(), utf8: () => new Utf8() };

function toVector(values: Column): Vector {
  // Typed arrays map to their Arrow type directly (zero copy); strings to plain Utf8.
  if (values instanceof Int32Array) return makeVector(values);
  if (values instanceof Float32Array) return makeVector(values);
  if (values instanceof Float64Array) return makeVector(values);
  if (!Array.isArray(values)) return vectorFromArray(values.values, ARROW_TYPES[values.type]() as never);
  return vectorFromArray(values, new Utf8());
}

/** Columns (all the same length) → Table with JSON schema metadata under the key 'filterstudy'. */
export function buildTable(columns: Record<string, Column>, metadata: unknown): Table {
  const lengths = new Set(Object.values(columns).map((c) => (Array.isArray(c) || ArrayBuffer.isView(c) ? c.length : c.values.length)));
  if (lengths.size > 1) throw new Error(`internal: columns of unequal length ${[...lengths].join(', ')}`);
  const t = new Table(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, toVector(v)])));
  const schema = new Schema(t.schema.fields, new Map([['filterstudy', JSON.stringify(metadata)]]));
  return new Table(schema, t.batches);
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeArrowFile(path: string, table: Table): void {
  writeFileAtomic(path, tableToIPC(table, 'file'));
}

export function readArrowFile(path: string): Table {
  return tableFromIPC(readFileSync(path));
}

/** Concatenates tables of one schema (per-seed files) into one, keeping the given metadata. */
export function concatTables(tables: Table[], metadata: unknown): Table | null {
  if (tables.length === 0) return null;
  const batches = tables.flatMap((t) => t.batches);
  const schema = new Schema(tables[0].schema.fields, new Map([['filterstudy', JSON.stringify(metadata)]]));
  return new Table(schema, batches);
}
