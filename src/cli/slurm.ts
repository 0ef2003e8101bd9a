/**
 * `filterstudy slurm [run options] --shards N [--cpus C] [--mem M] [--time T] [--partition P]
 * [--account A] [--command CMD] [--submit]`: writes a ready Slurm submission for a study into
 * <out>/<study>/slurm/:
 *
 *   study.config.mjs  the resolved study config, frozen: every task trains the same study
 *   train.sbatch      #SBATCH --array=0-(N-1); task i runs `filterstudy run --shard i/N`
 *   aggregate.sbatch  `filterstudy aggregate <study>`: the report over whatever seeds finished
 *   submit.sh         sbatch train.sbatch, then aggregate.sbatch with --dependency=afterany:<array>
 *   logs/             one log per array task and one for the aggregate job
 *
 * afterany (not afterok): one failed shard must not block the report on the rest; the report
 * lists the missing seeds. Submitting the same study again (same options) resumes it: finished
 * seeds are skipped, the seeds of a killed shard are trained again.
 *
 * With --until-decided (stats/sequential.ts) a round is one look: train.sbatch takes the look's
 * seed count as its argument (`sbatch train.sbatch 12`; submit.sh passes it on, default the first
 * look), and aggregate.sbatch runs `aggregate --next-round`, which submits the next look's array and
 * aggregate job when claims 1–3 are undecided and looks remain.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import type { RunOptions } from './run.ts';
import { addStudyOptions, configModule, defaultCommand, frozenConfig, memory, positiveInt, shellQuote } from './scheduler.ts';
import { LOOKS, sequentialDesign } from '../stats/sequential.ts';

export interface SlurmOptions {
  /** Array tasks = shards. */
  shards: number;
  /** CPUs per task; also the task's worker threads. */
  cpus: number;
  /** Memory per task, Slurm syntax (e.g. 4G). */
  mem: string;
  /** Time limit per task, Slurm syntax (e.g. 02:00:00 or 1-12:00:00). */
  time: string;
  partition?: string;
  account?: string;
  /** How a task starts filterstudy (default: this Node with filterstudy's Node flags and this checkout's bin/filterstudy.mjs). */
  command: string;
}

// Defaults for one task, each with why.
export const SLURM_DEFAULTS = {
  cpus: 2, // one seed per worker thread: 2 keeps two seeds in flight per task
  mem: '4G', // a quick-preset seed peaks well below 1 GB per worker; paper data ~1.5 GB per worker
  time: '24:00:00', // a paper-preset seed takes ~30 min per core (README config table); generous, and a killed task resumes
} as const;

export interface SlurmFiles { dir: string; config: string; train: string; aggregate: string; submit: string; logs: string }

export const slurmFiles = (cfg: StudyConfig): SlurmFiles => slurmFilesIn(join(cfg.outDir, cfg.name));

/** The Slurm files of the study in folder `root` (its slurm/ subfolder). */
export function slurmFilesIn(root: string): SlurmFiles {
  const dir = join(root, 'slurm');
  return { dir, config: join(dir, 'study.config.mjs'), train: join(dir, 'train.sbatch'), aggregate: join(dir, 'aggregate.sbatch'), submit: join(dir, 'submit.sh'), logs: join(dir, 'logs') };
}

function header(lines: [string, string | number | undefined][]): string {
  return lines.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `#SBATCH --${k}=${v}`).join('\n');
}

