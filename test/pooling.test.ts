/** aggregate over shared and sharded study folders: reads seed folders, lists missing seeds, refuses mixed backends. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { loadStudy, missingSeeds } from '../src/io/load.ts';
import { aggregate } from '../src/report/report.ts';
import { writeSeedFolders, writeStudyFiles } from './study-folder.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { tempDir } from './helpers.ts';

const data = { ...makeSyntheticStudy({ seeds: 8, mode: 'paper' }), configHash: 'h1', config: { name: 'syn', seeds: { start: 1, count: 8 } } };

async function rejects(p: Promise<unknown>): Promise<FilterstudyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FilterstudyError);
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
}

describe('pooling seed folders', () => {
  it('reads the seed folders, not stale combined files', () => {
    const root = tempDir();
    writeSeedFolders(root, data, { seeds: [1, 2, 3, 4, 5, 6, 7, 8] });
    // combined files from an earlier listing (last writer of two processes): only seeds 1-2
    writeStudyFiles(root, data, { seeds: [1, 2] });
    const d = loadStudy(root);
    expect(d.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(d.filters).toHaveLength(data.filters.length);
    expect(d.metrics).toHaveLength(data.metrics.length);
  });

  it('skips unfinished seed folders (no seed.json) and temp folders', () => {
    const root = tempDir();
    writeSeedFolders(root, data, { seeds: [1, 2, 3] });
    writeStudyFiles(join(root, 'seeds', 'seed-0004'), data, { seeds: [4] }); // no seed.json yet
    writeStudyFiles(join(root, 'seeds', 'seed-0005.tmp-host-1-ab12'), data, { seeds: [5] });
    expect(loadStudy(root).seeds).toEqual([1, 2, 3]);
  });

  it('two shard folders pool; the report of several folders needs --out and lists missing seeds', async () => {
    const root = tempDir();
    const a = join(root, 'shard0');
    const b = join(root, 'shard1');
    writeSeedFolders(a, data, { seeds: [1, 3, 5, 7], planned: { start: 1, count: 8 } });
    writeSeedFolders(b, data, { seeds: [2, 4, 8], planned: { start: 1, count: 8 } }); // seed 6 never finished
    mkdirSync(join(b, 'failed'), { recursive: true });
    writeFileSync(join(b, 'failed', 'seed-0006.json'), JSON.stringify({ seed: 6, error: { code: 'E_TRAIN', message: 'NaN loss' } }));
    expect(missingSeeds([a, b], loadStudy([a, b]).seeds)).toEqual([{ seed: 6, error: 'E_TRAIN: NaN loss' }]);
    const e = await rejects(aggregate({ dirs: [a, b], cka: false, reps: 50 }));
    expect(e.code).toBe('E_CONFIG');
    expect(e.hint).toContain('--out');
    const out = join(root, 'pooled');
    const res = await aggregate({ dirs: [a, b], outDir: out, cka: false, reps: 50 });
    expect(res.stats.seeds).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(res.stats.missingSeeds).toEqual([6]);
    expect(res.stats.warnings.join('\n')).toMatch(/missing from this report: 6; failed: 6 \(E_TRAIN: NaN loss\)/);
    expect(res.files.every((f) => f.startsWith(out))).toBe(true);
  });

  it('refuses seeds trained on different backends, naming them', () => {
    const root = tempDir();
    writeSeedFolders(join(root, 'w'), data, { seeds: [1, 2], backend: 'wasm' });
    writeSeedFolders(join(root, 'o'), data, { seeds: [3], backend: 'onnxruntime' });
    let err: FilterstudyError | undefined;
    try {
      loadStudy([join(root, 'w'), join(root, 'o')]);
    } catch (e) {
      err = e as FilterstudyError;
    }
    expect(err?.code).toBe('E_OUTPUT');
    expect(err?.message).toContain('onnxruntime: seeds 3');
    expect(err?.message).toContain('wasm: seeds 1, 2');
  });
});
