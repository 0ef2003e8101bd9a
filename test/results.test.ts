/**
 * results/: curated studies (filterstudy curate) and the findings generated from them.
 * - curate keeps the tables and seed records, leaves the ONNX graphs out (listed in seed.json
 *   `curated.omitted`), and the copy verifies and aggregates to the same statistics;
 * - every committed results/<study>/stats.json is recomputed exactly from its files;
 * - the README's "Main result" box, docs/findings.md and its learning-curve figures are what
 *   `npm run findings` makes of results/.
 * (Findings over several studies, each under its own recipe: test/findings.test.ts.)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curateAction } from '../src/cli/curate.ts';
import { FilterstudyError } from '../src/errors.ts';
import { seedDirName } from '../src/io/outputs.ts';
import { manifestEntry, verifySeedDir } from '../src/io/seed-manifest.ts';
import { curvesFigurePath, curvesSvg, findingsMarkdown, mainResultMarkdown, MAIN_RESULT_BEGIN, MAIN_RESULT_END, readCuratedStudies } from '../src/report/findings.ts';
import { aggregate } from '../src/report/report.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'results');
const data = { ...makeSyntheticStudy({ seeds: 6, mode: 'paper' }), configHash: 'h1', config: { name: 'syn', seeds: { start: 1, count: 6 } } };

/** A study folder of 6 synthetic seeds, each with a fake ONNX graph in its manifest (as `run` writes them). */
function studyWithGraphs(): string {
  const root = tempDir();
  writeSeedFolders(root, data);
  for (const seed of data.seeds) {
    const dir = join(root, 'seeds', seedDirName(seed));
    const graph = new Uint8Array([8, seed, 0, 1, 2, 3]);
    writeFileSync(join(dir, 'model2.onnx'), graph);
    const rec = JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as { files: Record<string, unknown> };
    rec.files['model2.onnx'] = manifestEntry(graph);
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(rec));
  }
  return root;
}

