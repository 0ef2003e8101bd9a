/**
 * The study folder's Arrow contract, declared once: every table's columns (name, Arrow type,
 * nullability, meaning, and which field of a row fills it), the schema-metadata keys, the fields
 * of seed.json, and SCHEMA_VERSION. The writer builds tables from it (io/tables.ts), the reader
 * validates against it (io/tables.ts, io/load.ts), docs/outputs.md's column tables are generated from
 * it (io/schema-doc.ts) and the tests use it.
 *
 * Version history:
 *   1  files without a `schemaVersion` metadata key (written before this module); same columns as 2
 *   2  `schemaVersion` written into every file's metadata
 *   3  one vocabulary (V2_RENAMES): the noise-floor rerun is network `cnn1_rerun` (stage `trained`)
 *      in every table, model-1's LSTM is `pipeline` in history as in metrics, filters' `filter` is
 *      `filter_index` (pandas' DataFrame.filter shadowed it); the reader still reads versions 1–2
 */
import type { MnistFile } from '../data/mnist.ts';

/** Bumped when a column or metadata key changes meaning, is removed or changes type. */
export const SCHEMA_VERSION = 3;
/** What a file without the `schemaVersion` key is: written before the key existed. */
export const UNVERSIONED_SCHEMA = 1;
/** The schema-metadata key whose value is the JSON object of META_KEYS. */
export const METADATA_KEY = 'filterstudy';

/** Arrow types as apache-arrow prints them (String(field.type)): what the reader compares. */
export type ArrowType = 'Int32' | 'Float32' | 'Float64' | 'Utf8' | 'Bool';
export type CellValue = number | string | boolean | null;

export interface ColumnSpec<R> {
  name: string;
  type: ArrowType;
  /** Holds nulls (written with a validity bitmap). */
  nullable: boolean;
  /** Files of older filterstudy versions may lack it: the reader gives null, not an error. */
  optional?: boolean;
  meaning: string;
  value: (row: R) => CellValue;
}

// ---- rows: what the writer takes and the reader gives -------------------------------------------

export type ModelName = 'model1' | 'model2';
/** `cnn1_rerun`: model-1's CNN1 retrained from CNN1's initial weights (`train.noiseFloor`), its own network in every table. */
export type NetworkName = 'cnn1' | 'cnn2' | 'cnn1_rerun';
export type Stage = 'init' | 'trained';

/** One filter of one CNN's first conv layer at one stage (a filters.arrow row). */
export interface FilterRow { seed: number; model: ModelName; network: NetworkName; stage: Stage; filterIndex: number; weights: ArrayLike<number> /* [K·K] row-major */; bias: number }

/** One row of metrics.arrow. */
export interface MetricRow {
  seed: number;
  model: string;
  network: string; // 'cnn1' | 'cnn2' | 'cnn1_rerun' | 'pipeline'
  split: string; // 'train' | 'val' | 'test'
  target: string; // 'digit' | 'third' | 'digit_relabelled' | 'digit_probe'
  accuracy: number;
  loss: number;
  n: number;
  trainSeconds: number;
  backend: string;
  /** Stop rule of the network the row measures: null for model-2's cnn1/cnn2 rows and in files written before these columns existed (synthetic rows may omit them). */
  epochsRun?: number | null;
  bestEpoch?: number | null;
  stopReason?: string | null; // 'fixed' | 'plateau' | 'max_epochs'
  metStopRule?: boolean | null;
}

/** One row of history.arrow. */
export interface HistoryRow { seed: number; model: string; network: string; epoch: number; trainLoss: number; trainAccuracy: number; valLoss: number; valAccuracy: number; seconds: number; best: boolean }

/** One row of similarity.arrow. */
export interface SimilarityRow {
  seed: number;
  comparison: string;
  refModel: string;
  refNetwork: string;
  refStage: string;
  otherModel: string;
  otherNetwork: string;
  otherStage: string;
  i: number;
  s: number;
  argmin: number;
}

/** One row of stats.arrow (the report's numbers in long form). */
export interface StatRow {
  section: string;
  key: string;
  variant: string | null;
  statistic: string;
  seed: number | null;
  value: number | null;
  lo: number | null;
  hi: number | null;
  n: number | null;
  text: string | null;
}

/** One seed's four tables, as the writer takes them. */
export interface SeedTables { filters: FilterRow[]; metrics: MetricRow[]; history: HistoryRow[]; similarity: SimilarityRow[] }

// ---- tables -------------------------------------------------------------------------------------

