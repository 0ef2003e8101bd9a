/**
 * `filterstudy run --until-decided` (src/stats/sequential.ts): the look schedule and its α, the
 * stopping rule, the sequential procedure on simulated studies, aggregate at a look (its α, its
 * seeds, what stats.json says), the Slurm next round (script content, and `aggregate --next-round`
 * against a stand-in sbatch that records its arguments), and a tiny study run for two looks.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aggregateAction } from '../src/cli/aggregate.ts';
import { slurmScripts, writeSlurm, SLURM_DEFAULTS } from '../src/cli/slurm.ts';
import { resolveConfig } from '../src/config.ts';
import { FilterstudyError } from '../src/errors.ts';
import { aggregate } from '../src/report/report.ts';
import { minSeedsFor } from '../src/stats/claim-parts.ts';
import { LOOKS, lookIndex, lookOutcome, sequentialClaimNote, sequentialDesign, sequentialStats } from '../src/stats/sequential.ts';
import { calibrateSequential, SCENARIOS, simulateStudy } from '../src/stats/simulate.ts';
import type { Verdict } from '../src/stats/types.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const claims = (v: Verdict[]) => v.map((verdict, i) => ({ claim: i + 1, family: (i < 3 ? 'paper' : 'discussion') as 'paper' | 'discussion', verdict }));
const errorOf = (f: () => unknown): FilterstudyError => {
  try {
    f();
  } catch (e) {
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
};

describe('the look schedule', () => {
  it('looks at 8, 12, 16, 20 seeds, each at α/4 with the claims’ CIs at 1 − α/4', () => {
    const d = sequentialDesign(null);
    expect(d.looks).toEqual([8, 12, 16, 20]);
    expect(d.alphaPerLook).toBeCloseTo(0.0125, 12);
    expect(d.level).toBeCloseTo(0.975, 12); // two-sided 1 − 2α/K: the one-sided bound at α/K
    // The first look is the fewest seeds at which a claim of the paper's family can pass at α/4: one seed fewer could decide nothing.
    expect(minSeedsFor(d.alphaPerLook, 3)).toBe(d.looks[0]);
    expect(2 ** -(d.looks[0] - 1)).toBeGreaterThanOrEqual(d.alphaPerLook / 3);
  });

  it('--max-seeds truncates the looks and becomes the last; fewer looks, a larger α at each', () => {
    expect(sequentialDesign(12).looks).toEqual([8, 12]);
    expect(sequentialDesign(12).alphaPerLook).toBeCloseTo(0.025, 12);
    expect(sequentialDesign(13).looks).toEqual([8, 12, 13]);
    expect(sequentialDesign(9).looks).toEqual([8, 9]);
    expect(sequentialDesign(7)).toMatchObject({ looks: [7], alphaPerLook: 0.05 });
    expect(sequentialDesign(20)).toEqual(sequentialDesign(null));
  });

  it('refuses, naming --max-seeds, a cap past the last look or too small to decide anything', () => {
    for (const [max, msg] of [[21, /at most 20/], [5, /fewer than 6 seeds no claim can pass/]] as const) {
      const e = errorOf(() => sequentialDesign(max));
      expect(e).toBeInstanceOf(FilterstudyError);
      expect(e.code).toBe('E_CONFIG');
      expect(e.message).toMatch(/--max-seeds/);
      expect(e.message).toMatch(msg);
      expect(e.hint).toBeTruthy();
    }
  });

  it('a seed count is a look only when it is one of the design’s', () => {
    const d = sequentialDesign(null);
    expect(LOOKS.map((n) => lookIndex(d, n))).toEqual([1, 2, 3, 4]);
    expect(lookIndex(d, 10)).toBeNull();
  });
});

describe('the stopping rule', () => {
  const d = sequentialDesign(null);
  const S: Verdict = 'supported';
  const N: Verdict = 'not supported';
  const I: Verdict = 'inconclusive';

  it('stops at the first look where claims 1–3 are all decided, whatever claim 4 says', () => {
    expect(lookOutcome(d, 1, true, claims([S, N, S, I]))).toBe('decided');
    expect(lookOutcome(d, 2, true, claims([N, N, N, S]))).toBe('decided');
  });

  it('goes on while one claim of 1–3 is inconclusive and looks remain; stops at the last look', () => {
    for (const v of [[I, S, S, S], [S, I, S, S], [S, S, I, S]] as Verdict[][]) {
      expect(lookOutcome(d, 1, true, claims(v))).toBe('continue');
      expect(lookOutcome(d, 3, true, claims(v))).toBe('continue');
      expect(lookOutcome(d, 4, true, claims(v))).toBe('last look');
    }
  });

  it('an incomplete look or a seed count that is no look stops nothing and continues nothing', () => {
    expect(lookOutcome(d, 2, false, claims([S, S, S, S]))).toBe('incomplete');
    expect(lookOutcome(d, null, true, claims([S, S, S, S]))).toBe('not a look');
  });

  it('says where the study is: looks taken, the next look, the undecided claims, and that an interim look is not final', () => {
    const mid = sequentialStats(d, 12, true, claims([S, I, S, I]));
    expect(mid).toMatchObject({ look: 2, outcome: 'continue', looksTaken: 2, nextLook: 16, undecided: [2], alphaPerLook: 0.0125 });
    expect(mid.note).toMatch(/interim.*not final.*continues to 16 seeds/);
    const last = sequentialStats(d, 20, true, claims([I, S, S, S]));
    expect(last).toMatchObject({ look: 4, outcome: 'last look', looksTaken: 4, nextLook: null, undecided: [1] });
    expect(last.note).toMatch(/the last: claim 1 remains undecided \(INCONCLUSIVE\)/);
    const early = sequentialStats(d, 8, true, claims([S, N, S, S]));
    expect(early.note).toMatch(/stopped here.*overstate/);
    expect(early.design).toMatch(/at most 0\.05 per family/);
    expect(sequentialStats(d, 12, false, claims([S, S, S, S]))).toMatchObject({ outcome: 'incomplete', looksTaken: null, nextLook: null });
  });

  it('each claim’s note says what its look allows: interim, an early stop (effects overstated), the last look, no look', () => {
    expect(sequentialClaimNote(sequentialStats(d, 12, true, claims([S, I, S, I])))).toMatch(/look 2 of 4 \(12 seeds\), α = 0\.0125 at each look: an interim verdict, not final/);
    expect(sequentialClaimNote(sequentialStats(d, 8, true, claims([S, N, S, S])))).toMatch(/stopped early here.*overstate/);
    expect(sequentialClaimNote(sequentialStats(d, 20, true, claims([S, N, S, S])))).toMatch(/look 4 of 4.*: the study stopped here$/);
    expect(sequentialClaimNote(sequentialStats(d, 10, true, claims([S, S, S, S])))).toMatch(/10 seeds, no look of the design.*stops nothing/);
  });
});

describe('the sequential procedure on simulated studies', () => {
  it('counts a false SUPPORTED at any look taken; a loose design makes it common, the real one rare', () => {
    const R = 12;
    // A design that spends α = 0.5 at each of its looks: false claims get SUPPORTED (the count can fail).
    const loose = { ...sequentialDesign(12), alphaPerLook: 0.5, level: 0.5 };
    const bad = calibrateSequential('null-1-3', R, loose, { reps: 100 }, 7_000);
    const good = calibrateSequential('null-1-3', R, sequentialDesign(12), { reps: 100 }, 7_000);
    for (const c of [bad, good]) {
      // At the stop or earlier: at-any-look counts are never below the stopping look's.
      for (const i of [0, 1, 2, 3]) expect(c.supportedAnyLook[i]).toBeGreaterThanOrEqual(c.supported[i]);
      expect(c.falseFamily).toBeGreaterThanOrEqual(Math.max(c.supportedAnyLook[0], c.supportedAnyLook[2]));
      expect(c.stoppedAt.reduce((a, b) => a + b, 0)).toBe(R);
    }
    expect(bad.falseFamily).toBeGreaterThan(R / 4);
    expect(good.falseFamily).toBeLessThanOrEqual(2);
  });

  it('a study whose claims are all decided at the first look stops there', () => {
    const c = calibrateSequential('all-true', 4, sequentialDesign(12), { reps: 100 }, 11);
    expect(c.stoppedAt[0]).toBe(c.decided); // every study decided at look 1 stopped at look 1
    expect(c.seedsTrained).toBe(8 * c.stoppedAt[0] + 12 * c.stoppedAt[1]);
  });
});

/** A study folder at the look of `count` seeds (config.json: seeds.untilDecided, maxCount 12) holding `have` simulated seeds. */
function sequentialFolder(scenario: Parameters<typeof simulateStudy>[0], count: number, have: number, seed = 5): string {
  const root = join(tempDir(), 'seq');
  writeSeedFolders(root, simulateStudy(scenario, have, seed), { planned: { start: 1, count, untilDecided: true, maxCount: 12 } });
  return root;
}
/** Claim 2 cannot be tested without the noise floor: the family stays undecided at every look. */
const UNDECIDED = { ...SCENARIOS['all-true'], noiseFloor: false };

