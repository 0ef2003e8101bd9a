/** `filterstudy run`: train the seed sweep, write the outputs, print the summary, then aggregate. */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyConfig, UserConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { createReporter, wrapLine } from '../coordinator/progress.ts';
import { summaryText } from '../coordinator/summary.ts';
import { exportStudy } from '../coordinator/export.ts';
import { parseSweep, sweepPoints } from '../coordinator/multirun.ts';
import { studyPaths } from '../coordinator/outputs.ts';
import { runStudy } from '../coordinator/sweep.ts';
import { compareStudies } from '../stats/compare.ts';
import { aggregate, formatAggregateSummary } from '../stats/report.ts';
import { MAIN_JOB_TIME } from '../main-job-time.ts';
import { configFromCli } from './load-config.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new FilterstudyError('E_CONFIG', `${name} expects an integer, got "${v}"`);
  return n;
};

interface RunOptions {
  config?: string; preset?: 'quick' | 'paper'; name?: string; out?: string; seeds?: number; seedStart?: number; epochs?: number;
  workers?: number; backend?: 'auto' | 'tfjs-node' | 'wasm' | 'cpu'; dataDir?: string; verify: boolean; pairing?: 'reversed' | 'shuffled';
  set: string[]; sweep?: string[]; json: boolean; aggregate: boolean; parquet: boolean;
}

/** Text for stdout: on a terminal every line is word-wrapped to its width (the width rule of the live display). */
function out(text: string): void {
  const cols = process.stdout.isTTY ? process.stdout.columns || 80 : 0;
  process.stdout.write(cols ? text.split('\n').flatMap((l) => wrapLine(l, cols)).join('\n') : text);
}

/** Sets an exit code; never exits: the CLI entry does. */
export async function runAction(o: RunOptions): Promise<number> {
  const cli: UserConfig = {
    preset: o.preset, name: o.name, outDir: o.out,
    seeds: { count: o.seeds, start: o.seedStart },
    data: { dir: o.dataDir, verify: o.verify === false ? false : undefined, pairing: o.pairing },
    train: { epochs: o.epochs },
    runtime: { workers: o.workers, backend: o.backend },
  };
  const sweeps = (o.sweep ?? []).map(parseSweep);
  if (!sweeps.length) {
    const { cfg } = await configFromCli({ config: o.config, cli, sets: o.set });
    return runOne(cfg, o);
  }
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
    code = Math.max(code, await runOne(cfg, o));
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
async function runOne(cfg: StudyConfig, o: RunOptions): Promise<number> {
  const reporter = createReporter({ json: o.json, tty: Boolean(process.stdout.isTTY) });
  let summary;
  let res;
  try {
    summary = await runStudy(cfg, { onEvent: (e) => reporter.onEvent(e) });
    // The statistics and the report over every finished seed (resumed ones included), still under
    // the live display so that its ETA covers the report.
    if (o.aggregate && summary.completed.length + summary.skipped.length > 0) {
      const t0 = performance.now();
      reporter.onReportStart?.();
      res = await aggregate({ dirs: [summary.paths.root] });
      reporter.onReportDone?.((performance.now() - t0) / 1000);
    }
  } finally {
    reporter.close();
  }
  const finished = summary.completed.length + summary.skipped.length > 0;
  // The summary once: the aggregate's (Table 2 with CIs, verdicts, warnings) when it ran, else the short one.
  if (res) {
    const html = res.files.find((f) => f.endsWith('report.html'));
    if (!o.json) out(`\n${formatAggregateSummary(res.stats)}\n${html ? `report: ${html}\n` : ''}`);
  } else if (!o.json) out(`\n${summaryText(summary.paths.root)}\n`);
  if (o.parquet && finished) {
    const files = exportStudy(summary.paths.root, 'parquet');
    if (!o.json) out(`Parquet: ${files.length} tables beside the .arrow files in ${summary.paths.root}\n`);
  }
  if (summary.failed.length) {
    process.stderr.write(`\n${summary.failed.length} seed(s) failed: ${summary.failed.map((f) => f.seed).join(', ')} — errors in ${summary.paths.failed}; rerun the same command to retry them (finished seeds are kept)\n`);
    return 1;
  }
  return 0;
}

export function runCommand(): Command {
  return new Command('run')
    .description('train seeded model-1 and model-2 copies on a worker pool and write filters, metrics and S_i to out/<study>/')
    .option('-c, --config <file>', 'study config file (default: ./study.config.ts if present)')
    .addOption(new Option('-p, --preset <name>', 'preset: quick (minutes) or paper (Table 1: 100 epochs)').choices(['quick', 'paper']))
    .option('-n, --name <study>', 'study name: outputs go to <out>/<name> (default: the preset name)')
    .option('-o, --out <dir>', 'output root folder (default: out)')
    .option('-s, --seeds <count>', 'number of seeds', int('--seeds'))
    .option('--seed-start <n>', 'first seed', int('--seed-start'))
    .option('-e, --epochs <n>', 'epochs of the CNNs and model-2 (model-1\'s LSTM: --set train.lstmEpochs=N)', int('--epochs'))
    .option('-w, --workers <n>', 'worker threads (default: one per core; 1 with tfjs-node)', int('--workers'))
    .addOption(new Option('-b, --backend <name>', 'tfjs backend').choices(['auto', 'tfjs-node', 'wasm', 'cpu']))
    .option('--data-dir <dir>', 'your own MNIST IDX files (raw or .gz) instead of the embedded copy')
    .option('--no-verify', 'skip the official MNIST SHA-256 check (for other IDX data, e.g. Fashion-MNIST)')
    .addOption(new Option('--pairing <how>', 'how images are paired within a split').choices(['reversed', 'shuffled']))
    .option('--set <key=value>', 'set any config key, e.g. --set model.lstmInput=softmax (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--sweep <key=v1,v2,...>', 'multirun: one study per value, named <name>.<key>-<value>; repeat for a grid; ends with a comparison report', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON lines instead of the live display', false)
    .option('--no-aggregate', 'skip the statistics report at the end')
    .option('--no-parquet', 'do not write Parquet copies of the tables (filterstudy export does it later)')
    .addHelpText('after', `\nExamples:\n  filterstudy run                       # quick preset: ${MAIN_JOB_TIME}\n  filterstudy run --preset paper -s 20  # Table 1 settings, 20 seeds\n  filterstudy run --set train.sharedInit=true --name paired\n  filterstudy run --sweep model.lstmInput=onehot,softmax,scalar   # 3 studies + out/quick.compare/\n\nRe-running the same study resumes: finished seeds are skipped, failed ones retried.`);
}