export type SeedTableName = keyof SeedTables;
/** The tables every finished seed has, in the order they are written and combined. */
export const SEED_TABLES = ['filters', 'metrics', 'history', 'similarity'] as const satisfies readonly SeedTableName[];
export type TableName = SeedTableName | 'stats';

export interface TableSpec<R> {
  /** 'runs': the runs table, exported only (Parquet/CSV, io/runs.ts), never read back as Arrow. */
  name: TableName | 'runs';
  file: string;
  /** Where the file is: per seed and combined, or written by aggregate. */
  where: string;
  /** What one row is ("one row per …"). */
  rowIs: string;
  columns: ColumnSpec<R>[];
}

const col = <R>(name: string, type: ArrowType, meaning: string, value: (row: R) => CellValue, o: { nullable?: boolean; optional?: boolean } = {}): ColumnSpec<R> =>
  ({ name, type, meaning, value, nullable: o.nullable ?? false, ...(o.optional ? { optional: true } : {}) });

/** The K·K weight columns w_<r>_<c> stand between `filter_index` and `bias`; WEIGHT_COLUMNS names them. */
export const WEIGHT_COLUMN = /^w_(\d+)_(\d+)$/;
export const weightColumns = (k: number): string[] => Array.from({ length: k * k }, (_, rc) => `w_${Math.floor(rc / k)}_${rc % k}`);

/** filters.arrow for kernel size k (its weight columns depend on k). */
export function filtersSpec(k: number): TableSpec<FilterRow> {
  return {
    name: 'filters', file: 'filters.arrow', where: 'in every `seeds/seed-NNNN/` and combined in the study folder', rowIs: 'filter',
    columns: [
      col('seed', 'Int32', 'study seed', (r) => r.seed),
      col('model', 'Utf8', '`model1` or `model2`', (r) => r.model),
      col('network', 'Utf8', '`cnn1` (reads the first image), `cnn2` (the second), or `cnn1_rerun` (model-1 CNN1 retrained from the same init, with `train.noiseFloor`: the noise floor; no `init` rows, its init is `cnn1`\'s)', (r) => r.network),
      col('stage', 'Utf8', '`init` (before training: the natural null for S_i) or `trained`', (r) => r.stage),
      col('filter_index', 'Int32', 'filter index 0–15', (r) => r.filterIndex),
      ...weightColumns(k).map((name, rc) => col<FilterRow>(name, 'Float32', `kernel weight, \`w_<row>_<col>\` of the ${k}×${k} kernel (one input channel)`, (r) => r.weights[rc])),
      col('bias', 'Float32', "the filter's bias", (r) => r.bias),
    ],
  };
}

export const METRICS: TableSpec<MetricRow> = {
  name: 'metrics', file: 'metrics.arrow', where: 'in every `seeds/seed-NNNN/` and combined in the study folder', rowIs: '(seed, model, network, split, target): final metrics, computed by onnxruntime from the exported ONNX graphs (the claim-4 targets in the worker)',
  columns: [
    col('seed', 'Int32', 'study seed', (r) => r.seed),
    col('model', 'Utf8', '`model1`, `model2`', (r) => r.model),
    col('network', 'Utf8', "`pipeline` (the whole model, third term), `cnn1`, `cnn2` (digit accuracy of the CNN's argmax; for model-2 a diagnostic), `cnn1_rerun` (claim-4 rows with `train.noiseFloor`)", (r) => r.network),
    col('split', 'Utf8', '`train`, `val`, `test`', (r) => r.split),
    col('target', 'Utf8', '`third` (28 classes, class k = third term k − 9), `digit`, `digit_relabelled` (digit accuracy up to relabelling, claim 4), `digit_probe` (linear probe on the dense layer, claim 4)', (r) => r.target),
    col('accuracy', 'Float64', 'accuracy', (r) => r.accuracy),
    col('loss', 'Float64', 'mean cross-entropy', (r) => r.loss),
    col('n', 'Int32', 'pairs (or images) evaluated', (r) => r.n),
    col('train_seconds', 'Float64', 'wall time to train this model for this seed', (r) => r.trainSeconds),
    col('backend', 'Utf8', '`onnxruntime`, `wasm`, `tensorflow` (tfjs-node) or `cpu`', (r) => r.backend),
    col('epochs_run', 'Int32', "epochs the row's network trained (`pipeline`: model-1 → its LSTM on the frozen CNNs, model-2 → end to end); null on model-2's `cnn1`/`cnn2` rows", (r) => r.epochsRun ?? null, { nullable: true, optional: true }),
    col('best_epoch', 'Int32', "the epoch whose weights were kept and measured; null as epochs_run", (r) => r.bestEpoch ?? null, { nullable: true, optional: true }),
    col('stop_reason', 'Utf8', '`fixed`, `plateau` or `max_epochs`; null as epochs_run', (r) => r.stopReason ?? null, { nullable: true, optional: true }),
    col('met_stop_rule', 'Bool', 'trained to the stated standard (`fixed` always; `plateau` when patience ran out within `train.epochs`); null as epochs_run', (r) => r.metStopRule ?? null, { nullable: true, optional: true }),
  ],
};