describe('aggregate at a look', () => {
  it('analyses the look’s seeds at α/K, with the claims’ CIs at 1 − 2α/K and Table 2 at 95 %, and says what the look means', async () => {
    const root = sequentialFolder(UNDECIDED, 8, 12);
    const { stats } = await aggregate({ dirs: [root], cka: false, reps: 200 });
    expect(stats.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stats.warnings.join('\n')).toMatch(/seeds 9, 10, 11, 12 are left out: they are not seeds of the look at 8 seeds/);
    expect(stats.alpha).toBe(0.025);
    expect(stats.claims[0].effect!.ci.level).toBeCloseTo(0.95, 12); // 2 looks: α/K = 0.025, two-sided 1 − 2α/K
    expect(stats.table2[0].ci.level).toBe(0.95);
    expect(stats.claims[0].sentence).toContain('95% CI');
    expect(stats.sequential).toMatchObject({ looks: [8, 12], look: 1, outcome: 'continue', nextLook: 12, undecided: [2], looksTaken: 1 });
    expect(JSON.parse(readFileSync(join(root, 'stats.json'), 'utf8')).sequential.outcome).toBe('continue');
    // stats.arrow's metadata names both levels: the claims' rows at 1 − 2α/K, the descriptive ones at 95 %
    const arrowMeta = JSON.parse(tableFromIPC(readFileSync(join(root, 'stats.arrow'))).schema.metadata.get('filterstudy')!);
    expect(arrowMeta.level).toBe(0.95);
    expect(arrowMeta.claimLevel).toBeCloseTo(0.95, 12);
    expect(readFileSync(join(root, 'report.md'), 'utf8')).toMatch(/\*\*Sequential design\*\* \(1 look taken\)/);
    // Every claim says its verdict is interim, so none reads as final.
    for (const c of stats.claims) expect(c.notes.at(-1)).toMatch(/look 1 of 2 \(8 seeds\), α = 0\.025 at each look: an interim verdict, not final/);
  });

  it('the last look stops the study undecided; a plain study has no sequential part and keeps α = 0.05', async () => {
    const { stats } = await aggregate({ dirs: [sequentialFolder(UNDECIDED, 12, 12)], cka: false, reps: 200 });
    expect(stats.sequential).toMatchObject({ look: 2, outcome: 'last look', nextLook: null, looksTaken: 2 });
    const plain = join(tempDir(), 'plain');
    writeSeedFolders(plain, simulateStudy(UNDECIDED, 8, 5));
    const p = await aggregate({ dirs: [plain], cka: false, reps: 200 });
    expect(p.stats.sequential).toBeUndefined();
    expect(p.stats.alpha).toBe(0.05);
    // the claims' intervals at 1 − 2α = 90 % (the one-sided 95 % bound of the one-sided test), Table 2 at 95 %
    expect(p.stats.options.claimLevel).toBeCloseTo(0.9, 12);
    expect(p.stats.claims[0].effect!.ci.level).toBeCloseTo(0.9, 12);
    expect(p.stats.claims[0].sentence).toContain('90% CI');
    expect(p.stats.table2[0].ci.level).toBe(0.95);
    const meta = JSON.parse(tableFromIPC(readFileSync(join(plain, 'stats.arrow'))).schema.metadata.get('filterstudy')!);
    expect([meta.level, meta.claimLevel]).toEqual([0.95, expect.closeTo(0.9, 12)]);
  });
});

