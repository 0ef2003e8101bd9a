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
import { fmt, verdictWord } from '../report/format.ts';
import { formatShard, parseShard } from '../coordinator/shard.ts';
import { arrowTablesIn, exportStudy } from '../io/export.ts';
import { writeRuns } from '../io/runs.ts';
import { parseSweep, sweepPoints } from '../coordinator/multirun.ts';
import { studyPaths } from '../io/outputs.ts';
import { runStudy } from '../coordinator/sweep.ts';
import { compareStudies } from '../report/compare.ts';
import { aggregate, formatAggregateSummary } from '../report/report.ts';
import { configFromCli } from './load-config.ts';
import { planLine } from './plan.ts';
import { runOptionsConfig, type RunOptions } from './run-options.ts';
import { LOOKS, sequentialDesign, type LookOutcome } from '../stats/sequential.ts';

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
    // A shard (a Slurm task) trains the one look its --seeds names; the looks are its aggregate job's.
    if (cfg.seeds.untilDecided && !shard) return runUntilDecided(cfg, o);
    return (await runOne(cfg, o, shard)).code;
  }
  if (shard) throw new FilterstudyError('E_CONFIG', '--shard and --sweep cannot be combined', { hint: 'shard each study of the sweep separately (run --name <study> --set key=value --shard I/N)' });
  // Multirun: resolve every point first, so that a bad value fails before any training starts.
  const { cfg: base } = await configFromCli({ config: o.config, cli, sets: o.set });
  if (base.seeds.untilDecided) throw new FilterstudyError('E_CONFIG', '--until-decided and --sweep cannot be combined', { hint: 'run each study of the sweep with --until-decided (run --name <study> --set key=value --until-decided)' });
  const points = sweepPoints(sweeps);
  const cfgs: StudyConfig[] = [];
  for (const p of points) {
    const { cfg } = await configFromCli({ config: o.config, cli: { ...cli, name: `${base.name}.${p.suffix}` }, sets: [...o.set, ...p.sets] });
    cfgs.push(cfg);
  }
  if (!o.json) out(`sweep: ${points.length} studies (${sweeps.map((a) => `${a.key} ∈ {${a.values.join(', ')}}`).join(' × ')}): ${cfgs.map((c) => c.name).join(', ')}\n`);
  let code = 0;
  // One line per study while the sweep runs (each study's report is on disk); the comparison at the end.
  for (const [i, cfg] of cfgs.entries()) {
    const c = (await runOne(cfg, o, undefined, { index: i + 1, total: cfgs.length, sets: points[i].sets })).code;
    if (c === INTERRUPTED.SIGINT || c === INTERRUPTED.SIGTERM) return c; // the next studies are not started
    code = Math.max(code, c);
  }
  const dirs = cfgs.map((c) => studyPaths(c).root).filter((d) => existsSync(join(d, 'metrics.arrow')));
  if (dirs.length >= 2) {
    const outDir = join(base.outDir, `${base.name}.compare`);
    const res = await compareStudies({ dirs, outDir });
    const html = join(outDir, 'compare.html');
    if (!o.json) out(`\n${res.text}\ncomparison: ${html}\nruns of all studies: ${join(outDir, 'runs.parquet')}\n`);
    else jsonLine({ type: 'sweep-done', compare: html, runs: join(outDir, 'runs.parquet'), studies: dirs, warnings: res.warnings });
  }
  return code;
}

const jsonLine = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);

type AggregateResult = Awaited<ReturnType<typeof aggregate>>;

/**
 * The last --json line of a study: where its report is, Table 2, the verdicts and the warnings, so
 * that a script needs no second read. `report` is null when no report was written (--no-aggregate,
 * a shard, no finished seed).
 */
