/**
 * `filterstudy curate <study> <dest>`: a small copy of a study for git (results/<study>/): its
 * config, every seed's tables and seed record (no ONNX graphs: io/curate.ts), and the stats.json
 * that `aggregate` computes from exactly those files, so `filterstudy aggregate <dest>` recomputes
 * it (test/results.test.ts does, for every study under results/). All of it is written into a
 * staged copy beside <dest>, which replaces <dest> only when complete: a failed copy or aggregate
 * leaves the previous <dest> as it was.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { FilterstudyError } from '../errors.ts';

export interface CurateCliOptions { command?: string; wallSeconds?: string; commit?: string }

/** The commit of the checkout curate runs in (null outside git): where the results were curated. */
function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** provenance.json (report/findings.ts Provenance): what the findings page quotes for the study. */
function provenance(dest: string, o: CurateCliOptions, wallSeconds: number | null, trainedCommit: string | null): Record<string, unknown> {
  let seedSeconds = 0;
  for (const d of readdirSync(join(dest, 'seeds'))) {
    const rec = JSON.parse(readFileSync(join(dest, 'seeds', d, 'seed.json'), 'utf8')) as { seconds?: unknown };
    if (typeof rec.seconds === 'number') seedSeconds += rec.seconds;
  }
  const cpu = cpus();
  const here = gitCommit();
  return {
    command: o.command ?? null,
    // The code that trained the study (--commit), which a long study may predate; then the checkout curating it.
    commit: trainedCommit ?? here,
    curatedCommit: here,
    machine: cpu.length ? `${cpu[0].model.trim()}, ${cpu.length} cores, Node ${process.version}` : null,
    curatedAt: new Date().toISOString(),
    wallSeconds,
    seedSeconds: Math.round(seedSeconds),
  };
}

/** --wall-seconds as a number (null when not given), checked before anything is copied. */
function wallSecondsOption(o: CurateCliOptions): number | null {
  if (o.wallSeconds === undefined) return null;
  const s = Number(o.wallSeconds);
  if (!Number.isFinite(s) || s <= 0) throw new FilterstudyError('E_CONFIG', `--wall-seconds must be a positive number, got "${o.wallSeconds}"`, { hint: 'give the study\'s wall time in seconds, e.g. --wall-seconds 600' });
  return s;
}

/** --commit as given (null when not given), checked before anything is copied. */
function commitOption(o: CurateCliOptions): string | null {
  if (o.commit === undefined) return null;
  if (!/^[0-9a-f]{7,40}$/.test(o.commit)) throw new FilterstudyError('E_CONFIG', `--commit must be a git commit hash (7 to 40 lower-case hex digits), got "${o.commit}"`, { hint: 'give the commit the study was trained at, e.g. --commit 12a94ab (git rev-parse --short HEAD in that checkout)' });
  return o.commit;
}

export async function curateAction(src: string, dest: string, o: CurateCliOptions = {}): Promise<{ files: string[]; bytes: number; seeds: number[]; omitted: string[] }> {
  const wallSeconds = wallSecondsOption(o);
  const trainedCommit = commitOption(o);
  const { commitCuratedCopy, discardCuratedCopy, stageCuratedCopy } = await import('../io/curate.ts'); // here, not at the top: --help must not load Arrow
  const { aggregate } = await import('../report/report.ts');
  // Everything is written into the staged copy beside dest; dest is replaced only once it is complete.
  const res = stageCuratedCopy(src, dest);
  // The report, figures and stats.arrow are regenerated on demand; only stats.json is kept.
  const reportDir = mkdtempSync(join(tmpdir(), 'filterstudy-curate-'));
  try {
    await aggregate({ dirs: [relative(process.cwd(), resolve(res.staged)) || '.'], outDir: reportDir });
    copyFileSync(join(reportDir, 'stats.json'), join(res.staged, 'stats.json'));
    writeFileSync(join(res.staged, 'provenance.json'), `${JSON.stringify(provenance(res.staged, o, wallSeconds, trainedCommit), null, 2)}\n`);
    commitCuratedCopy(res);
  } catch (e) {
    discardCuratedCopy(res);
    throw e;
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  return res;
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function curateCommand(): Command {
  return new Command('curate')
    .argument('<study>', 'a study folder written by filterstudy run (e.g. out/quick)')
    .argument('<dest>', 'where the curated copy goes (e.g. results/quick); replaced if it exists')
    .option('--command <text>', 'the command that trained the study, recorded in provenance.json (e.g. "npm run study")')
    .option('--wall-seconds <s>', 'how long that command took, recorded in provenance.json')
    .option('--commit <sha>', 'the commit that trained the study, recorded in provenance.json (default: this checkout\'s, which is right when it trained the study)')
    .addHelpText('after', '\nKeeps config.json, every seed\'s four tables and seed.json (the ONNX graphs are left out; their\nsizes and SHA-256s stay in seed.json `curated.omitted`), and writes stats.json by aggregate.\nExample:\n  filterstudy curate out/quick results/quick && npm run findings')
    .action(async (src: string, dest: string, o: CurateCliOptions) => {
      const r = await curateAction(src, dest, o);
      process.stdout.write(`curated ${r.seeds.length} seeds of ${src} into ${dest}: ${r.files.length + 1} files, ${(r.bytes / 1024).toFixed(0)} KB plus stats.json and provenance.json (left out: ${r.omitted.join(', ') || 'nothing'})\n`);
    });
}
