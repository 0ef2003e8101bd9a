/**
 * `filterstudy run`'s options and the config layer they give: shared by run.ts (the command),
 * run-action.ts (what it does, imported lazily) and the slurm/k8s commands, which take the same
 * options. A file of its own so that run.ts ⇄ run-action.ts is not an import cycle.
 */
import { Option } from 'commander';
import { KEY_SPECS, type KeySpec } from '../config-keys.ts';
import type { UserConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';

export interface RunOptions {
  config?: string;
  set: string[];
  sweep?: string[];
  json: boolean;
  aggregate: boolean;
  parquet: boolean;
  shard?: string;
  /** The config-key flags by commander attribute name (seeds, epochs, backend, verify, …): see runOptionsConfig. */
  [flag: string]: unknown;
}

const parseNumber = (flag: string, integer: boolean) => (v: string) => {
  const n = Number(v);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n))) throw new FilterstudyError('E_CONFIG', `${flag} expects ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
};

/** The commander option of a key's flag: choices from its oneOf, numbers parsed (range checks stay with the config's validation). */
function keyOption(spec: KeySpec & { flag: NonNullable<KeySpec['flag']> }): Option {
  const o = new Option(spec.flag.flags, spec.flag.help);
  const choices = spec.flag.choices ?? spec.oneOf;
  if (choices) o.choices([...choices]);
  if (spec.type === 'int' || spec.type === 'number') o.argParser(parseNumber(o.long!, spec.type === 'int'));
  return o;
}

/** [dotted key, its option] for every key that has a flag, in declaration order (new objects: a command owns its options). */
export const keyOptions = (): (readonly [string, Option])[] => KEY_SPECS.flatMap(([key, spec]) => (spec.flag ? [[key, keyOption(spec as Parameters<typeof keyOption>[0])] as const] : []));

/** The config layer the run options give (shared with `slurm` and `k8s`, which take the same options). */
export function runOptionsConfig(o: RunOptions): UserConfig {
  const out: Record<string, unknown> = {};
  for (const [key, opt] of keyOptions()) {
    const v = o[opt.attributeName()];
    // A --no-x flag defaults to true in commander: only its use (false) is a setting, else the file's value would be overridden.
    if (v === undefined || (opt.negate && v !== false)) continue;
    const path = key.split('.');
    let node = out;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = v;
  }
  return out as UserConfig;
}

