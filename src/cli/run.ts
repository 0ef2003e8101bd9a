/**
 * `filterstudy run`: its options, parsed and shown by `run --help` without loading anything heavy.
 * The config-key flags (--epochs, --backend, …) come from the key declarations (config-keys.ts);
 * what the command does is in run-action.ts, imported when it runs.
 */
import { Command } from 'commander';
import { MAIN_JOB_TIME } from './main-job-time.ts';
import { keyOptions, type RunOptions } from './run-options.ts';

export { runOptionsConfig, type RunOptions } from './run-options.ts';

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function runCommand(): Command {
  const cmd = new Command('run')
    .option('-c, --config <file>', 'study config file (default: ./study.config.ts if present)');
  for (const [, opt] of keyOptions()) cmd.addOption(opt);
  return cmd
    .option('--shard <I/N>', 'train only shard I (0-based) of N: seeds at positions p with p mod N = I; no report (run aggregate after all shards)')
    .option('--set <key=value>', 'set any config key, e.g. --set model.lstmInput=softmax (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--sweep <key=v1,v2,...>', 'multirun: one study per value, named <name>.<key>-<value>; repeat for a grid; ends with a comparison report', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON lines instead of the live display; the last is {"type":"done"} with the report path, Table 2, the verdicts and the warnings', false)
    .option('--no-aggregate', 'skip the statistics report at the end')
    .option('--no-parquet', 'do not write Parquet copies of the tables and runs.parquet (filterstudy export does it later; pandas without pyarrow: filterstudy export <dir> --format csv)')
    .addHelpText('after', `\nExamples:\n  filterstudy run                       # quick preset: ${MAIN_JOB_TIME}\n  filterstudy run --preset paper -s 20  # Table 1 settings, 20 seeds\n  filterstudy run --set train.sharedInit=true --name paired\n  filterstudy run --sweep model.lstmInput=onehot,softmax,scalar   # 3 studies + out/quick.compare/\n\nRe-running the same study resumes: finished seeds are skipped, failed ones retried.`)
    .action(async (opts: RunOptions) => {
      const { runAction } = await import('./run-action.ts');
      process.exitCode = await runAction(opts);
    });
}
