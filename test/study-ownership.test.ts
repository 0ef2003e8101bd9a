/**
 * Issue #20, every seed belongs to its study: a seed whose seed.json names another config hash
 * than the study's config.json is quarantined with that reason on resume and refused by
 * `aggregate` with both hashes named; config.json is checked and created under the study lock, so
 * of two runs of different configs started at the same instant one is refused.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { prepareStudyDir, type StudyMeta } from '../src/io/outputs.ts';
import { aggregate } from '../src/report/report.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const TINY = ['-s', '1', '-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '--no-aggregate', '--no-parquet', '--json', '-w', '1'];

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('every seed belongs to its study', () => {
  it('a verified seed of another config copied into a study is quarantined on resume, naming both hashes', () => {
    const study = writeSeedFolders(tempDir(), { ...makeSyntheticStudy({ seeds: 2, mode: 'paper' }), configHash: 'a'.repeat(12) });
    const other = writeSeedFolders(tempDir(), { ...makeSyntheticStudy({ seeds: 3, mode: 'paper' }), configHash: 'b'.repeat(12) });
    cpSync(join(other.seeds, 'seed-0003'), join(study.seeds, 'seed-0003'), { recursive: true });
    const meta = readJson(study.config) as unknown as StudyMeta;
    const r = prepareStudyDir(study, meta);
    expect(r.finished).toEqual([1, 2]);
    expect(r.quarantined.map((q) => q.seed)).toEqual([3]);
    expect(r.quarantined[0].reason).toContain('b'.repeat(12));
    expect(r.quarantined[0].reason).toContain('a'.repeat(12));
    expect(readJson(join(r.quarantined[0].movedTo, 'quarantine.json')).reason).toMatch(/trained with another config/);
  });

  it('aggregate refuses a seed whose config hash is not its study\'s, naming both', async () => {
    const study = writeSeedFolders(tempDir(), { ...makeSyntheticStudy({ seeds: 3, mode: 'paper' }), configHash: 'a'.repeat(12) });
    const cfg = readJson(study.config);
    writeFileSync(study.config, JSON.stringify({ ...cfg, configHash: 'c'.repeat(12) })); // the study says c…, its seeds a…
    const e = await aggregate({ dirs: [study.root], cka: false, reps: 50 }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(FilterstudyError);
    expect((e as FilterstudyError).code).toBe('E_OUTPUT');
    expect((e as FilterstudyError).message).toContain('a'.repeat(12));
    expect((e as FilterstudyError).message).toContain('c'.repeat(12));
  });

  it('two runs with different configs started at the same instant: one trains, the other is refused; every seed has the study\'s hash', async () => {
    const cwd = tempDir();
    // slow-config widens the window between checking config.json and writing it to 3 s: without
    // the study lock both runs pass the check (the battery's "trained at 0.5, config.json says 0.3").
    const env = { ...process.env, FILTERSTUDY_FAULTS: 'slow-config' };
    const run = (units: number) => new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [BIN, 'run', '-n', 'race', '--set', `model.denseUnits=${units}`, ...TINY], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('error', reject);
      p.on('exit', (code) => resolve({ code, stderr }));
    });
    const results = await Promise.all([run(32), run(24)]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    const refused = results.find((r) => r.code === 2)!;
    expect(refused.stderr).toMatch(/\[E_OUTPUT\] .*holds a study made with another config/);
    const root = join(cwd, 'out', 'race');
    const studyHash = readJson(join(root, 'config.json')).configHash;
    const seeds = readdirSync(join(root, 'seeds'));
    expect(seeds).toEqual(['seed-0001']);
    for (const s of seeds) expect(readJson(join(root, 'seeds', s, 'seed.json')).configHash).toBe(studyHash);
  }, 30 * 60_000);
});
