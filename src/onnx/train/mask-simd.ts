/**
 * Dropout masks for the onnxruntime engine, drawn into a WebAssembly memory and expanded there by a
 * hand-assembled wasm SIMD loop (text: mask.wat, checked byte for byte by test/wasm-wat.test.ts).
 *
 * The draws are ml/models.ts `dropoutMaskData`'s, bit for bit: the same rng.fillUint32 words, one
 * byte per unit (little-endian, byte i of the draws is unit i), unit = scale when byte < keep·256,
 * else +0. `dropoutMaskData` looks each byte up in a 256-entry table in JS; here 16 bytes at a time
 * are compared with the threshold (i8x16.lt_u), the lane masks widened to 32 bits and ANDed with
 * the scale's bits. Measured on the 2-core EPYC (2026-12-08, scratch bench, a batch-128 mask of
 * 346,112 units, V8 warmed up): 0.17–0.18 ms against 0.57–0.59 for the JS table loop, of which
 * the sfc32 draws themselves are ~0.1 ms. A CNN step draws one mask, a model-2 step two.
 */
import type { StudyConfig } from '../../config.ts';
import { dropoutMaskData, pooledSide } from '../../ml/models.ts';
import {
  BR_IF, END, I32, I32_ADD, I32_CONST, I32_SUB, LOOP, V128, V128_AND, get, load, moduleBytes, set, simd, simdOffByEnv, store, tee,
} from '../../ml/kernels/wasm-asm.ts';
import type { Rng } from '../../rng.ts';

const I8X16_SPLAT = 0x0f, I32X4_SPLAT = 0x11, I8X16_LT_U = 0x26;
const I16X8_EXTEND_LOW_I8X16_S = 0x87, I16X8_EXTEND_HIGH_I8X16_S = 0x88;
const I32X4_EXTEND_LOW_I16X8_S = 0xa7, I32X4_EXTEND_HIGH_I16X8_S = 0xa8;

/** expand(src, dst, n, threshold, scaleBits): params 0–4; locals 5 T, 6 S, 7 lo, 8 hi. */
function expandCode(): number[] {
  const [src, dst, n, thr, scaleBits, T, S, lo, hi] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const and = simd(V128_AND);
  // 4 float32 lanes of the 16 units: the widened lane masks `half` (low or high 4) ANDed with the scale, stored at dst + offset
  const quarter = (half: number, widen: number, offset: number) => [...get(dst), ...get(half), ...simd(widen), ...get(S), ...and, ...store(4, offset)];
  return [1, 4, V128,
    ...get(thr), ...simd(I8X16_SPLAT), ...set(T),
    ...get(scaleBits), ...simd(I32X4_SPLAT), ...set(S),
    LOOP, 0x40,
    ...get(src), ...load(), ...get(T), ...simd(I8X16_LT_U), ...tee(lo), ...simd(I16X8_EXTEND_HIGH_I8X16_S), ...set(hi),
    ...get(lo), ...simd(I16X8_EXTEND_LOW_I8X16_S), ...set(lo),
    ...quarter(lo, I32X4_EXTEND_LOW_I16X8_S, 0),
    ...quarter(lo, I32X4_EXTEND_HIGH_I16X8_S, 16),
    ...quarter(hi, I32X4_EXTEND_LOW_I16X8_S, 32),
    ...quarter(hi, I32X4_EXTEND_HIGH_I16X8_S, 48),
    ...get(src), I32_CONST, 16, I32_ADD, ...set(src),
    ...get(dst), I32_CONST, 0xc0, 0x00, I32_ADD, ...set(dst), // i32.const 64 (signed LEB128)
    ...get(n), I32_CONST, 1, I32_SUB, ...tee(n), BR_IF, 0, END,
    END];
}

/** The module's bytes (test/wasm-wat.test.ts checks them against mask.wat). */
export function maskModuleBytes(): Uint8Array {
  return moduleBytes([{ name: 'expand', params: [I32, I32, I32, I32, I32], body: expandCode() }]);
}

type Expand = (src: number, dst: number, n: number, threshold: number, scaleBits: number) => void;

