/**
 * `filterstudy compare <dir...> [--out DIR]`: studies side by side (settings that differ, Table 2,
 * verdicts, a paired test per claim on shared seeds, a per-seed accuracy plot, the runs tables
 * stacked); see src/report/compare.ts. `run --sweep` calls it at the end.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command } from 'commander';

/**
 * Where the comparison goes without --out: beside the first study (`<first>.compare`), except for
 * curated studies (results/<study>, with provenance.json): results/ holds curated studies only
 * (test/results.test.ts), so their comparison goes to out/<a>-vs-<b>.compare.
 */
export function defaultCompareOut(dirs: string[]): string {
  const first = dirs[0].replace(/\/+$/, '');
  if (!existsSync(join(first, 'provenance.json'))) return `${first}.compare`;
  return join('out', `${dirs.map((d) => basename(d.replace(/\/+$/, ''))).join('-vs-')}.compare`);
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function compareCommand(): Command {
  return new Command('compare')
    .argument('<dir...>', 'two or more out/<study> folders (a study without stats.json is aggregated first)')
    .option('-o, --out <dir>', 'where to write the comparison (default: <first folder>.compare; for curated studies in results/: out/<a>-vs-<b>.compare)')
    .option('--no-cka', 'when a study has to be aggregated first, skip its CKA (faster)')
    .action(async (dirs: string[], opts: { out?: string; cka: boolean }) => {
      const outDir = opts.out ?? defaultCompareOut(dirs);
      const { compareStudies } = await import('../report/compare.ts'); // here, not at the top: --help must not load Arrow and vega
      const res = await compareStudies({ dirs, outDir, cka: opts.cka });
      const runs = res.files.find((f) => f.endsWith('runs.parquet'));
      process.stdout.write(`${res.text}\n\nwrote ${res.files.length} files; comparison: ${res.files.find((f) => f.endsWith('.html'))}${runs ? `\nruns of all studies (one row per study × seed): ${runs}` : ''}\n`);
    });
}
