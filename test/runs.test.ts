/**
 * The runs table (src/io/runs.ts, issue 21 item 3): one row per study × seed with the flattened
 * config, final metrics, epochs and seconds, per study and stacked by `export a b` and `compare`;
 * read back by DuckDB (@duckdb/node-api, its own Parquet and CSV readers) in one line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAction } from '../src/cli/export.ts';
import { combineSeeds, type StudyMeta } from '../src/io/outputs.ts';
import { RUNS, RUNS_COLUMN_PATTERNS } from '../src/io/schema.ts';
import { runRows } from '../src/io/runs.ts';
import { schemaMarkdown } from '../src/io/schema-doc.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { writeSeedFolders } from './study-folder.ts';

const root = mkdtempSync(join(tmpdir(), 'runs-'));
let duck: DuckDBConnection;
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A study folder as run writes it, named `name`, with train.learningRate = lr (the swept key). */
function study(name: string, seeds: number[], lr: number): string {
  const dir = join(root, 'out', name);
  const paths = writeSeedFolders(dir, makeSyntheticStudy({ seeds: 3, mode: 'paper' }), { seeds });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as StudyMeta & { config: { train: Record<string, unknown> } };
  cfg.study = name;
  cfg.config.train.learningRate = lr;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  combineSeeds(paths, cfg);
  return dir;
}

const rows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];

describe('runs table', () => {
  let a = '';
  let b = '';
  beforeAll(async () => {
    duck = await (await DuckDBInstance.create(':memory:')).connect();
    a = study('sweep.lr-0.01', [1, 2, 3], 0.01);
    b = study('sweep.lr-0.1', [1, 2], 0.1);
  });

  it('has one row per seed with the dotted config, every metric row as columns, epochs and seconds', () => {
    const r = runRows(a);
    expect(r.map((x) => x.seed)).toEqual([1, 2, 3]);
    expect(r[0].study).toBe('sweep.lr-0.01');
    expect(r[0].values['config.train.learningRate']).toBe(0.01);
    expect(r[0].values['config.synthetic.mode']).toBe('paper');
    expect(typeof r[0].values['model1.pipeline.test.third.accuracy']).toBe('number');
    expect(typeof r[0].values['model2.pipeline.test.third.accuracy']).toBe('number');
    expect(typeof r[0].values['model1.cnn1.test.digit.loss']).toBe('number');
    expect(r[0].seconds).toBe(0); // seed.json's seconds as the test writer records it
  });

  it('export of one study: DuckDB reads runs.parquet and runs.csv in one line', async () => {
    await exportAction([a], { format: 'parquet' });
    await exportAction([a], { format: 'csv' });
    for (const f of ['runs.parquet', 'runs.csv']) {
      const got = await rows(`SELECT * FROM '${join(a, f)}' ORDER BY seed`);
      expect(got.map((x) => Number(x.seed)), f).toEqual([1, 2, 3]);
      expect(got[0]['config.train.learningRate'], f).toBe(0.01);
      expect(Object.keys(got[0]).slice(0, RUNS.columns.length)).toEqual(RUNS.columns.map((c) => c.name));
    }
  });

  it('a stacked export of two studies has both, one column per swept key', async () => {
    const written = await exportAction([a, b], { format: 'parquet' });
    const stacked = join(root, 'out', 'runs.parquet');
    expect(written).toContain(stacked);
    const got = await rows(`SELECT study, seed, "config.train.learningRate" AS lr, "model2.pipeline.test.third.accuracy" AS acc FROM '${stacked}' ORDER BY study, seed`);
    expect(got.map((x) => `${String(x.study)}/${String(x.seed)}/${String(x.lr)}`)).toEqual(['sweep.lr-0.01/1/0.01', 'sweep.lr-0.01/2/0.01', 'sweep.lr-0.01/3/0.01', 'sweep.lr-0.1/1/0.1', 'sweep.lr-0.1/2/0.1']);
    for (const x of got) expect(typeof x.acc).toBe('number');
    // --out: the stacked table goes there
    const out = join(root, 'exported');
    await exportAction([a, b], { format: 'csv', out });
    expect(existsSync(join(out, 'runs.csv'))).toBe(true);
    expect((await rows(`SELECT count(*)::INT AS n FROM '${join(out, 'runs.csv')}'`))[0].n).toBe(5);
  });

  it('is documented in the generated schema section', () => {
    const md = schemaMarkdown();
    expect(md).toContain('**runs.parquet**');
    for (const c of [...RUNS.columns.map((x) => x.name), ...RUNS_COLUMN_PATTERNS.map((x) => x.name)]) expect(md, c).toContain(`| ${c.replace(/\|/g, '\\|')} |`);
  });
});
