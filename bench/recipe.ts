/**
 * Which quick recipe (model-2's reading, epochs, batch, learning rate) trains every network to the
 * standard — CNNs ≥ 0.98, model-1 ≥ 0.95, model-2 ≥ 0.90 test accuracy — on ≥ 95 % of seeds in the
 * fewest steps (issue 19)? Trains each seed's networks as the seed task does (src/worker/seed-task.ts:
 * the same random streams by name, the same engine, one rule for every network) and scores the test
 * split after EVERY epoch, so one run to E epochs gives the recipes "e fixed epochs" for e = 1..E:
 *
 *   - CNN1, CNN2 and model-2: fixed-epoch training has no schedule that depends on the total (Adam at
 *     a constant rate; `fit` with epochs = 1, called again, continues the same shuffle stream), so
 *     the weights after epoch e are those of an e-epoch run. `table --check <study>` verifies this
 *     against real `filterstudy run` studies (same seeds, epochs = e): the accuracies must be equal.
 *   - Model-1's pipeline at e needs its LSTM trained e epochs on CNNs trained e epochs: for every e a
 *     fresh LSTM (the seed task's init and shuffle streams) is trained e epochs on the CNNs' logits at e.
 *   - The noise-floor rerun of CNN1 is not trained: its own streams, not part of the standard.
 *
 *   node --import tsx bench/recipe.ts train --epochs 5 --seeds 1-12 --jobs 2 --out DIR [--set key=value ...]
 *   node --import tsx bench/recipe.ts table --in DIR [--check STUDY_DIR ... [--check-in DIR2]] [--doc docs/recipe.md]
 *
 * `train` appends one JSON line per (seed, network, epoch) to DIR/<recipe>/seed-NNNN.jsonl (the
 * quick preset, then --set); seeds already complete there are skipped, so rerunning resumes. `table` writes DIR/table.json and DIR/table.md and, with --doc, replaces
 * the generated section of that Markdown file (between `<!-- recipe-table:start -->` and `:end`).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSet } from '../src/cli/load-config.ts';
import { resolveConfig, type StudyConfig } from '../src/config.ts';
import { studyData } from '../src/data/mnist.ts';
import { loadStudy } from '../src/io/load.ts';
import { initCnn, initLstm, lstmInputDim, model2InputDim, THIRD_CLASSES } from '../src/ml/models.ts';
import { fit, scoreLogits } from '../src/ml/train.ts';
import { makeRng } from '../src/rng.ts';
import { LEARNED_THRESHOLD } from '../src/stats/standard.ts';
import { loadEngine } from '../src/worker/engine-load.ts';
import { encodeLogits } from '../src/worker/seed-task.ts';

/** The standard of issue 19, per network (test accuracy). */
export const STANDARD = { cnn1: 0.98, cnn2: 0.98, model1: 0.95, model2: 0.9 } as const;
type Net = keyof typeof STANDARD;
const NETS = Object.keys(STANDARD) as Net[];
const LABEL: Record<Net, string> = { cnn1: 'CNN1', cnn2: 'CNN2', model1: 'model-1', model2: 'model-2' };

/** One line of a seed's JSONL: a network's test accuracy after `epoch` epochs. */
interface EpochLine { recipe: string; seed: number; network: Net; epoch: number; testAccuracy: number; valAccuracy: number; trainLoss: number; seconds: number; engine: string }

/** The folder name of a recipe: reading, optimiser, rate, batch; data limits too when not the quick preset's. */
function recipeOf(cfg: StudyConfig): string {
  const t = cfg.train;
  const l = cfg.data.limit;
  const q = resolveConfig([{ source: 'quick', config: { preset: 'quick' } }]).data.limit;
  const limits = l.train === q.train && l.val === q.val && l.test === q.test ? '' : `.limit-${l.train ?? 'all'}-${l.val ?? 'all'}-${l.test ?? 'all'}`;
  return `${cfg.model.model2Input}.${t.optimizer}-${t.learningRate}.batch-${t.batchSize}${limits}`;
}

