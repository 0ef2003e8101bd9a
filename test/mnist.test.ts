import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { embeddedMnistDir, loadMnist, makePairs, OFFICIAL_SHA256, splitMnist, type Mnist, type Split } from '../src/data/mnist.ts';
import { idxBytes as idx } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'filterstudy-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirCounter = 0;
const newDir = (): string => {
  const d = join(tmp, `d${dirCounter++}`);
  mkdirSync(d);
  return d;
};


/** A tiny MNIST-shaped data set; image k is filled with the byte k so tests can track it. */
function writeTiny(dir: string, o: { trainLabels?: number[]; testLabels?: number[]; nTrainImages?: number; gz?: boolean; dot?: boolean } = {}) {
  const trL = o.trainLabels ?? [5, 0, 4, 1, 9, 2];
  const teL = o.testLabels ?? [7, 2, 1];
  const nTr = o.nTrainImages ?? trL.length;
  const img = (n: number) => idx([n, 28, 28], Array.from({ length: n * 784 }, (_, i) => Math.floor(i / 784)));
  const enc = (b: Uint8Array) => (o.gz ? gzipSync(b) : b);
  const sfx = o.gz ? '.gz' : '';
  writeFileSync(join(dir, (o.dot ? 'train-images.idx3-ubyte' : 'train-images-idx3-ubyte') + sfx), enc(img(nTr)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte' + sfx), enc(idx([trL.length], trL)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte' + sfx), enc(img(teL.length)));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte' + sfx), enc(idx([teL.length], teL)));
}

function dataError(fn: () => unknown): FilterstudyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FilterstudyError);
    expect((e as FilterstudyError).hint).toBeTruthy();
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
}

describe('loadMnist on hand-made files', () => {
  it('loads raw, .gz and dot-named files with verify:false', () => {
    for (const o of [{}, { gz: true }, { dot: true }]) {
      const d = newDir();
      writeTiny(d, o);
      const m = loadMnist({ dataDir: d, verify: false });
      expect(m.trainImages.length).toBe(6 * 784);
      expect(Array.from(m.trainLabels)).toEqual([5, 0, 4, 1, 9, 2]);
      expect(Array.from(m.testLabels)).toEqual([7, 2, 1]);
      expect(m.trainImages[3 * 784 + 100]).toBe(3);
      expect(m.source.embedded).toBe(false);
      expect(m.source.files.map((f) => f.role)).toEqual(['train-images', 'train-labels', 'test-images', 'test-labels']);
      for (const f of m.source.files) {
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.official).toBe(false);
      }
    }
  });

  it('hashes the uncompressed bytes (same sha256 for raw and .gz)', () => {
    const d1 = newDir();
    const d2 = newDir();
    writeTiny(d1);
    writeTiny(d2, { gz: true });
    const a = loadMnist({ dataDir: d1, verify: false });
    const b = loadMnist({ dataDir: d2, verify: false });
    expect(b.source.files.map((f) => f.sha256)).toEqual(a.source.files.map((f) => f.sha256));
  });

  it('verify:true rejects non-official data with both hashes and the --no-verify hint', () => {
    const d = newDir();
    writeTiny(d);
    const e = dataError(() => loadMnist({ dataDir: d }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toContain(join(d, 'train-images-idx3-ubyte'));
    expect(e.message).toContain(OFFICIAL_SHA256['train-images']);
    expect(e.hint).toMatch(/--no-verify/);
  });

  it('a missing file lists the names looked for and the dir', () => {
    const d = newDir();
    writeTiny(d);
    rmSync(join(d, 't10k-labels-idx1-ubyte'));
    const e = dataError(() => loadMnist({ dataDir: d, verify: false }));
    expect(e.message).toContain(d);
    expect(e.message).toContain('t10k-labels-idx1-ubyte.gz');
    expect(e.message).toContain('t10k-labels.idx1-ubyte');
    expect(dataError(() => loadMnist({ dataDir: join(d, 'nope') })).message).toMatch(/does not exist/);
  });

  it('rejects labels out of range, naming the file', () => {
    const d = newDir();
    writeTiny(d, { testLabels: [7, 10, 1] });
    const e = dataError(() => loadMnist({ dataDir: d, verify: false }));
    expect(e.message).toContain('t10k-labels-idx1-ubyte');
    expect(e.message).toMatch(/label 10 at index 1/);
  });

  it('rejects an image/label count mismatch, naming both files', () => {
    const d = newDir();
    writeTiny(d, { nTrainImages: 5 });
    const e = dataError(() => loadMnist({ dataDir: d, verify: false }));
    expect(e.message).toMatch(/count mismatch/);
    expect(e.message).toContain('train-images-idx3-ubyte');
    expect(e.message).toContain('train-labels-idx1-ubyte');
  });

  it('rejects wrong dims (labels where images belong, non-28x28 images)', () => {
    const d = newDir();
    writeTiny(d);
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), idx([3], [1, 2, 3]));
    expect(dataError(() => loadMnist({ dataDir: d, verify: false })).message).toMatch(
      /t10k-images-idx3-ubyte.*dims \[3\], expected \[n, 28, 28\]/,
    );
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), idx([3, 14, 14], new Uint8Array(3 * 196)));
    expect(dataError(() => loadMnist({ dataDir: d, verify: false })).message).toMatch(/\[3, 14, 14\]/);
  });

  it('propagates IDX format errors with the file name', () => {
    const d = newDir();
    writeTiny(d);
    const p = join(d, 'train-labels-idx1-ubyte');
    writeFileSync(p, readFileSync(p).subarray(0, 10));
    expect(dataError(() => loadMnist({ dataDir: d, verify: false })).message).toMatch(
      /train-labels-idx1-ubyte.*truncated/,
    );
  });

  it('one changed byte with size and mtime kept is detected: the bytes used are the bytes hashed', () => {
    const d = newDir();
    writeTiny(d);
    const file = join(d, 'train-labels-idx1-ubyte');
    const T = 1_700_000_000; // a whole second: set back exactly after the edit, as `touch -r` would
    utimesSync(file, T, T);
    const first = loadMnist({ dataDir: d, verify: false });
    const { size } = statSync(file);
    const bytes = readFileSync(file);
    bytes[8] = 3; // label 5 → 3: same size
    writeFileSync(file, bytes);
    utimesSync(file, T, T); // and the old mtime
    expect(statSync(file)).toMatchObject({ size, mtimeMs: T * 1000 });
    const second = loadMnist({ dataDir: d, verify: false });
    expect(second.trainLabels[0]).toBe(3);
    expect(second.source.files[1].sha256).not.toBe(first.source.files[1].sha256);
  });
});

