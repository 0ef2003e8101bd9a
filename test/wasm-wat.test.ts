/**
 * The hand-assembled WebAssembly modules against their text, assembled by wabt: the tfjs kernel
 * module (src/ml/kernels/simd.ts ↔ simd.wat), the onnxruntime engine's optimiser updates
 * (src/onnx/train/optimizer-simd.ts ↔ optimizer.wat) and its dropout masks (mask-simd.ts ↔
 * mask.wat). They must be the same bytes, so the text a reviewer reads is the code that runs.
 * The modules have no variants (shapes are run-time
 * arguments, no feature flags), so one comparison each covers them. A mismatch names the section,
 * the function and the byte offset in its body.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wabt from 'wabt';
import { simdModuleBytes } from '../src/ml/kernels/simd.ts';
import { maskModuleBytes } from '../src/onnx/train/mask-simd.ts';
import { optimizerModuleBytes } from '../src/onnx/train/optimizer-simd.ts';

const SECTION_NAMES: Record<number, string> = { 1: 'type', 2: 'import', 3: 'function', 7: 'export', 10: 'code' };

/** Unsigned LEB128 at `at`: [value, bytes read]. */
function leb(b: Uint8Array, at: number): [number, number] {
  let v = 0, shift = 0, i = at;
  for (;;) {
    const byte = b[i++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return [v, i - at];
  }
}

/** A module's sections by id (header checked), and the code section's function bodies. */
function parts(b: Uint8Array): { header: Uint8Array; sections: Map<number, Uint8Array>; bodies: Uint8Array[] } {
  const sections = new Map<number, Uint8Array>();
  let i = 8;
  while (i < b.length) {
    const id = b[i];
    const [len, n] = leb(b, i + 1);
    sections.set(id, b.subarray(i + 1 + n, i + 1 + n + len));
    i += 1 + n + len;
  }
  const bodies: Uint8Array[] = [];
  const code = sections.get(10);
  if (code) {
    let [count, j] = leb(code, 0);
    while (count-- > 0) {
      const [len, n] = leb(code, j);
      bodies.push(code.subarray(j + n, j + n + len));
      j += n + len;
    }
  }
  return { header: b.subarray(0, 8), sections, bodies };
}

/** Where two modules first differ, in words; null when they are the same bytes. */
function firstDifference(want: Uint8Array, got: Uint8Array, exports: string[]): string | null {
  if (Buffer.from(want).equals(Buffer.from(got))) return null;
  const w = parts(want), g = parts(got);
  if (!Buffer.from(w.header).equals(Buffer.from(g.header))) return 'the module header differs';
  const ids = [...new Set([...w.sections.keys(), ...g.sections.keys()])].sort((a, b) => a - b);
  for (const id of ids) {
    const ws = w.sections.get(id), gs = g.sections.get(id);
    const name = SECTION_NAMES[id] ?? `#${id}`;
    if (!ws || !gs) return `section ${name} is only in the ${ws ? 'wat' : 'emitted'} module`;
    if (Buffer.from(ws).equals(Buffer.from(gs))) continue;
    if (id !== 10) return `section ${name} differs (wat ${ws.length} bytes, emitted ${gs.length})`;
    for (let f = 0; f < Math.max(w.bodies.length, g.bodies.length); f++) {
      const wb = w.bodies[f], gb = g.bodies[f];
      if (!wb || !gb) return `function ${f} is only in the ${wb ? 'wat' : 'emitted'} module`;
      if (Buffer.from(wb).equals(Buffer.from(gb))) continue;
      let k = 0;
      while (k < wb.length && k < gb.length && wb[k] === gb[k]) k++;
      const hex = (x: number | undefined) => (x === undefined ? 'end' : `0x${x.toString(16).padStart(2, '0')}`);
      return `function ${exports[f] ?? f}: body byte ${k} differs (wat ${hex(wb[k])}, emitted ${hex(gb[k])}; bodies ${wb.length} and ${gb.length} bytes)`;
    }
  }
  return 'the modules differ in an unparsed place';
}

const MODULES = [
  { name: 'SIMD kernel module (src/ml/kernels/simd.ts)', wat: new URL('../src/ml/kernels/simd.wat', import.meta.url), bytes: simdModuleBytes, exports: ['g', 'm', 'b'] },
  { name: 'optimiser module (src/onnx/train/optimizer-simd.ts)', wat: new URL('../src/onnx/train/optimizer.wat', import.meta.url), bytes: optimizerModuleBytes, exports: ['sgd', 'momentum', 'adam'] },
  { name: 'dropout-mask module (src/onnx/train/mask-simd.ts)', wat: new URL('../src/onnx/train/mask.wat', import.meta.url), bytes: maskModuleBytes, exports: ['expand'] },
];

describe.each(MODULES)('$name against its .wat', ({ wat, bytes, exports: names }) => {
  it('wabt assembles the .wat to exactly the bytes emitted by hand, and they load with the expected exports', async () => {
    const w = await wabt();
    const mod = w.parseWat(wat.pathname, readFileSync(wat, 'utf8'), { simd: true });
    try {
      mod.validate();
      const fromWat = mod.toBinary({ write_debug_names: false }).buffer;
      const emitted = bytes();
      expect(firstDifference(fromWat, emitted, names)).toBeNull();
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(emitted.buffer as ArrayBuffer)).map((e) => `${e.kind} ${e.name}`);
      expect(exports).toEqual(names.map((n) => `function ${n}`));
    } finally {
      mod.destroy();
    }
  });
});

describe('the byte comparison', () => {
  it('the comparison sees a one-byte change and names where it is', () => {
    const emitted = simdModuleBytes();
    const { bodies } = parts(emitted);
    // Change the first i32.add (0x6a) of function m's body to i32.sub (0x6b).
    const body = bodies[1];
    const at = body.indexOf(0x6a);
    expect(at).toBeGreaterThan(0);
    const mutated = emitted.slice();
    mutated[body.byteOffset - emitted.byteOffset + at] = 0x6b;
    expect(firstDifference(emitted, mutated, ['g', 'm', 'b'])).toBe(`function m: body byte ${at} differs (wat 0x6a, emitted 0x6b; bodies ${body.length} and ${body.length} bytes)`);
  });
});
