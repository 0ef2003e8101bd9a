/**
 * Start-up of the tfjs stack in a worker thread: milliseconds from a fresh Worker (tsx registered
 * as in src/worker/entry.mjs) to a backend ready for training, `loadBackend(<backend>)` of
 * src/ml/backend.ts (imports tfjs and, for wasm, registers our kernels). Each round is a new thread
 * in a new process, so no module cache is shared. With --roots a,b (checkouts, each with its own
 * node_modules) the rounds alternate between them, so both see the same machine load.
 *   node --import tsx bench/ml-import.ts [--backend wasm|cpu] [--rounds 5] [--roots /work/main,.]
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const backend = flag('--backend', 'wasm');
const rounds = Number(flag('--rounds', '5'));
const roots = flag('--roots', '.').split(',').map((r) => pathToFileURL(resolve(r) + '/').href);

function round(root: string): number {
  // The worker file of the root measured, started from that root (its node_modules resolve).
  const child = `
import { Worker } from 'node:worker_threads';
const w = new Worker(new URL('bench/ml-import-worker.mjs', ${JSON.stringify(pathToFileURL(resolve('.') + '/').href)}), { execArgv: [], workerData: { backend: ${JSON.stringify(backend)}, root: ${JSON.stringify(root)} } });
w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { cwd: new URL(root).pathname, encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${root}: round failed: ${r.stderr}`);
  const m = JSON.parse(line) as { ms: number; name: string };
  if (m.name !== backend) throw new Error(`asked for ${backend}, got ${m.name}`);
  return m.ms;
}

const ms = roots.map(() => [] as number[]);
for (let i = 0; i < rounds; i++) for (const [j, root] of roots.entries()) ms[j].push(round(root));
for (const [j, root] of roots.entries()) {
  const s = [...ms[j]].sort((a, b) => a - b);
  console.log(`${backend} ${new URL(root).pathname}: worker start to backend ready, median of ${rounds}: ${s[rounds >> 1].toFixed(0)} ms (in order: ${ms[j].map((x) => x.toFixed(0)).join(', ')})`);
}
