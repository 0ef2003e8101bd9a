#!/usr/bin/env node
// `npm run bench`: training throughput (one worker, all workers), then inference (onnxruntime vs tfjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
for (const script of ['bench/training.ts', 'bench/inference.ts']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