export const HISTORY: TableSpec<HistoryRow> = {
  name: 'history', file: 'history.arrow', where: 'in every `seeds/seed-NNNN/` and combined in the study folder', rowIs: 'epoch of one network of one seed',
  columns: [
    col('seed', 'Int32', 'study seed', (r) => r.seed),
    col('model', 'Utf8', '`model1`, `model2`', (r) => r.model),
    col('network', 'Utf8', '`cnn1`, `cnn2`, `cnn1_rerun` (model-1), `pipeline` (model-1: its LSTM on the frozen CNNs; model-2: end to end), as in metrics.arrow', (r) => r.network),
    col('epoch', 'Int32', 'epoch, 1-based', (r) => r.epoch),
    col('train_loss', 'Float64', 'running mean over the epoch, dropout on (as Keras reports)', (r) => r.trainLoss),
    col('train_accuracy', 'Float64', 'running mean over the epoch, dropout on', (r) => r.trainAccuracy),
    col('val_loss', 'Float64', 'validation split, dropout off', (r) => r.valLoss),
    col('val_accuracy', 'Float64', 'validation split, dropout off', (r) => r.valAccuracy),
    col('seconds', 'Float64', 'wall time of the epoch', (r) => r.seconds),
    col('best', 'Bool', 'the epoch whose weights were kept (one row per network)', (r) => r.best, { optional: true }),
  ],
};

export const SIMILARITY: TableSpec<SimilarityRow> = {
  name: 'similarity', file: 'similarity.arrow', where: 'in every `seeds/seed-NNNN/` and combined in the study folder', rowIs: '(seed, comparison, reference filter i)',
  columns: [
    col('seed', 'Int32', 'study seed', (r) => r.seed),
    col('comparison', 'Utf8', 'e.g. `model1.cnn1 -> model1.cnn2`, `model1.cnn1 -> model1.cnn1_rerun` (reference → other); `@init` marks initial filters', (r) => r.comparison),
    col('ref_model', 'Utf8', 'the reference CNN: model', (r) => r.refModel),
    col('ref_network', 'Utf8', 'the reference CNN: network', (r) => r.refNetwork),
    col('ref_stage', 'Utf8', 'the reference CNN: stage', (r) => r.refStage),
    col('other_model', 'Utf8', 'the CNN searched for the nearest filter: model', (r) => r.otherModel),
    col('other_network', 'Utf8', 'the CNN searched: network', (r) => r.otherNetwork),
    col('other_stage', 'Utf8', 'the CNN searched: stage', (r) => r.otherStage),
    col('i', 'Int32', 'reference filter index', (r) => r.i),
    col('s', 'Float64', "S_i = min_j ‖F_i − G_j‖ (raw Euclidean, the paper's measure)", (r) => r.s),
    col('argmin', 'Int32', 'the j attaining it', (r) => r.argmin),
  ],
};

export const STATS: TableSpec<StatRow> = {
  name: 'stats', file: 'stats.arrow', where: 'written by aggregate (beside report.html)', rowIs: 'number of the report (long form)',
  columns: [
    col('section', 'Utf8', "`study`, `claim`, `multiverse`, `table2`, `similarity`, `baseline`, `cka`, `accuracy_gap`, `learned`, `equivalence`, `onnx`", (r) => r.section),
    col('key', 'Utf8', "what is measured: claim id (`claim1`), Table 2 row, comparison, CNN, CKA pair", (r) => r.key),
    col('variant', 'Utf8', 'distance variant, baseline kind or claim part; on `multiverse` rows `<yardstick>/<seed set>` (e.g. `unit/standard`); else null', (r) => r.variant, { nullable: true }),
    col('statistic', 'Utf8', '`mean`, `median`, `sd`, `paper`, `accuracy`, `mean_S`, `p`, `p_holm`, `verdict`, `effect`, `decided_on`, `yardsticks_agree`, `summary`, …', (r) => r.statistic),
    col('seed', 'Int32', 'the seed of per-seed rows; null for summaries over seeds', (r) => r.seed, { nullable: true }),
    col('value', 'Float64', 'the number (null when not computable, and on `verdict` rows)', (r) => r.value, { nullable: true }),
    col('lo', 'Float64', 'confidence interval, lower bound (level in the metadata)', (r) => r.lo, { nullable: true }),
    col('hi', 'Float64', 'confidence interval, upper bound', (r) => r.hi, { nullable: true }),
    col('n', 'Int32', 'seeds (or seed pairs) behind the number', (r) => r.n, { nullable: true }),
    col('text', 'Utf8', 'the verdict on `verdict` rows, the row label on Table 2 `mean` rows, the effect or analysis name; what decides on `decided_on` rows; the one-word multiverse summary on `summary` rows', (r) => r.text, { nullable: true }),
  ],
};

