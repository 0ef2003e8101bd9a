/**
 * Finds and loads the study config file (study.config.ts by default) and layers CLI overrides on
 * top. The file is imported as a module (tsx is registered by bin/filterstudy.mjs).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { FORBIDDEN_KEYS, forbiddenKey, resolveConfig, type StudyConfig, type UserConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';

export const DEFAULT_CONFIG_FILE = 'study.config.ts';

export async function loadConfigFile(path: string | undefined): Promise<{ file: string | null; config: UserConfig | undefined }> {
  const file = resolve(path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (path) throw new FilterstudyError('E_CONFIG', `config file ${path} does not exist`, { hint: `create it with \`export default defineStudyConfig({...})\`, or omit --config to use ${DEFAULT_CONFIG_FILE}` });
    return { file: null, config: undefined };
  }
  let mod: { default?: unknown };
  try {
    // tsImport loads the file as an ES module wherever it lives (a .ts file outside a
    // "type": "module" package would otherwise be treated as CommonJS).
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (cause) {
    throw new FilterstudyError('E_CONFIG', `config file ${file} could not be loaded: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
      hint: 'it must be a TypeScript or JavaScript module with `export default defineStudyConfig({...})`',
    });
  }
  // Outside an ESM package an ES-module file is compiled to CommonJS: its exports arrive wrapped in
  // `default`, marked by a non-enumerable __esModule. Unwrap, so that a file with only named
  // exports is seen to have no default export (and not as a config whose keys are its exports).
  const inner = mod.default as { default?: unknown; __esModule?: boolean } | undefined;
  const esm = inner !== null && typeof inner === 'object' && inner.__esModule === true;
  const named = Object.keys(esm ? inner : mod).filter((k) => k !== 'default' && k !== 'module.exports');
  if (esm) mod = { default: inner.default };
  if (mod.default === undefined) {
    throw new FilterstudyError('E_CONFIG', `config file ${file} has no default export${named.length ? ` (it exports only ${named.join(', ')})` : ''}`, {
      hint: 'export default defineStudyConfig({ ... })',
    });
  }
  return { file, config: mod.default as UserConfig };
}

/** `--set train.epochs=5` → { train: { epochs: 5 } }; values are JSON where they parse, else strings. */
export function parseSet(assignments: string[]): UserConfig {
  const out: Record<string, unknown> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new FilterstudyError('E_CONFIG', `--set "${a}" is not key=value`, { hint: 'e.g. --set train.epochs=5 --set model.lstmInput=softmax' });
    const keys = a.slice(0, eq).split('.');
    // Checked before any assignment: `node['__proto__'] ??= {}` would hand back Object.prototype.
    const bad = keys.find((k) => FORBIDDEN_KEYS.has(k));
    if (bad !== undefined) throw forbiddenKey('--set', a.slice(0, eq));
    if (keys.some((k) => k === '')) throw new FilterstudyError('E_CONFIG', `--set "${a}": the key has an empty segment`, { hint: 'e.g. --set train.epochs=5' });
    const raw = a.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let node = out;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]] = value;
  }
  return out as UserConfig;
}

export async function configFromCli(opts: { config?: string; cli: UserConfig; sets: string[] }): Promise<{ cfg: StudyConfig; file: string | null }> {
  const { file, config } = await loadConfigFile(opts.config);
  const cfg = resolveConfig([
    { source: file ?? 'defaults', config },
    { source: 'command-line options', config: opts.cli },
    { source: '--set', config: parseSet(opts.sets) },
  ]);
  return { cfg, file };
}
