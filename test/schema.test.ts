/**
 * io/schema.ts is the one Arrow contract: the real writer writes exactly its columns, types,
 * metadata keys and seed.json fields; the reader refuses files that break it with a coded error
 * naming file, column and fix; version-1 folders (written before the schema module) still read;
 * the report shows the data files' SHA-256s the writer records; docs/outputs.md's tables are generated.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticSeed } from '../bench/scale-study.ts';
import { seedOutput } from '../src/coordinator/seed-rows.ts';
import { FilterstudyError } from '../src/errors.ts';
import { readArrowFile } from '../src/io/arrow.ts';
import { loadStudy, studyMetadata } from '../src/io/load.ts';
import { combineSeeds, prepareStudyDir, seedDirName, studyMeta, studyPaths, writeSeed, type StudyPaths } from '../src/io/outputs.ts';
import { filtersSpec, META_KEYS, METADATA_KEY, SCHEMA_VERSION, SEED_RECORD_FIELDS, SEED_TABLES, TABLE_SPECS, type DataSource, type MetaScope, type TableSpec } from '../src/io/schema.ts';
import { SCHEMA_DOC_BEGIN, SCHEMA_DOC_END, schemaMarkdown } from '../src/io/schema-doc.ts';
import { readStudyTable, tableRows } from '../src/io/tables.ts';
import { dataFileHashes } from '../src/report/context.ts';
import { aggregate } from '../src/report/report.ts';
import { tempDir, tinyConfig } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const V1 = join(import.meta.dirname, 'fixtures', 'study-v1');

/** A data source as loadMnist records it; made-up hashes, so the test needs no MNIST. */
const SOURCE: DataSource = {
  dir: '/data/mnist', embedded: false,
  files: (['train-images', 'train-labels', 'test-images', 'test-labels'] as const).map((role, i) => ({ role, path: `/data/mnist/${role}`, sha256: String(i + 1).repeat(64), official: i !== 3 })),
};