describe('embedded MNIST', () => {
  let m: Mnist;
  beforeAll(() => {
    m = loadMnist();
  });

  it('loads with the official checksums', () => {
    expect(m.trainImages.length).toBe(60000 * 784);
    expect(m.trainLabels.length).toBe(60000);
    expect(m.testImages.length).toBe(10000 * 784);
    expect(m.testLabels.length).toBe(10000);
    expect(m.trainLabels[0]).toBe(5);
    expect(m.testLabels[0]).toBe(7);
    expect(m.source.embedded).toBe(true);
    expect(m.source.dir).toBe(embeddedMnistDir());
    for (const f of m.source.files) {
      expect(f.official).toBe(true);
      expect(f.sha256).toBe(OFFICIAL_SHA256[f.role]);
    }
  });

  it('a copy with one byte changed and its mtime kept fails the check, even after a good load', () => {
    const d = newDir();
    const src = embeddedMnistDir();
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(src, f), join(d, f));
    const file = join(d, 't10k-images-idx3-ubyte');
    const T = 1_700_000_000;
    utimesSync(file, T, T);
    expect(loadMnist({ dataDir: d }).source.files.every((f) => f.official)).toBe(true);
    const t = readFileSync(file);
    t[16 + 500] ^= 0x01;
    writeFileSync(file, t);
    utimesSync(file, T, T);
    expect(statSync(file).mtimeMs).toBe(T * 1000);
    const e = dataError(() => loadMnist({ dataDir: d }));
    expect(e.message).toContain(file);
    expect(e.message).toContain(OFFICIAL_SHA256['test-images']);
  });

  it('rejects a tampered copy with expected and actual hash', () => {
    const d = newDir();
    const src = embeddedMnistDir();
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
      copyFileSync(join(src, f), join(d, f));
    }
    const t = readFileSync(join(src, 't10k-images-idx3-ubyte'));
    t[16 + 400] ^= 0xff;
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), t);
    const e = dataError(() => loadMnist({ dataDir: d }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toContain(join(d, 't10k-images-idx3-ubyte'));
    expect(e.message).toContain(OFFICIAL_SHA256['test-images']);
    expect(e.message).toMatch(/got [0-9a-f]{64}/);
    expect(e.hint).toContain('npm ci');
    const loose = loadMnist({ dataDir: d, verify: false });
    expect(loose.source.files.map((f) => f.official)).toEqual([true, true, false, true]);
    expect(loose.source.embedded).toBe(false);
  });

  it('splits 42000/18000/10000, disjoint, deterministic by dataSeed', () => {
    const s = splitMnist(m, { dataSeed: 1, trainSize: 42000, valSize: 18000 });
    expect([s.train.n, s.val.n, s.test.n]).toEqual([42000, 18000, 10000]);
    expect(s.train.images.length).toBe(42000 * 784);
    const seen = new Set<number>([...s.train.index, ...s.val.index]);
    expect(seen.size).toBe(60000); // disjoint and covering
    // images/labels match the official file at `index`
    for (const k of [0, 1, 41999]) {
      const j = s.train.index[k];
      expect(s.train.labels[k]).toBe(m.trainLabels[j]);
      expect(Buffer.from(s.train.images.subarray(k * 784, (k + 1) * 784)).equals(Buffer.from(m.trainImages.subarray(j * 784, (j + 1) * 784)))).toBe(true);
    }
    expect(s.val.labels[5]).toBe(m.trainLabels[s.val.index[5]]);
    expect(Array.from(s.test.index.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(s.test.labels[0]).toBe(7);
    const same = splitMnist(m, { dataSeed: 1, trainSize: 42000, valSize: 18000 });
    expect(Array.from(same.train.index)).toEqual(Array.from(s.train.index));
    const other = splitMnist(m, { dataSeed: 2, trainSize: 42000, valSize: 18000 });
    expect(Array.from(other.train.index.subarray(0, 100))).not.toEqual(Array.from(s.train.index.subarray(0, 100)));
  });

  it('limit keeps the first L of each split', () => {
    const full = splitMnist(m, { dataSeed: 3, trainSize: 42000, valSize: 18000 });
    const s = splitMnist(m, { dataSeed: 3, trainSize: 42000, valSize: 18000, limit: { train: 100, val: 50, test: 20 } });
    expect([s.train.n, s.val.n, s.test.n]).toEqual([100, 50, 20]);
    expect(s.test.images.length).toBe(20 * 784);
    expect(Array.from(s.train.index)).toEqual(Array.from(full.train.index.subarray(0, 100)));
    expect(Array.from(s.val.index)).toEqual(Array.from(full.val.index.subarray(0, 50)));
    expect(() => splitMnist(m, { dataSeed: 3, trainSize: 42000, valSize: 18000, limit: { train: 0 } })).toThrow(FilterstudyError);
  });

  it('rejects trainSize + valSize beyond the training file', () => {
    const e = dataError(() => splitMnist(m, { dataSeed: 0, trainSize: 50000, valSize: 18000 }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(/60000 images.*68000/);
  });
});

describe('makePairs', () => {
  const split = (labels: number[]): Split => ({
    name: 'train',
    images: new Uint8Array(labels.length * 784),
    labels: Uint8Array.from(labels),
    index: Int32Array.from(labels.keys()),
    n: labels.length,
  });

  it('reversed pairs x_i with x_{n-1-i}; third = 2b - a, label = third + 9', () => {
    const p = makePairs(split([9, 3, 0, 7, 0]), { pairing: 'reversed' });
    expect(p.n).toBe(5);
    expect(Array.from(p.a)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(p.b)).toEqual([4, 3, 2, 1, 0]);
    expect(Array.from(p.digitA)).toEqual([9, 3, 0, 7, 0]);
    expect(Array.from(p.digitB)).toEqual([0, 7, 0, 3, 9]);
    // (9,0) → −9; (3,7) → 11; (0,0) → 0; (7,3) → −1; (0,9) → 18
    expect(Array.from(p.third)).toEqual([-9, 11, 0, -1, 18]);
    expect(Array.from(p.label)).toEqual([0, 20, 9, 8, 27]);
  });

  it('covers the full class range on all digit combinations', () => {
    const labels = Array.from({ length: 100 }, (_, i) => i % 10);
    const p = makePairs(split(labels), { pairing: 'shuffled', seed: 1 });
    for (let i = 0; i < p.n; i++) expect(p.third[i]).toBe(2 * p.digitB[i] - p.digitA[i]);
    expect(Math.min(...p.label)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p.label)).toBeLessThanOrEqual(27);
  });

  it('shuffled is a seeded permutation, deterministic per seed', () => {
    const s = split(Array.from({ length: 200 }, (_, i) => (i * 7) % 10));
    const p1 = makePairs(s, { pairing: 'shuffled', seed: 4 });
    const p2 = makePairs(s, { pairing: 'shuffled', seed: 4 });
    const p3 = makePairs(s, { pairing: 'shuffled', seed: 5 });
    expect(Array.from(p1.b)).toEqual(Array.from(p2.b));
    expect(Array.from(p1.b)).not.toEqual(Array.from(p3.b));
    expect(Array.from(p1.a)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(p1.b).size).toBe(200);
    expect(() => makePairs(s, { pairing: 'shuffled' })).toThrow(/needs a seed/);
  });
});
