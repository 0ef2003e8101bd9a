/**
 * `filterstudy compare <dir...> [--out DIR]`: studies side by side (settings that differ, Table 2,
 * verdicts, a paired test per claim on shared seeds, a per-seed accuracy plot, the runs tables
 * stacked); see src/report/compare.ts. `run --sweep` calls it at the end.
 */
import { Command } from 'commander';

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function compareCommand(): Command {
  return new Command('compare')
    .argument('<dir...>', 'two or more out/<study> folders (a study without stats.json is aggregated first)')
    .option('-o, --out <dir>', 'where to write the comparison (default: <first folder>.compare)')
    .option('--no-cka', 'when a study has to be aggregated first, skip its CKA (faster)')
    .action(async (dirs: string[], opts: { out?: string; cka: boolean }) => {
      const outDir = opts.out ?? `${dirs[0].replace(/\/+$/, '')}.compare`;
      const { compareStudies } = await import('../report/compare.ts'); // here, not at the top: --help must not load Arrow and vega
      const res = await compareStudies({ dirs, outDir, cka: opts.cka });
      const runs = res.files.find((f) => f.endsWith('runs.parquet'));
      process.stdout.write(`${res.text}\n\nwrote ${res.files.length} files; comparison: ${res.files.find((f) => f.endsWith('.html'))}${runs ? `\nruns of all studies (one row per study × seed): ${runs}` : ''}\n`);
    });
}
