/**
 * The `filterstudy` CLI. The only place that prints errors and sets the exit code:
 * 0 = all good, 1 = some seeds failed, 2 = a usage error or an error with a code (bad input,
 * config, data, backend, outputs, a disk that refuses), 3 = internal error (a bug; the stack
 * with --debug), 130 / 143 = interrupted by Ctrl-C / SIGTERM (run prints how to resume).
 */
import { Command, CommanderError } from 'commander';
import { FilterstudyError, ioError, isOsError } from '../errors.ts';
import { createRequire } from 'node:module';
import { aggregateCommand } from './aggregate.ts';
import { compareCommand } from './compare.ts';
import { exportCommand } from './export.ts';
import { predictCommand } from './predict.ts';
import { runAction, runCommand } from './run.ts';
import { k8sCommand } from './k8s.ts';
import { slurmCommand } from './slurm.ts';

export const EXIT = { ok: 0, seedsFailed: 1, error: 2, internal: 3 } as const;

export function buildProgram(): Command {
  const program = new Command('filterstudy')
    .description('Do CNNs that reach the same accuracy learn the same filters? Seeded model-1/model-2 sweeps, Arrow outputs, ONNX models, statistics.')
    .option('--debug', 'print the stack trace of an internal error')
    .showHelpAfterError('(add --help for usage)')
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version, '-V, --version', 'print the filterstudy version')
    .exitOverride();
  program.addCommand(runCommand().action(async (opts) => { process.exitCode = await runAction(opts); }));
  program.addCommand(aggregateCommand());
  program.addCommand(predictCommand());
  program.addCommand(exportCommand());
  program.addCommand(compareCommand());
  program.addCommand(slurmCommand());
  program.addCommand(k8sCommand());
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
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    return printError(e, debug);
  }
}
