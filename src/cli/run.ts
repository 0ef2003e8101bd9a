/**
 * `filterstudy run`: its options, parsed and shown by `run --help` without loading anything heavy.
 * The config-key flags (--epochs, --backend, …) come from the key declarations (config-keys.ts);
 * what the command does is in run-action.ts, imported when it runs.
 */
import { Command, Option } from 'commander';
import { KEY_SPECS, type KeySpec } from '../config-keys.ts';
import type { UserConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { MAIN_JOB_TIME } from './main-job-time.ts';

export interface RunOptions {
  config?: string;
  set: string[];
  sweep?: string[];
  json: boolean;
  aggregate: boolean;
  parquet: boolean;
  shard?: string;
  /** The config-key flags by commander attribute name (seeds, epochs, backend, verify, …): see runOptionsConfig. */
  [flag: string]: unknown;
}

const parseNumber = (flag: string, integer: boolean) => (v: string) => {
  const n = Number(v);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n))) throw new FilterstudyError('E_CONFIG', `${flag} expects ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
};

/** The commander option of a key's flag: choices from its oneOf, numbers parsed (range checks stay with the config's validation). */
function keyOption(spec: KeySpec & { flag: NonNullable<KeySpec['flag']> }): Option {
  const o = new Option(spec.flag.flags, spec.flag.help);
  const choices = spec.flag.choices ?? spec.oneOf;
  if (choices) o.choices([...choices]);
  if (spec.type === 'int' || spec.type === 'number') o.argParser(parseNumber(o.long!, spec.type === 'int'));
  return o;
}

/** [dotted key, its option] for every key that has a flag, in declaration order (new objects: a command owns its options). */
const keyOptions = (): (readonly [string, Option])[] => KEY_SPECS.flatMap(([key, spec]) => (spec.flag ? [[key, keyOption(spec as Parameters<typeof keyOption>[0])] as const] : []));

/** The config layer the run options give (shared with `slurm` and `k8s`, which take the same options). */
export function runOptionsConfig(o: RunOptions): UserConfig {
  const out: Record<string, unknown> = {};
  for (const [key, opt] of keyOptions()) {
    const v = o[opt.attributeName()];
    // A --no-x flag defaults to true in commander: only its use (false) is a setting, else the file's value would be overridden.
    if (v === undefined || (opt.negate && v !== false)) continue;
    const path = key.split('.');
    let node = out;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = v;
  }
  return out as UserConfig;
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function runCommand(): Command {
  const cmd = new Command('run')
    .option('-c, --config <file>', 'study config file (default: ./study.config.ts if present)');
  for (const [, opt] of keyOptions()) cmd.addOption(opt);
  return cmd
    .option('--shard <I/N>', 'train only shard I (0-based) of N: seeds at positions p with p mod N = I; no report (run aggregate after all shards)')
    .option('--set <key=value>', 'set any config key, e.g. --set model.lstmInput=softmax (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--sweep <key=v1,v2,...>', 'multirun: one study per value, named <name>.<key>-<value>; repeat for a grid; ends with a comparison report', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON lines instead of the live display', false)
    .option('--no-aggregate', 'skip the statistics report at the end')
    .option('--no-parquet', 'do not write Parquet copies of the tables (filterstudy export does it later)')
    .addHelpText('after', `\nExamples:\n  filterstudy run                       # quick preset: ${MAIN_JOB_TIME}\n  filterstudy run --preset paper -s 20  # Table 1 settings, 20 seeds\n  filterstudy run --set train.sharedInit=true --name paired\n  filterstudy run --sweep model.lstmInput=onehot,softmax,scalar   # 3 studies + out/quick.compare/\n\nRe-running the same study resumes: finished seeds are skipped, failed ones retried.`)
    .action(async (opts: RunOptions) => {
      const { runAction } = await import('./run-action.ts');
      process.exitCode = await runAction(opts);
    });
}
