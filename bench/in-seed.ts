/**
 * `npm run bench -- --in-seed`: do a real seed's epochs run at the step bench's speed (issue 19
 * item 2)? For a digit CNN (model-1's CNN1) and model-2, each built as the seed task builds it
 * (src/worker/seed-task.ts: the preset's config, the full data, the same random streams by name),
 * rounds interleave, on the same trainer:
 *   epoch   one shuffled pass of training steps, exactly as train.ts `fit` steps (permutation of
 *           every training pair, the preset's batch), then the validation pass (`logits('val')`);
 *   bench   `--steps` steps cycling 8 fixed batches (bench/steps.ts batchRows): what `npm run bench`
 *           times, at the same batch and optimiser.
 * It prints per network the median over rounds of items per second (wall and process CPU) of the
 * epoch's steps, of the epoch with its validation pass, and of the bench block, and their ratios,
 * plus the validation pass's seconds. Interleaving puts both under the same load; CPU-time rates are
 * the steadier on a shared machine. Weights keep training through the rounds (as in a seed).
 *
 *   node --import tsx bench/in-seed.ts [--preset quick|paper] [--rounds 3] [--steps 200]
 *        [--networks cnn,model2] [--optimizer sgd|adam] [--engine onnxruntime]
 */
import { loadavg } from 'node:os';
import { resolveConfig, type StudyConfig, type UserConfig } from '../src/config.ts';
import { studyData } from '../src/data/mnist.ts';
import type { Trainer } from '../src/ml/engine.ts';
import { initCnn, initLstm, model2InputDim } from '../src/ml/models.ts';
import { permutation, scoreLogits } from '../src/ml/train.ts';
import { makeRng } from '../src/rng.ts';
import { argOf } from './args.ts';
import { batchRows, checkEngineName, openEngine } from './steps.ts';
import { inSeedSummary, type InSeedRound } from './in-seed-lib.ts';

const preset = argOf('preset', 'quick');
const rounds = Math.max(1, Number(argOf('rounds', '3')));
const benchSteps = Math.max(1, Number(argOf('steps', '200')));
const networks = argOf('networks', 'cnn,model2').split(',');
const engineName = checkEngineName(argOf('engine', 'onnxruntime'));
const optimizer = argOf('optimizer', '');
// resolveConfig validates both (an unknown preset or optimiser is an E_CONFIG naming it)
const cfg: StudyConfig = resolveConfig([
  { source: '--preset', config: { preset } as UserConfig },
  ...(optimizer ? [{ source: '--optimizer', config: { train: { optimizer } } as UserConfig }] : []),
]);
const t = cfg.train;
const { data } = studyData(cfg.data);
const engine = await openEngine(engineName);
const rng = (stream: string) => makeRng(1, stream);
const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };

/** One shuffled epoch of steps then the validation pass; one bench block; all timed. */
async function round(trainer: Trainer, shuffle: ReturnType<typeof makeRng>, valLabels: ArrayLike<number>): Promise<InSeedRound> {
  const n = data.pairs.train.n;
  const steps = Math.ceil(n / t.batchSize);
  // ---- the epoch, as fit steps it ----
  let w0 = performance.now(), c0 = cpuMs();
  const order = permutation(n, shuffle);
  for (let s = 0; s < steps; s++) await trainer.step(order.subarray(s * t.batchSize, Math.min((s + 1) * t.batchSize, n)));
  const stepsWall = performance.now() - w0, stepsCpu = cpuMs() - c0;
  w0 = performance.now(); c0 = cpuMs();
  scoreLogits(await trainer.logits('val'), valLabels, trainer.classes);
  const valWall = performance.now() - w0, valCpu = cpuMs() - c0;
  // ---- the bench block: 8 fixed batches cycled, after 3 warm-up steps ----
  for (let s = 0; s < 3; s++) await trainer.step(batchRows(s % 8, t.batchSize, n));
  w0 = performance.now(); c0 = cpuMs();
  for (let s = 0; s < benchSteps; s++) await trainer.step(batchRows(s % 8, t.batchSize, n));
  const benchWall = performance.now() - w0, benchCpu = cpuMs() - c0;
  return { items: n, stepsWall, stepsCpu, valWall, valCpu, benchItems: benchSteps * t.batchSize, benchWall, benchCpu };
}

console.log(`in-seed vs bench: ${preset} preset (${t.optimizer} lr ${t.learningRate}, batch ${t.batchSize}, model-2 reads ${cfg.model.model2Input}), ${data.pairs.train.n} training pairs, ${data.pairs.val.n} validation pairs; ${rounds} rounds of one epoch + ${benchSteps} bench steps; engine ${engine.name}; load average ${loadavg()[0].toFixed(2)}`);
const m = cfg.model;
for (const net of networks) {
  let trainer: Trainer;
  if (net === 'cnn') {
    trainer = await engine.digitCnn({ cfg, data, init: initCnn(m, rng('init/model1/cnn1')), side: 'a', dropout: rng('dropout/model1/cnn1') });
  } else if (net === 'model2') {
    trainer = await engine.model2({
      cfg, data, init: { cnn1: initCnn(m, rng('init/model2/cnn1')), cnn2: initCnn(m, rng('init/model2/cnn2')), lstm: initLstm(m, model2InputDim(m), rng('init/model2/lstm')) },
      dropoutA: rng('dropout/model2/cnn1'), dropoutB: rng('dropout/model2/cnn2'),
    });
  } else {
    console.error(`--networks: '${net}' is not one of cnn, model2`);
    process.exit(2);
  }
  const shuffle = rng(net === 'cnn' ? 'shuffle/model1/cnn1' : 'shuffle/model2');
  const valLabels = net === 'cnn' ? data.pairs.val.digitA : data.pairs.val.label;
  const rs: InSeedRound[] = [];
  for (let r = 0; r < rounds; r++) rs.push(await round(trainer, shuffle, valLabels));
  await trainer.dispose();
  console.log(inSeedSummary(net === 'cnn' ? 'CNN (images)' : 'model-2 (pairs)', rs));
}