export function doneEvent(root: string, res: AggregateResult | undefined, failed: { seed: number; error: { code: string; message: string } }[]): Record<string, unknown> {
  const st = res?.stats;
  return {
    type: 'done',
    study: root,
    report: res?.files.find((f) => f.endsWith('report.html')) ?? null,
    stats: res?.files.find((f) => f.endsWith('stats.json')) ?? null,
    seeds: st?.seeds ?? null,
    table2: st?.table2.map((r) => ({ label: r.label, model: r.model, network: r.network, target: r.target, diagnostic: r.diagnostic, n: r.n, mean: r.mean, sd: r.sd, lo: r.ci.lo, hi: r.ci.hi, paper: r.paper })) ?? null,
    verdicts: st?.claims.map((c) => ({ claim: c.claim, statement: c.statement, verdict: c.verdict, p: c.p, pHolm: c.pHolm, nSeeds: c.nSeeds, sentence: c.sentence })) ?? null,
    // A study run until decided: the looks, this look, its α, the looks taken and why it stopped.
    ...(st?.sequential ? { sequential: st.sequential } : {}),
    warnings: [...(st?.warnings ?? []), ...failed.map((f) => `seed ${f.seed} failed [${f.error.code}]: ${f.error.message}`)],
  };
}

/** The sweep's line for one finished study: its settings, seeds, the pipelines' mean test accuracy, verdicts and report. */
function sweepStudyLine(sweep: { index: number; total: number; sets: string[] }, root: string, summary: { completed: number[]; skipped: number[]; failed: unknown[] }, res: AggregateResult | undefined): string {
  const seeds = summary.completed.length + summary.skipped.length;
  const st = res?.stats;
  const acc = st ? st.table2.filter((r) => r.target === 'third').map((r) => `${r.label} ${fmt(r.mean, 3)}`).join(', ') : '';
  const verdicts = st ? st.claims.map((c) => `${c.claim} ${verdictWord(c.verdict).toLowerCase()}`).join(', ') : '';
  const report = res?.files.find((f) => f.endsWith('report.html'));
  return `study ${sweep.index}/${sweep.total} ${sweep.sets.join(' ')}: ${seeds} seed${seeds === 1 ? '' : 's'} (${summary.skipped.length} already done${summary.failed.length ? `, ${summary.failed.length} failed` : ''})` +
    `${acc ? `; test ${acc}` : ''}${verdicts ? `; claims ${verdicts}` : ''}${report ? ` → ${report}` : ` → ${root}`}\n`;
}

/** Exit codes of a run stopped by a signal: 128 + the signal's number. */
const INTERRUPTED = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * `run --until-decided`: the design's looks in turn (stats/sequential.ts), each trained (finished
 * seeds kept) and analysed by aggregate at the look's α; stops at the first look whose outcome is
 * not 'continue' (claims 1–3 decided, the last look, or a look left incomplete by failed seeds).
 * A rerun re-analyses the looks already taken on the same seeds, to the same verdicts, and goes on.
 */
async function runUntilDecided(cfg: StudyConfig, o: RunOptions): Promise<number> {
  if (o.seeds !== undefined) throw new FilterstudyError('E_CONFIG', '--seeds cannot be combined with --until-decided: the looks set the number of seeds', { hint: `cap them with --max-seeds N (the looks: ${LOOKS.join(', ')} seeds)` });
  if (!o.aggregate) throw new FilterstudyError('E_CONFIG', '--until-decided needs the statistics at every look: it cannot be combined with --no-aggregate', { hint: 'drop --no-aggregate' });
  const design = sequentialDesign(cfg.seeds.maxCount);
  // Without the noise floor claim 2 is never testable, so the family is never decided: say so before training.
  if (!cfg.train.noiseFloor) process.stderr.write(`filterstudy: warning: train.noiseFloor = false: claim 2 cannot be tested without the noise floor, so claims 1–3 are never all decided and the study runs to its last look (${design.looks[design.looks.length - 1]} seeds)\n`);
  for (const [i, count] of design.looks.entries()) {
    const r = await runOne({ ...cfg, seeds: { ...cfg.seeds, count } }, o, undefined, undefined, { look: i + 1, of: design.looks.length });
    if (r.outcome !== 'continue') return r.code;
  }
  throw new FilterstudyError('E_INTERNAL', 'run --until-decided: the last look did not stop the study'); // lookOutcome stops at the last look
}

