/**
 * The `filterstudy` CLI. The only place that prints errors and sets the exit code:
 * 0 = all good, 1 = some seeds failed, 2 = a usage error or an error with a code (bad input,
 * config, data, backend, outputs, a disk that refuses), 3 = internal error (a bug; the stack
 * with --debug), 130 / 143 = interrupted by Ctrl-C / SIGTERM (run prints how to resume).
 */
import { Command, CommanderError } from 'commander';
import { FilterstudyError, ioError, isOsError } from '../errors.ts';
import { createRequire } from 'node:module';

export const EXIT = { ok: 0, seedsFailed: 1, error: 2, internal: 3 } as const;

/**
 * The commands, one file each, imported only when that command is named on the command line, so
 * `filterstudy --help` (which lists these descriptions) and `filterstudy run --help` print
 * without loading onnxruntime, tfjs, Arrow or vega (test/lazy-commands.test.ts checks what loads).
 */
export const COMMANDS: Record<string, { description: string; load: () => Promise<Command> }> = {
  run: {
    description: 'train seeded model-1 and model-2 copies on a worker pool and write filters, metrics and S_i to out/<study>/',
    load: async () => (await import('./run.ts')).runCommand(),
  },
  aggregate: {
    description: 'pool out/<study> folders (same config, disjoint seeds) and write the statistics report: stats.json, stats.arrow, report.html, report.md, figures/',
    load: async () => (await import('./aggregate.ts')).aggregateCommand(),
  },
  predict: {
    description: 'predict the third term 2b − a for two digit images with an exported model-1 or model-2 ONNX file',
    load: async () => (await import('./predict.ts')).predictCommand(),
  },
  export: {
    description: "write a study's Arrow tables as Parquet or CSV (same columns, plus study and config_hash) for pandas, R, DuckDB, spreadsheets",
    load: async () => (await import('./export.ts')).exportCommand(),
  },
  curate: {
    description: 'copy what the statistics need of a study (config, tables, seed records; no ONNX) into a small folder for git, with its stats.json',
    load: async () => (await import('./curate.ts')).curateCommand(),
  },
  compare: {
    description: 'compare studies side by side: the settings that differ, Table 2 and the verdicts of each, and a plot (compare.html, compare.md, compare.json)',
    load: async () => (await import('./compare.ts')).compareCommand(),
  },
  slurm: {
    description: 'write (and with --submit submit) a Slurm array job for a study: one task per shard, then an aggregate job (afterany)',
    load: async () => (await import('./slurm.ts')).slurmCommand(),
  },
  k8s: {
    description: 'print Kubernetes manifests for a study: an Indexed Job (one pod per shard, shared volume) and a suspended aggregate Job',
    load: async () => (await import('./k8s.ts')).k8sCommand(),
  },
};

/** The command the arguments (after node and the script) name: the first one not an option, or the one after `help`. */
export function requestedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

/**
 * The program with the named command loaded and every other command a stub (name and
 * description: enough for the command list and for "unknown command" suggestions).
 */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('filterstudy')
    .description('Do CNNs that reach the same accuracy learn the same filters? Seeded model-1/model-2 sweeps, Arrow outputs, ONNX models, statistics.')
    .option('--debug', 'print the stack trace of an internal error')
    .showHelpAfterError('(add --help for usage)')
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version, '-V, --version', 'print the filterstudy version')
    .exitOverride();
  const wanted = requestedCommand(args);
  for (const [name, c] of Object.entries(COMMANDS)) {
    program.addCommand((name === wanted ? await c.load() : new Command(name)).description(c.description));
  }
  // addCommand does not pass exitOverride on: without it a usage error inside a command
  // (bad --preset, unknown flag) would call process.exit(1), the code of failed seeds.
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(add --help for usage)');
  return program;
}

/** Prints the error; returns the exit code. The stack of an internal error only with --debug. */
export function printError(e: unknown, debug: boolean): number {
  if (!(e instanceof FilterstudyError) && isOsError(e)) e = ioError(e, e.syscall ?? 'use', e.path ?? '(unknown path)');
  if (e instanceof FilterstudyError && e.code !== 'E_INTERNAL') {
    process.stderr.write(`filterstudy: error [${e.code}] ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (e.cause instanceof Error && !e.message.includes(e.cause.message) && !(e.code === 'E_IO')) process.stderr.write(`  cause: ${e.cause.message}\n`);
    return EXIT.error;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`filterstudy: internal error (this is a bug): ${err.message.split('\n')[0]}\n`);
  process.stderr.write(debug ? `${err.stack ?? ''}\n` : '  rerun with --debug for the stack trace, and report it with the command you ran\n');
  return EXIT.internal;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || process.env.FILTERSTUDY_DEBUG === '1';
  try {
    await (await buildProgram(argv.slice(2))).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    return printError(e, debug);
  }
}
