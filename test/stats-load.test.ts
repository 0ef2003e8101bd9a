import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatch, Schema, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { loadStudy } from '../src/io/load.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { StudyData } from '../src/stats/types.ts';

const root = mkdtempSync(join(tmpdir(), 'stats-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function withMeta(t: Table, hash: string): Table {
  const schema = new Schema(t.schema.fields, new Map([['filterstudy', JSON.stringify({ config: { name: 'x' }, configHash: hash })]]));
  return new Table(schema, t.batches.map((b) => new RecordBatch(schema, b.data)));
}

/** Write a study's data as the lead's code does (filters.arrow, metrics.arrow, similarity.arrow). */
function writeStudy(dir: string, data: StudyData, seeds: number[], hash: string, drop: string | null = null): void {
  mkdirSync(dir, { recursive: true });
  const sets = data.filters.filter((f) => seeds.includes(f.seed));
  const cols: Record<string, unknown[]> = { seed: [], model: [], network: [], stage: [], filter: [], bias: [] };
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) cols[`w_${r}_${c}`] = [];
  for (const s of sets) {
    s.weights.forEach((w, j) => {
      cols.seed.push(s.seed); cols.model.push(s.model); cols.network.push(s.network); cols.stage.push(s.stage);
      cols.filter.push(j); cols.bias.push(s.bias[j]);
      for (let t = 0; t < 9; t++) cols[`w_${Math.floor(t / 3)}_${t % 3}`].push(w[t]);
    });
  }
  const typed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cols)) {
    if (k === drop) continue;
    typed[k] = k === 'seed' || k === 'filter' ? Int32Array.from(v as number[]) : typeof v[0] === 'number' ? Float32Array.from(v as number[]) : v;
  }
  writeFileSync(join(dir, 'filters.arrow'), tableToIPC(withMeta(tableFromArrays(typed as Parameters<typeof tableFromArrays>[0]), hash), 'file'));
  const m = data.metrics.filter((r) => seeds.includes(r.seed));
  const mt = tableFromArrays({
    seed: Int32Array.from(m.map((r) => r.seed)), model: m.map((r) => r.model), network: m.map((r) => r.network),
    split: m.map((r) => r.split), target: m.map((r) => r.target), accuracy: Float64Array.from(m.map((r) => r.accuracy)),
    loss: Float64Array.from(m.map((r) => r.loss)), n: Int32Array.from(m.map((r) => r.n)),
    train_seconds: Float64Array.from(m.map((r) => r.trainSeconds)), backend: m.map((r) => r.backend),
  });
  writeFileSync(join(dir, 'metrics.arrow'), tableToIPC(withMeta(mt, hash), 'file'));
}

const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });

describe('loadStudy', () => {
  it('merges two output folders into one study', () => {
    writeStudy(join(root, 'a'), data, [1, 2, 3], 'h1');
    writeStudy(join(root, 'b'), data, [4, 5, 6], 'h1');
    const d = loadStudy([join(root, 'a'), join(root, 'b')]);
    expect(d.seeds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.kernelSize).toBe(3);
    expect(d.numFilters).toBe(16);
    expect(d.configHash).toBe('h1');
    expect(d.config).toEqual({ name: 'x' });
    expect(d.filters).toHaveLength(data.filters.length);
    expect(d.metrics).toHaveLength(data.metrics.length);
    expect(d.similarity).toEqual([]);
    const want = data.filters.find((f) => f.seed === 5 && f.model === 'model2' && f.network === 'cnn1' && f.stage === 'trained')!;
    const got = d.filters.find((f) => f.seed === 5 && f.model === 'model2' && f.network === 'cnn1' && f.stage === 'trained')!;
    expect(Array.from(got.weights[7])).toEqual(Array.from(want.weights[7]));
    expect(Array.from(got.bias)).toEqual(Array.from(want.bias));
  });

  const code = (f: () => unknown): { code: string; message: string; hint?: string } => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FilterstudyError);
      return e as FilterstudyError;
    }
    throw new Error('expected an error');
  };

  it('refuses folders with different configHash, with a hint', () => {
    writeStudy(join(root, 'c'), data, [4, 5, 6], 'h2');
    const e = code(() => loadStudy([join(root, 'a'), join(root, 'c')]));
    expect(e.code).toBe('E_OUTPUT');
    expect(e.message).toMatch(/c[\\/]filters\.arrow has configHash h2/);
    expect(e.hint).toMatch(/same config/);
  });

  it('refuses a seed that appears in two folders', () => {
    writeStudy(join(root, 'd'), data, [3, 4], 'h1');
    expect(code(() => loadStudy([join(root, 'a'), join(root, 'd')])).message).toMatch(/seed 3 appears in both/);
  });

  it('names the file and column when a column is missing, and a missing file', () => {
    writeStudy(join(root, 'e'), data, [1], 'h1', 'w_1_2');
    const e = code(() => loadStudy(join(root, 'e')));
    expect(e.message).toMatch(/filters\.arrow: column 'w_1_2' is missing/);
    writeStudy(join(root, 'f'), data, [1], 'h1', 'bias');
    expect(code(() => loadStudy(join(root, 'f'))).message).toMatch(/column 'bias' is missing/);
    expect(code(() => loadStudy(join(root, 'nope'))).message).toMatch(/nope[\\/]filters\.arrow is missing/);
  });
});
