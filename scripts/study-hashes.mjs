#!/usr/bin/env node
// Hashes every column of a study's Arrow tables (per seed and combined), so two runs of the same
// study can be compared value for value even when file bytes or metadata differ.
// Wall-clock columns (names containing "second" or "time") are listed but not hashed.
// Usage: node scripts/study-hashes.mjs <study-dir>  → JSON {file: {column: sha256}} on stdout.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.error('usage: node scripts/study-hashes.mjs <study-dir>  (a folder written by filterstudy run)');
  process.exit(2);
}
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (e.name.endsWith('.arrow')) files.push(join(d, e.name));
  }
};
walk(dir);
const out = {};
for (const f of files.sort()) {
  const t = tableFromIPC(readFileSync(f));
  const cols = {};
  for (const field of t.schema.fields) {
    if (/second|time/i.test(field.name)) { cols[field.name] = 'wall-clock: not compared'; continue; }
    const h = createHash('sha256');
    h.update(String(field.type));
    for (const v of t.getChild(field.name)) {
      h.update(v instanceof Float32Array || ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null');
      h.update('\0');
    }
    cols[field.name] = h.digest('hex').slice(0, 16);
  }
  out[relative(dir, f)] = { rows: t.numRows, columns: cols };
}
console.log(JSON.stringify(out, null, 1));
