/**
 * What `filterstudy run` does: train the seed sweep, write the outputs, print the summary, then
 * aggregate. Imported by run.ts only when the command runs: it loads the ML stack, Arrow and vega.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { createReporter, wrapLine } from '../coordinator/progress.ts';
import { summaryText } from '../report/summary.ts';
import { formatShard, parseShard } from '../coordinator/shard.ts';
import { exportStudy } from '../io/export.ts';
import { parseSweep, sweepPoints } from '../coordinator/multirun.ts';
import { studyPaths } from '../io/outputs.ts';
import { runStudy } from '../coordinator/sweep.ts';
import { compareStudies } from '../report/compare.ts';
import { aggregate, formatAggregateSummary } from '../report/report.ts';
import { configFromCli } from './load-config.ts';
import { planLine } from './plan.ts';
import { runOptionsConfig, type RunOptions } from './run-options.ts';

/** Text for stdout: on a terminal every line is word-wrapped to its width (the width rule of the live display). */
function out(text: string): void {
  const cols = process.stdout.isTTY ? process.stdout.columns || 80 : 0;
  process.stdout.write(cols ? text.split('\n').flatMap((l) => wrapLine(l, cols)).join('\n') : text);
}

/** Sets an exit code; never exits: the CLI entry does. */
export async function runAction(o: RunOptions): Promise<number> {
  const shard = o.shard === undefined ? undefined : parseShard(o.shard);
  const cli = runOptionsConfig(o);
  const sweeps = (o.sweep ?? []).map(parseSweep);
  if (!sweeps.length) {
    const { cfg } = await configFromCli({ config: o.config, cli, sets: o.set });
    return runOne(cfg, o, shard);
  }
  if (shard) throw new FilterstudyError('E_CONFIG', '--shard and --sweep cannot be combined', { hint: 'shard each study of the sweep separately (run --name <study> --set key=value --shard I/N)' });
  // Multirun: resolve every point first, so that a bad value fails before any training starts.
  const { cfg: base } = await configFromCli({ config: o.config, cli, sets: o.set });
  const points = sweepPoints(sweeps);
  const cfgs: StudyConfig[] = [];
  for (const p of points) {
    const { cfg } = await configFromCli({ config: o.config, cli: { ...cli, name: `${base.name}.${p.suffix}` }, sets: [...o.set, ...p.sets] });
    cfgs.push(cfg);
  }
  if (!o.json) out(`sweep: ${points.length} studies (${sweeps.map((a) => `${a.key} ∈ {${a.values.join(', ')}}`).join(' × ')}): ${cfgs.map((c) => c.name).join(', ')}\n`);
  let code = 0;
  for (const [i, cfg] of cfgs.entries()) {
    if (!o.json) out(`\n── study ${i + 1}/${cfgs.length}: ${cfg.name} (${points[i].sets.join(' ')}) ──\n`);
    code = Math.max(code, await runOne(cfg, o, undefined));
  }
  const dirs = cfgs.map((c) => studyPaths(c).root).filter((d) => existsSync(join(d, 'metrics.arrow')));
  if (dirs.length >= 2) {
    const outDir = join(base.outDir, `${base.name}.compare`);
    const res = await compareStudies({ dirs, outDir });
    if (!o.json) out(`\n${res.text}\ncomparison: ${join(outDir, 'compare.html')}\n`);
  }
  return code;
}

/** One study: train (resuming), write the outputs, then the report and Parquet copies. */
async function runOne(cfg: StudyConfig, o: RunOptions, shard: ReturnType<typeof parseShard> | undefined): Promise<number> {
  const reporter = createReporter({ json: o.json, tty: Boolean(process.stdout.isTTY) });
  const partial = shard !== undefined && shard.count > 1;
  let finished = 0;
  let root = '';
  // Ctrl-C / SIGTERM: say what is kept and how to resume, then exit 128 + signal. Seeds are
  // written synchronously (temp folder, then rename), so a handler never runs mid-write.
  const onSignal = (signal: NodeJS.Signals) => {
    reporter.close();
    process.stderr.write(`\nfilterstudy: interrupted (${signal}): ${finished} seed(s) finished in this run and kept${root ? ` in ${root}/seeds` : ''}; seeds in training are lost.\n  to resume, rerun: ${resumeCommand()}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // First: what is being trained and, for the main job, how long it takes.
  if (!o.json) out(`${planLine(cfg)}\n`);
  let summary;
  let res;
  try {
    summary = await runStudy(cfg, {
      onEvent: (e) => {
        if (e.type === 'start') root = e.root;
        if (e.type === 'seed-done') finished++;
        reporter.onEvent(e);
      },
      shard,
    });
    // The statistics and the report over every finished seed (resumed ones included), still under
    // the live display so that its ETA covers the report. A shard (N > 1) leaves it to the
    // aggregate job: its report would cover only part of the study.
    if (o.aggregate && !partial && summary.completed.length + summary.skipped.length > 0) {
      const t0 = performance.now();
      reporter.onReportStart?.();
      res = await aggregate({ dirs: [summary.paths.root] });
      reporter.onReportDone?.((performance.now() - t0) / 1000);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.close();
  }
  const anyFinished = summary.completed.length + summary.skipped.length > 0;
  if (partial && !o.json) out(`\nshard ${formatShard(shard!)} done; once every shard has run: filterstudy aggregate ${summary.paths.root}\n`);
  // The summary once: the aggregate's (Table 2 with CIs, verdicts, warnings) when it ran, else the short one.
  if (summary.elsewhere.length && !o.json) {
    out(`\n${summary.elsewhere.length} seed(s) were finished or being trained by other processes sharing ${summary.paths.root}: ${summary.elsewhere.join(', ')}; the report covers those finished so far\n`);
  }
  if (res) {
    const html = res.files.find((f) => f.endsWith('report.html'));
    if (!o.json) out(`\n${formatAggregateSummary(res.stats, res.kernels)}\n${html ? `report: ${html}\n` : ''}`);
  } else if (!o.json) out(`\n${summaryText(summary.paths.root)}\n`);
  if (o.parquet && anyFinished) {
    const files = exportStudy(summary.paths.root, 'parquet');
    if (!o.json) out(`Parquet: ${files.length} tables beside the .arrow files in ${summary.paths.root}\n`);
  }
  if (summary.failed.length) {
    process.stderr.write(`\n${summary.failed.length} seed(s) failed: ${summary.failed.map((f) => `${f.seed} [${f.error.code}]`).join(', ')} — errors in ${summary.paths.failed}; rerun the same command to retry them (finished seeds are kept)\n`);
    // A seed that failed on a bug is not a training failure: say so, and exit 3.
    const bugs = summary.failed.filter((f) => f.error.code === 'E_INTERNAL');
    if (bugs.length) {
      process.stderr.write(`filterstudy: internal error (this is a bug) in seed(s) ${bugs.map((f) => f.seed).join(', ')}: ${bugs[0].error.message.split('\n')[0]}\n  the stack is in ${summary.paths.failed}; please report it\n`);
      return 3;
    }
    return 1;
  }
  return 0;
}

/** The command line that resumes this run (the same one), quoted for a POSIX shell. */
function resumeCommand(): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['filterstudy', ...process.argv.slice(2)].map(q).join(' ');
}
