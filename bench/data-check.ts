/**
 * How long the MNIST data check costs now that it hashes the bytes it uses on every load (no
 * size+mtime cache, issue #10): loadMnist() on the embedded copy (read + parse + SHA-256 of the
 * 55 MB), and SHA-256 alone. Run: node --import tsx bench/data-check.ts [reps]
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { loadMnist } from '../src/data/mnist.ts';
import { readIdxBytes } from '../src/data/idx.ts';

const reps = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load: number[] = [];
const hash: number[] = [];
for (let r = 0; r < reps; r++) {
  let t0 = performance.now();
  const m = loadMnist();
  load.push(performance.now() - t0);
  const bytes = m.source.files.map((f) => readIdxBytes(f.path));
  t0 = performance.now();
  for (const b of bytes) createHash('sha256').update(b).digest('hex');
  hash.push(performance.now() - t0);
}
const mb = loadMnist().source.files.reduce((s, f) => s + readIdxBytes(f.path).length, 0) / 1e6;
console.log(`data check, ${reps} reps, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`  loadMnist (read + parse + SHA-256, ${mb.toFixed(1)} MB): median ${median(load).toFixed(0)} ms (min ${Math.min(...load).toFixed(0)}, max ${Math.max(...load).toFixed(0)})`);
console.log(`  SHA-256 alone: median ${median(hash).toFixed(0)} ms (min ${Math.min(...hash).toFixed(0)}, max ${Math.max(...hash).toFixed(0)})`);