function seedRange(s: string): number[] {
  return s.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

async function trainSeed(cfg: StudyConfig, seed: number, epochs: number, out: string): Promise<void> {
  const { data } = studyData(cfg.data);
  const engine = await loadEngine(cfg.runtime.backend);
  const m = cfg.model;
  const t = cfg.train;
  const rng = (s: string) => makeRng(seed, s);
  const recipe = recipeOf(cfg);
  const done = join(out, recipe, `seed-${String(seed).padStart(4, '0')}.jsonl`);
  // Written as .partial and renamed when the seed is complete: a killed run leaves no half seed.
  const file = `${done}.partial`;
  mkdirSync(join(out, recipe), { recursive: true });
  writeFileSync(file, '');
  const write = (l: Omit<EpochLine, 'recipe' | 'seed' | 'engine'>) => appendFileSync(file, `${JSON.stringify({ recipe, seed, engine: engine.name, ...l })}\n`);
  const oneEpoch = { ...t, epochs: 1, stopRule: 'fixed' as const };
  const quiet = () => {};
  const { pairs } = data;

  // ---- model-1's CNNs, scored after every epoch; their logits kept as the LSTM's inputs at e ----
  const inDim = lstmInputDim(m.lstmInput);
  const seqAt: Record<'train' | 'val' | 'test', { a: Float32Array; b: Float32Array }>[] = Array.from({ length: epochs }, () => ({}) as never);
  for (const [network, side] of [['cnn1', 'a'], ['cnn2', 'b']] as const) {
    const trainer = await engine.digitCnn({ cfg, data, init: initCnn(m, rng(`init/model1/${network}`)), side, dropout: rng(`dropout/model1/${network}`) });
    const shuffle = rng(`shuffle/model1/${network}`);
    const [valLabels, testLabels] = side === 'a' ? [pairs.val.digitA, pairs.test.digitA] : [pairs.val.digitB, pairs.test.digitB];
    for (let e = 1; e <= epochs; e++) {
      const { history: [rec] } = await fit(trainer, oneEpoch, { network, n: pairs.train.n, shuffle, valLabels, onProgress: quiet });
      const enc = {} as Record<'train' | 'val' | 'test', Float32Array>;
      for (const s of ['train', 'val', 'test'] as const) enc[s] = await trainer.logits(s);
      write({ network, epoch: e, testAccuracy: scoreLogits(enc.test, testLabels, 10).accuracy, valAccuracy: rec.valAccuracy, trainLoss: rec.trainLoss, seconds: rec.seconds });
      for (const s of ['train', 'val', 'test'] as const) (seqAt[e - 1][s] ??= { a: new Float32Array(), b: new Float32Array() })[side] = encodeLogits(enc[s], m.lstmInput);
    }
    await trainer.dispose();
  }
  // ---- model-1's LSTM: for each e, a fresh one trained e epochs on the CNNs at e ----
  for (let e = 1; e <= epochs; e++) {
    const lstm = await engine.lstm({ cfg, data, init: initLstm(m, inDim, rng('init/model1/lstm')), inputs: seqAt[e - 1], inputDim: inDim });
    const { history } = await fit(lstm, { ...t, epochs: e, stopRule: 'fixed' }, { network: 'lstm', n: pairs.train.n, shuffle: rng('shuffle/model1/lstm'), valLabels: pairs.val.label, onProgress: quiet });
    const last = history[history.length - 1];
    write({ network: 'model1', epoch: e, testAccuracy: scoreLogits(await lstm.logits('test'), pairs.test.label, THIRD_CLASSES).accuracy, valAccuracy: last.valAccuracy, trainLoss: last.trainLoss, seconds: history.reduce((s, h) => s + h.seconds, 0) });
    await lstm.dispose();
  }
  // ---- model-2, scored after every epoch ----
  const c1 = initCnn(m, rng('init/model1/cnn1'));
  const c2 = initCnn(m, rng('init/model1/cnn2'));
  const init = {
    cnn1: t.sharedInit ? c1 : initCnn(m, rng('init/model2/cnn1')),
    cnn2: t.sharedInit ? c2 : initCnn(m, rng('init/model2/cnn2')),
    lstm: initLstm(m, model2InputDim(m), rng('init/model2/lstm')),
  };
  const m2 = await engine.model2({ cfg, data, init, dropoutA: rng('dropout/model2/cnn1'), dropoutB: rng('dropout/model2/cnn2') });
  const shuffle = rng('shuffle/model2');
  for (let e = 1; e <= epochs; e++) {
    const { history: [rec] } = await fit(m2, oneEpoch, { network: 'pipeline', n: pairs.train.n, shuffle, valLabels: pairs.val.label, onProgress: quiet });
    write({ network: 'model2', epoch: e, testAccuracy: scoreLogits(await m2.logits('test'), pairs.test.label, THIRD_CLASSES).accuracy, valAccuracy: rec.valAccuracy, trainLoss: rec.trainLoss, seconds: rec.seconds });
  }
  await m2.dispose();
  renameSync(file, done);
}

// ---- table ----------------------------------------------------------------------------------------

const f3 = (x: number) => x.toFixed(4);

function readLines(dir: string): EpochLine[] {
  return readdirSync(dir).filter((f) => /^seed-\d+\.jsonl$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochLine));
}

