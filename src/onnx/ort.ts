/**
 * Running exported graphs with onnxruntime-node (CPU, one intra-op thread by default: the study
 * already runs one worker per core) and comparing their outputs with another forward pass of the
 * same weights (the seed task: the trainer's own; the export tests: tfjs).
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { FilterstudyError } from '../errors.ts';

export type Session = ort.InferenceSession;
export type Feeds = Record<string, { data: Float32Array; dims: number[] }>;

/** Loads a model from bytes or a file path; failures are E_MODEL. */
export async function loadSession(src: Uint8Array | string, opts: { intraOpThreads?: number } = {}): Promise<Session> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  if (typeof src === 'string' && !existsSync(src)) throw new FilterstudyError('E_MODEL', `model file ${src} does not exist`);
  try {
    return typeof src === 'string' ? await ort.InferenceSession.create(src, options) : await ort.InferenceSession.create(src, options);
  } catch (e) {
    const what = typeof src === 'string' ? `model file ${src}` : 'model bytes';
    throw new FilterstudyError('E_MODEL', `onnxruntime could not load the ${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** The axis of an input that carries the symbolic batch dim 'N' (0 if the model does not say). */
function batchAxis(session: Session, name: string, rank: number): number {
  const md = session.inputMetadata?.find((v) => v.name === name);
  if (md && md.isTensor) {
    const i = md.shape.findIndex((d) => typeof d === 'string');
    if (i >= 0) return i;
  }
  return name === 'sequence' && rank === 3 ? 1 : 0;
}

/** Rows [start, end) along `axis` of a dense row-major array. */
function sliceAxis(data: Float32Array, dims: number[], axis: number, start: number, end: number): Float32Array {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis];
  if (outer === 1) return data.subarray(start * inner, end * inner);
  const out = new Float32Array(outer * (end - start) * inner);
  for (let o = 0; o < outer; o++) out.set(data.subarray((o * n + start) * inner, (o * n + end) * inner), o * (end - start) * inner);
  return out;
}

/**
 * Runs `session` over all N rows in batches of `batch` and returns `output` ([N, C] row-major),
 * concatenated. Every input must have the same N on its batch axis.
 */
export async function runProbs(session: Session, inputs: Feeds, output = 'probs', batch = 1000): Promise<Float32Array> {
  const names = Object.keys(inputs);
  const axes = Object.fromEntries(names.map((k) => [k, batchAxis(session, k, inputs[k].dims.length)]));
  const ns = names.map((k) => inputs[k].dims[axes[k]]);
  const n = ns[0];
  if (ns.some((x) => x !== n)) throw new FilterstudyError('E_INPUT', `inputs disagree on the batch size: ${names.map((k, i) => `${k}=${ns[i]}`).join(', ')}`);
  if (!session.outputNames.includes(output)) throw new FilterstudyError('E_MODEL', `the model has no output "${output}" (it has ${session.outputNames.join(', ')})`);
  const parts: Float32Array[] = [];
  let total = 0;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const feeds: Record<string, ort.Tensor> = {};
    for (const k of names) {
      const { data, dims } = inputs[k];
      const d = dims.slice();
      d[axes[k]] = end - start;
      feeds[k] = new ort.Tensor('float32', sliceAxis(data, dims, axes[k], start, end), d);
    }
    const res = await session.run(feeds, [output]);
    const out = res[output].data as Float32Array;
    parts.push(out.slice());
    total += out.length;
    for (const t of Object.values(res)) t.dispose?.();
  }
  const all = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

export interface Agreement {
  rows: number;
  classes: number;
  /** Rows whose argmax differs (first maximum on ties, as tf.argMax and ONNX ArgMax). */
  argmaxMismatches: number;
  /**
   * Of those, the rows whose top-two gap (largest minus second-largest value of the row; the larger
   * of the two arrays' gaps) exceeds the tolerance: flips that are not near-ties. A flip where both
   * sides have the top two within the tolerance is float32 rounding at a tie, not a different network.
   */
  decisiveMismatches: number;
  /** First argmax mismatch row, or −1. */
  firstMismatchRow: number;
  /** Largest top-two gap among the mismatching rows (0 without a mismatch). */
  maxMismatchGap: number;
  maxAbsDiff: number;
  tolerance: number;
  /** No decisive mismatch and maxAbsDiff < tolerance. */
  ok: boolean;
}

/** One model's export check in a seed: `trainer` names the forward pass the exported graph was compared with. */
export interface ExportCheck extends Agreement { trainer: string }

/** Argmax of row `row` (first maximum on ties) and its top-two gap (largest minus second largest). */
function rowTop(p: Float32Array, row: number, c: number): { arg: number; gap: number } {
  let best = 0;
  for (let j = 1; j < c; j++) if (p[row * c + j] > p[row * c + best]) best = j;
  let second = -Infinity;
  for (let j = 0; j < c; j++) if (j !== best && p[row * c + j] > second) second = p[row * c + j];
  const gap = p[row * c + best] - second;
  return { arg: best, gap: Number.isNaN(gap) ? Infinity : gap };
}

/** Row-wise comparison of two [rows, classes] arrays (probabilities or logits). */
export function compareProbs(a: Float32Array, b: Float32Array, classes: number, tolerance = 1e-5): Agreement {
  if (a.length !== b.length || a.length % classes !== 0) throw new Error(`compareProbs: lengths ${a.length} and ${b.length} for ${classes} classes`);
  const rows = a.length / classes;
  let mismatches = 0;
  let decisive = 0;
  let first = -1;
  let maxGap = 0;
  let maxAbsDiff = 0;
  for (let r = 0; r < rows; r++) {
    const ta = rowTop(a, r, classes);
    const tb = rowTop(b, r, classes);
    if (ta.arg !== tb.arg) {
      mismatches++;
      if (first < 0) first = r;
      const gap = Math.max(ta.gap, tb.gap);
      maxGap = Math.max(maxGap, gap);
      if (gap > tolerance) decisive++;
    }
  }
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
  }
  return {
    rows, classes, argmaxMismatches: mismatches, decisiveMismatches: decisive, firstMismatchRow: first, maxMismatchGap: maxGap,
    maxAbsDiff, tolerance, ok: decisive === 0 && maxAbsDiff < tolerance,
  };
}

/** Runs the ONNX graph on `inputs` and compares `output` with the tfjs probabilities of the same rows. */
export async function compareWithTfjs(
  session: Session,
  inputs: Feeds,
  tfjsProbs: Float32Array,
  opts: { output?: string; classes?: number; batch?: number; tolerance?: number } = {},
): Promise<Agreement> {
  const output = opts.output ?? 'probs';
  const onnx = await runProbs(session, inputs, output, opts.batch ?? 1000);
  return compareProbs(onnx, tfjsProbs, opts.classes ?? outputClasses(session, output), opts.tolerance ?? 1e-5);
}

/** Static size of an output's last axis (10 digits, 28 third terms). */
export function outputClasses(session: Session, output: string): number {
  const md = session.outputMetadata?.find((v) => v.name === output);
  const last = md && md.isTensor ? md.shape[md.shape.length - 1] : undefined;
  if (typeof last !== 'number') throw new FilterstudyError('E_MODEL', `output "${output}" has no static class axis`);
  return last;
}
