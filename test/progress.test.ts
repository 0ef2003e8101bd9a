/**
 * The live display: the width rule (no line wider than the terminal, whatever it shows), the
 * stage labels, the summary-free event stream, and the ETA model on a simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { EtaModel, seedFraction } from '../src/coordinator/eta.ts';
import { createReporter, fitLines, liveSeedLine, wrapLine } from '../src/coordinator/progress.ts';
import type { StudyEvent } from '../src/coordinator/sweep.ts';
import type { ProgressMessage } from '../src/worker/task.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const prog = (seed: number, model: 'model1' | 'model2', network: string, epoch: number, step: number, extra: Partial<ProgressMessage> = {}): ProgressMessage => ({
  type: 'progress', seed, model, network, epoch, epochs: 3, step, steps: 94, loss: 1.23456, accuracy: 0.5, ...extra,
});

function events(): StudyEvent[] {
  const ev: StudyEvent[] = [{ type: 'start', study: 'a-study-with-a-long-name.lstmInput-softmax', root: '/very/long/path/to/out/a-study-with-a-long-name.lstmInput-softmax', seeds: [1, 2, 3], pending: [1, 2, 3], skipped: [], threads: 2, backend: 'wasm' }];
  for (const net of ['cnn1', 'cnn2', 'pipeline']) for (let s = 1; s <= 94; s += 31) ev.push({ type: 'progress', progress: prog(1, 'model1', net, 1, s, s === 94 ? { valAccuracy: 0.9 } : {}) }, { type: 'progress', progress: prog(1000, 'model1', net, 2, s) });
  ev.push({ type: 'progress', progress: prog(1, 'model2', 'pipeline', 3, 94, { valAccuracy: 0.8 }) }, { type: 'stage', seed: 1, stage: 'exporting' }, { type: 'stage', seed: 1, stage: 'evaluating' });
  ev.push({ type: 'seed-done', seed: 1, seconds: 30, dir: '/x', backend: 'wasm', testAccuracy: { 'model1.pipeline': 0.93, 'model2.pipeline': 0.36, 'model1.cnn1': 0.96, 'model1.cnn2': 0.96 }, exportAgrees: false, notes: ['a backend note that is long enough to need wrapping at forty columns'] });
  ev.push({ type: 'seed-failed', seed: 1000, error: { code: 'E_TRAIN', message: 'NaN loss in model-2 at epoch 2 step 17 of 94', hint: 'lower train.learningRate' }, file: '/very/long/path/failed/seed-1000.json' });
  ev.push({ type: 'combined', files: ['a', 'b', 'c', 'd'] });
  return ev;
}

describe('the width rule', () => {
  it('fitLines and wrapLine never return a line wider than the width', () => {
    const texts = ['', 'x', 'seed 12  model-2  ep 3/3 94/94 loss 0.123 acc 0.456 val 0.789', 'a'.repeat(300), `${'word '.repeat(60)}end`, 'wide ✓ → characters 数字 are two columns 数字数字数字数字数字数字'];
    for (const w of [10, 20, 40, 80, 120]) {
      for (const t of texts) {
        for (const l of fitLines([t], w)) expect(l.length <= w || [...l].length <= w, `${w}: ${l}`).toBe(true);
        for (const l of wrapLine(t, w)) expect([...l].length, `${w}: ${l}`).toBeLessThanOrEqual(w);
      }
    }
    // CJK characters take two columns: 20 of them do not fit in 30 columns.
    expect(fitLines(['数'.repeat(20)], 30)[0]).not.toBe('数'.repeat(20));
  });

  it('wrapLine keeps every word and indents continuations', () => {
    const line = 'seed 3 done in 1m02s on wasm: test model1.pipeline 0.930, model1.cnn1 0.960, model1.cnn2 0.961, model2.pipeline 0.361 · ETA 2m10s';
    const out = wrapLine(line, 40);
    expect(out.length).toBeGreaterThan(2);
    expect(out.slice(1).every((l) => l.startsWith('    '))).toBe(true);
    expect(out.join(' ').split(/\s+/).filter(Boolean)).toEqual(line.split(' '));
    // A table row keeps its indentation; its continuation goes further in.
    const row = wrapLine(`  ${'CNN1'.padEnd(40)}0.7347   0.0382  [0.7107, 0.7780]    0.982   (n = 3)`, 60);
    expect(row[0].startsWith('  CNN1  ')).toBe(true);
    expect(row[1].startsWith('      ')).toBe(true);
  });

  for (const width of [40, 80, 120]) {
    it(`the live display at ${width} columns: every visible segment fits`, () => {
      let outText = '';
      let t = 0;
      const r = createReporter({ json: false, tty: true, write: (s) => (outText += s), columns: () => width, now: () => (t += 1) });
      for (const e of events()) r.onEvent(e);
      r.onReportStart?.();
      r.close();
      const visible = outText.replace(ANSI, '\n').split(/\r?\n/);
      expect(visible.length).toBeGreaterThan(10);
      for (const l of visible) expect([...l].length, l).toBeLessThanOrEqual(width);
      // The stages and the failure are shown, not dropped.
      expect(outText).toContain('evaluating');
      expect(outText).toContain('FAILED');
    });
  }
});

describe('what the header and a sweep study say', () => {
  const live = (o: { withReport?: boolean; quiet?: boolean; tty?: boolean }): string => {
    let outText = '';
    let t = 0;
    const r = createReporter({ json: false, tty: o.tty ?? true, write: (s) => (outText += s), columns: () => 200, now: () => (t += 1), withReport: o.withReport, quiet: o.quiet });
    for (const e of events()) r.onEvent(e);
    r.close();
    return outText.replace(ANSI, '\n');
  };

  it('the ETA says "(with report)" only when a report follows (not under --no-aggregate or a shard)', () => {
    expect(live({})).toContain('(with report)');
    const without = live({ withReport: false });
    expect(without).toMatch(/ETA/);
    expect(without).not.toContain('(with report)');
  });

  it('a study of a sweep (quiet) prints only what needs attention', () => {
    const text = live({ quiet: true, tty: false });
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/^seed 1000 FAILED/);
  });
});

describe('stages', () => {
  it('labels each step of a seed', () => {
    expect(liveSeedLine(prog(4, 'model1', 'cnn1', 1, 3))).toMatch(/seed +4 +cnn1 +ep 1\/3/);
    expect(liveSeedLine(prog(4, 'model1', 'pipeline', 1, 3))).toContain(' lstm ');
    expect(liveSeedLine(prog(4, 'model2', 'pipeline', 1, 3))).toContain(' model-2 ');
    expect(liveSeedLine({ type: 'stage', seed: 4, stage: 'evaluating' })).toContain('evaluating');
    expect(liveSeedLine({ type: 'stage', seed: 4, stage: 'exporting' })).toContain('exporting');
  });

  it('pipes get one line per epoch and per stage; --json gets stage names and no live codes', () => {
    let text = '';
    const r = createReporter({ json: false, tty: false, write: (s) => (text += s) });
    for (const e of events()) r.onEvent(e);
    r.close();
    expect(text).not.toMatch(ANSI);
    expect(text).toMatch(/seed +1 +evaluating/);
    let json = '';
    const j = createReporter({ json: true, tty: true, write: (s) => (json += s) });
    for (const e of events()) j.onEvent(e);
    const lines = json.trim().split('\n').map((l) => JSON.parse(l) as { type: string; stage?: string });
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.stage)).toEqual(['cnn1', 'cnn2', 'lstm', 'model-2']);
    expect(lines.filter((l) => l.type === 'stage')).toHaveLength(2);
  });
});

describe('ETA from measured throughput', () => {
  /** Simulates seeds of `dur` seconds on `threads` threads; stage k of 4 takes a quarter. */
  it('after a seed finishes, the ETA is the remaining schedule plus the report', () => {
    const eta = new EtaModel({ seeds: 4, threads: 2, start: 0, reportSeconds: 7 });
    const at = (seed: number, t: number, net: string, model: 'model1' | 'model2' = 'model1') => eta.progress(prog(seed, model, net, 1, 1), t);
    for (const seed of [1, 2]) {
      at(seed, 0, 'cnn1');
      at(seed, 10, 'cnn2');
      at(seed, 20, 'pipeline');
      at(seed, 22, 'pipeline', 'model2');
      eta.stage(seed, 'exporting', 36);
      eta.stage(seed, 'evaluating', 38);
    }
    // Before any seed finished: extrapolated from the seeds in flight.
    expect(eta.eta(38)).not.toBeNull();
    eta.seedDone(1, 40, 40);
    eta.seedDone(2, 40, 40);
    // Two seeds left, two threads, 40 s each → 40 s, plus the 7 s report.
    expect(eta.eta(40)).toBeCloseTo(47, 6);
    // Measured shares replace the defaults: cnn1 took 10 of 40 s.
    expect(eta.share()['model1.cnn1']).toBeCloseTo(0.25, 6);
    at(3, 40, 'cnn1');
    at(4, 40, 'cnn1');
    at(3, 50, 'cnn2');
    at(4, 50, 'cnn2');
    // A quarter done (cnn2 starts at 10/40 of a seed) → 30 s left + report.
    expect(eta.eta(50)).toBeCloseTo(37, 0);
    eta.reportStart(90);
    expect(eta.eta(93)).toBeCloseTo(4, 6);
  });

  it('is null before anything is measured, and never negative', () => {
    const eta = new EtaModel({ seeds: 3, threads: 2, start: 0 });
    expect(eta.eta(1)).toBeNull();
    eta.reportStart(0);
    expect(eta.eta(1000)).toBe(0);
  });

  it('seedFraction rises monotonically through a seed', () => {
    const seq = [prog(1, 'model1', 'cnn1', 1, 1), prog(1, 'model1', 'cnn1', 3, 94), prog(1, 'model1', 'cnn2', 2, 50), prog(1, 'model1', 'pipeline', 1, 1), prog(1, 'model2', 'pipeline', 3, 94)];
    const f = [...seq.map((p) => seedFraction(p)), seedFraction({ type: 'stage', seed: 1, stage: 'exporting' }), seedFraction({ type: 'stage', seed: 1, stage: 'evaluating' })];
    for (let i = 1; i < f.length; i++) expect(f[i]).toBeGreaterThanOrEqual(f[i - 1]);
    expect(f.at(-1)!).toBeLessThan(1);
  });
});