/** The three scripts' text (pure: tested without Slurm). */
export function slurmScripts(cfg: StudyConfig, o: SlurmOptions): { train: string; aggregate: string; submit: string } {
  const f = slurmFiles(cfg);
  const root = join(cfg.outDir, cfg.name);
  const common: [string, string | undefined][] = [['partition', o.partition], ['account', o.account]];
  // Until decided: the look's seed count is the scripts' first argument (default: the first look, the frozen config's count).
  const seq = cfg.seeds.untilDecided;
  const last = cfg.seeds.start + cfg.seeds.count - 1;
  const train = `#!/bin/bash
# filterstudy study "${cfg.name}": ${o.shards} shard(s) of seeds ${seq ? `${cfg.seeds.start}..(${cfg.seeds.start} + the look's seeds − 1), the look's seeds given as the first argument (default ${cfg.seeds.count})` : `${cfg.seeds.start}..${last}`} (shard i = the seeds at positions p with p mod ${o.shards} = i).
${header([['job-name', `fs-${cfg.name}`], ['array', `0-${o.shards - 1}`], ['cpus-per-task', o.cpus], ['mem', o.mem], ['time', o.time], ['output', join(f.logs, 'train-%A_%a.out')], ['open-mode', 'append'], ...common])}
set -euo pipefail
exec ${o.command} run --config ${shellQuote(f.config)}${seq ? ` --seeds "\${1:-${cfg.seeds.count}}"` : ''} --shard "$SLURM_ARRAY_TASK_ID/${o.shards}" --workers "\${SLURM_CPUS_PER_TASK:-${o.cpus}}" --json
`;
  const aggregate = `#!/bin/bash
# filterstudy study "${cfg.name}": the report over every finished seed (submitted with afterany: it also runs when a shard failed).${seq ? `
# Until decided: when claims 1–3 are undecided and looks remain, --next-round submits the next look's array job (train.sbatch <its seeds>) and aggregate job.` : ''}
${header([['job-name', `fs-${cfg.name}-aggregate`], ['cpus-per-task', 1], ['mem', o.mem], ['time', o.time], ['output', join(f.logs, 'aggregate-%j.out')], ['open-mode', 'append'], ...common])}
set -euo pipefail
exec ${o.command} aggregate ${shellQuote(root)}${seq ? ' --next-round' : ''}
`;
  const submit = seq ? `#!/bin/bash
# Submits study "${cfg.name}" until decided: the array job of one look (its seeds: the first argument, default the first look, ${cfg.seeds.count}), then the aggregate job after it (afterany), which submits the next look when claims 1–3 are undecided. Run it again to resume.
set -euo pipefail
cd ${shellQuote(f.dir)}
look=\${1:-${cfg.seeds.count}}
array=$(sbatch --parsable train.sbatch "$look")
array=\${array%%;*}
agg=$(sbatch --parsable --dependency=afterany:$array aggregate.sbatch)
echo "submitted array job $array (${o.shards} tasks, look at $look seeds) and aggregate job \${agg%%;*}"
` : `#!/bin/bash
# Submits study "${cfg.name}": the array job, then the aggregate job after it (afterany). Run it again to resume.
set -euo pipefail
cd ${shellQuote(f.dir)}
array=$(sbatch --parsable train.sbatch)
array=\${array%%;*}
agg=$(sbatch --parsable --dependency=afterany:$array aggregate.sbatch)
echo "submitted array job $array (${o.shards} tasks) and aggregate job \${agg%%;*}"
`;
  return { train, aggregate, submit };
}

/** Writes the files; returns their paths. */
export function writeSlurm(cfg: StudyConfig, o: SlurmOptions): SlurmFiles {
  const f = slurmFiles(cfg);
  const s = slurmScripts(cfg, o);
  mkdirSync(f.logs, { recursive: true });
  writeFileSync(f.config, configModule(cfg));
  writeFileSync(f.train, s.train);
  writeFileSync(f.aggregate, s.aggregate);
  writeFileSync(f.submit, s.submit);
  for (const p of [f.train, f.aggregate, f.submit]) chmodSync(p, 0o755);
  return f;
}

function sbatch(args: string[]): string {
  const r = spawnSync('sbatch', ['--parsable', ...args], { encoding: 'utf8' });
  if (r.error) throw new FilterstudyError('E_SCHEDULER', `could not start sbatch: ${r.error.message}`, { cause: r.error, hint: 'run on a Slurm login node, or drop --submit and submit the written submit.sh there' });
  if (r.status !== 0) throw new FilterstudyError('E_SCHEDULER', `sbatch ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.status}`}`, { hint: 'check the #SBATCH lines (partition, account, memory, time) in the written scripts' });
  return r.stdout.trim().split(';')[0];
}

