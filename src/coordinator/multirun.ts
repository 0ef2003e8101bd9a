/**
 * Hydra-style multirun: `--sweep key=v1,v2 --sweep other=a,b` is the grid of every combination,
 * one ordinary (resumable) study per combination, named from its values. Generic over config
 * keys: a sweep is a list of `--set` assignments, so whatever key `--set` accepts (and
 * validateUserConfig checks) can be swept, including keys added later.
 */
import { FilterstudyError } from '../errors.ts';

export interface SweepAxis { key: string; values: string[] }
export interface SweepPoint {
  /** Study-name suffix from the values, e.g. 'lstmInput-softmax' or 'lstmInput-softmax.epochs-5'. */
  suffix: string;
  /** The point's assignments in --set form, e.g. ['model.lstmInput=softmax']. */
  sets: string[];
  values: Record<string, string>;
}

/** `model.lstmInput=onehot,softmax` → { key, values }; values are split at commas, kept as text (parsed like --set). */
export function parseSweep(arg: string): SweepAxis {
  const eq = arg.indexOf('=');
  const key = arg.slice(0, Math.max(eq, 0)).trim();
  const values = eq > 0 ? arg.slice(eq + 1).split(',').map((v) => v.trim()) : [];
  if (!key || values.length === 0 || values.some((v) => v === '')) {
    throw new FilterstudyError('E_CONFIG', `--sweep "${arg}" is not key=v1,v2,…`, { hint: 'e.g. --sweep model.lstmInput=onehot,softmax,scalar (repeat --sweep for a grid)' });
  }
  if (new Set(values).size !== values.length) throw new FilterstudyError('E_CONFIG', `--sweep ${key} lists a value twice: ${values.join(',')}`);
  if (key === 'name' || key === 'outDir') throw new FilterstudyError('E_CONFIG', `--sweep cannot vary "${key}": each point's study name is made from its values`);
  return { key, values };
}

/** Folder-safe text for a value: letters, digits, dot, dash, underscore. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** The grid's points, first axis slowest (as Hydra lists them). */
export function sweepPoints(axes: SweepAxis[]): SweepPoint[] {
  const keys = axes.map((a) => a.key);
  if (new Set(keys).size !== keys.length) throw new FilterstudyError('E_CONFIG', `--sweep names a key twice: ${keys.join(', ')}`, { hint: 'list all values of a key in one --sweep key=v1,v2' });
  // Name each axis by the last segment of its key, or the whole key when two axes share it.
  const last = keys.map((k) => k.split('.').pop()!);
  const label = keys.map((k, i) => (last.filter((l) => l === last[i]).length > 1 ? k.replace(/\./g, '_') : last[i]));
  let points: SweepPoint[] = [{ suffix: '', sets: [], values: {} }];
  axes.forEach((a, i) => {
    points = points.flatMap((p) => a.values.map((v) => ({
      suffix: `${p.suffix ? `${p.suffix}.` : ''}${label[i]}-${safe(v)}`,
      sets: [...p.sets, `${a.key}=${v}`],
      values: { ...p.values, [a.key]: v },
    })));
  });
  const names = points.map((p) => p.suffix);
  if (new Set(names).size !== names.length) throw new FilterstudyError('E_CONFIG', 'two sweep points map to the same study name', { hint: 'values differing only in characters outside A-Z a-z 0-9 . _ - cannot be told apart in a folder name' });
  return points;
}
