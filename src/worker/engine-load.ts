/**
 * Picks the training engine for this worker thread from `runtime.backend`. 'onnxruntime' is the
 * onnxruntime-node engine (src/onnx/train); the tfjs backend names ('tfjs-node', 'wasm', 'cpu')
 * go to the tfjs engine, which picks its backend itself (ml/backend.ts). 'auto' tries onnxruntime first
 * (the fastest per core, bench/ort-step.ts) and falls back to tfjs' own 'auto' with a note.
 */
import type { BackendName } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { loadBackend } from '../ml/backend.ts';
import type { Engine } from '../ml/engine.ts';
import { TfjsEngine } from '../ml/engine-tfjs.ts';

async function loadOrt(): Promise<Engine> {
  const { createOrtEngine } = await import('../onnx/train/index.ts');
  return createOrtEngine();
}

export async function loadEngine(requested: BackendName): Promise<Engine> {
  switch (requested) {
    case 'onnxruntime':
      try {
        return await loadOrt();
      } catch (e) {
        throw new FilterstudyError('E_BACKEND', `onnxruntime-node did not load: ${(e as Error).message}`, {
          hint: 'reinstall dependencies (npm ci) or use --backend wasm',
          cause: e,
        });
      }
    case 'auto': {
      let why: string;
      try {
        return await loadOrt();
      } catch (e) {
        why = (e as Error).message.split('\n')[0];
      }
      const engine = new TfjsEngine(await loadBackend('auto'));
      engine.notes.unshift(`onnxruntime-node did not load (${why}); using tfjs`);
      return engine;
    }
    case 'tfjs-node':
    case 'wasm':
    case 'cpu':
      return new TfjsEngine(await loadBackend(requested));
  }
}
