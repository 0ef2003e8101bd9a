import { describe, expect, it } from 'vitest';
import { formatShard, parseShard, shardSeeds, WHOLE } from '../src/coordinator/shard.ts';
import { FilterstudyError } from '../src/errors.ts';

const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

describe('shards', () => {
  it('parses I/N as the shell leaves it', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShard(' 7 / 8 ')).toEqual({ index: 7, count: 8 });
    expect(formatShard(parseShard('2/5'))).toBe('2/5');
  });

  it('refuses malformed or out-of-range shards with a coded error', () => {
    for (const bad of ['', '3', '/4', '1/', '-1/4', '4/4', '5/4', '0/0', 'a/b', '1.5/4', '$SLURM_ARRAY_TASK_ID/4']) {
      let err: unknown;
      try {
        parseShard(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FilterstudyError);
      expect((err as FilterstudyError).code).toBe('E_CONFIG');
      expect((err as FilterstudyError).hint).toContain('I/N');
    }
  });

  it('is round-robin by position: the documented example', () => {
    const seeds = range(1, 10);
    expect(shardSeeds(seeds, { index: 0, count: 3 })).toEqual([1, 4, 7, 10]);
    expect(shardSeeds(seeds, { index: 1, count: 3 })).toEqual([2, 5, 8]);
    expect(shardSeeds(seeds, { index: 2, count: 3 })).toEqual([3, 6, 9]);
    expect(shardSeeds(range(101, 4), { index: 1, count: 2 })).toEqual([102, 104]); // positions, not seed values
    expect(shardSeeds(seeds, WHOLE)).toEqual(seeds);
  });

  it('shards are disjoint, cover the study, and differ in size by at most one', () => {
    for (const n of [1, 2, 3, 7, 20, 25]) {
      for (const count of [1, 2, 3, 4, 8, 30]) {
        const seeds = range(5, n);
        const parts = range(0, count).map((index) => shardSeeds(seeds, { index, count }));
        expect(parts.flat().sort((a, b) => a - b)).toEqual(seeds);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('growing the study keeps every existing seed in its shard', () => {
    for (let index = 0; index < 4; index++) {
      const small = shardSeeds(range(1, 10), { index, count: 4 });
      const big = shardSeeds(range(1, 30), { index, count: 4 });
      expect(big.slice(0, small.length)).toEqual(small);
    }
  });
});
