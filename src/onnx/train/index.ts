/**
 * The onnxruntime-node training engine (runtime.backend 'onnxruntime'): training steps as ONNX
 * graphs with hand-derived backward passes returning the gradients (steps.ts), run on one thread
 * per session, then the optimiser update in place in wasm SIMD (session.ts, optimizer.ts).
 * Gradients match tfjs autodiff to float32 rounding (test/ort-train.test.ts), not bit for bit; the
 * update is tfjs' bit for bit (test/ort-optimizer.test.ts); run to run results are bit-identical.
 */
import * as ort from 'onnxruntime-node';
import type { StudyConfig } from '../../config.ts';
import { FilterstudyError } from '../../errors.ts';
import type { CnnOutputs, Engine } from '../../ml/engine.ts';
import { noWasmKernels } from '../../ml/kernels/paths.ts';
import { cnnShapes, DIGITS, type Weights } from '../../ml/models.ts';
import { imageTensor } from './batch.ts';
import { maskPath } from './mask-simd.ts';
import { optimizerPath } from './optimizer.ts';
import { createSession } from './session.ts';
import { cnnForwardModel, model2InputOf } from './steps.ts';
import { digitCnnTrainer, forwardAll, lstmTrainer, model2Trainer, weightFeeds } from './trainers.ts';

const MODEL2_INPUTS = ['softmax', 'logits', 'dense'];

function checkConfig(cfg: StudyConfig): void {
  const mode = model2InputOf(cfg.model);
  if (!MODEL2_INPUTS.includes(mode)) {
    throw new FilterstudyError('E_CONFIG', `model.model2Input is ${JSON.stringify(mode)}; the onnxruntime engine knows ${MODEL2_INPUTS.join(', ')}`);
  }
}

function checkCnnWeights(cfg: StudyConfig, w: Weights): void {
  for (const [k, shape] of Object.entries(cnnShapes(cfg.model))) {
    const got = w[k];
    if (!got || got.shape.join() !== shape.join() || got.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new FilterstudyError('E_MODEL', `CNN weight "${k}" has shape [${got?.shape ?? ''}], expected [${shape}] for this model config`);
    }
  }
}

export async function createOrtEngine(): Promise<Engine> {
  // One forward session per model config (cnnForward is called for many seeds' weights).
  const forwards = new Map<string, Promise<ort.InferenceSession>>();
  const forwardFor = (cfg: StudyConfig) => {
    const key = JSON.stringify(cfg.model);
    if (!forwards.has(key)) forwards.set(key, createSession(cnnForwardModel(cfg.model)));
    return forwards.get(key)!;
  };
  return {
    name: 'onnxruntime',
    notes: [`onnxruntime-node ${ort.env.versions?.common ?? ''}: training graphs, 1 intra-op thread per session`],
    takeKernelPaths: () => noWasmKernels(`onnxruntime engine: ONNX graphs on onnxruntime-node, no tfjs wasm kernels; optimiser updates: ${optimizerPath()}; dropout masks: ${maskPath()}`),
    digitCnn: async (spec) => (checkConfig(spec.cfg), digitCnnTrainer(spec)),
    lstm: async (spec) => (checkConfig(spec.cfg), lstmTrainer(spec)),
    model2: async (spec) => (checkConfig(spec.cfg), model2Trainer(spec)),
    async cnnForward(cfg, w, images, rows): Promise<CnnOutputs> {
      checkCnnWeights(cfg, w);
      const session = await forwardFor(cfg);
      const wf = weightFeeds(session, { cnn: w }, Object.fromEntries(Object.entries(w).map(([k, v]) => [`cnn/${k}`, v.data])));
      const rowsArr = Int32Array.from(rows);
      const feeds = (idx: Int32Array) => ({ x: imageTensor(images, idx.map((i) => rowsArr[i])), ...wf });
      const out = await forwardAll(session, rowsArr.length, cfg.train.evalBatchSize, { logits: DIGITS, dense: cfg.model.denseUnits }, feeds);
      return { logits: out.logits, dense: out.dense };
    },
  };
}
