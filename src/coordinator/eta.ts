/**
 * The ETA of a sweep from measured throughput: how long a seed takes (measured on the seeds that
 * finished; before the first one, extrapolated from the seeds in flight), how that time splits
 * between a seed's stages (measured too; a default split until a seed finishes), how many worker
 * threads share the remaining seeds, plus the statistics report. Pure: time is passed in (seconds).
 */
import type { ProgressMessage, StageMessage } from '../worker/task.ts';

/** A seed's stages in the order the worker runs them. */
export const STAGES = ['model1.cnn1', 'model1.cnn2', 'model1.cnn1_rerun', 'model1.pipeline', 'model2.pipeline', 'exporting', 'evaluating'] as const;

/**
 * Share of a seed's time per stage until one seed has been measured: the quick preset's, from
 * history.arrow's epoch seconds over seed.json's seconds (3 studies × 6 seeds, wasm, 2026-11-29;
 * the remaining ~15% is validation, export, onnxruntime evaluation and loading). Other presets
 * split differently (e.g. more LSTM epochs), which is why the measured shares replace these as
 * soon as a seed finishes.
 */
const DEFAULT_SHARE: Record<string, number> = {
  'model1.cnn1': 0.15, 'model1.cnn2': 0.16, 'model1.cnn1_rerun': 0, 'model1.pipeline': 0.19, 'model2.pipeline': 0.34, exporting: 0.03, evaluating: 0.13,
};
/** Seconds of the statistics report until this run has measured one: the quick study's took ~20–30 s on 2 busy cores. */
export const DEFAULT_REPORT_SECONDS = 25;

export const stageKey = (p: ProgressMessage): string => `${p.model}.${p.network}`;

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r === 60 ? 59 : r).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** Fraction of a seed done at this message, from the stage shares. */
export function seedFraction(p: ProgressMessage | StageMessage, share: Record<string, number> = DEFAULT_SHARE): number {
  const key = p.type === 'stage' ? p.stage : stageKey(p);
  const i = STAGES.indexOf(key as (typeof STAGES)[number]);
  const before = STAGES.slice(0, Math.max(i, 0)).reduce((a, k) => a + (share[k] ?? 0), 0);
  const within = p.type === 'stage' ? 0 : ((p.epoch - 1) + p.step / p.steps) / p.epochs;
  const total = STAGES.reduce((a, k) => a + (share[k] ?? 0), 0) || 1;
  return Math.min(1, (before + (share[key] ?? 0) * within) / total);
}

const median = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface SeedClock { t0: number; last: ProgressMessage | StageMessage; stageStart: Map<string, number> }

export class EtaModel {
  private readonly seeds: number;
  private readonly threads: number;
  private readonly t0: number;
  private readonly flying = new Map<number, SeedClock>();
  private readonly durations: number[] = [];
  private readonly shares: Record<string, number>[] = [];
  private finished = 0;
  private reportSeconds = DEFAULT_REPORT_SECONDS;
  private reportStartedAt: number | null = null;

  constructor(o: { seeds: number; threads: number; start: number; reportSeconds?: number }) {
    this.seeds = o.seeds;
    this.threads = Math.max(1, o.threads);
    this.t0 = o.start;
    if (o.reportSeconds !== undefined) this.reportSeconds = o.reportSeconds;
  }

  elapsed(t: number): number {
    return t - this.t0;
  }

  private clock(seed: number, m: ProgressMessage | StageMessage, t: number, key: string): void {
    const c = this.flying.get(seed) ?? { t0: t, last: m, stageStart: new Map() };
    c.last = m;
    if (!c.stageStart.has(key)) c.stageStart.set(key, t);
    this.flying.set(seed, c);
  }

  progress(p: ProgressMessage, t: number): void {
    this.clock(p.seed, p, t, stageKey(p));
  }

  stage(seed: number, stage: StageMessage['stage'], t: number): void {
    this.clock(seed, { type: 'stage', seed, stage }, t, stage);
  }

  /** A seed finished: its wall time and its stage shares become the model. */
  seedDone(seed: number, seconds: number, t: number): void {
    const c = this.flying.get(seed);
    this.flying.delete(seed);
    this.finished++;
    const dur = c ? t - c.t0 : seconds;
    if (!(dur > 0)) return;
    this.durations.push(dur);
    if (c) {
      const starts = [...c.stageStart.entries()].sort((a, b) => a[1] - b[1]);
      const share: Record<string, number> = Object.fromEntries(STAGES.map((k) => [k, 0]));
      starts.forEach(([k, s], i) => (share[k] = ((i + 1 < starts.length ? starts[i + 1][1] : t) - s) / dur));
      this.shares.push(share);
    }
  }

  seedFailed(seed: number): void {
    this.flying.delete(seed);
    this.finished++;
  }

  reportStart(t: number): void {
    this.reportStartedAt = t;
  }

  reportDone(seconds: number): void {
    this.reportSeconds = seconds;
    this.reportStartedAt = null;
  }

  /** The stage shares in use: the mean of the finished seeds', else the defaults. */
  share(): Record<string, number> {
    if (!this.shares.length) return DEFAULT_SHARE;
    return Object.fromEntries(STAGES.map((k) => [k, this.shares.reduce((a, s) => a + (s[k] ?? 0), 0) / this.shares.length]));
  }

  /** Seconds to the end of the report, or null while nothing has been measured. */
  eta(t: number): number | null {
    if (this.reportStartedAt !== null) return Math.max(0, this.reportSeconds - (t - this.reportStartedAt));
    const share = this.share();
    const fly = [...this.flying.values()].map((c) => ({ frac: seedFraction(c.last, share), age: t - c.t0 }));
    let perSeed: number;
    if (this.durations.length) perSeed = median(this.durations);
    else {
      const est = fly.filter((f) => f.frac >= 0.05).map((f) => f.age / f.frac);
      if (!est.length) return null;
      perSeed = median(est);
    }
    // Greedy schedule: each thread finishes its seed in flight, then takes the next waiting seed.
    const slots = fly.map((f) => Math.max(0, (1 - f.frac) * perSeed));
    while (slots.length < this.threads) slots.push(0);
    slots.sort((a, b) => a - b);
    const waiting = Math.max(0, this.seeds - this.finished - fly.length);
    for (let i = 0; i < waiting; i++) {
      slots[0] += perSeed;
      slots.sort((a, b) => a - b);
    }
    const training = this.finished + fly.length === 0 && waiting === 0 ? 0 : Math.max(...slots);
    return training + this.reportSeconds;
  }
}
