/**
 * Parquet and CSV export, read back by independent readers: DuckDB (@duckdb/node-api, its own
 * C++ Parquet and CSV readers) and hyparquet (a JS Parquet reader from another code base than the
 * writer's encoder paths we call).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Bool, Float32, Float64, Int32, Schema, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStudy, toCsv, exportColumns } from '../src/io/export.ts';
import { readArrowFile } from '../src/io/arrow.ts';
import { METADATA_KEY, SEED_TABLES } from '../src/io/schema.ts';
import { writeStudyFiles } from './study-folder.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';
import { FilterstudyError } from '../src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'export-'));
let duck: DuckDBConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];

describe('a study exported to Parquet and CSV', () => {
  const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
  const dir = join(root, 'study');
  beforeAll(() => {
    writeStudyFiles(dir, data);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ study: 'synthetic-a', configHash: 'abc123def456' }));
  });

  it('DuckDB reproduces Table 2 means from metrics.parquet and metrics.csv', async () => {
    const written = exportStudy(dir, 'parquet');
    // the writer's four tables (a synthetic study's history has no rows)
    expect(written.map((f) => f.slice(dir.length + 1))).toEqual(['filters.parquet', 'history.parquet', 'metrics.parquet', 'similarity.parquet']);
    exportStudy(dir, 'csv');
    const st = analyzeStudy(data, { reps: 50 });
    for (const ext of ['parquet', 'csv']) {
      const reader = ext === 'parquet' ? `read_parquet('${dir}/metrics.${ext}')` : `read_csv('${dir}/metrics.${ext}')`;
      const got = await rows(`SELECT model, network, target, avg(accuracy) AS mean, count(*) AS n FROM ${reader} WHERE split = 'test' GROUP BY ALL`);
      const t2 = st.table2.filter((r) => r.n > 0);
      expect(t2.length).toBeGreaterThanOrEqual(4);
      for (const r of t2) {
        const g = got.find((x) => x.model === r.model && x.network === r.network && x.target === r.target);
        expect(g, `${ext} ${r.key}`).toBeDefined();
        expect(Number(g!.n)).toBe(r.n);
        expect(g!.mean as number).toBeCloseTo(r.mean, 12);
      }
    }
  });

  it('keeps every Arrow column with its type, and adds study and config_hash', async () => {
    exportStudy(dir, 'parquet');
    const d = await rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${dir}/filters.parquet'))`);
    const types = Object.fromEntries(d.map((r) => [r.column_name, r.column_type]));
    expect(types).toMatchObject({ seed: 'INTEGER', model: 'VARCHAR', filter_index: 'INTEGER', w_0_0: 'FLOAT', w_2_2: 'FLOAT', bias: 'FLOAT', study: 'VARCHAR', config_hash: 'VARCHAR' });
    const m = await rows(`SELECT DISTINCT study, config_hash FROM read_parquet('${dir}/metrics.parquet')`);
    expect(m).toEqual([{ study: 'synthetic-a', config_hash: 'abc123def456' }]);
    // Values: the first filter's weights are the float32 values the Arrow file holds.
    const f = await rows(`SELECT w_1_1 FROM read_parquet('${dir}/filters.parquet') WHERE seed = 1 AND model = 'model1' AND network = 'cnn1' AND stage = 'trained' AND filter_index = 3`);
    const want = data.filters.find((s) => s.seed === 1 && s.model === 'model1' && s.network === 'cnn1' && s.stage === 'trained')!.weights[3][4];
    expect(f[0].w_1_1).toBe(want);
  });

  it('stacks two studies into one query, each row knowing its study', async () => {
    const dir2 = join(root, 'study2');
    writeStudyFiles(dir2, data, { seeds: [1, 2] });
    writeFileSync(join(dir2, 'config.json'), JSON.stringify({ study: 'synthetic-b', configHash: 'fff000fff000' }));
    exportStudy(dir2, 'parquet');
    const r = await rows(`SELECT study, count(DISTINCT seed) AS seeds FROM read_parquet(['${dir}/metrics.parquet', '${dir2}/metrics.parquet']) GROUP BY study ORDER BY study`);
    expect(r.map((x) => [x.study, Number(x.seeds)])).toEqual([['synthetic-a', 6], ['synthetic-b', 2]]);
  });

  it('filterstudy export writes CSV for several studies into one --out, one folder each; a bad format fails', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
    const out = join(root, 'exported');
    const r = spawnSync(process.execPath, [bin, 'export', dir, join(root, 'study2'), '--format', 'csv', '--out', out], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['study/metrics.csv', 'study/filters.csv', 'study2/metrics.csv']) expect(existsSync(join(out, f)), f).toBe(true);
    const bad = spawnSync(process.execPath, [bin, 'export', dir, '--format', 'xlsx'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0); // commander's own exit code for a bad choice (1 today; faults10 owns exit codes)
    expect(bad.stderr).toMatch(/xlsx/);
  });

  it('refuses an unknown format and a folder without tables, with a coded error', () => {
    expect(() => exportStudy(dir, 'xlsx' as never)).toThrow(FilterstudyError);
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => exportStudy(empty, 'csv')).toThrow(/no \.arrow tables/);
    expect(() => exportStudy(join(root, 'nope'), 'csv')).toThrow(/does not exist/);
  });
});

describe('types, nulls and CSV quoting', () => {
  // Int32, Float32, Float64, Utf8 and Bool, each with a null: what a future column may hold.
  const table = new Table({
    i: vectorFromArray([1, null, -3], new Int32()),
    f: vectorFromArray([0.1, 2.5, null], new Float32()),
    d: vectorFromArray([null, 1e-300, -0.5], new Float64()),
    s: vectorFromArray(['plain', 'a,"quoted"\nvalue', null], new Utf8()),
    b: vectorFromArray([true, null, false], new Bool()),
  });
  const dir = join(root, 'types');

  it('Parquet keeps types and nulls (DuckDB and hyparquet agree)', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 't.arrow'), tableToIPC(table, 'file'));
    exportStudy(dir, 'parquet');
    const d = await rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${dir}/t.parquet'))`);
    expect(Object.fromEntries(d.map((r) => [r.column_name, r.column_type]))).toEqual({ i: 'INTEGER', f: 'FLOAT', d: 'DOUBLE', s: 'VARCHAR', b: 'BOOLEAN', study: 'VARCHAR', config_hash: 'VARCHAR' });
    const got = await rows(`SELECT i, f, d, s, b FROM read_parquet('${dir}/t.parquet')`);
    expect(got).toEqual([
      { i: 1, f: Math.fround(0.1), d: null, s: 'plain', b: true },
      { i: null, f: 2.5, d: 1e-300, s: 'a,"quoted"\nvalue', b: null },
      { i: -3, f: null, d: -0.5, s: null, b: false },
    ]);
    const buf = readFileSync(join(dir, 't.parquet'));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const objs = await parquetReadObjects({ file: ab });
    expect(objs.map((o) => [o.i, o.s, o.b])).toEqual([[1, 'plain', true], [null, 'a,"quoted"\nvalue', null], [-3, null, false]]);
    expect(parquetMetadata(ab).key_value_metadata ?? []).toEqual([]);
  });

  it('CSV round-trips through DuckDB, float32 printed shortest', async () => {
    exportStudy(dir, 'csv');
    const text = readFileSync(join(dir, 't.csv'), 'utf8');
    expect(text.split('\r\n')[0]).toBe('i,f,d,s,b,study,config_hash');
    expect(text).toContain(',0.1,'); // not 0.10000000149011612
    const got = await rows(`SELECT i, d, s, b FROM read_csv('${dir}/t.csv', header = true)`);
    expect(got.map((r) => [Number(r.i ?? NaN), r.d, r.s, r.b])).toEqual([[1, null, 'plain', true], [NaN, 1e-300, 'a,"quoted"\nvalue', null], [-3, -0.5, null, false]]);
  });

  it('exportColumns names the study from the folder when there is no config.json', () => {
    const cols = exportColumns(table, { study: 's', configHash: 'h' });
    expect(cols.map((c) => c.name)).toEqual(['i', 'f', 'd', 's', 'b', 'study', 'config_hash']);
    expect(toCsv(cols.slice(0, 1))).toBe('i\r\n1\r\n\r\n-3\r\n');
  });
});

describe('a version-2 study folder', () => {
  // test/fixtures/study-v1 restamped as version 2 (version 2 only added the key), with its one
  // seed's tables also as the folder's combined tables (what `export` reads).
  const dir = join(root, 'study-v2');
  beforeAll(() => {
    cpSync(join(import.meta.dirname, 'fixtures', 'study-v1'), dir, { recursive: true });
    for (const name of SEED_TABLES) {
      const t = readArrowFile(join(dir, 'seeds', 'seed-0001', `${name}.arrow`));
      const meta = { ...(JSON.parse(t.schema.metadata.get(METADATA_KEY)!) as object), schemaVersion: 2 };
      writeFileSync(join(dir, `${name}.arrow`), tableToIPC(new Table(new Schema(t.schema.fields, new Map([[METADATA_KEY, JSON.stringify(meta)]])), t.batches), 'file'));
    }
  });

  it('exports with version 3\'s column names and values (io/schema.ts V2_RENAMES), Parquet and CSV alike', async () => {
    // The files hold the version-2 names …
    expect(readArrowFile(join(dir, 'filters.arrow')).schema.fields.map((f) => f.name)).toContain('filter');
    expect(readArrowFile(join(dir, 'filters.arrow')).getChild('stage')!.toArray()).toContain('rerun');
    exportStudy(dir, 'parquet');
    exportStudy(dir, 'csv');
    for (const ext of ['parquet', 'csv']) {
      const read = (t: string) => (ext === 'parquet' ? `read_parquet('${dir}/${t}.parquet')` : `read_csv('${dir}/${t}.csv', header = true)`);
      // … the export the version-3 ones.
      const cols = (await rows(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${read('filters')})`)).map((r) => r.column_name);
      expect(cols, ext).toContain('filter_index');
      expect(cols, ext).not.toContain('filter');
      const sets = await rows(`SELECT DISTINCT model, network, stage FROM ${read('filters')} ORDER BY ALL`);
      expect(sets.map((r) => `${String(r.model)}.${String(r.network)}@${String(r.stage)}`), ext).toEqual([
        'model1.cnn1@init', 'model1.cnn1@trained', 'model1.cnn1_rerun@trained', 'model1.cnn2@init', 'model1.cnn2@trained',
        'model2.cnn1@init', 'model2.cnn1@trained', 'model2.cnn2@init', 'model2.cnn2@trained',
      ]);
      const idx = await rows(`SELECT count(DISTINCT filter_index) AS n, min(filter_index) AS lo FROM ${read('filters')}`);
      expect([Number(idx[0].n), Number(idx[0].lo)], ext).toEqual([16, 0]);
      const metricNets = (await rows(`SELECT DISTINCT network FROM ${read('metrics')}`)).map((r) => r.network);
      expect(metricNets, ext).toContain('cnn1_rerun');
      expect(metricNets, ext).not.toContain('cnn1-rerun');
      const hist = (await rows(`SELECT DISTINCT model || '.' || network AS k FROM ${read('history')} ORDER BY k`)).map((r) => r.k);
      expect(hist, ext).toEqual(['model1.cnn1', 'model1.cnn1_rerun', 'model1.cnn2', 'model1.pipeline', 'model2.pipeline']);
      const rerun = await rows(`SELECT count(*) AS n, count(DISTINCT other_stage) AS stages, min(other_network) AS net FROM ${read('similarity')} WHERE comparison = 'model1.cnn1 -> model1.cnn1_rerun'`);
      expect([Number(rerun[0].n), Number(rerun[0].stages), rerun[0].net], ext).toEqual([16, 1, 'cnn1_rerun']);
      expect(Number((await rows(`SELECT count(*) AS n FROM ${read('similarity')} WHERE comparison LIKE '%@rerun%' OR other_stage = 'rerun'`))[0].n), ext).toBe(0);
    }
    // The Parquet copy says it is version 3; the weights are the file's float32 values.
    const buf = readFileSync(join(dir, 'filters.parquet'));
    const kv = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)).key_value_metadata ?? [];
    expect((JSON.parse(kv.find((x) => x.key === METADATA_KEY)!.value!) as { schemaVersion: number }).schemaVersion).toBe(3);
    const arrowW = readArrowFile(join(dir, 'filters.arrow')).getChild('w_1_1')!.toArray() as Float32Array;
    const pqW = (await rows(`SELECT w_1_1 FROM read_parquet('${dir}/filters.parquet')`)).map((r) => r.w_1_1);
    expect(pqW).toEqual([...arrowW]);
  });
});