describe('filterstudy curate', () => {
  it('keeps tables and seed records, leaves the graphs out but names them, and the copy gives the same statistics', async () => {
    const src = studyWithGraphs();
    const dest = join(tempDir(), 'curated');
    const r = await curateAction(src, dest, { command: 'npm run study', wallSeconds: '300', commit: '12a94ab' });
    expect(r.seeds).toEqual(data.seeds);
    expect(r.omitted).toEqual(['model2.onnx']);
    for (const seed of data.seeds) {
      const dir = join(dest, 'seeds', seedDirName(seed));
      expect(existsSync(join(dir, 'model2.onnx'))).toBe(false);
      const v = verifySeedDir(dir, seed);
      expect(v.ok, v.ok ? '' : v.reason).toBe(true);
      const rec = JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as { curated: { omitted: Record<string, { sha256: string }> } };
      expect(rec.curated.omitted['model2.onnx'].sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const prov = JSON.parse(readFileSync(join(dest, 'provenance.json'), 'utf8')) as { command: string; wallSeconds: number; commit: string; curatedCommit: string };
    expect(prov).toMatchObject({ command: 'npm run study', wallSeconds: 300, commit: '12a94ab' });
    expect(prov.curatedCommit).toMatch(/^[0-9a-f]{40}$/);
    const fromSource = await aggregate({ dirs: [src], outDir: tempDir(), cka: false, reps: 200 });
    const fromCopy = await aggregate({ dirs: [dest], outDir: tempDir(), cka: false, reps: 200 });
    expect(fromCopy.stats.claims).toEqual(fromSource.stats.claims);
    expect(fromCopy.stats.table2).toEqual(fromSource.stats.table2);
  });

  it('refuses a --commit or --wall-seconds that is not one, naming the option, before copying anything', async () => {
    const dest = join(tempDir(), 'curated');
    await expect(curateAction(studyWithGraphs(), dest, { commit: 'main' })).rejects.toThrow(/--commit must be a git commit hash.*"main"/);
    await expect(curateAction(studyWithGraphs(), dest, { wallSeconds: '-3' })).rejects.toThrow(/--wall-seconds must be a positive number/);
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses a folder that is not a study, naming it, and leaves an earlier copy whole', async () => {
    const dest = join(tempDir(), 'curated');
    await curateAction(studyWithGraphs(), dest);
    const before = readFileSync(join(dest, 'stats.json'), 'utf8');
    const bad = tempDir();
    await expect(curateAction(bad, dest)).rejects.toThrow(FilterstudyError);
    await expect(curateAction(bad, dest)).rejects.toThrow(/has no config\.json/);
    expect(readFileSync(join(dest, 'stats.json'), 'utf8')).toBe(before);
  });

  it('an aggregate that fails after the copy succeeded leaves the earlier copy whole, and no temp folder', async () => {
    const parent = tempDir();
    const dest = join(parent, 'curated');
    await curateAction(studyWithGraphs(), dest);
    const snapshot = () => Object.fromEntries(readdirSync(dest, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile()).map((d) => [relative(dest, join(d.parentPath, d.name)), readFileSync(join(d.parentPath, d.name)).toString('base64')]));
    const before = snapshot();
    // Every seed verifies (curate copies them), but seeds 1–3 and 4–6 name different backends:
    // aggregate refuses to pool them, after the copy is complete.
    const mixed = tempDir();
    writeSeedFolders(mixed, data, { seeds: [1, 2, 3], planned: { start: 1, count: 6 }, backend: 'onnxruntime' });
    writeSeedFolders(mixed, data, { seeds: [4, 5, 6], planned: { start: 1, count: 6 }, backend: 'tfjs-wasm' });
    await expect(curateAction(mixed, dest)).rejects.toThrow(/different backends/);
    expect(snapshot()).toEqual(before);
    expect(readdirSync(parent)).toEqual(['curated']);
  });
});

describe('results/', () => {
  const studies = readCuratedStudies(RESULTS);

  it('every folder of results/ is a curated study with its stats.json (none skipped, none missing)', () => {
    const folders = readdirSync(RESULTS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(folders.length).toBeGreaterThan(0);
    expect(studies.map((s) => s.name).sort()).toEqual(folders); // studies come canonical first (quick, paper, …), folders by name
  });

  it.each(studies.map((s) => [s.name, s.dir]))('results/%s/stats.json is recomputed exactly from its files', async (_name, dir) => {
    // The same relative path as `filterstudy curate` used (run from the repository's root).
    const res = await aggregate({ dirs: [relative(process.cwd(), dir)], outDir: tempDir() });
    const committed = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as unknown;
    expect(JSON.parse(JSON.stringify(res.stats))).toEqual(committed);
  });

  it('the README box and docs/findings.md are generated from results/ (run `npm run findings`)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const box = readme.slice(readme.indexOf(MAIN_RESULT_BEGIN) + MAIN_RESULT_BEGIN.length, readme.indexOf(MAIN_RESULT_END)).trim();
    expect(box).toBe(mainResultMarkdown(studies).trim());
    expect(readFileSync(join(ROOT, 'docs', 'findings.md'), 'utf8')).toBe(findingsMarkdown(studies));
  });

  it('docs/figures/curves-<study>.svg are the learning curves `npm run findings` draws from results/, one per study, none left over', async () => {
    const want: string[] = [];
    for (const s of studies) {
      const svg = await curvesSvg(s);
      if (svg === null) continue;
      want.push(curvesFigurePath(s));
      expect(readFileSync(join(ROOT, 'docs', curvesFigurePath(s)), 'utf8'), curvesFigurePath(s)).toBe(svg);
    }
    expect(want.length).toBeGreaterThan(0); // results/quick keeps its seeds' history
    const figures = join(ROOT, 'docs', 'figures');
    const have = existsSync(figures) ? readdirSync(figures).filter((f) => /^curves-.*\.svg$/.test(f)).map((f) => `figures/${f}`).sort() : [];
    expect(have).toEqual([...want].sort());
  }, 120_000);
});