const specOf = (name: string): TableSpec<unknown> => (name === 'filters' ? filtersSpec(3) : TABLE_SPECS[name as keyof typeof TABLE_SPECS]) as TableSpec<unknown>;
const metaOf = (file: string): Record<string, unknown> => JSON.parse(readArrowFile(file).schema.metadata.get(METADATA_KEY)!) as Record<string, unknown>;
const declaredIn = (scope: MetaScope): string[] => Object.entries(META_KEYS).filter(([, v]) => (v.in as readonly string[]).includes(scope)).map(([k]) => k).sort();
const thrown = (f: () => unknown): FilterstudyError => {
  try {
    f();
  } catch (e) {
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
};

describe('the real writer follows io/schema.ts', () => {
  let paths: StudyPaths;
  let reportMd = '';
  let statsFile = '';
  beforeAll(async () => {
    const cfg = tinyConfig({ outDir: tempDir(), name: 'schema' });
    paths = studyPaths(cfg);
    const meta = studyMeta(cfg, { filterstudy: 'test' }, { backend: 'wasm', data: SOURCE.files }, SOURCE);
    prepareStudyDir(paths, meta);
    for (const s of [1, 2, 3]) writeSeed(paths, seedOutput(syntheticSeed(s), cfg), meta);
    combineSeeds(paths, meta);
    const { files } = await aggregate({ dirs: [paths.root], cka: false, reps: 50 });
    statsFile = files.find((f) => f.endsWith('stats.arrow'))!;
    reportMd = readFileSync(join(paths.root, 'report.md'), 'utf8');
  }, 120_000);

  it('every table, per seed and combined, has exactly the declared columns and Arrow types', () => {
    const files = [...SEED_TABLES.flatMap((t) => [join(paths.seeds, seedDirName(1), `${t}.arrow`), join(paths.root, `${t}.arrow`)]), statsFile];
    for (const file of files) {
      const name = file.split(/[\\/]/).at(-1)!.replace('.arrow', '');
      const t = readArrowFile(file);
      const want = specOf(name).columns.map((c) => `${c.name}:${c.type}`);
      expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`), file).toEqual(want);
      expect(readStudyTable(file, name as never).meta.schemaVersion, file).toBe(SCHEMA_VERSION);
    }
  });

  it('writes every metadata key where META_KEYS says, and no undeclared key', () => {
    for (const t of SEED_TABLES) {
      expect(Object.keys(metaOf(join(paths.seeds, seedDirName(2), `${t}.arrow`))).sort(), `seed ${t}`).toEqual(declaredIn('seed'));
      expect(Object.keys(metaOf(join(paths.root, `${t}.arrow`))).sort(), `combined ${t}`).toEqual(declaredIn('combined'));
    }
    expect(Object.keys(metaOf(statsFile)).sort()).toEqual(declaredIn('stats'));
    expect(Object.keys(JSON.parse(readFileSync(paths.config, 'utf8')) as object).sort()).toEqual(declaredIn('config.json'));
    // The values the reader uses: the version, the study, the data files' SHA-256s.
    const m = studyMetadata(paths.root)!;
    expect(m).toMatchObject({ schemaVersion: SCHEMA_VERSION, study: 'schema', seed: 1, backend: 'wasm' });
    expect(dataFileHashes(m).map((f) => f.sha256)).toEqual(SOURCE.files.map((f) => f.sha256));
  });

  it('seed.json has exactly SEED_RECORD_FIELDS, in order', () => {
    const rec = JSON.parse(readFileSync(join(paths.seeds, seedDirName(3), 'seed.json'), 'utf8')) as object;
    expect(Object.keys(rec)).toEqual(Object.keys(SEED_RECORD_FIELDS));
  });

  it("the report shows the study's name and every data file's SHA-256", () => {
    expect(reportMd).toContain('- **Study:** schema');
    for (const f of SOURCE.files) expect(reportMd).toMatch(new RegExp(`\\| ${f.role} \\| ${f.sha256} \\| ${f.official ? 'yes' : 'no'} \\|`));
    expect(reportMd).toContain('MNIST IDX files in /data/mnist');
    expect(reportMd).toMatch(/data written \d{4}-\d\d-\d\dT/); // seed.json finishedAt
  });
});

describe('the reader validates against the schema', () => {
  const dir = tempDir();
  /** seed 1's metrics.arrow of the version-1 fixture with one column replaced (or removed) and metadata `meta`. */
  const variant = (name: string, change: { drop?: string; asUtf8?: string; meta?: Record<string, unknown> }): string => {
    const t = readArrowFile(join(V1, 'seeds', 'seed-0001', 'metrics.arrow'));
    const cols = Object.fromEntries(t.schema.fields.filter((f) => f.name !== change.drop).map((f) => [f.name, f.name === change.asUtf8
      ? vectorFromArray(Array.from(t.getChild(f.name)!.toArray() as Int32Array, String), new Utf8())
      : t.getChild(f.name)!]));
    const plain = new Table(cols);
    const meta = change.meta ?? JSON.parse(t.schema.metadata.get(METADATA_KEY)!);
    const file = join(dir, `${name}.arrow`);
    writeFileSync(file, tableToIPC(new Table(new Schema(plain.schema.fields, new Map([[METADATA_KEY, JSON.stringify(meta)]])), plain.batches), 'file'));
    return file;
  };

  it('a missing column: E_OUTPUT naming the file, the column and what to do', () => {
    const file = variant('no-loss', { drop: 'loss' });
    const e = thrown(() => readStudyTable(file, 'metrics'));
    expect(e.code).toBe('E_OUTPUT');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/column 'loss' is missing \(Float64; file schema version 1/);
    expect(e.hint).toMatch(/older filterstudy.*re-run/);
  });

  it('a column of the wrong type, a newer schema version, and a missing optional column', () => {
    const e = thrown(() => readStudyTable(variant('seed-text', { asUtf8: 'seed' }), 'metrics'));
    expect(e.message).toMatch(/column 'seed' is Utf8, the schema says Int32/);
    const newer = thrown(() => readStudyTable(variant('v99', { meta: { schemaVersion: SCHEMA_VERSION + 1 } }), 'metrics'));
    expect(newer.message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}; this filterstudy reads versions up to ${SCHEMA_VERSION}`));
    expect(newer.hint).toMatch(/newer filterstudy/);
    // Stop-rule columns came later than the others: a file without them reads, as nulls.
    const t = readStudyTable(variant('no-stop', { drop: 'met_stop_rule' }), 'metrics');
    expect(t.meta.schemaVersion).toBe(1);
  });

  it('reads a version-1 study folder written before the schema module', () => {
    const d = loadStudy(V1);
    expect(d.seeds).toEqual([1]);
    expect(d.kernelSize).toBe(3);
    expect(d.numFilters).toBe(16);
    expect(d.filters).toHaveLength(9); // 4 CNNs × init/trained + model-1 CNN1's rerun
    expect(d.metrics).toHaveLength(28);
    expect(d.similarity).toHaveLength(13 * 16);
    expect(d.metrics.find((r) => r.model === 'model1' && r.network === 'cnn1' && r.target === 'digit' && r.split === 'test')).toMatchObject({ epochsRun: 2, stopReason: 'fixed', metStopRule: true });
    for (const t of SEED_TABLES) expect(readStudyTable(join(V1, 'seeds', 'seed-0001', `${t}.arrow`), t).meta.schemaVersion).toBe(1);
    // read in version 3's vocabulary (io/schema.ts V2_RENAMES)
    expect(d.filters.filter((f) => f.network === 'cnn1_rerun').map((f) => `${f.model}/${f.stage}`)).toEqual(['model1/trained']);
    expect(d.filters.some((f) => (f.stage as string) === 'rerun')).toBe(false);
    const hashes = dataFileHashes(studyMetadata(V1)!);
    expect(hashes.map((h) => h.role)).toEqual(['train-images', 'train-labels', 'test-images', 'test-labels']);
    expect(hashes.every((h) => /^[0-9a-f]{64}$/.test(h.sha256) && h.official === true)).toBe(true);
  });
});

