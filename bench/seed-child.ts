/**
 * One worker of `npm run bench -- --seeds`, as its own process so that its peak RSS is its own:
 * runs the given seeds one after another through the study's seed task (src/worker/task.ts, as a
 * `filterstudy run` worker thread does) and prints one JSON line per seed, then one with the
 * process's peak RSS.
 *   npx tsx bench/seed-child.ts '<json: { layers: UserConfig[], seeds: number[] }>'
 */
import { configHash, resolveConfig, type UserConfig } from '../src/config.ts';
import runSeedTask from '../src/worker/task.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as { layers: UserConfig[]; seeds: number[] };
const cfg = resolveConfig(job.layers.map((config, i) => ({ source: `bench layer ${i}`, config })));
for (const seed of job.seeds) {
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  const r = await runSeedTask({ cfg, seed, studyId: 'bench', configHash: configHash(cfg, { backend: cfg.runtime.backend, data: [] }), versions: {} });
  if (r.status !== 'ok') {
    console.log(JSON.stringify({ type: 'failed', seed, error: r.error }));
    process.exit(1);
  }
  const epochSeconds = r.history.map((h) => ({ model: h.model, network: h.network, epoch: h.epoch, seconds: h.seconds }));
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ type: 'seed', seed, start, end: Date.now(), cpuSeconds: (cpu.user + cpu.system) / 1e6, engine: r.backend, seconds: r.seconds, trainSeconds: r.trainSeconds, phaseSeconds: r.phaseSeconds, claim4Seconds: r.claim4Seconds, epochSeconds }));
}
// maxRSS: peak resident set size of this process in KiB (getrusage), over the whole run.
console.log(JSON.stringify({ type: 'rss', peakMB: process.resourceUsage().maxRSS / 1024 }));
