// Worker thread for bench/ml-import.ts: time from the thread's first line to a ready tfjs backend
// of the checkout at workerData.root (its src/ml/backend.ts and its node_modules).
const t0 = performance.now();
const { parentPort, workerData } = await import('node:worker_threads');
const { register } = await import('tsx/esm/api');
register(); // as src/worker/entry.mjs: worker threads do not inherit tsx's loader
const { loadBackend } = await import(new URL('src/ml/backend.ts', workerData.root).href);
const b = await loadBackend(workerData.backend);
parentPort.postMessage({ ms: performance.now() - t0, name: b.name });
