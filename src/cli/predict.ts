/**
 * `filterstudy predict --model <file.onnx> <image-a> <image-b>`: the third term 2b − a that an
 * exported model-1 pipeline or model-2 graph predicts for two digit images, each a 28×28 PNG
 * (colour is converted to gray) or `test:<index>` into the MNIST test set.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import pngjs from 'pngjs';
import { FilterstudyError } from '../errors.ts';
import { IMAGE_SIDE, THIRD_CLASSES, DIGITS } from '../ml/models.ts';
import { loadMnist, type Mnist } from '../data/mnist.ts';
import type { OnnxInfo } from '../onnx/export.ts';

const PIXELS = IMAGE_SIDE * IMAGE_SIDE;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const INPUT_HINT = 'give a 28×28 grayscale PNG (light digit on dark background, like MNIST) or test:<index> for an MNIST test image';

export interface DigitImage {
  /** What the user passed. */
  spec: string;
  /** 784 pixels, row-major, in [0,1]. */
  pixels: Float32Array;
  /** True digit when the image comes from the MNIST test set. */
  label?: number;
}

export interface PredictResult {
  model: string;
  graph: 'model1' | 'model2';
  info: OnnxInfo;
  a: DigitImage;
  b: DigitImage;
  /** Predicted third term 2b − a (−9..18) and its probability. */
  third: number;
  prob: number;
  top: { third: number; prob: number }[];
  /** The CNNs' digit predictions, when the graph outputs them. */
  digits?: { a: { digit: number; prob: number }; b: { digit: number; prob: number } };
}

let mnistCache: Mnist | null = null;

/** Parses `test:<index>` or reads a PNG; returns pixels in [0,1]. Errors are E_INPUT and name the input. */
export function loadDigitImage(spec: string, opts: { invert?: boolean; mnist?: () => Mnist } = {}): DigitImage {
  let img: DigitImage;
  const test = /^test:(.*)$/.exec(spec);
  if (test) {
    const index = Number(test[1]);
    if (!/^\d+$/.test(test[1]) || !Number.isSafeInteger(index)) {
      throw new FilterstudyError('E_INPUT', `"${spec}": the MNIST test index must be a non-negative integer`, { hint: INPUT_HINT });
    }
    const mnist = opts.mnist ? opts.mnist() : (mnistCache ??= loadMnist());
    const n = mnist.testLabels.length;
    if (index >= n) {
      throw new FilterstudyError('E_INPUT', `"${spec}": index ${index} is out of range; the MNIST test set has ${n} images (test:0 … test:${n - 1})`);
    }
    const pixels = new Float32Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) pixels[p] = mnist.testImages[index * PIXELS + p] / 255;
    img = { spec, pixels, label: mnist.testLabels[index] };
  } else {
    img = { spec, pixels: readPng(spec) };
  }
  if (opts.invert) for (let p = 0; p < PIXELS; p++) img.pixels[p] = 1 - img.pixels[p];
  return img;
}

/** 28×28 PNG → gray in [0,1]: colour by ITU-R 601 luma, alpha composited over black (MNIST's background). */
function readPng(path: string): Float32Array {
  if (!existsSync(path) || !statSync(path).isFile()) throw new FilterstudyError('E_INPUT', `image file ${path} does not exist`, { hint: INPUT_HINT });
  const bytes = readFileSync(path);
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new FilterstudyError('E_INPUT', `${path} is not a PNG image (it does not start with the PNG signature)`, { hint: INPUT_HINT });
  }
  let png: { width: number; height: number; data: Buffer };
  try {
    png = pngjs.PNG.sync.read(bytes);
  } catch (e) {
    throw new FilterstudyError('E_INPUT', `${path} is not a readable PNG image (corrupt: ${(e as Error).message})`, { hint: INPUT_HINT, cause: e });
  }
  if (png.width !== IMAGE_SIDE || png.height !== IMAGE_SIDE) {
    throw new FilterstudyError('E_INPUT', `${path} is ${png.width}×${png.height} pixels; the networks read ${IMAGE_SIDE}×${IMAGE_SIDE} images`, {
      hint: 'resize it to 28×28 first (MNIST digits are centred in a 28×28 box), or use test:<index>',
    });
  }
  const out = new Float32Array(PIXELS);
  const d = png.data; // RGBA, 8 bit (pngjs normalises every colour type and depth)
  for (let p = 0; p < PIXELS; p++) {
    const [r, g, b, a] = [d[4 * p], d[4 * p + 1], d[4 * p + 2], d[4 * p + 3]];
    const gray = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    out[p] = (gray / 255) * (a / 255);
  }
  return out;
}

/** Reads the model header and checks it is a filterstudy pipeline (model-1) or model-2 graph. */
export async function checkPredictModel(path: string): Promise<OnnxInfo> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new FilterstudyError('E_MODEL', `model file ${path} does not exist`);
  const { readOnnxMeta } = await import('../onnx/export.ts'); // here, not at the top: predict --help must not load protobufjs
  let info: OnnxInfo;
  try {
    info = readOnnxMeta(readFileSync(path));
  } catch (e) {
    const fe = e as FilterstudyError;
    throw new FilterstudyError('E_MODEL', `${path}: ${fe.message}`, { hint: 'pass a .onnx file exported by filterstudy', cause: e });
  }
  if (info.producerName !== 'filterstudy' || !info.meta) {
    throw new FilterstudyError('E_MODEL', `${path} is an ONNX model but not one exported by filterstudy (producer "${info.producerName || 'none'}", no filterstudy metadata)`, {
      hint: 'pass a model-1 pipeline or model-2 .onnx file exported by filterstudy',
    });
  }
  const names = info.inputs.map((i) => i.name);
  const probs = info.outputs.find((o) => o.name === 'probs');
  if ((info.graph !== 'model1' && info.graph !== 'model2') || !names.includes('image_a') || !names.includes('image_b') || probs?.shape[1] !== THIRD_CLASSES) {
    throw new FilterstudyError('E_MODEL', `${path} is a filterstudy "${info.graph}" graph (inputs: ${names.join(', ')}); predict needs a model-1 pipeline or model-2 graph with inputs image_a and image_b`, {
      hint: 'pass a whole model of a study folder, out/<study>/seeds/seed-NNNN/model1.onnx or model2.onnx, not one of its parts (model1-cnn1.onnx, model1-cnn2.onnx, model1-lstm.onnx)',
    });
  }
  return info;
}

