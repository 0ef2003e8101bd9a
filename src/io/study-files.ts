/**
 * Writing StudyData as the project's Arrow files (filters.arrow, metrics.arrow, similarity.arrow),
 * in the schemas loadStudy reads. For tests and demos (synthetic studies); training writes the
 * real ones.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Int32, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { buildTable, writeArrowFile, type Column } from './arrow.ts';
import { manifestEntry, MANIFEST_VERSION } from './seed-manifest.ts';
import type { MetricRow, StudyData } from '../stats/types.ts';

/** metrics.arrow with the stop-rule columns (nullable, so built with apache-arrow directly). */
function withStopRule(base: Table, m: MetricRow[]): Table {
  if (!m.some((x) => x.epochsRun !== undefined || x.metStopRule !== undefined)) return base;
  const extra = new Table({
    epochs_run: vectorFromArray(m.map((x) => x.epochsRun ?? null), new Int32()),
    best_epoch: vectorFromArray(m.map((x) => x.bestEpoch ?? null), new Int32()),
    stop_reason: vectorFromArray(m.map((x) => x.stopReason ?? null), new Utf8()),
    met_stop_rule: vectorFromArray(m.map((x) => x.metStopRule ?? null), new Bool()),
  });
  const t = base.assign(extra);
  return new Table(new Schema(t.schema.fields, base.schema.metadata), t.batches);
}

/** Write filters.arrow and metrics.arrow (and similarity.arrow when rows exist) for `seeds` of `data`
 *  (the ONNX-vs-tfjs records live in each seed's seed.json: writeSeedFolders writes them). */
export function writeStudyFiles(dir: string, data: StudyData, o: { seeds?: number[]; metadata?: Record<string, unknown> } = {}): void {
  mkdirSync(dir, { recursive: true });
  const seeds = new Set(o.seeds ?? data.seeds);
  const ofSeeds = <T extends { seed: number }>(rows: T[]): T[] => rows.filter((x) => seeds.has(x.seed));
  const metadata = { configHash: data.configHash, config: data.config, ...o.metadata };
  const sets = ofSeeds(data.filters);
  const k = data.kernelSize;
  const rows = sets.reduce((s, f) => s + f.weights.length, 0);
  const cols: Record<string, Column> = {
    seed: new Int32Array(rows), model: [], network: [], stage: [], filter: new Int32Array(rows),
  };
  const w: Float32Array[] = Array.from({ length: k * k }, () => new Float32Array(rows));
  const bias = new Float32Array(rows);
  let r = 0;
  for (const s of sets) {
    s.weights.forEach((f, j) => {
      (cols.seed as Int32Array)[r] = s.seed;
      (cols.model as string[]).push(s.model);
      (cols.network as string[]).push(s.network);
      (cols.stage as string[]).push(s.stage);
      (cols.filter as Int32Array)[r] = j;
      for (let t = 0; t < k * k; t++) w[t][r] = f[t];
      bias[r] = s.bias[j];
      r++;
    });
  }
  for (let t = 0; t < k * k; t++) cols[`w_${Math.floor(t / k)}_${t % k}`] = w[t];
  cols.bias = bias;
  writeArrowFile(join(dir, 'filters.arrow'), buildTable(cols, metadata));
  const m = ofSeeds(data.metrics);
  writeArrowFile(
    join(dir, 'metrics.arrow'),
    withStopRule(buildTable(
      {
        seed: Int32Array.from(m, (x) => x.seed), model: m.map((x) => x.model), network: m.map((x) => x.network), split: m.map((x) => x.split),
        target: m.map((x) => x.target), accuracy: Float64Array.from(m, (x) => x.accuracy), loss: Float64Array.from(m, (x) => x.loss),
        n: Int32Array.from(m, (x) => x.n), train_seconds: Float64Array.from(m, (x) => x.trainSeconds), backend: m.map((x) => x.backend),
      },
      metadata,
    ), m),
  );
  const sim = ofSeeds(data.similarity);
  if (sim.length) {
    writeArrowFile(
      join(dir, 'similarity.arrow'),
      buildTable(
        {
          seed: Int32Array.from(sim, (x) => x.seed), comparison: sim.map((x) => x.comparison),
          ref_model: sim.map((x) => x.refModel), ref_network: sim.map((x) => x.refNetwork), ref_stage: sim.map((x) => x.refStage),
          other_model: sim.map((x) => x.otherModel), other_network: sim.map((x) => x.otherNetwork), other_stage: sim.map((x) => x.otherStage),
          i: Int32Array.from(sim, (x) => x.i), s: Float64Array.from(sim, (x) => x.s), argmin: Int32Array.from(sim, (x) => x.argmin),
        },
        metadata,
      ),
    );
  }
}

/**
 * Writes StudyData as a study folder the way `run` lays it out: seeds/seed-NNNN/ (the tables and
 * seed.json) for each of `seeds`, and config.json planning `planned` (default: the same seeds).
 * For tests and the scale bench: a study of many seeds without training any.
 */
export function writeSeedFolders(root: string, data: StudyData, o: { seeds?: number[]; planned?: { start: number; count: number }; backend?: string } = {}): void {
  const seeds = o.seeds ?? data.seeds;
  const planned = o.planned ?? { start: Math.min(...seeds), count: Math.max(...seeds) - Math.min(...seeds) + 1 };
  mkdirSync(join(root, 'seeds'), { recursive: true });
  const config = { ...(data.config as Record<string, unknown> | null), seeds: planned };
  writeFileSync(join(root, 'config.json'), `${JSON.stringify({ study: 'synthetic', configHash: data.configHash, config }, null, 2)}\n`);
  for (const s of seeds) {
    const dir = join(root, 'seeds', `seed-${String(s).padStart(4, '0')}`);
    const one = o.backend === undefined ? data : { ...data, metrics: data.metrics.map((m) => (m.seed === s ? { ...m, backend: o.backend! } : m)) };
    writeStudyFiles(dir, one, { seeds: [s], metadata: { config } });
    const meta = { configHash: data.configHash, config };
    // run writes all four tables: synthetic studies have no history and may have no similarity rows
    if (!existsSync(join(dir, 'history.arrow'))) {
      writeArrowFile(join(dir, 'history.arrow'), buildTable({ seed: new Int32Array(0), model: [], network: [], epoch: new Int32Array(0), train_loss: new Float64Array(0), train_accuracy: new Float64Array(0), val_loss: new Float64Array(0), val_accuracy: new Float64Array(0), seconds: new Float64Array(0) }, meta));
    }
    if (!existsSync(join(dir, 'similarity.arrow'))) {
      writeArrowFile(join(dir, 'similarity.arrow'), buildTable({ seed: new Int32Array(0), comparison: [], ref_model: [], ref_network: [], ref_stage: [], other_model: [], other_network: [], other_stage: [], i: new Int32Array(0), s: new Float64Array(0), argmin: new Int32Array(0) }, meta));
    }
    // seed.json as writeSeed makes it: every file with its size and SHA-256 (seed-manifest.ts)
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, manifestEntry(readFileSync(join(dir, f)))]));
    const onnxVsTfjs = data.agreement?.[s];
    writeFileSync(join(dir, 'seed.json'), `${JSON.stringify({ seed: s, status: 'ok', configHash: data.configHash, ...(onnxVsTfjs ? { onnxVsTfjs } : {}), manifestVersion: MANIFEST_VERSION, files })}\n`);
  }
}
