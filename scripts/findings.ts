// Writes the README's "Main result" box and docs/findings.md from the curated studies in results/
// (src/report/findings.ts). Usage: npm run findings   (test/results.test.ts fails while they are stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findingsMarkdown, mainResultMarkdown, readCuratedStudies, withMainResult } from '../src/report/findings.ts';

const root = join(import.meta.dirname, '..');
const studies = readCuratedStudies(join(root, 'results'));
const readme = join(root, 'README.md');
writeFileSync(readme, withMainResult(readFileSync(readme, 'utf8'), mainResultMarkdown(studies)));
writeFileSync(join(root, 'docs', 'findings.md'), findingsMarkdown(studies));
console.log(`README.md and docs/findings.md written from ${studies.length} curated studies: ${studies.map((s) => s.name).join(', ') || 'none'}`);
