/**
 * `filterstudy aggregate <dir...> [--out DIR] [--seed N] [--no-cka] [--reps N] [--min-seeds N] [--json] [--next-round]`:
 * pool one or more out/<study> folders, compute the statistics and verdicts, and write
 * stats.json, stats.arrow, report.md, report.html and figures/ (see src/report/report.ts).
 * --next-round (a study run until decided under Slurm; aggregate.sbatch passes it): when claims
 * 1–3 are undecided and looks remain, submit the next look's array and aggregate job (slurm.ts).
 */
import { Command } from 'commander';
import { FilterstudyError } from '../errors.ts';
import type { SequentialStats } from '../stats/types.ts';

function intOption(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new FilterstudyError('E_CONFIG', `${name} must be an integer ≥ ${min}, got "${v}"`);
  }
  return n;
}

export interface AggregateCliOptions {
  out?: string;
  seed?: string;
  cka: boolean;
  reps?: string;
  minSeeds?: string;
  skipBad?: boolean;
  json: boolean;
  nextRound?: boolean;
}

export async function aggregateAction(dirs: string[], opts: AggregateCliOptions): Promise<void> {
  if (opts.nextRound && dirs.length !== 1) throw new FilterstudyError('E_CONFIG', `--next-round takes one study folder, got ${dirs.length}`, { hint: 'aggregate.sbatch of a study run with slurm --until-decided passes its own folder' });
  const { aggregate, formatAggregateSummary } = await import('../report/report.ts'); // here, not at the top: --help must not load Arrow and vega
  const res = await aggregate({
    dirs,
    outDir: opts.out,
    seedForFigures: intOption('--seed', opts.seed, Number.MIN_SAFE_INTEGER),
    cka: opts.cka,
    reps: intOption('--reps', opts.reps, 1),
    minSeeds: intOption('--min-seeds', opts.minSeeds, 1),
    skipBad: opts.skipBad ?? false,
  });
  for (const w of res.stats.warnings.filter((x) => x.includes('(--skip-bad)'))) process.stderr.write(`filterstudy: warning: ${w}\n`);
  if (opts.json) process.stdout.write(JSON.stringify(res.stats, null, 2) + '\n');
  else {
    const html = res.files.find((f) => f.endsWith('report.html'));
    process.stdout.write(`${formatAggregateSummary(res.stats, res.kernels)}\n\nwrote ${res.files.length} files${html ? `; report: ${html}` : ''}\n`);
  }
  if (opts.nextRound) {
    const line = await nextRound(dirs[0], res.stats.sequential);
    (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  }
}

/**
 * The next look of a study run until decided under Slurm: submitted (train array of the next
 * look's seeds, then its aggregate job) when the outcome is 'continue'; otherwise why not.
 */
async function nextRound(dir: string, q: SequentialStats | undefined): Promise<string> {
  if (!q) throw new FilterstudyError('E_CONFIG', `--next-round: ${dir} is not a study run until decided (its config.json has no seeds.untilDecided = true)`, { hint: 'write the jobs with filterstudy slurm --until-decided' });
  if (q.outcome !== 'continue' || q.nextLook === null) return `sequential design: ${q.note}; no next look submitted`;
  const { slurmFilesIn, submitSlurm } = await import('./slurm.ts');
  const ids = submitSlurm(slurmFilesIn(dir), q.nextLook);
  return `sequential design: ${q.note}; submitted the next look (${q.nextLook} seeds): array job ${ids.array} and aggregate job ${ids.aggregate} (afterany:${ids.array})`;
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function aggregateCommand(): Command {
  return new Command('aggregate')
    .argument('<dir...>', 'one or more out/<study> folders written by filterstudy run')
    .option('-o, --out <dir>', 'where to write the report (default: the study folder; required with several folders)')
    .option('--seed <n>', 'seed whose heatmaps and filters are drawn (default: the first complete seed)')
    .option('--no-cka', 'skip CKA on MNIST test images (faster)')
    .option('--reps <n>', 'bootstrap replicates (default 4000)')
    .option('--min-seeds <n>', 'seeds needed before a claim can be decided (default 6)')
    .option('--skip-bad', 'leave out seeds whose files fail verification (size and SHA-256 against seed.json), with a warning; default: stop and name the file')
    .option('--json', 'print the statistics as JSON instead of the summary', false)
    .option('--next-round', 'a study run with slurm --until-decided (aggregate.sbatch passes it): when claims 1–3 are undecided and looks remain, submit the next look (its train array and aggregate job)')
    .action(async (dirs: string[], opts: AggregateCliOptions) => aggregateAction(dirs, opts));
}
