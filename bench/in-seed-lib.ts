/** The summary of bench/in-seed.ts (tested in test/bench.test.ts): medians over rounds and their ratios. */
import { median } from './torch-compare.ts';

/** One round's timings (ms) of one network: an epoch's steps, its validation pass, a bench block. */
export interface InSeedRound {
  items: number; // training items in the epoch
  stepsWall: number;
  stepsCpu: number;
  valWall: number;
  valCpu: number;
  benchItems: number;
  benchWall: number;
  benchCpu: number;
}

const rate = (items: number, ms: number) => items / (ms / 1000);
const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

export interface InSeedRates {
  /** items/s of the epoch's steps, of the epoch with validation, of the bench block (wall, CPU) */
  steps: [number, number];
  epoch: [number, number];
  bench: [number, number];
  valSeconds: number;
}

/** Medians over rounds of each rate (each round's rates first, then the median). */
export function inSeedRates(rs: InSeedRound[]): InSeedRates {
  return {
    steps: [median(rs.map((r) => rate(r.items, r.stepsWall))), median(rs.map((r) => rate(r.items, r.stepsCpu)))],
    epoch: [median(rs.map((r) => rate(r.items, r.stepsWall + r.valWall))), median(rs.map((r) => rate(r.items, r.stepsCpu + r.valCpu)))],
    bench: [median(rs.map((r) => rate(r.benchItems, r.benchWall))), median(rs.map((r) => rate(r.benchItems, r.benchCpu)))],
    valSeconds: median(rs.map((r) => r.valWall / 1000)),
  };
}

export function inSeedSummary(label: string, rs: InSeedRound[]): string {
  const q = inSeedRates(rs);
  const line = (name: string, [w, c]: [number, number], vs?: [number, number]) =>
    `  ${name.padEnd(26)} wall ${n0(w).padStart(7)}/s  cpu ${n0(c).padStart(7)}/s${vs ? `   = ${pct(w / vs[0])} (wall), ${pct(c / vs[1])} (cpu) of the bench` : ''}`;
  return [
    `${label}, median of ${rs.length} rounds:`,
    line('bench block', q.bench),
    line("epoch's training steps", q.steps, q.bench),
    line('epoch with validation', q.epoch, q.bench),
    `  validation pass ${q.valSeconds.toFixed(2)} s per epoch`,
  ].join('\n');
}
