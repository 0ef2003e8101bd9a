/** `filterstudy run`: train the seed sweep, write the outputs, print the summary, then aggregate. */
import { Command, Option } from 'commander';
import type { UserConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { createReporter } from '../coordinator/progress.ts';
import { summaryText } from '../coordinator/summary.ts';
import { runStudy } from '../coordinator/sweep.ts';
import { aggregate, formatAggregateSummary } from '../stats/report.ts';
import { configFromCli } from './load-config.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new FilterstudyError('E_CONFIG', `${name} expects an integer, got "${v}"`);
  return n;
};

interface RunOptions {
  config?: string; preset?: 'quick' | 'paper'; name?: string; out?: string; seeds?: number; seedStart?: number; epochs?: number;
  workers?: number; backend?: 'auto' | 'tfjs-node' | 'wasm' | 'cpu'; dataDir?: string; verify: boolean; pairing?: 'reversed' | 'shuffled';
  set: string[]; json: boolean; aggregate: boolean;
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
  const { cfg } = await configFromCli({ config: o.config, cli, sets: o.set });
  const reporter = createReporter({ json: o.json, tty: Boolean(process.stdout.isTTY) });
  let summary;
  try {
    summary = await runStudy(cfg, { onEvent: (e) => reporter.onEvent(e) });
  } finally {
    reporter.close();
  }
  if (!o.json) process.stdout.write(`\n${summaryText(summary.paths.root)}\n`);
  // The statistics and the report over every finished seed (resumed ones included).
  if (o.aggregate && summary.completed.length + summary.skipped.length > 0) {
    const res = await aggregate({ dirs: [summary.paths.root] });
    const html = res.files.find((f) => f.endsWith('report.html'));
    if (!o.json) process.stdout.write(`\n${formatAggregateSummary(res.stats)}\n${html ? `report: ${html}\n` : ''}`);
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
    .addOption(new Option('-p, --preset <name>', 'preset: quick (the main job: Adam, 10 epochs) or paper (Table 1: SGD, 100 epochs)').choices(['quick', 'paper']))
    .option('-n, --name <study>', 'study name: outputs go to <out>/<name> (default: the preset name)')
    .option('-o, --out <dir>', 'output root folder (default: out)')
    .option('-s, --seeds <count>', 'number of seeds', int('--seeds'))
    .option('--seed-start <n>', 'first seed', int('--seed-start'))
    .option('-e, --epochs <n>', 'epochs of every network (the maximum with --set train.stopRule=plateau)', int('--epochs'))
    .option('-w, --workers <n>', 'worker threads (default: one per core; 1 with tfjs-node)', int('--workers'))
    .addOption(new Option('-b, --backend <name>', 'tfjs backend').choices(['auto', 'tfjs-node', 'wasm', 'cpu']))
    .option('--data-dir <dir>', 'your own MNIST IDX files (raw or .gz) instead of the embedded copy')
    .option('--no-verify', 'skip the official MNIST SHA-256 check (for other IDX data, e.g. Fashion-MNIST)')
    .addOption(new Option('--pairing <how>', 'how images are paired within a split').choices(['reversed', 'shuffled']))
    .option('--set <key=value>', 'set any config key, e.g. --set model.lstmInput=softmax (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON lines instead of the live display', false)
    .option('--no-aggregate', 'skip the statistics report at the end')
    .addHelpText('after', '\nExamples:\n  filterstudy run                       # quick preset: 6 seeds, all 42k pairs, Adam, 10 epochs\n  filterstudy run --preset paper -s 20  # Table 1 settings, 20 seeds\n  filterstudy run --set train.sharedInit=true --name paired\n\nRe-running the same study resumes: finished seeds are skipped, failed ones retried.');
}
