// The import rule of src/ (issue #9), as code the layout test runs: every relative import in src/
// is parsed with the TypeScript compiler's own parser, then checked against the layer order and for
// cycles. Pure functions over an import list, so the test can also feed them fake lists and show
// that each check fails when it should.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The flow, left to right: a folder imports only folders to its left (and itself). The root files
 *  (errors.ts, config.ts, rng.ts) sit at the far left and may be imported from anywhere. */
export const LAYERS = ['(root)', 'data', 'ml', 'onnx', 'io', 'stats', 'worker', 'coordinator', 'report', 'cli'] as const;

/** Pairs the order alone would allow but the design forbids: the report renders numbers that
 *  stats computed from the study folder; it never reaches into how seeds were run. */
const FORBIDDEN_ANYWAY: Record<string, readonly string[]> = {
  report: ['worker', 'coordinator'],
};

export const RULE_TEXT =
  'a folder of src/ imports only folders to its left in ' + LAYERS.join(' < ') +
  '; stats and report never import worker or coordinator';

/** One import found in src/. Paths are relative to src/ with forward slashes, e.g. 'ml/engine.ts'. */
export interface ImportEdge {
  from: string;
  to: string;
  /** The module specifier as written, e.g. '../worker/seed-task.ts'. */
  specifier: string;
  line: number;
  typeOnly: boolean;
}

export interface Violation {
  edge: ImportEdge;
  message: string;
}

/** The top-level folder of a src/-relative path ('ml/kernels/simd.ts' → 'ml'); '(root)' for the
 *  files directly in src/, and '(outside src)' for a path that climbs out of it. */
export function layerOf(srcPath: string): string {
  if (srcPath.startsWith('../')) return '(outside src)';
  const slash = srcPath.indexOf('/');
  return slash < 0 ? '(root)' : srcPath.slice(0, slash);
}

function rank(layer: string): number {
  return (LAYERS as readonly string[]).indexOf(layer);
}

/** Every edge that breaks the layer rule, each with a message naming the file, the import and the
 *  rule it breaks. */
export function layerViolations(edges: readonly ImportEdge[]): Violation[] {
  const out: Violation[] = [];
  for (const edge of edges) {
    const fromLayer = layerOf(edge.from);
    const toLayer = layerOf(edge.to);
    const where = `src/${edge.from}:${edge.line} imports '${edge.specifier}'${edge.typeOnly ? ' (type-only)' : ''}`;
    let why: string | undefined;
    if (rank(fromLayer) < 0) why = `${edge.from} is in no known folder (${fromLayer})`;
    else if (rank(toLayer) < 0) why = `it resolves to ${edge.to}, which is in no folder of the flow`;
    else if (rank(toLayer) > rank(fromLayer)) why = `${fromLayer}/ may not import ${toLayer}/, which is to its right`;
    else if (FORBIDDEN_ANYWAY[fromLayer]?.includes(toLayer)) why = `${fromLayer}/ may not import ${toLayer}/`;
    if (why) out.push({ edge, message: `${where}: ${why} (rule: ${RULE_TEXT})` });
  }
  return out;
}

/** The import cycles between files: each strongly connected component of more than one file (or a
 *  file importing itself), found with Tarjan's algorithm. Each cycle is listed sorted by path. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    if (!next.has(e.to)) next.set(e.to, []);
    next.get(e.from)!.push(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  // Recursive: src/ has ~100 files, far below any stack limit.
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)!.includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Files the scan reads: TypeScript and ES modules. */
const SOURCE_FILE = /\.(ts|mts|mjs|js)$/;

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSources(full));
    else if (SOURCE_FILE.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The module specifiers of one file: static imports and re-exports (type-only ones included) and
 *  `import('…')` calls and `import('…')` types with a string literal. Bare specifiers (packages,
 *  node:) are returned too; the caller keeps the relative ones. */
export function parseImports(fileName: string, text: string): { specifier: string; line: number; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; line: number; typeOnly: boolean }[] = [];
  const add = (lit: ts.Expression, typeOnly: boolean): void => {
    if (!ts.isStringLiteralLike(lit)) return;
    const line = source.getLineAndCharacterOfPosition(lit.getStart(source)).line + 1;
    found.push({ specifier: lit.text, line, typeOnly });
  };
  const walk = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A, type B } from` erases too, like `import type { A, B } from`.
      const allNamedTypeOnly = clause?.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) &&
        !clause.name && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, Boolean(clause?.isTypeOnly) || allNamedTypeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, walk);
  };
  walk(source);
  return found;
}

/** Every relative import of every source file under `srcDir`, resolved to a src/-relative path. */
export function scanImports(srcDir: string): ImportEdge[] {
  const root = resolve(srcDir);
  const edges: ImportEdge[] = [];
  for (const file of listSources(root)) {
    const from = relative(root, file).split(sep).join('/');
    for (const imp of parseImports(file, readFileSync(file, 'utf8'))) {
      if (!imp.specifier.startsWith('.')) continue;
      const to = relative(root, resolve(dirname(file), imp.specifier)).split(sep).join('/');
      edges.push({ from, to, ...imp });
    }
  }
  return edges;
}
