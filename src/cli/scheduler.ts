/**
 * What `filterstudy slurm` and `filterstudy k8s` share: they take `run`'s study options, resolve
 * the study config once, and freeze it into a config module that every task loads, so that all
 * shards (and a later resubmission) train exactly the same study.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { configFromCli } from './load-config.ts';
import { NODE_FLAGS } from './node-flags.ts';
import { runCommand, runOptionsConfig, type RunOptions } from './run.ts';

/** Run options a scheduler sets itself (one task's shard, its worker count, machine output). */
const SCHEDULER_OWNED = new Set(['--shard', '--json', '--no-aggregate', '--workers']);

/** Adds every study-defining option of `run` to `cmd` (same names, same parsing). */
export function addStudyOptions(cmd: Command): Command {
  for (const o of runCommand().options) if (!SCHEDULER_OWNED.has(o.long ?? '')) cmd.addOption(o as Option);
  return cmd;
}

/** The default way a task starts filterstudy: this Node with filterstudy's flags and this checkout's bin (shared file system). */
export function defaultCommand(): string {
  const bin = fileURLToPath(new URL('../../bin/filterstudy.mjs', import.meta.url));
  return [process.execPath, ...NODE_FLAGS, bin].map(shellQuote).join(' ');
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The study config with its paths made absolute (tasks may start in another folder). */
export async function frozenConfig(o: RunOptions, baseDir = process.cwd()): Promise<StudyConfig> {
  const { cfg } = await configFromCli({ config: o.config, cli: runOptionsConfig(o), sets: o.set ?? [] });
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return { ...cfg, outDir: abs(cfg.outDir), data: { ...cfg.data, dir: cfg.data.dir === null ? null : abs(cfg.data.dir) }, runtime: { ...cfg.runtime, workers: null } };
}

/** The frozen config as a module `run --config` loads. workers stays per task (a flag). */
export function configModule(cfg: StudyConfig): string {
  return `// Written by filterstudy for every task of study "${cfg.name}"; edit the study's options and regenerate instead.\nexport default ${JSON.stringify(cfg, null, 2)};\n`;
}

/** Positive integer flag. */
export function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new FilterstudyError('E_CONFIG', `${flag} expects a positive integer, got "${v}"`);
  return n;
}

/** Slurm/Kubernetes memory: a number with an optional unit (K, M, G, T; Ki, Mi, Gi, Ti for k8s). */
export function memory(flag: string, v: string, units: RegExp): string {
  if (!units.test(v)) throw new FilterstudyError('E_CONFIG', `${flag}: "${v}" is not a memory size`, { hint: 'e.g. 4G (Slurm) or 4Gi (Kubernetes)' });
  return v;
}
