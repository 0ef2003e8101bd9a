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

/** seed.json's ONNX-vs-tfjs check of one pipeline graph (src/onnx/ort.ts Agreement). */
export interface SeedAgreement {
  argmaxMismatches: number;
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
  /** Per seed, seed.json's ONNX-vs-tfjs agreement per model ('model1', 'model2'); seeds without a
   *  readable seed.json are absent (synthetic studies: undefined). */
  agreement?: Record<number, Record<string, SeedAgreement>>;
}
