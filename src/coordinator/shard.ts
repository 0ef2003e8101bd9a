/**
 * Shards: cutting one study's seed list into N disjoint parts, one per scheduler task (a Slurm
 * array task, a Kubernetes Indexed Job pod). `--shard I/N` names part I (0-based, as
 * $SLURM_ARRAY_TASK_ID with --array=0-(N-1) and $JOB_COMPLETION_INDEX are).
 *
 * The assignment is round-robin by position in the study's seed list:
 *
 *     seed at position p (0-based, seeds ordered start, start+1, …) belongs to shard p mod N
 *
 * so with seeds 1..10 and N = 3: shard 0 = 1,4,7,10; shard 1 = 2,5,8; shard 2 = 3,6,9. Why this rule:
 *   - it is a pure function of (seed list, I, N): every task computes its own part with no
 *     coordination, and a resubmitted task gets the same seeds (resume works per shard);
 *   - parts differ in size by at most one seed, and seeds cost the same, so shards finish together;
 *   - growing --seeds keeps every existing seed in its shard (positions do not move), so an
 *     extended study resumes instead of retraining;
 *   - shards never overlap and together cover the list, so folders of the N shards always pool.
 * N larger than the seed count is allowed: the extra shards are empty and exit at once.
 */
import { FilterstudyError } from '../errors.ts';

export interface Shard {
  /** 0-based part index, 0 ≤ index < count. */
  index: number;
  /** Number of parts, ≥ 1. */
  count: number;
}

/** The whole study as one shard (what `run` does without --shard). */
export const WHOLE: Shard = { index: 0, count: 1 };

/** Parses "I/N" (e.g. "3/8", or "$SLURM_ARRAY_TASK_ID/8" after the shell expands it). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const hint = 'write --shard I/N with 0 ≤ I < N, e.g. --shard $SLURM_ARRAY_TASK_ID/4 (array 0-3) or --shard $JOB_COMPLETION_INDEX/4';
  if (!m) throw new FilterstudyError('E_CONFIG', `--shard expects I/N (two integers), got "${text}"`, { hint });
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (!Number.isSafeInteger(shard.count) || shard.count < 1) throw new FilterstudyError('E_CONFIG', `--shard ${text}: N must be ≥ 1`, { hint });
  if (!Number.isSafeInteger(shard.index) || shard.index >= shard.count) {
    throw new FilterstudyError('E_CONFIG', `--shard ${text}: I must be between 0 and N−1 = ${shard.count - 1}`, { hint });
  }
  return shard;
}

/** The seeds of `seeds` (the study's list, in order) that shard I of N trains. */
export function shardSeeds(seeds: readonly number[], shard: Shard): number[] {
  return seeds.filter((_, p) => p % shard.count === shard.index);
}

export const formatShard = (s: Shard): string => `${s.index}/${s.count}`;
