/**
 * Batch inputs for the step and forward models, built in JS: image rows gathered as bytes (the
 * models scale by 1/255 themselves), one-hot labels, and dropout masks drawn exactly as ml/models.ts
 * `dropoutMask` draws them (same Rng calls, same threshold), so every engine sees the same masks.
 */
import * as ort from 'onnxruntime-node';
import type { StudyConfig } from '../../config.ts';
import { dropoutMaskData, IMAGE_SIDE, pooledSide } from '../../ml/models.ts';
import type { Rng } from '../../rng.ts';
import type { MaskDrawer } from './mask-simd.ts';

const PIXELS = IMAGE_SIDE * IMAGE_SIDE;

/**
 * images[n·784] bytes, rows → uint8 tensor [R,28,28,1]. With `reuse`, the rows go into (the start
 * of) the largest array used so far, as a trainer's masks do (MaskDrawer): a new 0.1 MB array per step is
 * external memory V8 collects garbage for (see models.ts dropoutMaskData).
 */
export function imageTensor(images: Uint8Array, rows: ArrayLike<number>, reuse?: { data?: Uint8Array }): ort.Tensor {
  const size = rows.length * PIXELS;
  if (reuse && !(reuse.data && reuse.data.length >= size)) reuse.data = new Uint8Array(size);
  const out = reuse ? reuse.data!.subarray(0, size) : new Uint8Array(size);
  for (let r = 0; r < rows.length; r++) out.set(images.subarray(rows[r] * PIXELS, (rows[r] + 1) * PIXELS), r * PIXELS);
  return new ort.Tensor('uint8', out, [rows.length, IMAGE_SIDE, IMAGE_SIDE, 1]);
}

/** labels[idx[r]] as one-hot rows → float tensor [R,classes]. */
export function oneHotTensor(labels: ArrayLike<number>, idx: ArrayLike<number>, classes: number): ort.Tensor {
  const out = new Float32Array(idx.length * classes);
  for (let r = 0; r < idx.length; r++) out[r * classes + labels[idx[r]]] = 1;
  return new ort.Tensor('float32', out, [idx.length, classes]);
}

/** Rows idx of a row-major [n, width] array → float tensor [R,width]. */
export function rowTensor(data: Float32Array, width: number, idx: ArrayLike<number>): ort.Tensor {
  const out = new Float32Array(idx.length * width);
  for (let r = 0; r < idx.length; r++) out.set(data.subarray(idx[r] * width, (idx[r] + 1) * width), r * width);
  return new ort.Tensor('float32', out, [idx.length, width]);
}

/** The dropout mask of ml/models.ts (the same draws on every engine). */
export { dropoutMaskData };

/**
 * A dropout mask tensor [n,P,P,F], or null when dropout is off. With a `drawer` (a trainer's), the
 * mask is drawn into its WebAssembly memory by the SIMD expand of mask-simd.ts and the tensor is a
 * view there, valid until the drawer's next draw (each step's session.run has finished before the
 * next step draws); without one, into a new array by dropoutMaskData. The same values either way.
 */
export function maskTensor(n: number, m: StudyConfig['model'], rng: Rng, drawer?: MaskDrawer): ort.Tensor | null {
  const data = drawer ? drawer.draw(n, m, rng) : dropoutMaskData(n, m, rng);
  const p = pooledSide(m);
  return data ? new ort.Tensor('float32', data, [n, p, p, m.filters]) : null;
}
