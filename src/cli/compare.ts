/**
 * `filterstudy compare <dir...> [--out DIR]`: studies side by side (settings that differ, Table 2,
 * verdicts, a per-seed accuracy plot); see src/report/compare.ts. `run --sweep` calls it at the end.
 */
import { Command } from 'commander';
import { compareStudies } from '../report/compare.ts';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare studies side by side: the settings that differ, Table 2 and the verdicts of each, and a plot (compare.html, compare.md, compare.json)')
    .argument('<dir...>', 'two or more out/<study> folders (a study without stats.json is aggregated first)')
    .option('-o, --out <dir>', 'where to write the comparison (default: <first folder>.compare)')
    .option('--no-cka', 'when a study has to be aggregated first, skip its CKA (faster)')
    .action(async (dirs: string[], opts: { out?: string; cka: boolean }) => {
      const outDir = opts.out ?? `${dirs[0].replace(/\/+$/, '')}.compare`;
      const res = await compareStudies({ dirs, outDir, cka: opts.cka });
      process.stdout.write(`${res.text}\n\nwrote ${res.files.length} files; comparison: ${res.files.find((f) => f.endsWith('.html'))}\n`);
    });
}
