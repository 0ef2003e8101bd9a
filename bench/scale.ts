/**
 * Scale by simulation (issue #11): studies of n synthetic seed folders (written by the real
 * writer, bench/scale-study.ts), and the time and peak memory of
 *   combine    combineSeeds, cold: every seed's four tables read, hashed → the combined Arrow files
 *   refresh    combineSeeds again with its cache warm: what a sweep pays after each finished seed
 *   load       loadStudy: what aggregate reads (the seed folders)
 *   aggregate  the whole report (statistics with 4000 bootstrap replicates, figures), without CKA
 * each in a fresh process. combine and load run for n = --sizes (default 250, 500, 1000); the
 * aggregate for n = --aggregate-sizes (default 50, 100, 200): its statistics compare all seed
 * pairs (the across-seed baseline, claim 3(a)'s control), so it grows with n², and 1,000 seeds
 * take too long for a bench.
 *
 *   npm run bench:scale -- [--sizes 250,500,1000] [--aggregate-sizes 50,100,200] [--repeat 1]
 */
import { spawnSync } from 'node:child_process';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { syntheticStudy, writeSyntheticSeeds } from './scale-study.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SIZES = arg('sizes', '250,500,1000').split(',').map(Number);
const AGG_SIZES = arg('aggregate-sizes', '50,100,200').split(',').map(Number);
const REPEAT = Number(arg('repeat', '1'));

console.log(`scale bench: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (machine may be shared)`);
const root = mkdtempSync(join(os.tmpdir(), 'filterstudy-scale-'));
try {
  for (const n of [...new Set([...SIZES, ...AGG_SIZES])].sort((a, b) => a - b)) {
    const steps = [...(SIZES.includes(n) ? ['combine', 'refresh', 'load'] : []), ...(AGG_SIZES.includes(n) ? ['aggregate'] : [])];
    const { paths, meta } = syntheticStudy(root, `n${n}`);
    const t0 = performance.now();
    // prepare like run does (config.json), then the seed folders
    rmSync(paths.root, { recursive: true, force: true });
    const { prepareStudyDir } = await import('../src/io/outputs.ts');
    prepareStudyDir(paths, meta);
    writeSyntheticSeeds(paths, meta, n);
    console.log(`n=${n}: wrote ${n} seed folders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (let r = 0; r < REPEAT; r++) {
      for (const step of steps) {
        const p = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', 'bench/scale-step.ts', step, paths.root], { encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`${step} failed: ${p.stderr}`);
        const m = JSON.parse(p.stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number; peakRssMB: number };
        console.log(`  ${step.padEnd(9)} n=${n}: wall ${m.seconds.toFixed(2)} s, CPU ${m.cpuSeconds.toFixed(2)} s (${((m.cpuSeconds / n) * 1000).toFixed(2)} ms CPU/seed), peak RSS ${m.peakRssMB.toFixed(0)} MB, load ${os.loadavg()[0].toFixed(2)}`);
      }
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
