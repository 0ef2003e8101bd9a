/**
 * `filterstudy export <dir...> [--format parquet|csv] [--out DIR]`: every Arrow table of each
 * study folder as Parquet or CSV (same columns plus `study` and `config_hash`; src/io/export.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { FilterstudyError } from '../errors.ts';
import { ensureDir } from '../io/dirs.ts';
import type { ExportFormat } from '../io/export.ts';

/** io/export.ts EXPORT_FORMATS, here so that export --help does not load Arrow (test/lazy-commands.test.ts checks they agree). */
export const FORMAT_CHOICES = ['parquet', 'csv'] as const satisfies readonly ExportFormat[];

export async function exportAction(dirs: string[], opts: { format: ExportFormat; out?: string }): Promise<string[]> {
  // Every folder checked before anything is written: a mistyped one is named, never created.
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new FilterstudyError('E_INPUT', `the study folder ${dir} does not exist`, { hint: 'give the out/<study> folder that filterstudy run wrote (e.g. out/quick)' });
    if (!statSync(dir).isDirectory()) throw new FilterstudyError('E_INPUT', `${dir} is a file, not a study folder`, { hint: 'give the out/<study> folder that filterstudy run wrote (e.g. out/quick)' });
  }
  const { exportStudy } = await import('../io/export.ts');
  const written: string[] = [];
  for (const dir of dirs) {
    // Several folders into one --out: one subfolder per study so same-named tables do not collide.
    const out = opts.out ? (dirs.length > 1 ? join(opts.out, basename(dir)) : opts.out) : dir;
    ensureDir(out); // EROFS or EACCES named as such; no spin under /proc
    written.push(...exportStudy(dir, opts.format, out));
  }
  return written;
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function exportCommand(): Command {
  return new Command('export')
    .argument('<dir...>', 'one or more out/<study> folders')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMAT_CHOICES]).default('parquet'))
    .option('-o, --out <dir>', 'where to write (default: beside the .arrow files)')
    .addHelpText('after', '\nExamples:\n  filterstudy export out/quick                 # out/quick/*.parquet\n  filterstudy export out/quick --format csv\n  duckdb -c "SELECT model, network, avg(accuracy) FROM \'out/quick/metrics.parquet\' WHERE split = \'test\' GROUP BY ALL"')
    .action(async (dirs: string[], opts: { format: ExportFormat; out?: string }) => {
      const files = await exportAction(dirs, opts);
      process.stdout.write(`wrote ${files.length} files:\n${files.map((f) => `  ${f}\n`).join('')}`);
    });
}
