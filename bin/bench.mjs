#!/usr/bin/env node
// `npm run bench`: training throughput (one worker, all workers), then inference (onnxruntime vs tfjs).
// Sections instead, in this order, when named:
//   --torch    ours and PyTorch side by side, interleaved rounds, SGD and Adam (bench/side-by-side.ts)
//   --profile  time per op of one training step (bench/profile.ts)
//   --seeds    seconds per seed per preset, 1 vs 2 workers, peak RSS per worker (bench/seeds.ts)
//   --in-seed  a seed's epochs (steps, validation) against the step bench, interleaved (bench/in-seed.ts)
// Each section runs under filterstudy's Node flags (src/cli/node-flags.ts).
// Other flags (--engine, --backend, --rounds, --steps, --batch, …) go to every section.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const sections = { '--torch': 'bench/side-by-side.ts', '--profile': 'bench/profile.ts', '--seeds': 'bench/seeds.ts', '--in-seed': 'bench/in-seed.ts' };
const named = Object.entries(sections).filter(([f]) => args.includes(f)).map(([, s]) => s);
const rest = args.filter((a) => !(a in sections));
// glibc malloc keeps freed memory (bench/torch-compare.ts MALLOC_KEEP says why and what it measured): the
// same allocator behaviour for ours and for PyTorch. Declared there; repeated here because this launcher
// is plain JavaScript; test/bench.test.ts checks the two agree.
const MALLOC_KEEP = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824', MALLOC_TOP_PAD_: '268435456' };
for (const script of named.length ? named : ['bench/training.ts', 'bench/inference.ts']) {
  const r = spawnSync(process.execPath, ['--single-threaded-gc', '--max-semi-space-size=1', '--import', 'tsx', script, ...rest], { cwd: root, stdio: 'inherit', env: { ...process.env, ...MALLOC_KEEP } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
