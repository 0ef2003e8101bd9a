/**
 * Pure helpers of `npm run bench -- --seeds` (bench/seeds.ts): a seed's phases, the linear
 * extrapolation of a few-epoch seed to its preset's epochs, and worker scaling. Tested in
 * test/bench.test.ts.
 */

export interface SeedRun {
  seed: number;
  /** Date.now() when the seed task started and ended. */
  start: number;
  end: number;
  engine: string;
  seconds: number;
  /** Process CPU seconds (user + system, all threads) during the seed task. */
  cpuSeconds?: number;
  trainSeconds: { model1: number; model2: number };
  phaseSeconds: { runSeed: number; export: number; onnxEvaluate: number };
  /** Claim-4 measurements after export (CNN forward passes and linear probes). */
  claim4Seconds?: number;
  epochSeconds: { model: string; network: string; epoch: number; seconds: number }[];
}

export interface Phases { training: number; evaluation: number; export: number; setup: number; total: number }

/** Network names of the noise-floor retraining of model-1's CNN1 (seed-task.ts), outside trainSeconds: schema 3's and the older one of saved runs. */
const RERUN = new Set(['cnn1_rerun', 'cnn1-rerun']);

/**
 * training = the study's own trainSeconds (both models: epochs with their validation passes, plus
 * model-1's LSTM input encoding) + the noise-floor rerun's epochs when on; evaluation = the rest of
 * runSeed (the tfjs test pass the ONNX graphs are checked against) + the onnxruntime metrics + the
 * claim-4 measurements; export = ONNX export and stamping; setup = the rest of the seed task
 * (loading the engine and the data: a worker's first seed only); total = the seed task's wall time.
 */
export function phasesOf(r: SeedRun): Phases {
  const rerun = r.epochSeconds.filter((e) => RERUN.has(e.network)).reduce((a, e) => a + e.seconds, 0);
  const training = r.trainSeconds.model1 + r.trainSeconds.model2 + rerun;
  const ph = r.phaseSeconds;
  const claim4 = r.claim4Seconds ?? 0;
  return {
    training,
    evaluation: ph.runSeed - training + ph.onnxEvaluate + claim4,
    export: ph.export,
    setup: r.seconds - ph.runSeed - ph.export - ph.onnxEvaluate - claim4,
    total: r.seconds,
  };
}

/**
 * The seed's phases with training extrapolated linearly to `epochsOf(network)` epochs per network:
 * each network's mean measured epoch (training pass + validation) times its target epochs, plus the
 * part of training that does not repeat per epoch (as measured). Evaluation and export do not
 * depend on the number of epochs and are kept as measured.
 */
export function extrapolate(r: SeedRun, epochsOf: (network: string) => number): Phases {
  const p = phasesOf(r);
  const byNet = new Map<string, number[]>();
  for (const e of r.epochSeconds) byNet.set(`${e.model}/${e.network}`, [...(byNet.get(`${e.model}/${e.network}`) ?? []), e.seconds]);
  let perEpoch = 0;
  let scaled = 0;
  for (const [key, secs] of byNet) {
    const sum = secs.reduce((a, b) => a + b, 0);
    perEpoch += sum;
    scaled += (sum / secs.length) * epochsOf(key.split('/')[1]);
  }
  const training = p.training - perEpoch + scaled;
  return { ...p, training, total: p.total - p.training + training };
}

/** Wall seconds from the first seed's start to the last one's end. */
export function span(runs: SeedRun[]): number {
  return (Math.max(...runs.map((r) => r.end)) - Math.min(...runs.map((r) => r.start))) / 1000;
}

const s1 = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

/** Markdown table of seconds per seed and preset; `note` says what was measured or extrapolated. */
export function phasesTable(rows: { preset: string; phases: Phases; note: string }[]): string {
  const out = ['| preset | training s | evaluation s | ONNX export s | setup s | total s per seed | evaluation + export / training | how |', '|---|---|---|---|---|---|---|---|'];
  for (const { preset, phases: p, note } of rows) {
    out.push(`| ${preset} | ${s1(p.training)} | ${s1(p.evaluation)} | ${p.export.toFixed(2)} | ${p.setup.toFixed(1)} | ${s1(p.total)} | ${(((p.evaluation + p.export) / p.training) * 100).toFixed(1)} % | ${note} |`);
  }
  return out.join('\n');
}

/**
 * Where two workers at once lose against one: per part of a seed (each network's epochs, then
 * evaluation, export and setup), the mean seconds per seed with one worker running the seeds in
 * turn and with each seed in its own worker at once, and the speedup that part alone would give,
 * 2 × one / at-once (2.00 = perfect scaling on two cores).
 */
export function scalingTable(one: SeedRun[], atOnce: SeedRun[]): string {
  const parts = (runs: SeedRun[]): Map<string, number> => {
    const m = new Map<string, number>();
    const add = (k: string, s: number) => m.set(k, (m.get(k) ?? 0) + s / runs.length);
    for (const r of runs) {
      for (const e of r.epochSeconds) add(`${e.model} ${e.network} epochs`, e.seconds);
      const p = phasesOf(r);
      const epochs = r.epochSeconds.reduce((a, e) => a + e.seconds, 0);
      add('training outside epochs', p.training - epochs);
      add('evaluation', p.evaluation);
      add('export', p.export);
      add('setup', p.setup);
      add('total', p.total);
    }
    return m;
  };
  const a = parts(one), b = parts(atOnce);
  const out = ['| part of a seed | one worker s | two at once s | speedup |', '|---|---|---|---|'];
  for (const [k, s] of a) {
    const t = b.get(k) ?? NaN;
    out.push(`| ${k} | ${s.toFixed(2)} | ${t.toFixed(2)} | ${t > 0 ? ((2 * s) / t).toFixed(2) : '–'} |`);
  }
  return out.join('\n');
}
