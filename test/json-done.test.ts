/**
 * The final --json event of `run` (issue 21 item 5): the report path, Table 2, the verdicts and the
 * warnings, from a real aggregate of a synthetic study (the CLI path with --no-aggregate is in
 * test/cli.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { doneEvent } from '../src/cli/run-action.ts';
import { aggregate } from '../src/report/report.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { writeStudyFiles } from './study-folder.ts';

const root = mkdtempSync(join(tmpdir(), 'json-done-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('carries the report path, Table 2, the four verdicts and the warnings (failed seeds included), as JSON', async () => {
  const dir = join(root, 'study');
  writeStudyFiles(dir, makeSyntheticStudy({ seeds: 3, mode: 'paper' }));
  const res = await aggregate({ dirs: [dir], cka: false, reps: 100 });
  const e = JSON.parse(JSON.stringify(doneEvent(dir, res, [{ seed: 9, error: { code: 'E_TRAIN', message: 'nan loss' } }]))) as Record<string, unknown> & {
    table2: { label: string; mean: number }[]; verdicts: { claim: number; verdict: string }[]; warnings: string[];
  };
  expect(e.type).toBe('done');
  expect(e.report).toBe(join(dir, 'report.html'));
  expect(e.table2.map((r) => r.label)).toEqual(res.stats.table2.map((r) => r.label));
  expect(e.table2[0].mean).toBe(res.stats.table2[0].mean);
  expect(e.verdicts.map((v) => v.claim)).toEqual([1, 2, 3, 4]);
  expect(e.verdicts.map((v) => v.verdict)).toEqual(res.stats.claims.map((c) => c.verdict));
  expect(e.warnings).toEqual([...res.stats.warnings, 'seed 9 failed [E_TRAIN]: nan loss']);
}, 120_000);
