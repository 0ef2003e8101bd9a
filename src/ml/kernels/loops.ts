/**
 * Plain-JS inner loops for src/ml/kernels/index.ts, on Float32Array views of the wasm heap.
 * They are written for V8: flat typed-array indexing, locals as accumulators, no closures in hot loops.
 */

/**
 * MaxPoolGrad for a 2x2 window, stride 2, no padding, NHWC: every dy value goes to the FIRST maximum of
 * its window (row-major tap order, strict '>', so NaN and all -Infinity windows get nothing), matching the
 * cpu backend. Windows do not overlap, so each dx element is written exactly once (no fill, no +=);
 * rows/columns left over when H or W is odd are zeroed.
 */
export function maxPoolGrad2x2(X: Float32Array, DY: Float32Array, DX: Float32Array,
  N: number, H: number, W: number, C: number, OH: number, OW: number): void {
  const rowX = W * C, step = 2 * C;
  if (H !== 2 * OH || W !== 2 * OW) DX.fill(0); // odd sizes: the last row/column is in no window
  let yi = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      let p = (n * H + 2 * oh) * rowX;
      for (let ow = 0; ow < OW; ow++, p += step) {
        const end = p + C;
        for (let q = p; q < end; q++, yi++) {
          const q1 = q + C, q2 = q + rowX, q3 = q2 + C;
          const a = X[q], b = X[q1], c = X[q2], d = X[q3];
          let k = -1, v = -Infinity;
          if (a > v) { v = a; k = 0; }
          if (b > v) { v = b; k = 1; }
          if (c > v) { v = c; k = 2; }
          if (d > v) k = 3;
          const g = DY[yi];
          DX[q] = k === 0 ? g : 0;
          DX[q1] = k === 1 ? g : 0;
          DX[q2] = k === 2 ? g : 0;
          DX[q3] = k === 3 ? g : 0;
        }
      }
    }
  }
}

/** OUT[j] = sum_i X[i*cols + j] for a row-major [rows, cols] X; float64 accumulation. */
export function columnSums(X: Float32Array, rows: number, cols: number, OUT: Float32Array): void {
  if (cols === 16) { // the study's conv bias gradient ([N,26,26,16] summed over N,H,W)
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0;
    const end = rows * 16;
    for (let i = 0; i < end; i += 16) {
      s0 += X[i]; s1 += X[i + 1]; s2 += X[i + 2]; s3 += X[i + 3];
      s4 += X[i + 4]; s5 += X[i + 5]; s6 += X[i + 6]; s7 += X[i + 7];
      t0 += X[i + 8]; t1 += X[i + 9]; t2 += X[i + 10]; t3 += X[i + 11];
      t4 += X[i + 12]; t5 += X[i + 13]; t6 += X[i + 14]; t7 += X[i + 15];
    }
    OUT[0] = s0; OUT[1] = s1; OUT[2] = s2; OUT[3] = s3; OUT[4] = s4; OUT[5] = s5; OUT[6] = s6; OUT[7] = s7;
    OUT[8] = t0; OUT[9] = t1; OUT[10] = t2; OUT[11] = t3; OUT[12] = t4; OUT[13] = t5; OUT[14] = t6; OUT[15] = t7;
    return;
  }
  const acc = new Float64Array(cols);
  for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < cols; j++, o++) acc[j] += X[o];
  OUT.set(acc);
}

/**
 * Conv2D filter gradient for ONE input channel, 3x3 filter, stride 1, no padding (NHWC):
 * DW[kh,kw,0,f] = sum_{n,oh,ow} X[n,oh+kh,ow+kw] * DY[n,oh,ow,f]. For each output row and each f, nine
 * local accumulators run along the row with a sliding 3x3 window of x (3 new loads per step); the dy row
 * (OW*CO floats) stays in L1 across the f loop. float64 accumulation.
 */
export function convFilterGrad1ch3x3(X: Float32Array, DY: Float32Array, DW: Float32Array,
  N: number, H: number, W: number, OH: number, OW: number, CO: number): void {
  const acc = new Float64Array(9 * CO); // [f][tap]
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = (n * H + oh) * W, r1 = r0 + W, r2 = r1 + W;
      const dRow = (n * OH + oh) * OW * CO;
      for (let f = 0; f < CO; f++) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0;
        let x00 = X[r0], x01 = X[r0 + 1], x10 = X[r1], x11 = X[r1 + 1], x20 = X[r2], x21 = X[r2 + 1];
        for (let ow = 0, di = dRow + f; ow < OW; ow++, di += CO) {
          const d = DY[di];
          const x02 = X[r0 + ow + 2], x12 = X[r1 + ow + 2], x22 = X[r2 + ow + 2];
          a0 += x00 * d; a1 += x01 * d; a2 += x02 * d;
          a3 += x10 * d; a4 += x11 * d; a5 += x12 * d;
          a6 += x20 * d; a7 += x21 * d; a8 += x22 * d;
          x00 = x01; x01 = x02; x10 = x11; x11 = x12; x20 = x21; x21 = x22;
        }
        const o = f * 9;
        acc[o] += a0; acc[o + 1] += a1; acc[o + 2] += a2; acc[o + 3] += a3; acc[o + 4] += a4;
        acc[o + 5] += a5; acc[o + 6] += a6; acc[o + 7] += a7; acc[o + 8] += a8;
      }
    }
  }
  for (let f = 0; f < CO; f++) for (let t = 0; t < 9; t++) DW[t * CO + f] = acc[f * 9 + t];
}