/**
 * One row of the runs table (runs.parquet / runs.csv, io/runs.ts): a study × seed. `values` holds
 * the columns named from the study (RUNS_COLUMN_PATTERNS): config keys, metrics, epochs.
 */
export interface RunRow { study: string; configHash: string; seed: number; seconds: number | null; values: Record<string, CellValue> }

/** The runs table's fixed columns; its other columns follow RUNS_COLUMN_PATTERNS. Parquet/CSV only (no .arrow). */
export const RUNS: TableSpec<RunRow> = {
  name: 'runs', file: 'runs.parquet', where: 'written by `run --parquet` and `export` (as runs.csv with `--format csv`) beside the study\'s tables; stacked over several studies by `export a b …` (into `--out`, default the folders\' parent) and `compare` (into its folder)', rowIs: 'study × seed (wide, like W&B\'s runs table): `pd.read_parquet("out/runs.parquet")`, `pl.read_parquet(…)`, `SELECT * FROM \'out/runs.parquet\'`',
  columns: [
    col('study', 'Utf8', 'the study name (`--name`)', (r) => r.study),
    col('config_hash', 'Utf8', "the study's config hash", (r) => r.configHash),
    col('seed', 'Int32', 'study seed', (r) => r.seed),
    col('seconds', 'Float64', "wall time of the whole seed task (seed.json); null for folders without seeds/", (r) => r.seconds, { nullable: true }),
  ],
};

/** The runs table's columns named from the study, in this order after RUNS' (each group sorted by name). */
export const RUNS_COLUMN_PATTERNS: { name: string; type: string; meaning: string }[] = [
  { name: 'config.<key>', type: 'float64, utf8 or bool, null', meaning: 'every key of the resolved study config, dotted (`config.train.learningRate`, `config.model.lstmInput`; swept keys included; arrays as JSON; the seed range left out); null where a stacked study lacks the key' },
  { name: '<model>.<network>.<split>.<target>.accuracy', type: 'float64, null', meaning: 'final accuracy of a metrics.arrow row, e.g. `model1.pipeline.test.third.accuracy`, `model1.cnn1.test.digit.accuracy`' },
  { name: '<model>.<network>.<split>.<target>.loss', type: 'float64, null', meaning: 'its mean cross-entropy' },
  { name: '<model>.train_seconds', type: 'float64, null', meaning: "wall time to train the model (metrics.arrow's train_seconds)" },
  { name: '<model>.<network>.epochs_run', type: 'float64, null', meaning: "epochs the network trained (history.arrow's last epoch; history's network names)" },
];

/**
 * What version 3 renamed, so that the reader (io/tables.ts columnGetter) gives files of versions
 * 1–2 the current names: columns by table, and the values that named the rerun and model-1's LSTM.
 */
export const V2_RENAMES = {
  /** table → current column name → its name before version 3. */
  columns: { filters: { filter_index: 'filter' } } as Partial<Record<TableName, Record<string, string>>>,
  /** The rerun was network `cnn1` with stage `rerun` in filters and similarity (`model1.cnn1@rerun` in comparisons). */
  rerunStage: 'rerun',
  rerunNetwork: 'cnn1_rerun',
  /** metrics and history: network `cnn1-rerun`; history: model-1's LSTM `lstm`. */
  networks: { 'cnn1-rerun': 'cnn1_rerun' } as Record<string, string>,
  model1HistoryLstm: 'lstm',
  comparisons: [['model1.cnn1@rerun', 'model1.cnn1_rerun']] as [string, string][],
} as const;

/** Every table with a fixed column list (filters: see filtersSpec). */
export const TABLE_SPECS = { metrics: METRICS, history: HISTORY, similarity: SIMILARITY, stats: STATS } as const;

// ---- metadata -----------------------------------------------------------------------------------

/** Which files carry a metadata key: per-seed tables, combined tables, stats.arrow, config.json. */
export type MetaScope = 'seed' | 'combined' | 'stats' | 'config.json';

/**
 * Every key of the JSON object under the schema-metadata key 'filterstudy' (and of config.json),
 * where it is written and what it means. A reader reads no key that is not here (FileMeta's type),
 * and test/schema.test.ts checks that the real writer writes each of them where this says.
 */
