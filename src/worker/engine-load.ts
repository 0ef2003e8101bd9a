/**
 * Picks the training engine for this worker thread from `runtime.backend`. Every tfjs backend
 * name ('auto', 'tfjs-node', 'wasm', 'cpu') goes to the tfjs engine, which picks its backend
 * itself (backend.ts); another engine adds its own name here.
 */
import type { BackendName } from '../config.ts';
import { loadBackend } from './backend.ts';
import type { Engine } from './engine.ts';
import { TfjsEngine } from './engine-tfjs.ts';

export async function loadEngine(requested: BackendName): Promise<Engine> {
  switch (requested) {
    case 'auto':
    case 'tfjs-node':
    case 'wasm':
    case 'cpu':
      return new TfjsEngine(await loadBackend(requested));
  }
}