function argmax(p: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (p[off + j] > p[off + best]) best = j;
  return best;
}

export async function predict(opts: { model: string; imageA: string; imageB: string; top?: number; invert?: boolean; mnist?: () => Mnist }): Promise<PredictResult> {
  const info = await checkPredictModel(opts.model);
  const a = loadDigitImage(opts.imageA, opts);
  const b = loadDigitImage(opts.imageB, opts);
  const { loadSession, runProbs } = await import('../onnx/ort.ts'); // here, not at the top: predict --help must not load onnxruntime
  const session = await loadSession(opts.model);
  try {
    const feeds = { image_a: { data: a.pixels, dims: [1, IMAGE_SIDE, IMAGE_SIDE, 1] }, image_b: { data: b.pixels, dims: [1, IMAGE_SIDE, IMAGE_SIDE, 1] } };
    const probs = await runProbs(session, feeds, 'probs', 1);
    const order = Array.from(probs, (p, k) => ({ third: k - 9, prob: p })).sort((x, y) => y.prob - x.prob || x.third - y.third);
    const best = argmax(probs, 0, THIRD_CLASSES);
    const result: PredictResult = {
      model: opts.model, graph: info.graph as 'model1' | 'model2', info, a, b,
      third: best - 9, prob: probs[best], top: order.slice(0, Math.max(1, opts.top ?? 3)),
    };
    if (session.outputNames.includes('digit_a_probs') && session.outputNames.includes('digit_b_probs')) {
      const pa = await runProbs(session, feeds, 'digit_a_probs', 1);
      const pb = await runProbs(session, feeds, 'digit_b_probs', 1);
      const da = argmax(pa, 0, DIGITS);
      const db = argmax(pb, 0, DIGITS);
      result.digits = { a: { digit: da, prob: pa[da] }, b: { digit: db, prob: pb[db] } };
    }
    return result;
  } finally {
    await session.release();
  }
}

const fmt = (p: number) => p.toFixed(4);

export function formatPrediction(r: PredictResult): string {
  const m = r.info.meta;
  const lines = [`${r.graph === 'model1' ? 'model-1 pipeline' : 'model-2'}${m ? ` (study ${m.studyId}, seed ${m.seed})` : ''}: ${r.model}`];
  const label = (d: DigitImage) => (d.label === undefined ? d.spec : `${d.spec} (label ${d.label})`);
  lines.push(`a = ${label(r.a)}, b = ${label(r.b)}`);
  // Model-1's CNNs are digit classifiers; model-2's are trained end to end on the third term only,
  // so their 10 outputs are features, not digit classes (claim 4): no "digits read" for them.
  if (r.digits && r.graph === 'model1') lines.push(`digits read: a → ${r.digits.a.digit} (p=${fmt(r.digits.a.prob)}), b → ${r.digits.b.digit} (p=${fmt(r.digits.b.prob)})`);
  else if (r.digits) lines.push(`CNN outputs (not digits: model-2's CNNs never see a digit label): a → output ${r.digits.a.digit} of 10, b → output ${r.digits.b.digit} of 10`);
  let truth = '';
  if (r.a.label !== undefined && r.b.label !== undefined) {
    const t = 2 * r.b.label - r.a.label;
    truth = t === r.third ? '  (correct)' : `  (true 2b − a = ${t})`;
  }
  lines.push(`third term 2b − a = ${r.third}  p = ${fmt(r.prob)}${truth}`);
  lines.push(`top-${r.top.length}: ${r.top.map((t) => `${t.third} (${fmt(t.prob)})`).join(', ')}`);
  const dark = [r.a, r.b].filter((d) => d.label === undefined && d.pixels.reduce((s, v) => s + v, 0) / PIXELS > 0.5);
  if (dark.length) lines.push(`note: ${dark.map((d) => d.spec).join(', ')} look(s) like dark digits on a light background; MNIST digits are light on dark (try --invert)`);
  return lines.join('\n');
}

/** The command's description is in index.ts COMMANDS (listed by --help without importing this file). */
export function predictCommand(): Command {
  return new Command('predict')
    .requiredOption('-m, --model <file.onnx>', 'a model-1 pipeline or model-2 graph exported by filterstudy')
    .option('--top <k>', 'how many classes to list', '3')
    .option('--invert', 'invert the images (for dark digits on a light background)', false)
    .argument('<image-a>', 'first digit a: a 28×28 PNG, or test:<index> (MNIST test set)')
    .argument('<image-b>', 'second digit b: a 28×28 PNG, or test:<index>')
    .action(async (imageA: string, imageB: string, opts: { model: string; top: string; invert: boolean }) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 1 || top > THIRD_CLASSES) {
        throw new FilterstudyError('E_CONFIG', `--top must be an integer from 1 to ${THIRD_CLASSES}, got "${opts.top}"`);
      }
      const r = await predict({ model: opts.model, imageA, imageB, top, invert: opts.invert });
      console.log(formatPrediction(r));
    });
}