describe('Slurm: the next round', () => {
  const cfgOf = (root: string, untilDecided: boolean) => {
    const cfg = resolveConfig([{ source: 'test', config: { outDir: dirname(root), name: basename(root), seeds: { untilDecided, maxCount: 12 } } }]);
    return { ...cfg, seeds: { ...cfg.seeds, count: untilDecided ? 8 : cfg.seeds.count } };
  };
  const so = { shards: 2, cpus: SLURM_DEFAULTS.cpus, mem: SLURM_DEFAULTS.mem, time: SLURM_DEFAULTS.time, command: 'filterstudy' };

  it('until decided, train.sbatch takes the look’s seeds, submit.sh passes them on, aggregate.sbatch submits the next round', () => {
    const s = slurmScripts(cfgOf('/x/out/seq', true), so);
    expect(s.train).toContain('run --config /x/out/seq/slurm/study.config.mjs --seeds "${1:-8}" --shard "$SLURM_ARRAY_TASK_ID/2"');
    expect(s.submit).toContain('look=${1:-8}');
    expect(s.submit).toContain('array=$(sbatch --parsable train.sbatch "$look")');
    expect(s.submit).toContain('agg=$(sbatch --parsable --dependency=afterany:$array aggregate.sbatch)');
    expect(s.aggregate).toMatch(/^exec filterstudy aggregate \/x\/out\/seq --next-round$/m);
    const plain = slurmScripts(cfgOf('/x/out/seq', false), so);
    expect(plain.aggregate).not.toContain('--next-round');
    expect(plain.train).not.toContain('--seeds');
  });

  describe('aggregate --next-round', () => {
    const path = process.env.PATH;
    afterEach(() => {
      process.env.PATH = path;
      vi.restoreAllMocks();
    });
    /** An `sbatch` on PATH that appends its arguments to a log and answers a job id. */
    function fakeSbatch(): string {
      const bin = tempDir();
      const log = join(bin, 'calls.log');
      writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\necho "$*" >> ${log}\necho $((1000 + $(wc -l < ${log})))\n`);
      chmodSync(join(bin, 'sbatch'), 0o755);
      process.env.PATH = `${bin}:${path}`;
      return log;
    }

    it('submits the next look’s array (its seeds as the argument) and its aggregate job after it when undecided', async () => {
      const log = fakeSbatch();
      const root = sequentialFolder(UNDECIDED, 8, 8);
      const f = writeSlurm(cfgOf(root, true), so);
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      await aggregateAction([root], { cka: false, reps: '200', json: false, nextRound: true });
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([`--parsable ${f.train} 12`, `--parsable --dependency=afterany:1001 ${f.aggregate}`]);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/submitted the next look \(12 seeds\): array job 1001 and aggregate job 1002/);
    });

    it('submits nothing at the last look, and refuses a study not run until decided', async () => {
      const log = fakeSbatch();
      const root = sequentialFolder(UNDECIDED, 12, 12);
      writeSlurm(cfgOf(root, true), so);
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      await aggregateAction([root], { cka: false, reps: '200', json: false, nextRound: true });
      expect(existsSync(log)).toBe(false);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/no next look submitted/);
      const plain = join(tempDir(), 'plain');
      writeSeedFolders(plain, simulateStudy(UNDECIDED, 8, 5));
      await expect(aggregateAction([plain], { cka: false, reps: '200', json: false, nextRound: true })).rejects.toThrow(/is not a study run until decided/);
      expect(existsSync(log)).toBe(false);
    });
  });
});

describe('filterstudy run --until-decided', () => {
  const TINY = ['--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16',
    '--set', 'train.noiseFloor=false', '-e', '1', '--json']; // no noise floor: claim 2 untestable, so the family stays undecided at every look
  const cli = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 1_200_000 });
  const events = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

  it('refuses --seeds and --no-aggregate beside it, naming the option', () => {
    const cwd = tempDir();
    for (const [extra, msg] of [[['-s', '10'], /--seeds cannot be combined with --until-decided/], [['--no-aggregate'], /cannot be combined with --no-aggregate/], [['--max-seeds', '30'], /--max-seeds\) is 30/]] as const) {
      const r = cli(['run', '--until-decided', ...extra, ...TINY], cwd);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('counts the seeds already finished, then takes two looks (8 and 9 seeds) while a claim stays undecided', () => {
    const cwd = tempDir();
    const first = cli(['run', '-n', 'seq', '-s', '8', '--no-aggregate', '--no-parquet', ...TINY], cwd);
    expect(first.status, first.stderr).toBe(0);
    const r = cli(['run', '-n', 'seq', '--until-decided', '--max-seeds', '9', ...TINY], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train\.noiseFloor = false: claim 2 cannot be tested.*runs to its last look \(9 seeds\)/);
    const ev = events(r.stdout);
    const starts = ev.filter((e) => e.type === 'start');
    expect(starts.map((e) => [e.pending, e.skipped])).toEqual([[[], [1, 2, 3, 4, 5, 6, 7, 8]], [[9], [1, 2, 3, 4, 5, 6, 7, 8]]]);
    const looks = ev.filter((e) => e.type === 'look');
    expect(looks).toHaveLength(1);
    expect(looks[0]).toMatchObject({ look: 1, looks: [8, 9], seeds: 8, alpha: 0.025, outcome: 'continue', nextLook: 9 });
    const done = ev.filter((e) => e.type === 'done');
    expect(done).toHaveLength(1);
    expect(done[0].sequential).toMatchObject({ look: 2, looks: [8, 9], alphaPerLook: 0.025, outcome: 'last look', looksTaken: 2 });
    expect(done[0].seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stats = JSON.parse(readFileSync(join(cwd, 'out', 'seq', 'stats.json'), 'utf8'));
    expect(stats.sequential.outcome).toBe('last look');
    expect(JSON.parse(readFileSync(join(cwd, 'out', 'seq', 'config.json'), 'utf8')).config.seeds).toMatchObject({ count: 9, untilDecided: true, maxCount: 9 });
  });
});
