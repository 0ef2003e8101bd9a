/**
 * The `filterstudy` CLI. The only place that prints errors and sets the exit code:
 * 0 = all good, 1 = some seeds failed, 2 = an error with a code (bad input, config, data,
 * backend, outputs), 3 = internal error (a bug).
 */
import { Command, CommanderError } from 'commander';
import { FilterstudyError } from '../errors.ts';
import { createRequire } from 'node:module';
import { aggregateCommand } from './aggregate.ts';
import { compareCommand } from './compare.ts';
import { exportCommand } from './export.ts';
import { predictCommand } from './predict.ts';
import { runAction, runCommand } from './run.ts';

export function buildProgram(): Command {
  const program = new Command('filterstudy')
    .description('Do CNNs that reach the same accuracy learn the same filters? Seeded model-1/model-2 sweeps, Arrow outputs, ONNX models, statistics.')
    .showHelpAfterError('(add --help for usage)')
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version, '-V, --version', 'print the filterstudy version')
    .exitOverride();
  program.addCommand(runCommand().action(async (opts) => { process.exitCode = await runAction(opts); }));
  program.addCommand(aggregateCommand());
  program.addCommand(predictCommand());
  program.addCommand(exportCommand());
  program.addCommand(compareCommand());
  return program;
}

function printError(e: unknown): number {
  if (e instanceof FilterstudyError) {
    process.stderr.write(`filterstudy: error [${e.code}] ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (e.cause instanceof Error && !e.message.includes(e.cause.message)) process.stderr.write(`  cause: ${e.cause.message}\n`);
    return 2;
  }
  process.stderr.write(`filterstudy: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 3;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return printError(e);
  }
}
