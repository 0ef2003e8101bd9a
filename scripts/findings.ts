// Writes the README's "Main result" box, docs/findings.md and its learning-curve figures
// (docs/figures/curves-<study>.svg) from the curated studies in results/ (src/report/findings.ts).
// Usage: npm run findings   (test/results.test.ts fails while any of them is stale)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curvesFigurePath, curvesSvg, findingsMarkdown, mainResultMarkdown, readCuratedStudies, withMainResult } from '../src/report/findings.ts';

const root = join(import.meta.dirname, '..');
const docs = join(root, 'docs');
const studies = readCuratedStudies(join(root, 'results'));
const readme = join(root, 'README.md');
writeFileSync(readme, withMainResult(readFileSync(readme, 'utf8'), mainResultMarkdown(studies)));
writeFileSync(join(docs, 'findings.md'), findingsMarkdown(studies));
// The figures: one per study with history; those of studies no longer in results/ removed.
mkdirSync(join(docs, 'figures'), { recursive: true });
const figures = new Set<string>();
for (const s of studies) {
  const svg = await curvesSvg(s);
  if (svg === null) continue;
  writeFileSync(join(docs, curvesFigurePath(s)), svg);
  figures.add(curvesFigurePath(s));
}
for (const f of readdirSync(join(docs, 'figures'))) if (/^curves-.*\.svg$/.test(f) && !figures.has(`figures/${f}`)) rmSync(join(docs, 'figures', f));
console.log(`README.md, docs/findings.md and ${figures.size} figure(s) written from ${studies.length} curated studies: ${studies.map((s) => s.name).join(', ') || 'none'}`);