export const META_KEYS = {
  schemaVersion: { in: ['seed', 'combined', 'stats'], meaning: 'the SCHEMA_VERSION the file was written with (absent: 1)' },
  study: { in: ['seed', 'combined', 'config.json'], meaning: 'the study name (`--name`)' },
  configHash: { in: ['seed', 'combined', 'stats', 'config.json'], meaning: 'hash of everything that changes what a seed computes (not the seed list); folders pool only when equal' },
  config: { in: ['seed', 'combined', 'config.json'], meaning: 'the resolved study config' },
  versions: { in: ['seed', 'combined', 'config.json'], meaning: 'Node and package versions that wrote the file' },
  hashInputs: { in: ['seed', 'combined', 'config.json'], meaning: 'what the config hash covers besides the config: `backend` and `data` [{role, sha256}]' },
  data: { in: ['seed', 'combined', 'config.json'], meaning: 'the MNIST files trained on: `dir`, `embedded`, `files` [{role, path, sha256, official}] (null for synthetic studies)' },
  seed: { in: ['seed'], meaning: 'the seed of a per-seed file' },
  backend: { in: ['seed'], meaning: 'the training backend of a per-seed file' },
  seeds: { in: ['combined', 'stats'], meaning: 'the seeds in the file' },
  backends: { in: ['combined'], meaning: 'the training backends of the combined seeds' },
  level: { in: ['stats'], meaning: 'confidence level of `lo`/`hi` (the claims\' rows: `claimLevel`)' },
  claimLevel: { in: ['stats'], meaning: 'two-sided confidence level of `lo`/`hi` on the claims\' rows (sections `claim`, `multiverse`): 1 − 2α = 0.90, so the end on the claimed side is the one-sided 95 % bound that matches the one-sided test (1 − 2α/K at a look of a study run with `--until-decided`, stats.json `sequential`); stats written before this level existed used `level`' },
  columns: { in: ['stats'], meaning: "stats.arrow's column names" },
} as const satisfies Record<string, { in: readonly MetaScope[]; meaning: string }>;
export type MetaKey = keyof typeof META_KEYS;

/** Where the study's data came from (data/mnist.ts's source). */
export interface DataSource { dir: string; embedded: boolean; files: MnistFile[] }

/** The metadata of one file as read: only declared keys, each possibly absent (older or foreign files). */
export type FileMeta = { [K in MetaKey]?: unknown } & { schemaVersion: number };

// ---- seed.json ----------------------------------------------------------------------------------

/**
 * The fields of seeds/seed-NNNN/seed.json, in the order written, each with its meaning. The writer
 * (io/outputs.ts writeSeed) writes exactly these, in this order; a new field is one line here and
 * its value in coordinator/seed-rows.ts seedOutput (the type SeedRecordInput then requires it).
 */
export const SEED_RECORD_FIELDS = {
  seed: 'the seed',
  status: '"ok" (a finished seed; failures go to failed/seed-NNNN.json)',
  configHash: "the study's config hash",
  backend: 'the training backend that ran',
  backendNotes: "the backend's notes (e.g. a fallback it took)",
  kernels: 'the custom wasm kernels registered (empty for other backends)',
  kernelPaths: 'per wasm kernel, how many calls ran each implementation (SIMD module, JS loops, tfjs), the fallbacks and why SIMD was unavailable; for other backends {wasmKernels: false, note} (ml/kernels/paths.ts)',
  seconds: 'wall time of the whole seed task',
  trainSeconds: 'wall time of training, per model',
  claim4Seconds: 'wall time of the claim-4 measurements',
  exportVsTrainer: "per model: the exported graph (onnxruntime) vs the trainer's own forward pass on every test pair (trainer, argmaxMismatches, decisiveMismatches, maxAbsDiff, tolerance, ok, …); older seed.json files call it onnxVsTfjs, still read",
  finishedAt: 'when the seed was written (ISO 8601, UTC)',
  manifestVersion: 'version of the `files` manifest (io/seed-manifest.ts)',
  files: 'every other file of the seed: {bytes, sha256}',
} as const;
export type SeedRecordField = keyof typeof SEED_RECORD_FIELDS;

/** seed.json fields only a curated copy has (io/curate.ts, `filterstudy curate`; results/). */
export const CURATED_RECORD_FIELDS = {
  curated: 'only in a curated copy (`filterstudy curate`, results/): `from`, the study folder it was copied from, and `omitted`, the files left out of `files` (the ONNX graphs) with their sizes and SHA-256s',
} as const;