describe('schema version 3: one vocabulary; version-2 folders read with its names', () => {
  /** The version-1 fixture restamped as version 2 (version 2 only added the key: same columns and values). */
  const v2 = (): string => {
    const dir = join(tempDir(), 'study-v2');
    cpSync(V1, dir, { recursive: true });
    for (const name of SEED_TABLES) {
      const file = join(dir, 'seeds', 'seed-0001', `${name}.arrow`);
      const t = readArrowFile(file);
      const meta = { ...JSON.parse(t.schema.metadata.get(METADATA_KEY)!), schemaVersion: 2 };
      writeFileSync(file, tableToIPC(new Table(new Schema(t.schema.fields, new Map([[METADATA_KEY, JSON.stringify(meta)]])), t.batches), 'file'));
    }
    return dir;
  };

  it('the version-2 names are in the folder: filter, cnn1 + stage rerun, cnn1-rerun, model1.cnn1@rerun, model-1 lstm', () => {
    const dir = v2();
    const f = readArrowFile(join(dir, 'seeds', 'seed-0001', 'filters.arrow'));
    expect(f.schema.fields.map((x) => x.name)).toContain('filter');
    expect(f.getChild('stage')!.toArray()).toContain('rerun');
    expect(readArrowFile(join(dir, 'seeds', 'seed-0001', 'metrics.arrow')).getChild('network')!.toArray()).toContain('cnn1-rerun');
    expect(readArrowFile(join(dir, 'seeds', 'seed-0001', 'history.arrow')).getChild('network')!.toArray()).toContain('lstm');
    expect(readArrowFile(join(dir, 'seeds', 'seed-0001', 'similarity.arrow')).getChild('comparison')!.toArray()).toContain('model1.cnn1 -> model1.cnn1@rerun');
  });

  it('loadStudy and the table reader give them as filter_index, cnn1_rerun (stage trained) and model-1 pipeline', () => {
    const dir = v2();
    for (const t of SEED_TABLES) expect(readStudyTable(join(dir, 'seeds', 'seed-0001', `${t}.arrow`), t).meta.schemaVersion).toBe(2);
    const d = loadStudy(dir);
    expect(d.filters.map((x) => `${x.model}.${x.network}@${x.stage}`).sort()).toEqual([
      'model1.cnn1@init', 'model1.cnn1@trained', 'model1.cnn1_rerun@trained', 'model1.cnn2@init', 'model1.cnn2@trained',
      'model2.cnn1@init', 'model2.cnn1@trained', 'model2.cnn2@init', 'model2.cnn2@trained',
    ]);
    expect(d.numFilters).toBe(16); // filter_index read from `filter`: 16 distinct per set
    const rerun = d.similarity.filter((r) => r.comparison === 'model1.cnn1 -> model1.cnn1_rerun');
    expect(rerun).toHaveLength(16);
    expect(rerun.every((r) => r.otherNetwork === 'cnn1_rerun' && r.otherStage === 'trained' && r.refNetwork === 'cnn1')).toBe(true);
    expect(d.similarity.some((r) => r.comparison.includes('@rerun') || r.refStage === 'rerun' || r.otherStage === 'rerun')).toBe(false);
    expect(d.metrics.filter((r) => r.network === 'cnn1_rerun').map((r) => r.target).sort()).toEqual(['digit_probe', 'digit_relabelled']);
    expect(d.metrics.some((r) => r.network === 'cnn1-rerun')).toBe(false);
    const h = tableRows(readStudyTable(join(dir, 'seeds', 'seed-0001', 'history.arrow'), 'history'));
    expect([...new Set(h.map((r) => `${r.model}.${r.network}`))].sort()).toEqual(['model1.cnn1', 'model1.cnn1_rerun', 'model1.cnn2', 'model1.pipeline', 'model2.pipeline']);
    expect(readStudyTable(join(dir, 'seeds', 'seed-0001', 'filters.arrow'), 'filters').table.getChild('filter_index')).toBeNull(); // the file itself is not rewritten
  });

  it('a version-3 file is read as written: its filters need `filter_index`', () => {
    const dir = v2();
    const file = join(dir, 'seeds', 'seed-0001', 'filters.arrow');
    const t = readArrowFile(file);
    writeFileSync(file, tableToIPC(new Table(new Schema(t.schema.fields, new Map([[METADATA_KEY, JSON.stringify({ schemaVersion: 3 })]])), t.batches), 'file'));
    expect(SCHEMA_VERSION).toBe(3);
    expect(thrown(() => readStudyTable(file, 'filters')).message).toMatch(/column 'filter_index' is missing \(Int32; file schema version 3/);
  });
});

describe('docs/outputs.md documents the schema', () => {
  it("its Arrow tables section is schemaMarkdown() (run `npm run schema-doc` after changing io/schema.ts)", () => {
    const readme = readFileSync(join(ROOT, 'docs', 'outputs.md'), 'utf8');
    const section = readme.slice(readme.indexOf(SCHEMA_DOC_BEGIN) + SCHEMA_DOC_BEGIN.length, readme.indexOf(SCHEMA_DOC_END));
    expect(section.trim()).toBe(schemaMarkdown().trim());
    // Every declared column and metadata key is in it.
    for (const spec of Object.values(TABLE_SPECS)) for (const c of spec.columns) expect(section).toContain(`| ${c.name} |`);
    for (const k of Object.keys(META_KEYS)) expect(section).toContain(`| ${k} |`);
  });
});
