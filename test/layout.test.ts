/**
 * src/'s imports point down the flow (issue #9): root (errors, config, rng) < data < ml < onnx < io
 * < stats < worker < coordinator < report < cli; a folder imports only folders to its left; stats
 * and report never import worker or coordinator; no import cycle between files. Every import
 * counts: static, re-export, `import()` and type-only. The checker itself (test/layout-rules.ts)
 * is tested on fake import lists first, so this test can fail. Also: every folder of src/ has a
 * README saying what it may import, and the READMEs name only source files that exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importCycles, layerOf, layerViolations, parseImports, scanImports } from './layout-rules.ts';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, specifier: `./${to}`, line: 1, typeOnly });

describe('the layout checker', () => {
  it('names the folder of a path', () => {
    expect(layerOf('config.ts')).toBe('(root)');
    expect(layerOf('ml/kernels/simd.ts')).toBe('ml');
    expect(layerOf('../package.json')).toBe('(outside src)');
  });

  it('allows imports to the left, within a folder, and of root files from anywhere', () => {
    expect(layerViolations([
      edge('ml/engine.ts', 'data/mnist.ts'),
      edge('ml/kernels/simd.ts', 'ml/kernels/index.ts'),
      edge('onnx/train/trainers.ts', 'ml/engine.ts'),
      edge('cli/run.ts', 'coordinator/sweep.ts'),
      edge('data/idx.ts', 'errors.ts'),
      edge('report/doc.ts', 'rng.ts'),
      edge('config.ts', 'errors.ts'),
    ])).toEqual([]);
  });

  it('flags an upward import, type-only too, naming the file, the import and the rule', () => {
    const bad = { from: 'ml/engine.ts', to: 'worker/seed-task.ts', specifier: '../worker/seed-task.ts', line: 20, typeOnly: true };
    const v = layerViolations([bad, edge('data/mnist.ts', 'ml/train.ts')]);
    expect(v).toHaveLength(2);
    expect(v[0].message).toContain("src/ml/engine.ts:20 imports '../worker/seed-task.ts' (type-only)");
    expect(v[0].message).toContain('ml/ may not import worker/');
    expect(v[0].message).toContain('data < ml < onnx < io < stats < worker < coordinator < report < cli');
    expect(v[1].edge.from).toBe('data/mnist.ts');
  });

  it('flags root files importing a folder, report reaching into worker/coordinator, and paths outside src', () => {
    const v = layerViolations([
      edge('config.ts', 'ml/models.ts'),
      edge('report/report.ts', 'worker/task.ts'),
      edge('report/report.ts', 'coordinator/eta.ts'),
      edge('stats/verdicts.ts', 'report/format.ts'),
      edge('cli/index.ts', '../bin/x.mjs'),
    ]);
    expect(v.map((x) => x.edge.to)).toEqual(['ml/models.ts', 'worker/task.ts', 'coordinator/eta.ts', 'report/format.ts', '../bin/x.mjs']);
    expect(v[1].message).toContain('report/ may not import worker/');
  });

  it('finds cycles of any length, and a file importing itself, but not a diamond', () => {
    expect(importCycles([edge('a/x.ts', 'a/y.ts'), edge('a/y.ts', 'a/z.ts'), edge('a/z.ts', 'a/x.ts'), edge('a/z.ts', 'b/w.ts')])).toEqual([['a/x.ts', 'a/y.ts', 'a/z.ts']]);
    expect(importCycles([edge('a/x.ts', 'a/x.ts')])).toEqual([['a/x.ts']]);
    expect(importCycles([edge('a/x.ts', 'a/y.ts'), edge('a/x.ts', 'a/z.ts'), edge('a/y.ts', 'a/w.ts'), edge('a/z.ts', 'a/w.ts')])).toEqual([]);
  });

  it('parses every kind of import: multi-line, type-only, re-exports, import() calls and types', () => {
    const text = [
      "import {",
      "  a,",
      "  b,",
      "} from './multi.ts';",
      "import type { T } from './types.ts';",
      "import { type U, type V } from './erased.ts';",
      "import { type W, x } from './mixed.ts';",
      "export { y } from './reexport.ts';",
      "export type { Z } from './retype.ts';",
      "const m = await import('./lazy.ts');",
      "let q: import('./inline.ts').Q;",
      "import fs from 'node:fs';",
      "// import { no } from './comment.ts';",
      "const s = \"import { no } from './string.ts'\";",
    ].join('\n');
    const found = parseImports('fake.ts', text);
    expect(found.map((f) => [f.specifier, f.line, f.typeOnly])).toEqual([
      ['./multi.ts', 4, false],
      ['./types.ts', 5, true],
      ['./erased.ts', 6, true],
      ['./mixed.ts', 7, false],
      ['./reexport.ts', 8, false],
      ['./retype.ts', 9, true],
      ['./lazy.ts', 10, false],
      ['./inline.ts', 11, true],
      ['node:fs', 12, false],
    ]);
  });
});

describe('src/ follows the layout', () => {
  const edges = scanImports(SRC);

  it('the scan reads src/ (a sanity check, so an empty scan cannot pass)', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'worker/task.ts', to: 'worker/seed-task.ts' }));
    expect(edges).toContainEqual(expect.objectContaining({ from: 'worker/entry.mjs', to: 'worker/task.ts' }));
  });

  it('every import points down the flow', () => {
    const messages = layerViolations(edges).map((v) => v.message);
    expect(messages, messages.join('\n')).toEqual([]);
  });

  it('no import cycle between files', () => {
    const cycles = importCycles(edges).map((c) => `import cycle: ${c.map((f) => `src/${f}`).join(' ↔ ')} (rule: no cycles between files)`);
    expect(cycles, cycles.join('\n')).toEqual([]);
  });
});

describe('the folder READMEs', () => {
  const folders = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).filter((n) => statSync(join(ROOT, dir, n)).isDirectory()).flatMap((n) => [`${dir}/${n}`, ...folders(`${dir}/${n}`)]);
  const readmes = ['README.md', 'src/README.md', ...folders('src').map((f) => `${f}/README.md`)];
  const docPages = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`);

  // The README is short and links into docs/: a moved or renamed page must not leave a dead link.
  it('every relative Markdown link of the README, the folder READMEs and docs/ names a file that exists', () => {
    const dead: string[] = [];
    for (const md of [...readmes, ...docPages]) {
      for (const m of readFileSync(join(ROOT, md), 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        if (!existsSync(join(ROOT, dirname(md), target))) dead.push(`${md} links to ${target}, which does not exist`);
      }
    }
    expect(dead, dead.join('\n')).toEqual([]);
  });

  it('every folder of src/ has a README.md saying what it may import', () => {
    const missing = readmes.filter((r) => !existsSync(join(ROOT, r)) || (r.startsWith('src/') && r !== 'src/README.md' && !readFileSync(join(ROOT, r), 'utf8').includes('**May import:**')));
    expect(missing, `READMEs missing or without a "**May import:**" part: ${missing.join(', ')}`).toEqual([]);
  });

  // Source files only: `x.ts`, or an .mjs with a folder (`worker/entry.mjs`); a bare .mjs such as
  // `study.config.mjs` is a file the tool writes into a study folder.
  it('every source file a README names in backticks exists (relative to the README, the repo or src/)', () => {
    const stale: string[] = [];
    for (const md of [...readmes, ...docPages]) {
      for (const m of readFileSync(join(ROOT, md), 'utf8').matchAll(/`([\w./-]+\.ts|[\w.-]+\/[\w./-]+\.mjs)`/g)) {
        const ref = m[1];
        if (ref.includes('*')) continue;
        if (![join(ROOT, dirname(md), ref), join(ROOT, ref), join(SRC, ref)].some((p) => existsSync(p))) stale.push(`${md} names \`${ref}\`, which does not exist`);
      }
    }
    expect(stale, stale.join('\n')).toEqual([]);
  });
});