/** Per recipe: per seed, per network, test accuracy after each epoch (index e − 1). */
function collect(lines: EpochLine[]) {
  const acc = new Map<number, Record<Net, number[]>>();
  for (const l of lines) {
    const s = acc.get(l.seed) ?? (acc.set(l.seed, { cnn1: [], cnn2: [], model1: [], model2: [] }), acc.get(l.seed)!);
    s[l.network][l.epoch - 1] = l.testAccuracy;
  }
  const seeds = [...acc.keys()].sort((a, b) => a - b);
  // Only epochs every seed has for every network (a seed still training is left out of the counts).
  const complete = seeds.filter((s) => NETS.every((n) => acc.get(s)![n].length > 0));
  const epochs = Math.min(...complete.map((s) => Math.min(...NETS.map((n) => acc.get(s)![n].filter((x) => x !== undefined).length))));
  return { acc, seeds: complete, epochs: Number.isFinite(epochs) ? epochs : 0 };
}

function recipeTables(recipe: string, lines: EpochLine[]): { md: string; summary: unknown } {
  const { acc, seeds, epochs } = collect(lines);
  const es = Array.from({ length: epochs }, (_, i) => i + 1);
  const meets = (s: number, e: number, n: Net) => acc.get(s)![n][e - 1] >= STANDARD[n];
  const rows = es.map((e) => ({
    epochs: e,
    seeds: seeds.length,
    meetAll: seeds.filter((s) => NETS.every((n) => meets(s, e, n))).length,
    meetBy: Object.fromEntries(NETS.map((n) => [n, seeds.filter((s) => meets(s, e, n)).length])) as Record<Net, number>,
    min: Object.fromEntries(NETS.map((n) => [n, Math.min(...seeds.map((s) => acc.get(s)![n][e - 1]))])) as Record<Net, number>,
    stalls: seeds.filter((s) => acc.get(s)!.model2[e - 1] < LEARNED_THRESHOLD).length,
  }));
  const secs = (n: Net) => lines.filter((l) => l.network === n && (n !== 'model1' || l.epoch === 1)).map((l) => l.seconds);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  let md = `### Recipe \`${recipe}\` (engine ${lines[0].engine}; seeds ${seeds.join(', ')})\n\n`;
  md += `Seeds meeting the standard (CNN1, CNN2 ≥ ${STANDARD.cnn1}, model-1 ≥ ${STANDARD.model1}, model-2 ≥ ${STANDARD.model2} test accuracy) when every network trains e fixed epochs; `;
  md += `a stall is model-2 below ${LEARNED_THRESHOLD} (LEARNED_THRESHOLD):\n\n`;
  md += `| epochs e | all four met | ${NETS.map((n) => `${LABEL[n]} met`).join(' | ')} | ${NETS.map((n) => `${LABEL[n]} min`).join(' | ')} | model-2 stalls |\n`;
  md += `|${'---|'.repeat(2 + 2 * NETS.length + 1)}\n`;
  for (const r of rows) md += `| ${r.epochs} | **${r.meetAll}/${r.seeds}** | ${NETS.map((n) => `${r.meetBy[n]}/${r.seeds}`).join(' | ')} | ${NETS.map((n) => f3(r.min[n])).join(' | ')} | ${r.stalls} |\n`;
  for (const n of NETS) {
    md += `\n${LABEL[n]} test accuracy after epoch e (below the standard in italics):\n\n| seed | ${es.map((e) => `e=${e}`).join(' | ')} |\n|${'---|'.repeat(es.length + 1)}\n`;
    for (const s of seeds) md += `| ${s} | ${es.map((e) => (meets(s, e, n) ? f3(acc.get(s)![n][e - 1]) : `*${f3(acc.get(s)![n][e - 1])}*`)).join(' | ')} |\n`;
  }
  md += `\nMedian seconds per epoch in this run (shared machine, one seed per process): ${NETS.filter((n) => n !== 'model1').map((n) => `${LABEL[n]} ${med(secs(n)).toFixed(1)} s`).join(', ')}, model-1's LSTM ${med(secs('model1')).toFixed(1)} s (1-epoch LSTM).\n`;
  const perSeed = Object.fromEntries(seeds.map((s) => [s, acc.get(s)]));
  return { md, summary: { recipe, seeds, rows, perSeed } };
}

