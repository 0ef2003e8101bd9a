/**
 * Picks the tfjs backend for this thread. `auto`: @tensorflow/tfjs-node where it loads (optional
 * dependency; its native addon loads in one thread per process only, tfjs issue #8388), else wasm
 * with our kernel fixes, else the pure-JS cpu backend (~60× slower than wasm: a fallback only).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as tfType from './tfjs.ts';
import type { BackendName } from '../config.ts';
import { FilterstudyError } from '../errors.ts';

export type TF = typeof tfType;
export interface LoadedBackend {
  tf: TF;
  /** What runs: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** Why an `auto` choice fell back, if it did. */
  notes: string[];
  /** Kernels our wasm fixes registered. */
  kernels: string[];
}

const require = createRequire(import.meta.url);

/**
 * True when @tensorflow/tfjs-node is installed with its native addon (lib/napi-v<N>/tfjs_binding.node,
 * which its install script downloads). Does not load it: the addon may load in one thread only.
 */
export function tfjsNodeInstalled(): boolean {
  try {
    const lib = join(dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'lib');
    return readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

async function tryTfjsNode(): Promise<TF> {
  const mod = (await import('@tensorflow/tfjs-node' as string)) as TF;
  await mod.setBackend('tensorflow');
  await mod.ready();
  return mod;
}

async function tryWasm(tf: TF): Promise<string[]> {
  await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false');
  await tf.ready();
  const { registerWasmKernelFixes } = await import('./kernels/index.ts');
  return registerWasmKernelFixes(tf);
}

export async function loadBackend(requested: BackendName): Promise<LoadedBackend> {
  const notes: string[] = [];
  if (requested === 'tfjs-node' || (requested === 'auto' && tfjsNodeInstalled())) {
    try {
      return { tf: await tryTfjsNode(), name: 'tensorflow', notes, kernels: [] };
    } catch (e) {
      if (requested === 'tfjs-node') {
        throw new FilterstudyError('E_BACKEND', `@tensorflow/tfjs-node did not load: ${(e as Error).message}`, {
          hint: 'install it where libtensorflow can be downloaded, or use --backend wasm',
          cause: e,
        });
      }
      notes.push(`tfjs-node did not load (${(e as Error).message.split('\n')[0]}); using wasm`);
    }
  }
  const tf = (await import('./tfjs.ts')) as TF;
  if (requested !== 'cpu') {
    try {
      const kernels = await tryWasm(tf);
      return { tf, name: 'wasm', notes, kernels };
    } catch (e) {
      if (requested === 'wasm') {
        throw new FilterstudyError('E_BACKEND', `the tfjs wasm backend did not load: ${(e as Error).message}`, {
          hint: 'reinstall dependencies (npm ci) or use --backend cpu',
          cause: e,
        });
      }
      notes.push(`wasm did not load (${(e as Error).message.split('\n')[0]}); using cpu`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, name: 'cpu', notes, kernels: [] };
}
