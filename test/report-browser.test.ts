/**
 * The report and the comparison in a real browser (issue 21 item 7): Debian's chromium, driven by
 * playwright-core (which downloads no browser), opens report.html and compare.html at 800 and
 * 1280 px and checks what a reader sees: no console errors, every figure drawn with a non-zero
 * size, nothing wider than the window, and every verdict inside the visible area (not behind a
 * horizontal scrollbar). Skipped, saying why, when /usr/bin/chromium is not installed (.ci/run
 * installs it where it can).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTable, writeArrowFile } from '../src/io/arrow.ts';
import { compareStudies } from '../src/report/compare.ts';
import { aggregate } from '../src/report/report.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { writeStudyFiles } from './study-folder.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.log(`report-browser.test.ts skipped: no browser at ${CHROMIUM} (apt-get install chromium; .ci/run does it as root)`);

const root = mkdtempSync(join(tmpdir(), 'report-browser-'));
let browser: Browser;

/** A study with learning curves (history.arrow for all five networks, 4 epochs). */
async function study(name: string, mode: 'paper' | 'identical', seeds: number): Promise<string> {
  const dir = join(root, name);
  writeStudyFiles(dir, makeSyntheticStudy({ seeds, mode }));
  const nets = [['model1', 'cnn1'], ['model1', 'cnn2'], ['model1', 'cnn1_rerun'], ['model1', 'pipeline'], ['model2', 'pipeline']];
  const rows = Array.from({ length: seeds }, (_, i) => i + 1).flatMap((seed) => nets.flatMap(([model, network]) => [1, 2, 3, 4].map((epoch) => ({ seed, model, network, epoch }))));
  writeArrowFile(join(dir, 'history.arrow'), buildTable({
    seed: Int32Array.from(rows, (r) => r.seed), model: rows.map((r) => r.model), network: rows.map((r) => r.network), epoch: Int32Array.from(rows, (r) => r.epoch),
    train_loss: Float64Array.from(rows, (r) => 2 / r.epoch), train_accuracy: Float64Array.from(rows, (r) => 0.2 * r.epoch), val_loss: Float64Array.from(rows, (r) => 2.5 / r.epoch),
    val_accuracy: Float64Array.from(rows, (r) => 0.18 * r.epoch + r.seed / 100), seconds: Float64Array.from(rows, () => 1),
  }, {}));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ study: name, configHash: `h-${name}`, config: { model: { lstmInput: mode === 'paper' ? 'onehot' : 'scalar' } } }));
  await aggregate({ dirs: [dir], cka: false, reps: 200 });
  return dir;
}

interface PageCheck { errors: string[]; figures: { title: string; w: number; h: number; minFont: number; scale: number }[]; overflow: number; verdicts: { text: string; visible: boolean }[] }

async function check(file: string, width: number): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  const got = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    // Each figure's smallest text as rendered: its font size times the figure's on-screen scale.
    const figures = [...document.querySelectorAll('figure svg')].map((s) => {
      const r = s.getBoundingClientRect();
      const scale = r.width / Number(s.getAttribute('width'));
      const sizes = [...s.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale).filter((x) => x > 0);
      return { title: s.querySelector('title')?.textContent ?? '?', w: r.width, h: r.height, minFont: Math.min(...sizes), scale };
    });
    // A verdict is visible when it lies inside the window and inside every scrolling box around it.
    const inside = (el: Element): boolean => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.left < 0 || r.right > vw + 0.5) return false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const q = p.getBoundingClientRect();
        if (getComputedStyle(p).overflowX !== 'visible' && (r.left < q.left - 0.5 || r.right > q.right + 0.5)) return false;
      }
      return true;
    };
    const verdictEls = [...document.querySelectorAll('.badge, .verdict')];
    return {
      figures,
      overflow: document.documentElement.scrollWidth - vw,
      verdicts: verdictEls.map((el) => ({ text: (el.textContent ?? '').trim().slice(0, 40), visible: inside(el) })),
    };
  });
  await page.close();
  return { errors, ...got };
}

describe.skipIf(!haveBrowser)('report.html and compare.html in chromium', () => {
  let report = '';
  let compare = '';
  let pilot = '';
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const a = await study('sweep.lstmInput-onehot', 'paper', 6);
    const b = await study('sweep.lstmInput-scalar-with-a-long-name', 'identical', 6);
    report = join(a, 'report.html');
    pilot = join(await study('pilot', 'paper', 2), 'report.html');
    const out = join(root, 'sweep.compare');
    await compareStudies({ dirs: [a, b], outDir: out });
    compare = join(out, 'compare.html');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a 2-seed pilot report at 800 px: no errors, every figure drawn (Table 2 included), no overflow', async () => {
    const c = await check(pilot, 800);
    expect(c.errors).toEqual([]);
    expect(c.figures.filter((f) => f.title.startsWith('Table 2'))).toHaveLength(2);
    for (const f of c.figures) expect(f.w > 0 && f.h > 0, `${f.title}: ${f.w}×${f.h}`).toBe(true);
    expect(c.overflow).toBeLessThanOrEqual(0);
    expect(c.verdicts.filter((v) => !v.visible)).toEqual([]);
  }, 120_000);

  for (const width of [800, 1280]) {
    it(`the report at ${width} px: no errors, every figure drawn, no overflow, every verdict visible`, async () => {
      const c = await check(report, width);
      expect(c.errors).toEqual([]);
      expect(c.figures.length).toBeGreaterThanOrEqual(10);
      for (const f of c.figures) expect(f.w > 0 && f.h > 0, `${f.title}: ${f.w}×${f.h}`).toBe(true);
      for (const f of c.figures) expect(f.w, `${f.title} wider than the window`).toBeLessThanOrEqual(width);
      // Readable: no label below 8 px on screen (the learning curves' were ~5 px at 800 px).
      for (const f of c.figures) expect(f.minFont, `${f.title}: smallest text ${f.minFont.toFixed(1)} px`).toBeGreaterThanOrEqual(8);
      // The two Table 2 charts side by side at one scale: one font size.
      const t2 = c.figures.filter((f) => f.title.startsWith('Table 2'));
      expect(t2).toHaveLength(2);
      expect(t2[0].scale).toBeCloseTo(t2[1].scale, 2);
      expect(c.overflow).toBeLessThanOrEqual(0);
      expect(c.verdicts.length).toBeGreaterThanOrEqual(8); // 4 claim badges, 4+ rows of the verdicts table
      expect(c.verdicts.filter((v) => !v.visible)).toEqual([]);
    }, 120_000);

    it(`compare.html at ${width} px: no errors, the figure drawn, no overflow, every verdict visible`, async () => {
      const c = await check(compare, width);
      expect(c.errors).toEqual([]);
      expect(c.figures.length).toBe(1);
      for (const f of c.figures) expect(f.w > 0 && f.h > 0, `${f.title}: ${f.w}×${f.h}`).toBe(true);
      expect(c.overflow).toBeLessThanOrEqual(0);
      expect(c.verdicts.length).toBe(8); // 4 claims × 2 studies
      expect(c.verdicts.filter((v) => !v.visible)).toEqual([]);
    }, 120_000);
  }
});
