/**
 * One measured step of the scale bench, in its own process so that its peak RSS is its own:
 *   npx tsx bench/scale-step.ts <combine|refresh|load|aggregate> <study folder>
 * Prints one JSON line: step, wall seconds, CPU seconds (user + system), peak RSS (MB).
 */
import { studyPaths } from '../src/io/outputs.ts';
import { combineSeeds, type CombineCache } from '../src/io/outputs.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyMeta } from '../src/io/outputs.ts';
import { loadStudy } from '../src/io/load.ts';
import { aggregate } from '../src/report/report.ts';

const [step, dir] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as StudyMeta;
let t0 = performance.now();
let cpu0 = process.cpuUsage(); // CPU time as well as wall time: the bench machine may be shared
if (step === 'combine') combineSeeds(studyPaths(meta.config), meta); // cold: every seed's tables read and hashed
else if (step === 'refresh') {
  // What a sweep pays after each finished seed: the cache holds the seeds read so far, so one
  // refresh stats every folder, reads the new seed, and concatenates and writes the combined files.
  const cache: CombineCache = new Map();
  combineSeeds(studyPaths(meta.config), meta, cache);
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  combineSeeds(studyPaths(meta.config), meta, cache);
}
else if (step === 'load') loadStudy(dir);
else if (step === 'aggregate') await aggregate({ dirs: [dir], outDir: join(dir, 'report'), cka: false });
else throw new Error(`unknown step ${step}`);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ step, seconds, cpuSeconds, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
