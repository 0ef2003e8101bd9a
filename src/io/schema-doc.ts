/**
 * docs/outputs.md's description of the study folder's tables, generated from io/schema.ts: one
 * Markdown table per Arrow file, the metadata keys and seed.json's fields. `npm run schema-doc`
 * writes it between the SCHEMA_DOC markers of docs/outputs.md; test/schema.test.ts checks they agree.
 */
import { CURATED_RECORD_FIELDS, filtersSpec, META_KEYS, RUNS, RUNS_COLUMN_PATTERNS, SCHEMA_VERSION, SEED_RECORD_FIELDS, TABLE_SPECS, type ColumnSpec, type TableSpec } from './schema.ts';

export const SCHEMA_DOC_BEGIN = '<!-- schema: generated from src/io/schema.ts by `npm run schema-doc`; test/schema.test.ts checks it -->';
export const SCHEMA_DOC_END = '<!-- /schema -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function columnRows(columns: ColumnSpec<unknown>[]): string[] {
  const rows: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    const type = `${c.type.toLowerCase()}${c.nullable ? ', null' : ''}${c.optional ? ' (absent in older files: read as null)' : ''}`;
    // The K·K weight columns of filters.arrow are one row: w_0_0 … w_<K−1>_<K−1>.
    if (/^w_\d+_\d+$/.test(c.name)) {
      let j = i;
      while (j + 1 < columns.length && /^w_\d+_\d+$/.test(columns[j + 1].name)) j++;
      rows.push(`| ${c.name} … ${columns[j].name} | ${type} | the K×K kernel (K = \`model.kernelSize\`, 3 by default), \`w_<row>_<col>\`, one input channel |`);
      i = j;
      continue;
    }
    rows.push(`| ${c.name} | ${type} | ${cell(c.meaning)} |`);
  }
  return rows;
}

function tableDoc(spec: TableSpec<unknown>): string[] {
  return [`**${spec.file}** — one row per ${spec.rowIs}; ${spec.where}`, '', '| column | type | meaning |', '|---|---|---|', ...columnRows(spec.columns), ''];
}

/** The generated Markdown (without the markers). */
export function schemaMarkdown(): string {
  const specs = [filtersSpec(3), TABLE_SPECS.metrics, TABLE_SPECS.history, TABLE_SPECS.similarity, TABLE_SPECS.stats] as TableSpec<unknown>[];
  const lines = [
    `Arrow schema version **${SCHEMA_VERSION}** (metadata key \`schemaVersion\`; files without it are version 1; versions 1–2 named some columns and values otherwise and still read, see "One vocabulary" above). Types are Arrow's: int32, float32, float64, utf8 (plain, not dictionary), bool; "null" marks nullable columns.`,
    '',
    ...specs.flatMap(tableDoc),
    ...tableDoc(RUNS as TableSpec<unknown>).slice(0, -1),
    ...RUNS_COLUMN_PATTERNS.map((c) => `| ${cell(c.name)} | ${c.type} | ${cell(c.meaning)} |`),
    '',
    "**Metadata**: every table's Arrow schema metadata has one key, `filterstudy`, whose value is a JSON object with these keys (`config.json` holds the study's too):",
    '',
    '| key | in | meaning |',
    '|---|---|---|',
    ...Object.entries(META_KEYS).map(([k, v]) => `| ${k} | ${v.in.join(', ')} | ${cell(v.meaning)} |`),
    '',
    '**seed.json** (one per finished seed, `seeds/seed-NNNN/seed.json`):',
    '',
    '| field | meaning |',
    '|---|---|',
    ...Object.entries(SEED_RECORD_FIELDS).map(([k, v]) => `| ${k} | ${cell(v)} |`),
    ...Object.entries(CURATED_RECORD_FIELDS).map(([k, v]) => `| ${k} | ${cell(v)} |`),
  ];
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by schemaMarkdown(); throws if the markers are missing. */
export function withSchemaDoc(readme: string): string {
  const a = readme.indexOf(SCHEMA_DOC_BEGIN);
  const b = readme.indexOf(SCHEMA_DOC_END);
  if (a < 0 || b < a) throw new Error(`docs/outputs.md lacks the markers ${SCHEMA_DOC_BEGIN} … ${SCHEMA_DOC_END}`);
  return `${readme.slice(0, a + SCHEMA_DOC_BEGIN.length)}\n${schemaMarkdown()}\n${readme.slice(b)}`;
}
