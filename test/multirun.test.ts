/**
 * Multirun: parsing --sweep, the grid and its study names, and `compare` over synthetic studies
 * (the real sweep end to end is what `filterstudy run --sweep` does; see README).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSweep, sweepPoints } from '../src/coordinator/multirun.ts';
import { resolveConfig } from '../src/config.ts';
import { parseSet } from '../src/cli/load-config.ts';
import { FilterstudyError } from '../src/errors.ts';
import { compareStudies, differingSettings } from '../src/report/compare.ts';
import { aggregate } from '../src/report/report.ts';
import { writeStudyFiles } from './study-folder.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'multirun-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--sweep', () => {
  it('one axis: one point per value, named from the value', () => {
    const p = sweepPoints([parseSweep('model.lstmInput=onehot,softmax,scalar')]);
    expect(p.map((x) => x.suffix)).toEqual(['lstmInput-onehot', 'lstmInput-softmax', 'lstmInput-scalar']);
    expect(p[1].sets).toEqual(['model.lstmInput=softmax']);
  });

  it('several axes give the grid, first axis slowest', () => {
    const p = sweepPoints([parseSweep('model.lstmInput=onehot,scalar'), parseSweep('train.learningRate=0.01,0.005'), parseSweep('train.sharedInit=true,false')]);
    expect(p).toHaveLength(8);
    expect(p[0].suffix).toBe('lstmInput-onehot.learningRate-0.01.sharedInit-true');
    expect(p[7].sets).toEqual(['model.lstmInput=scalar', 'train.learningRate=0.005', 'train.sharedInit=false']);
    expect(new Set(p.map((x) => x.suffix)).size).toBe(8);
  });

  it('keys sharing a last segment are named in full', () => {
    const p = sweepPoints([parseSweep('data.limit.train=600,1200'), parseSweep('train.epochs=1,2')]);
    expect(p[0].suffix).toBe('train-600.epochs-1');
    const q = sweepPoints([parseSweep('a.x=1,2'), parseSweep('b.x=3'), parseSweep('c.y=4')]);
    expect(q[0].suffix).toBe('a_x-1.b_x-3.y-4');
  });

  it('every point resolves through the normal config validation (any key --set accepts)', () => {
    for (const p of sweepPoints([parseSweep('model.lstmInput=onehot,softmax'), parseSweep('train.epochs=2,3')])) {
      const cfg = resolveConfig([{ source: '--set', config: parseSet([...p.sets, `name=quick.${p.suffix}`]) }]);
      expect(cfg.name).toBe(`quick.${p.suffix}`);
      expect(cfg.model.lstmInput).toBe(p.values['model.lstmInput']);
      expect(cfg.train.epochs).toBe(Number(p.values['train.epochs']));
    }
    const bad = sweepPoints([parseSweep('model.lstmInput=onehot,sofmax')])[1];
    expect(() => resolveConfig([{ source: '--sweep', config: parseSet(bad.sets) }])).toThrow(/lstmInput/);
  });

  it('refuses malformed sweeps with a coded error', () => {
    for (const bad of ['model.lstmInput', '=a,b', 'model.lstmInput=', 'model.lstmInput=a,,b', 'x=a,a', 'name=a,b']) {
      expect(() => parseSweep(bad), bad).toThrow(FilterstudyError);
    }
    expect(() => sweepPoints([parseSweep('a.b=1'), parseSweep('a.b=2')])).toThrow(/twice/);
    expect(() => sweepPoints([parseSweep('a.b=x/y,x:y')])).toThrow(/same study name/);
  });
});

describe('compare', () => {
  it('puts Table 2, the verdicts and the differing settings of each study side by side', async () => {
    const dirs: string[] = [];
    for (const [name, mode, input] of [['s.onehot', 'paper', 'onehot'], ['s.scalar', 'identical', 'scalar']] as const) {
      const d = join(root, name);
      writeStudyFiles(d, makeSyntheticStudy({ seeds: 6, mode }));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ study: name, configHash: `h-${name}`, config: { data: { pairing: 'reversed' }, model: { lstmInput: input }, train: { epochs: 3 } } }));
      await aggregate({ dirs: [d], cka: false, reps: 100 });
      dirs.push(d);
    }
    const out = join(root, 'cmp');
    const res = await compareStudies({ dirs, outDir: out });
    expect(differingSettings(res.studies)).toEqual(['model.lstmInput']);
    for (const f of ['compare.md', 'compare.html', 'compare.json', 'figures/compare-accuracy.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toContain('s.onehot');
    expect(md).toContain('"scalar"');
    // Each study's own numbers: model-1's mean from its stats.json, and its claim-2 verdict.
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { studies: { name: string; table2: { model: string; network: string; mean: number }[]; claims: { claim: number; verdict: string }[] }[] };
    for (const [i, d] of dirs.entries()) {
      const st = JSON.parse(readFileSync(join(d, 'stats.json'), 'utf8')) as { table2: { model: string; network: string; mean: number }[]; claims: { claim: number; verdict: string }[] };
      const m1 = st.table2.find((r) => r.model === 'model1' && r.network === 'pipeline')!;
      expect(res.text).toContain(m1.mean.toFixed(3));
      expect(json.studies[i].claims.find((c) => c.claim === 2)!.verdict).toBe(st.claims.find((c) => c.claim === 2)!.verdict);
    }
    // 'identical' makes claim 2 false and 'paper' supports it: the side-by-side shows both.
    expect(json.studies[0].claims.find((c) => c.claim === 2)!.verdict).not.toBe(json.studies[1].claims.find((c) => c.claim === 2)!.verdict);
    const svg = readFileSync(join(out, 'figures/compare-accuracy.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('s.scalar');
    // Short claim labels in the verdicts table; the statements once, below it.
    expect(md).toMatch(/\| 2\. model-1’s CNNs learn different filters \|/);
    // Paired by seed: the 6 shared seeds' claim-2 statistic is lower under 'identical' on every seed,
    // so the exact two-sided Wilcoxon p is its smallest value, 2 / 2^6.
    const paired = (JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { paired: { claim: number; seeds: number[]; p: number | null; medianDifference: number }[] }).paired;
    const c2 = paired.find((t) => t.claim === 2)!;
    expect(c2.seeds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c2.medianDifference).toBeLessThan(0);
    expect(c2.p).toBeCloseTo(2 / 64, 12);
    expect(md).toContain('Paired by seed');
    expect(res.text).toMatch(/claim 2, s\.scalar: median Δ −\d\.\d{4}, p = 0\.031, 6 shared seeds/);
    expect(existsSync(join(out, 'runs.parquet'))).toBe(true); // both studies' runs, stacked (test/runs.test.ts reads one)
  }, 120_000);

  it('needs two studies', async () => {
    await expect(compareStudies({ dirs: [root], outDir: join(root, 'x') })).rejects.toThrow(FilterstudyError);
  });
});

describe('run --sweep, end to end (tiny)', () => {
  it('trains one resumable study per value, writes Parquet, and compares them from one command', () => {
    const cwd = join(root, 'e2e');
    const tiny = ['-s', '1', '-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16'];
    const args = [join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs'), 'run', '--out', cwd, ...tiny, '--sweep', 'model.lstmInput=onehot,scalar'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const v of ['onehot', 'scalar']) {
      const d = join(cwd, `quick.lstmInput-${v}`);
      expect(JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')).config.model.lstmInput).toBe(v);
      for (const f of ['metrics.parquet', 'stats.json', 'report.html']) expect(existsSync(join(d, f)), `${v}/${f}`).toBe(true);
    }
    const cmp = JSON.parse(readFileSync(join(cwd, 'quick.compare', 'compare.json'), 'utf8')) as { differing: string[]; studies: { name: string }[] };
    expect(cmp.differing).toEqual(['model.lstmInput']);
    expect(cmp.studies.map((s) => s.name)).toEqual(['quick.lstmInput-onehot', 'quick.lstmInput-scalar']);
    expect(r.stdout).toContain('compare 2 studies');
    // One line per study while the sweep runs, no full summary per study; the comparison at the end.
    expect(r.stdout).not.toContain('Table 2 — test accuracy across seeds');
    expect(r.stdout.match(/^study [12]\/2 model\.lstmInput=(onehot|scalar): 1 seed \(0 already done\).*→ .*report\.html$/gm)).toHaveLength(2);
    expect(r.stdout.indexOf('study 2/2')).toBeLessThan(r.stdout.indexOf('compare 2 studies'));
    expect(r.stdout.split('\n').length).toBeLessThan(40);
    // The runs of both studies stacked in the comparison's folder.
    expect(existsSync(join(cwd, 'quick.compare', 'runs.parquet'))).toBe(true);
    // Rerunning resumes: every seed is already done, nothing is trained again.
    const again = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.match(/1 already done/g)).toHaveLength(2);
  }, 900_000);
});