/** Why the SIMD expand cannot run in this thread (FILTERSTUDY_NO_SIMD, a big-endian host), or null. */
function simdOff(): string | null {
  const off = simdOffByEnv();
  if (off) return off;
  // the draws are written through a host-order Uint32Array and read as bytes by wasm (little-endian)
  if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) return 'a big-endian host';
  return null;
}

/** The expand kernel on `memory`, or why it cannot run (no wasm SIMD in this runtime). */
function expandKernel(memory: WebAssembly.Memory): Expand | string {
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(maskModuleBytes().buffer as ArrayBuffer), { env: { memory } }).exports.expand as Expand;
  } catch (e) {
    return `the mask module did not instantiate (no wasm SIMD in this runtime?): ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Which implementation draws the masks in this thread: 'wasm-simd', or 'js (why not SIMD)'. */
export function maskPath(): string {
  const off = simdOff();
  const k = off ?? expandKernel(new WebAssembly.Memory({ initial: 1 }));
  return typeof k === 'string' ? `js (${k})` : 'wasm-simd';
}

const PAGE = 65536;

/**
 * One trainer's mask source: each draw returns the mask [n·P·P·F] as a view that stays valid until
 * the next draw (a step's session.run has finished before the next step draws). The memory is sized
 * for the largest mask asked for so far; smaller masks (an epoch's last batch) use its start.
 */
export class MaskDrawer {
  private memory: WebAssembly.Memory | null = null;
  private expand: Expand | null = null;
  private capacity = 0; // units
  private fallback: Float32Array | null = null; // the JS path's buffer
  /** Why this drawer draws in JS, decided once at creation (null: the SIMD expand, unless it fails to instantiate). */
  private whyJs: string | null = simdOff();

  /** 'wasm-simd' when the last draw ran the SIMD expand, else 'js (why)'; 'none yet' before any draw. */
  path = 'none yet';

  /** The mask of `n` rows, or null when dropout is off; the same values as dropoutMaskData(n, m, rng). */
  draw(n: number, m: StudyConfig['model'], rng: Rng): Float32Array | null {
    if (m.dropout === 0) return null;
    const p = pooledSide(m);
    const size = n * p * p * m.filters;
    const keep = 1 - m.dropout;
    const threshold = keep * 256;
    if (!Number.isInteger(threshold)) return this.drawJs(n, m, rng, size, `keep·256 = ${threshold} is not whole`); // dropoutMaskData's one-draw-per-unit path
    if (this.whyJs === null && size > this.capacity) this.grow(size);
    if (this.whyJs !== null) return this.drawJs(n, m, rng, size, this.whyJs);
    const words = (size + 3) >> 2;
    const dst = Math.ceil(this.capacity / 16) * 16; // byte offset of the mask: after the draws, 16-byte aligned
    rng.fillUint32(new Uint32Array(this.memory!.buffer, 0, words));
    const scale = Math.fround(1 / keep);
    const scaleBits = new Uint32Array(Float32Array.of(scale).buffer)[0] | 0;
    const whole = size >> 4;
    if (whole > 0) this.expand!(0, dst, whole, threshold, scaleBits);
    const out = new Float32Array(this.memory!.buffer, dst, size);
    if (whole << 4 < size) {
      const bytes = new Uint8Array(this.memory!.buffer, 0, words * 4);
      for (let i = whole << 4; i < size; i++) out[i] = bytes[i] < threshold ? scale : 0;
    }
    this.path = 'wasm-simd';
    return out;
  }

  /** Draws bytes at [0, capacity), the mask at [⌈capacity/16⌉·16, +4·capacity); a new memory, so earlier views keep their values. */
  private grow(size: number): void {
    this.capacity = size;
    const bytes = Math.ceil(size / 16) * 16 + 4 * size;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
    const k = expandKernel(this.memory);
    if (typeof k === 'string') {
      this.whyJs = k;
      this.memory = null;
    } else {
      this.expand = k;
    }
  }

  private drawJs(n: number, m: StudyConfig['model'], rng: Rng, size: number, why: string): Float32Array | null {
    if (!this.fallback || this.fallback.length < size) this.fallback = new Float32Array(size);
    this.path = `js (${why})`;
    return dropoutMaskData(n, m, rng, this.fallback.subarray(0, size));
  }
}