/** One study (or one look of a study run until decided): train (resuming), write the outputs, then the report and Parquet copies. */
async function runOne(cfg: StudyConfig, o: RunOptions, shard: ReturnType<typeof parseShard> | undefined, sweep?: { index: number; total: number; sets: string[] }, look?: { look: number; of: number }): Promise<{ code: number; outcome?: LookOutcome }> {
  const partial = shard !== undefined && shard.count > 1;
  const reporter = createReporter({ json: o.json, tty: Boolean(process.stdout.isTTY), withReport: o.aggregate && !partial, quiet: sweep !== undefined });
  let finished = 0;
  let root = '';
  // Ctrl-C / SIGTERM: say what is kept and how to resume, then exit 128 + signal. Seeds are
  // written synchronously (temp folder, then rename), so a handler never runs mid-write.
  // While the sweep runs, worker threads may be inside onnxruntime: process.exit then would abort
  // the process (exit 134, "terminate called after throwing an instance of 'Napi::Error'"). So the
  // sweep is stopped instead (each seed at its next step, sessions released, threads ended) and
  // this function returns the code. After the sweep (report, Parquet copies) no thread or native
  // call is running: the handler exits at once. A repeated signal while stopping is ignored.
  const interrupt = new AbortController();
  let sweeping = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) return;
    interrupt.abort(signal);
    reporter.close();
    process.stderr.write(`\nfilterstudy: interrupted (${signal}): ${finished} seed(s) finished in this run and kept${root ? ` in ${root}/seeds` : ''}; seeds in training are lost.\n  to resume, rerun: ${resumeCommand()}\n`);
    if (!sweeping) process.exit(INTERRUPTED[signal as keyof typeof INTERRUPTED] ?? 130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // First: what is being trained and, for the main job, how long it takes.
  if (!o.json) out(`${look ? `look ${look.look} of ${look.of} (${cfg.seeds.count} seeds): ` : ''}${planLine(cfg)}\n`);
  try {
    let summary;
    let res;
    try {
      summary = await runStudy(cfg, {
        signal: interrupt.signal,
        onEvent: (e) => {
          if (e.type === 'start') root = e.root;
          if (e.type === 'seed-done') finished++;
          reporter.onEvent(e);
        },
        shard,
      }).catch((e: unknown) => {
        if (interrupt.signal.aborted) return null; // stopped by the signal (E_INTERRUPTED), or failing because of it
        throw e;
      }).finally(() => {
        sweeping = false;
      });
      // Also when the sweep returned normally after the signal (it came while the combined files were
      // written): the run was interrupted, so no report, no `done`, and a sweep starts no next study.
      if (!summary || interrupt.signal.aborted) return { code: INTERRUPTED[interrupt.signal.reason as keyof typeof INTERRUPTED] ?? 130 };
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
      reporter.close();
    }
    // An interim look (claims 1–3 undecided, looks remain, every seed of the look finished): one line, then the next look.
    const q = res?.stats.sequential;
    if (look && q?.outcome === 'continue' && !summary.failed.length) {
      if (o.json) jsonLine({ type: 'look', study: summary.paths.root, look: q.look, looks: q.looks, seeds: q.seedsAtLook, alpha: q.alphaPerLook, outcome: q.outcome, undecided: q.undecided, nextLook: q.nextLook, verdicts: res!.stats.claims.map((c) => ({ claim: c.claim, verdict: c.verdict, pHolm: c.pHolm })), note: q.note });
      else out(`${q.note}; verdicts at α = ${Number(q.alphaPerLook.toPrecision(4))}: ${res!.stats.claims.map((c) => `${c.claim} ${verdictWord(c.verdict).toLowerCase()}`).join(', ')}\n\n`);
      return { code: 0, outcome: q.outcome };
    }
    const anyFinished = summary.completed.length + summary.skipped.length > 0;
    if (partial && !o.json) out(`\nshard ${formatShard(shard!)} done; once every shard has run: filterstudy aggregate ${summary.paths.root}\n`);
    // The summary once: the aggregate's (Table 2 with CIs, verdicts, warnings) when it ran, else the short one.
    if (summary.elsewhere.length && !o.json) {
      out(`\n${summary.elsewhere.length} seed(s) were finished or being trained by other processes sharing ${summary.paths.root}: ${summary.elsewhere.join(', ')}; the report covers those finished so far\n`);
    }
    if (sweep) {
      if (!o.json) out(sweepStudyLine(sweep, summary.paths.root, summary, res));
    } else if (res) {
      const html = res.files.find((f) => f.endsWith('report.html'));
      if (!o.json) out(`\n${formatAggregateSummary(res.stats, res.kernels)}\n${html ? `report: ${html}\n` : ''}`);
    } else if (!o.json) out(`\n${summaryText(summary.paths.root)}\n`);
    if (o.parquet && anyFinished) {
      const files: string[] = [];
      for (const table of arrowTablesIn(summary.paths.root)) {
        files.push(...exportStudy(summary.paths.root, 'parquet', summary.paths.root, [table])); // each atomically
        await holdFault('hold-parquet', interrupt.signal);
      }
      files.push(writeRuns([summary.paths.root], join(summary.paths.root, 'runs.parquet'), 'parquet'));
      if (!o.json && !sweep) out(`Parquet: ${files.length} tables beside the .arrow files in ${summary.paths.root} (runs.parquet: one row per seed; pandas without pyarrow: filterstudy export ${summary.paths.root} --format csv)\n`);
    }
    if (o.json) jsonLine(doneEvent(summary.paths.root, res, summary.failed));
    const outcome = look ? q?.outcome : undefined;
    if (summary.failed.length) {
      process.stderr.write(`\n${summary.failed.length} seed(s) failed: ${summary.failed.map((f) => `${f.seed} [${f.error.code}]`).join(', ')} — errors in ${summary.paths.failed}; rerun the same command to retry them (finished seeds are kept)\n`);
      // A seed that failed on a bug is not a training failure: say so, and exit 3.
      const bugs = summary.failed.filter((f) => f.error.code === 'E_INTERNAL');
      if (bugs.length) {
        process.stderr.write(`filterstudy: internal error (this is a bug) in seed(s) ${bugs.map((f) => f.seed).join(', ')}: ${bugs[0].error.message.split('\n')[0]}\n  the stack is in ${summary.paths.failed}; please report it\n`);
        return { code: 3, outcome };
      }
      return { code: 1, outcome };
    }
    return { code: 0, outcome };
  } finally {
    // One turn of the event loop first: a signal that came during the last synchronous step (the
    // Parquet copies) is handled (exit 130/143), not dropped with the handler.
    await new Promise((r) => setImmediate(r));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * FILTERSTUDY_FAULTS=hold-parquet (tests only): after each Parquet copy, wait until a signal came,
 * so that a test interrupts the copies halfway on an event (the first .parquet file appearing),
 * never on a timer (test/signals.test.ts).
 */
async function holdFault(name: string, interrupted: AbortSignal): Promise<void> {
  if (!(process.env.FILTERSTUDY_FAULTS ?? '').split(',').includes(name) || interrupted.aborted) return;
  const alive = setInterval(() => {}, 60_000); // signal listeners alone do not keep the process running
  await new Promise((resolve) => interrupted.addEventListener('abort', resolve, { once: true }));
  clearInterval(alive);
}

/** The command line that resumes this run (the same one), quoted for a POSIX shell. */
function resumeCommand(): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['filterstudy', ...process.argv.slice(2)].map(q).join(' ');
}
