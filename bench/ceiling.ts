/**
 * What two workers at once can reach on this machine right now: a CPU-bound integer loop (a few
 * registers, no memory traffic) in one child process, then in two at once; speedup = 2 × alone /
 * at once (2.00 on two free cores). On a virtual machine whose two vCPUs share a physical core, or
 * whose host is busy, this is well below 2 (measured 1.2–1.97 on the machine of issue #8 within an
 * hour), and no code can scale better than it: bench/seeds.ts and bench/training.ts print it next
 * to their own speedups.
 */
import { spawn } from 'node:child_process';

// ~1–2 s per run on this machine; the result goes to stdout so the loop cannot be optimised away.
const LOOP = 'let x=0;const t=performance.now();for(let i=0;i<4e8;i++)x=(Math.imul(x,1103515245)+12345)|0;console.log(performance.now()-t,x)';

function loop(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOOP], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(out.split(' ')[0]) / 1000) : reject(new Error(`ceiling loop exited ${code}`))));
  });
}

export interface Ceiling { aloneSeconds: number; atOnceSeconds: number; speedup: number }

/** The integer loop alone, then two at once (the slower of the two loops' own times: each child times only its loop, not its start-up). */
export async function machineCeiling(): Promise<Ceiling> {
  const aloneSeconds = await loop();
  const atOnceSeconds = Math.max(...(await Promise.all([loop(), loop()])));
  return { aloneSeconds, atOnceSeconds, speedup: (2 * aloneSeconds) / atOnceSeconds };
}

export const describeCeiling = (c: Ceiling) =>
  `${c.speedup.toFixed(2)}× (integer loop ${c.aloneSeconds.toFixed(2)} s alone, ${c.atOnceSeconds.toFixed(2)} s two at once)`;