/** Submits the array job (until decided: of the look at `lookSeeds` seeds) and the aggregate job after it (afterany). Returns the two job ids. */
export function submitSlurm(f: SlurmFiles, lookSeeds?: number): { array: string; aggregate: string } {
  const array = sbatch([f.train, ...(lookSeeds === undefined ? [] : [String(lookSeeds)])]);
  const aggregate = sbatch([`--dependency=afterany:${array}`, f.aggregate]);
  return { array, aggregate };
}

interface SlurmCliOptions extends RunOptions { shards: string; cpus?: string; mem?: string; time?: string; partition?: string; account?: string; command?: string; submit: boolean }

export async function slurmAction(o: SlurmCliOptions): Promise<void> {
  let cfg = await frozenConfig(o);
  if (cfg.seeds.untilDecided) {
    // The frozen config plans the first look; each round's train.sbatch gets its look's seeds.
    if (o.seeds !== undefined) throw new FilterstudyError('E_CONFIG', '--seeds cannot be combined with --until-decided: the looks set the number of seeds', { hint: `cap them with --max-seeds N (the looks: ${LOOKS.join(', ')} seeds)` });
    cfg = { ...cfg, seeds: { ...cfg.seeds, count: sequentialDesign(cfg.seeds.maxCount).looks[0] } };
  }
  const so: SlurmOptions = {
    shards: positiveInt('--shards', o.shards),
    cpus: o.cpus === undefined ? SLURM_DEFAULTS.cpus : positiveInt('--cpus', o.cpus),
    mem: memory('--mem', o.mem ?? SLURM_DEFAULTS.mem, /^\d+[KMGT]?$/),
    time: o.time ?? SLURM_DEFAULTS.time,
    partition: o.partition, account: o.account,
    command: o.command ?? defaultCommand(),
  };
  if (!/^(\d+-)?\d+(:\d+){0,2}$/.test(so.time)) throw new FilterstudyError('E_CONFIG', `--time: "${so.time}" is not a Slurm time`, { hint: 'minutes, HH:MM:SS or D-HH:MM:SS' });
  const f = writeSlurm(cfg, so);
  process.stdout.write(`wrote ${f.train}, ${f.aggregate}, ${f.submit} (config ${f.config})\n`);
  if (!o.submit) {
    process.stdout.write(`submit with: bash ${f.submit}   (or run this command again with --submit)\n`);
    return;
  }
  const ids = submitSlurm(f, cfg.seeds.untilDecided ? cfg.seeds.count : undefined);
  process.stdout.write(`submitted array job ${ids.array} (${so.shards} tasks${cfg.seeds.untilDecided ? `, the first look: ${cfg.seeds.count} seeds` : ''}) and aggregate job ${ids.aggregate} (afterany:${ids.array}); logs in ${f.logs}\n`);
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function slurmCommand(): Command {
  const cmd = new Command('slurm')
    .exitOverride() // usage errors reach main(), which exits 2 (addCommand does not inherit it)
    .requiredOption('--shards <n>', 'array tasks; shard i trains the seeds at positions p with p mod n = i')
    .option('--cpus <n>', `CPUs per task, also its worker threads (default ${SLURM_DEFAULTS.cpus})`)
    .option('--mem <size>', `memory per task, e.g. 4G (default ${SLURM_DEFAULTS.mem})`)
    .option('--time <limit>', `time limit per task (default ${SLURM_DEFAULTS.time})`)
    .option('--partition <name>', 'Slurm partition')
    .option('--account <name>', 'Slurm account')
    .option('--command <cmd>', 'how a task starts filterstudy (default: this node and this checkout, e.g. "npx filterstudy")')
    .option('--submit', 'also submit the jobs with sbatch', false);
  return addStudyOptions(cmd)
    .addHelpText('after', '\nExample:\n  filterstudy slurm --preset paper -s 20 --shards 10 --cpus 2 --mem 4G --time 12:00:00 --submit\n\nRun the same command again to resume: finished seeds are kept.')
    .action(async (o: SlurmCliOptions) => slurmAction(o));
}
