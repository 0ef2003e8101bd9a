/** Issue #10: the progress display's failure paths (a failed seed without a record file, a quarantined seed) in text and JSON. */
import { describe, expect, it } from 'vitest';
import { createReporter } from '../src/coordinator/progress.ts';
import type { StudyEvent } from '../src/coordinator/sweep.ts';

const events: StudyEvent[] = [
  { type: 'seed-quarantined', seed: 4, reason: 'metrics.arrow has 10 bytes, seed.json says 20 (truncated)', movedTo: 'out/q/quarantine/seed-0004-x' },
  { type: 'start', study: 'q', root: 'out/q', seeds: [3, 4], pending: [3, 4], skipped: [], threads: 2, backend: 'wasm' },
  { type: 'progress', progress: { type: 'progress', seed: 3, model: 'model1', network: 'cnn1', epoch: 1, epochs: 1, step: 2, steps: 2, loss: 0.5, accuracy: 0.8, valAccuracy: 0.7 } as never },
  { type: 'seed-failed', seed: 3, error: { code: 'E_IO', message: 'could not write out/q/seeds/seed-0003.tmp-1/filters.arrow: no space left on device (ENOSPC)' }, file: null },
];

describe('progress reporter on failures', () => {
  it('text: the quarantine and the failure are printed with their reasons; no "recorded in null"', () => {
    let text = '';
    const r = createReporter({ json: false, tty: false, write: (s) => (text += s) });
    for (const e of events) r.onEvent(e);
    r.close();
    expect(text).toMatch(/seed 4 did not verify \(metrics\.arrow has 10 bytes.*truncated\)\): moved to out\/q\/quarantine\/seed-0004-x/);
    expect(text).toMatch(/seed 3 FAILED \[E_IO\] could not write .*\(ENOSPC\)/);
    expect(text).not.toContain('null');
    expect(text).toMatch(/seed\s+3\s+cnn1\s+epoch 1\/1/); // the epoch line
  });

  it('json: one parseable line per event, epoch lines marked as such', () => {
    let text = '';
    const r = createReporter({ json: true, tty: false, write: (s) => (text += s) });
    for (const e of events) r.onEvent(e);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['seed-quarantined', 'start', 'epoch', 'seed-failed']);
    expect(lines[3]).toMatchObject({ seed: 3, file: null, error: { code: 'E_IO' } });
  });
});
