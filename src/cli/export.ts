/**
 * `filterstudy export <dir...> [--format parquet|csv] [--out DIR]`: every Arrow table of each
 * study folder as Parquet or CSV (same columns plus `study` and `config_hash`; src/io/export.ts),
 * and the runs table (one row per study × seed, src/io/runs.ts) per study and, for several
 * folders, stacked over all of them.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
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
  const { hasRuns, writeRuns } = await import('../io/runs.ts');
  const written: string[] = [];
  for (const dir of dirs) {
    // Several folders into one --out: one subfolder per study so same-named tables do not collide.
    const out = opts.out ? (dirs.length > 1 ? join(opts.out, basename(dir)) : opts.out) : dir;
    ensureDir(out); // EROFS or EACCES named as such; no spin under /proc
    written.push(...exportStudy(dir, opts.format, out));
    if (hasRuns(dir)) written.push(writeRuns([dir], join(out, `runs.${opts.format}`), opts.format));
  }
  // Several studies: their runs stacked in one table (W&B's runs table), in --out or the folders' common parent.
  const withRuns = dirs.filter(hasRuns);
  if (withRuns.length > 1) {
    const out = opts.out ?? commonParent(withRuns);
    ensureDir(out);
    written.push(writeRuns(withRuns, join(out, `runs.${opts.format}`), opts.format));
  }
  return written;
}

/** The deepest folder holding every one of `dirs` (out/ for out/a and out/b). */
export function commonParent(dirs: string[]): string {
  const parts = dirs.map((d) => dirname(resolve(d)).split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  return common.join('/') || '/';
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function exportCommand(): Command {
  return new Command('export')
    .argument('<dir...>', 'one or more out/<study> folders')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMAT_CHOICES]).default('parquet'))
    .option('-o, --out <dir>', 'where to write (default: beside the .arrow files; the stacked runs table of several studies: their common parent folder)')
    .addHelpText('after', '\nEvery table plus runs.<format>: one row per study × seed with the flattened config, final metrics, epochs and seconds.\nPandas without pyarrow (Debian packages no pyarrow): use --format csv and pd.read_csv.\n\nExamples:\n  filterstudy export out/quick                 # out/quick/*.parquet, out/quick/runs.parquet\n  filterstudy export out/quick --format csv    # pandas without pyarrow: pd.read_csv(\'out/quick/runs.csv\')\n  filterstudy export out/sweep.* --out out/sweep-export   # plus out/sweep-export/runs.parquet, all studies stacked\n  duckdb -c "SELECT model, network, avg(accuracy) FROM \'out/quick/metrics.parquet\' WHERE split = \'test\' GROUP BY ALL"')
    .action(async (dirs: string[], opts: { format: ExportFormat; out?: string }) => {
      const files = await exportAction(dirs, opts);
      process.stdout.write(`wrote ${files.length} files:\n${files.map((f) => `  ${f}\n`).join('')}`);
    });
}
