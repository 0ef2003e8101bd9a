/**
 * What the Table 1 benches (paper-readings.ts, paper-model1.ts) share: their common flags, the
 * `paper` preset with the bench's own layer and any `--set key=value` on top, the study's data, and
 * the engine. Each appends one JSON line per epoch to --out.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseSet } from '../src/cli/load-config.ts';
import { resolveConfig, type BackendName, type StudyConfig, type UserConfig } from '../src/config.ts';
import { studyData, type SeedData } from '../src/data/mnist.ts';
import type { Engine } from '../src/ml/engine.ts';
import { loadEngine } from '../src/worker/engine-load.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** --epochs, --seed, --out, --backend, --test-every and --set (repeatable), plus the bench's own `extra` flags. */
export function paperArgs<E extends Options>(defaults: { out: string; testEvery: string }, extra: E) {
  return parseArgs({
    options: {
      epochs: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: defaults.out },
      backend: { type: 'string', default: 'auto' },
      'test-every': { type: 'string', default: defaults.testEvery },
      set: { type: 'string', multiple: true, default: [] },
      ...extra,
    },
  }).values as Record<string, string | string[] | undefined> & { epochs: string; seed: string; out: string; backend: string; 'test-every': string; set: string[] };
}

/** The paper preset, `epochs`/`backend` from the flags, then `layer`, then --set; its data and engine. */
export async function paperSetup(source: string, values: { epochs: string; backend: string; set: string[] }, layer: UserConfig = {}): Promise<{ cfg: StudyConfig; data: SeedData; engine: Engine }> {
  const cfg = resolveConfig([
    { source, config: { preset: 'paper', train: { epochs: Number(values.epochs) }, runtime: { backend: values.backend as BackendName } } },
    { source: `${source} settings`, config: layer },
    { source: '--set', config: parseSet(values.set) },
  ]);
  const { data } = studyData(cfg.data);
  return { cfg, data, engine: await loadEngine(cfg.runtime.backend) };
}