/** Real studies against the per-epoch numbers: a study trained e epochs must score what epoch e scored here. */
function checkStudies(dirs: string[], byRecipe: Map<string, EpochLine[]>): { md: string; results: unknown[] } {
  const results: { study: string; recipe: string; epochs: number; compared: number; equal: number; maxAbsDiff: number }[] = [];
  for (const dir of dirs) {
    const study = loadStudy(dir);
    const cfg = study.config as StudyConfig;
    const recipe = recipeOf(cfg);
    const lines = byRecipe.get(recipe) ?? [];
    const e = cfg.train.epochs;
    const key: Record<Net, [string, string, string]> = { cnn1: ['model1', 'cnn1', 'digit'], cnn2: ['model1', 'cnn2', 'digit'], model1: ['model1', 'pipeline', 'third'], model2: ['model2', 'pipeline', 'third'] };
    let compared = 0;
    let equal = 0;
    let maxAbsDiff = 0;
    for (const n of NETS) {
      for (const r of study.metrics.filter((x) => x.split === 'test' && x.model === key[n][0] && x.network === key[n][1] && x.target === key[n][2])) {
        const mine = lines.find((l) => l.seed === r.seed && l.network === n && l.epoch === e);
        if (!mine) continue;
        compared++;
        const d = Math.abs(mine.testAccuracy - r.accuracy);
        if (d === 0) equal++;
        maxAbsDiff = Math.max(maxAbsDiff, d);
      }
    }
    results.push({ study: dir, recipe, epochs: e, compared, equal, maxAbsDiff });
  }
  let md = '';
  if (results.length) {
    md = '\nCheck against real `filterstudy run` studies (each network trained e epochs in the seed task; test accuracy from its ONNX evaluation):\n\n| study | recipe | e | (seed, network) pairs compared | equal | max abs. difference |\n|---|---|---|---|---|---|\n';
    for (const r of results) md += `| ${r.study.split('/').pop()} | \`${r.recipe}\` | ${r.epochs} | ${r.compared} | ${r.equal} | ${r.maxAbsDiff.toExponential(2)} |\n`;
  }
  return { md, results };
}

function recipesIn(dir: string): Map<string, EpochLine[]> {
  const byRecipe = new Map<string, EpochLine[]>();
  for (const d of readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory())) {
    const lines = readLines(join(dir, d.name));
    if (lines.length) byRecipe.set(d.name, lines);
  }
  return byRecipe;
}

