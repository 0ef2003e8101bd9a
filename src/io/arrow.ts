/**
 * Arrow IPC *file* format (not the stream default) from plain columns: typed arrays for numbers,
 * string arrays as plain Utf8 (not dictionary) so pandas, polars, R and DuckDB read them as text.
 * Files are written atomically: write a temp file, then rename.
 */
import { renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { Bool, Float32, Float64, Int32, makeVector, Schema, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { FilterstudyError, ioError } from '../errors.ts';
import { tempPathFor } from './claims.ts';
import { METADATA_KEY } from './schema.ts';

/** A column that may hold nulls (or booleans, which have no typed array): built with a validity bitmap. */
export interface TypedColumn {
  type: 'int32' | 'float32' | 'float64' | 'bool' | 'utf8';
  values: (number | boolean | string | null)[];
}

export type Column = Int32Array | Float32Array | Float64Array | string[] | TypedColumn;

const ARROW_TYPES = { int32: () => new Int32(), float32: () => new Float32(), float64: () => new Float64(), bool: () => new Bool(), utf8: () => new Utf8() };

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
  const schema = new Schema(t.schema.fields, new Map([[METADATA_KEY, JSON.stringify(metadata)]]));
  return new Table(schema, t.batches);
}

export { ensureDir } from './dirs.ts'; // here too: where the writers have always found it

/**
 * Temp file, then rename: readers see the old file or the new one, never half of one. On any
 * failure (disk full, read-only) the temp file is removed and an E_IO error names `path`.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(path); // host, pid, random: several processes may share the folder
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e, 'write', path);
  }
}

export function writeArrowFile(path: string, table: Table): void {
  writeFileAtomic(path, tableToIPC(table, 'file'));
}

const DAMAGED_HINT = 'it is damaged or truncated: rerun the same `filterstudy run` command, which verifies every seed, retrains damaged ones and rebuilds the combined files';

/** Arrow IPC file bytes → Table; an empty, truncated or foreign file is an E_OUTPUT error naming `path`. */
export function arrowFromBytes(bytes: Uint8Array, path: string): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
    // Batches decode lazily: touch every column now, so a truncated body fails here, by name.
    for (const b of table.batches) for (let i = 0; i < b.numCols; i++) b.getChildAt(i)?.toArray();
  } catch (cause) {
    throw new FilterstudyError('E_OUTPUT', `${path} is not a readable Arrow IPC file (${bytes.length} bytes): ${(cause as Error).message}`, {
      cause, hint: DAMAGED_HINT,
    });
  }
  if (table.schema.fields.length === 0) {
    throw new FilterstudyError('E_OUTPUT', `${path} is ${bytes.length === 0 ? 'empty (0 bytes)' : 'an Arrow file without columns'}`, {
      hint: DAMAGED_HINT,
    });
  }
  return table;
}

export function readArrowFile(path: string): Table {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw ioError(e, 'read', path);
  }
  return arrowFromBytes(bytes, path);
}

/** Concatenates tables of one schema (per-seed files) into one, keeping the given metadata. */
export function concatTables(tables: Table[], metadata: unknown): Table | null {
  if (tables.length === 0) return null;
  const batches = tables.flatMap((t) => t.batches);
  const schema = new Schema(tables[0].schema.fields, new Map([[METADATA_KEY, JSON.stringify(metadata)]]));
  return new Table(schema, batches);
}
