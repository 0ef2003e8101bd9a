/**
 * What the reader (io/load.ts) gives the statistics: one or more study folders' tables, parsed,
 * validated against io/schema.ts and pooled (same config hash, disjoint seeds).
 */
import type { MetricRow, ModelName, NetworkName, SimilarityRow, Stage } from './schema.ts';

/** One CNN's first conv layer at one stage: weights[f] has K·K entries (w_0_0, w_0_1, …). */
export interface FilterSet {
  seed: number;
  model: ModelName;
  network: NetworkName;
  stage: Stage;
  weights: Float32Array[]; // [F][K·K]
  bias: Float32Array; // [F]
}

/** seed.json's export check of one pipeline graph: the exported graph vs the trainer's forward pass (src/onnx/ort.ts ExportCheck). */
export interface SeedAgreement {
  /** The forward pass compared with ('onnxruntime', 'tfjs wasm', …; old records: from seed.json's backend), null if unknown. */
  trainer: string | null;
  argmaxMismatches: number;
  /** Argmax mismatches whose top-two gap exceeds the tolerance; null in old records (onnxVsTfjs), which did not record gaps. */
  decisiveMismatches: number | null;
  maxAbsDiff: number;
  tolerance: number;
  ok: boolean;
}

/** What analyzeStudy needs; load.ts builds it from out/<study> folders. */
export interface StudyData {
  /** Folders the data came from (informational). */
  sources: string[];
  configHash: string | null;
  /** The parsed 'filterstudy' schema metadata's config (opaque here). */
  config: unknown;
  kernelSize: number; // K
  numFilters: number; // F
  seeds: number[]; // sorted, distinct
  filters: FilterSet[];
  metrics: MetricRow[];
  similarity: SimilarityRow[];
  /** Per seed, seed.json's export check per model ('model1', 'model2'); seeds without a
   *  readable seed.json are absent (synthetic studies: undefined). */
  agreement?: Record<number, Record<string, SeedAgreement>>;
}