function table(values: { in: string; check: string[]; checkIn: string[]; doc?: string }): void {
  const byRecipe = recipesIn(values.in);
  const parts = [...byRecipe].map(([r, lines]) => recipeTables(r, lines));
  // --check-in: more per-epoch runs (e.g. small ones beside small real studies) used only by the checks.
  const forChecks = new Map(byRecipe);
  for (const d of values.checkIn) for (const [r, lines] of recipesIn(d)) forChecks.set(r, [...(forChecks.get(r) ?? []), ...lines]);
  const check = checkStudies(values.check, forChecks);
  const cmd = `node --import tsx bench/recipe.ts ${process.argv.slice(2).join(' ')}`;
  const md = `Generated by \`${cmd}\` at ${new Date().toISOString()}.\n\n${parts.map((p) => p.md).join('\n')}${check.md}`;
  writeFileSync(join(values.in, 'table.json'), JSON.stringify({ standard: STANDARD, recipes: parts.map((p) => p.summary), check: check.results }, null, 1));
  writeFileSync(join(values.in, 'table.md'), md);
  if (values.doc) {
    const doc = readFileSync(values.doc, 'utf8');
    const re = /(<!-- recipe-table:start -->\n)[\s\S]*?(\n<!-- recipe-table:end -->)/;
    if (!re.test(doc)) throw new Error(`${values.doc}: no <!-- recipe-table:start --> … <!-- recipe-table:end --> section`);
    writeFileSync(values.doc, doc.replace(re, (_m, a: string, b: string) => `${a}${md.trimEnd()}${b}`));
  }
  process.stdout.write(md);
}

// ---- main -------------------------------------------------------------------------------------------

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'train') {
  const { values } = parseArgs({
    args: rest,
    options: {
      epochs: { type: 'string', default: '5' }, seeds: { type: 'string', default: '1-12' }, jobs: { type: 'string', default: '1' },
      out: { type: 'string', default: 'out/recipe' }, set: { type: 'string', multiple: true, default: [] }, backend: { type: 'string', default: 'auto' },
    },
  });
  const seeds = seedRange(values.seeds!);
  const jobs = Math.max(1, Number(values.jobs));
  if (jobs > 1 && seeds.length > 1) {
    // One child process per job, seeds dealt round-robin: seeds train independently.
    const script = process.argv[1];
    const base = rest.filter((_, i, a) => !['--seeds', '--jobs'].includes(a[i]) && !['--seeds', '--jobs'].includes(a[i - 1]));
    const codes = await Promise.all(Array.from({ length: Math.min(jobs, seeds.length) }, (_, j) => new Promise<number>((res) => {
      const mine = seeds.filter((_, i) => i % jobs === j).join(',');
      spawn(process.execPath, [...process.execArgv, script, 'train', ...base, '--seeds', mine, '--jobs', '1'], { stdio: 'inherit' }).on('exit', (c) => res(c ?? 1));
    })));
    process.exitCode = Math.max(...codes);
  } else {
    const cfg = resolveConfig([
      { source: 'recipe', config: { preset: 'quick', train: { epochs: Number(values.epochs) }, runtime: { backend: values.backend as StudyConfig['runtime']['backend'] } } },
      { source: '--set', config: parseSet(values.set!) },
    ]);
    for (const seed of seeds) {
      // Resume: a seed already complete for this recipe is not trained again.
      if (existsSync(join(values.out!, recipeOf(cfg), `seed-${String(seed).padStart(4, '0')}.jsonl`))) continue;
      const t0 = performance.now();
      await trainSeed(cfg, seed, cfg.train.epochs, values.out!);
      process.stdout.write(`recipe ${recipeOf(cfg)} seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  }
} else if (mode === 'table') {
  const { values } = parseArgs({ args: rest, options: { in: { type: 'string', default: 'out/recipe' }, check: { type: 'string', multiple: true, default: [] }, 'check-in': { type: 'string', multiple: true, default: [] }, doc: { type: 'string' } } });
  if (!existsSync(values.in!)) throw new Error(`--in ${values.in}: no such folder (run "train" first)`);
  table({ in: values.in!, check: values.check!, checkIn: values['check-in']!, doc: values.doc });
} else {
  process.stderr.write('usage: node --import tsx bench/recipe.ts train|table [options] (see the comment at the top)\n');
  process.exitCode = 2;
}
