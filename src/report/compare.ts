/**
 * `filterstudy compare dir…`: several studies (typically the points of a `run --sweep`, or the
 * curated studies of two recipes: results/quick and results/paper) side by side. Reads each
 * study's stats.json (running `aggregate` first where it is missing) and config.json, and writes
 * into outDir (when the studies' recipes differ, each column names its recipe: recipe.ts):
 *
 *   compare.md, compare.html   the settings that differ, Table 2 and the verdicts side by side, the
 *                              paired between-study test per claim (compare-paired.ts), the plot
 *   compare.json               the same numbers (per study: recipe, config differences, Table 2 rows, claims; `paired`)
 *   figures/compare-accuracy.svg   per-seed test accuracy per study, one panel per network
 *   runs.parquet               the studies' runs tables stacked: one row per study × seed (io/runs.ts)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/arrow.ts';
import { hasRuns, writeRuns } from '../io/runs.ts';
import { FilterstudyError } from '../errors.ts';
import { compareAccuracySvg, type ComparePoint } from './figure-curves.ts';
import { pairedClaimTests, pairedText } from './compare-paired.ts';
import { recipeHeader, recipeOf, type RecipeConfig } from './recipe.ts';
import { aggregate } from './report.ts';
import type { Block, ReportDoc } from './blocks.ts';
import { fmt, fmtP, pIs, verdictWord } from './format.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './md.ts';
import type { StudyStats } from '../stats/types.ts';

export interface ComparedStudy {
  name: string;
  dir: string;
  configHash: string | null;
  /** Flattened training config (preset, data.*, model.*, train.*) → value. */
  settings: Record<string, unknown>;
  /** The preset, train.* and model.* of its config.json: its recipe (recipe.ts). */
  recipe: RecipeConfig;
  stats: StudyStats;
}

function flatten(o: unknown, prefix = ''): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { [prefix]: o };
  return Object.assign({}, ...Object.entries(o as Record<string, unknown>).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)));
}

export async function loadCompared(dirs: string[], o: { reps?: number; cka?: boolean } = {}): Promise<ComparedStudy[]> {
  if (dirs.length < 2) throw new FilterstudyError('E_CONFIG', `compare needs at least two study folders, got ${dirs.length}`, { hint: 'filterstudy compare out/a out/b [out/c …]' });
  const out: ComparedStudy[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new FilterstudyError('E_OUTPUT', `${dir} does not exist`, { hint: 'pass out/<study> folders written by filterstudy run' });
    const statsFile = join(dir, 'stats.json');
    // A study not yet aggregated gets its report now (the same one `aggregate` writes).
    const stats = existsSync(statsFile) ? (JSON.parse(readFileSync(statsFile, 'utf8')) as StudyStats) : (await aggregate({ dirs: [dir], reps: o.reps, cka: o.cka })).stats;
    const cfgFile = join(dir, 'config.json');
    const meta = existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as { study?: string; configHash?: string; config?: Record<string, unknown> }) : {};
    const c = meta.config ?? {};
    out.push({
      name: meta.study ?? basename(resolve(dir)),
      dir,
      configHash: meta.configHash ?? stats.configHash ?? null,
      settings: flatten({ preset: c.preset, data: c.data, model: c.model, train: c.train }),
      recipe: { preset: c.preset, train: c.train as Record<string, unknown> | undefined, model: c.model as Record<string, unknown> | undefined },
      stats,
    });
  }
  const names = out.map((s) => s.name);
  out.forEach((s, i) => { if (names.indexOf(s.name) !== i) s.name = `${s.name} (${s.dir})`; });
  return out;
}

/** A claim in a few words, for table rows (the full statements are listed under the table). */
export const CLAIM_SHORT: Record<number, string> = {
  1: 'model-2 more accurate',
  2: 'model-1’s CNNs learn different filters',
  3: 'model-2’s filters like model-1’s',
  4: 'model-2’s CNNs extract features',
};
const claimLabel = (c: { claim: number; statement: string }): string => `${c.claim}. ${CLAIM_SHORT[c.claim] ?? c.statement}`;

/** Whether the studies were trained by different recipes (presets, optimiser, epochs, reading). */
const recipesDiffer = (studies: ComparedStudy[]): boolean => new Set(studies.map((s) => recipeOf(s.recipe))).size > 1;

/** Column headers: the study names, each with its recipe in brief when the recipes differ (recipe.ts). */
export function studyHeaders(studies: ComparedStudy[]): string[] {
  return recipesDiffer(studies) ? studies.map((s) => recipeHeader(s.name, s.recipe)) : studies.map((s) => s.name);
}

/** Config keys whose values differ between the studies (what the comparison is about). */
export function differingSettings(studies: ComparedStudy[]): string[] {
  const keys = [...new Set(studies.flatMap((s) => Object.keys(s.settings)))].sort();
  return keys.filter((k) => new Set(studies.map((s) => JSON.stringify(s.settings[k]))).size > 1);
}

const pm = (mean: number | null | undefined, sd: number | null | undefined) =>
  mean === null || mean === undefined || !Number.isFinite(mean) ? '—' : `${fmt(mean, 3)} ± ${sd === null || sd === undefined || !Number.isFinite(sd) ? '—' : fmt(sd, 3)}`;

/** Table 2 rows present in any study, keyed model.network.target, in first-seen order. */
function table2Keys(studies: ComparedStudy[]) {
  const seen = new Map<string, { label: string; paper: number | null }>();
  for (const s of studies) for (const r of s.stats.table2) if (!r.diagnostic && !seen.has(`${r.model}.${r.network}.${r.target}`)) seen.set(`${r.model}.${r.network}.${r.target}`, { label: r.label, paper: r.paper });
  return [...seen.entries()];
}

const row2 = (s: ComparedStudy, key: string) => s.stats.table2.find((r) => `${r.model}.${r.network}.${r.target}` === key);

/** The plain-text comparison for the terminal. */
export function compareText(studies: ComparedStudy[]): string {
  const verdictCell = (s: ComparedStudy, claim: number): string => {
    const x = s.stats.claims.find((y) => y.claim === claim);
    return x ? `${verdictWord(x.verdict).toLowerCase()} (${x.pHolm === null ? `no p, n = ${x.nSeeds}` : fmtP(x.pHolm)})` : '—';
  };
  const w = Math.max(14, ...studies.map((s) => s.name.length + 2), ...studies.flatMap((s) => s.stats.claims.map((c) => verdictCell(s, c.claim).length + 2)));
  const keys = table2Keys(studies);
  const lw = Math.max(10, ...keys.map(([, v]) => v.label.length)) + 2;
  const lines = [`compare ${studies.length} studies; settings that differ: ${differingSettings(studies).join(', ') || 'none'}`];
  if (recipesDiffer(studies)) lines.push('recipes:', ...studies.map((s) => `  ${s.name}: ${recipeOf(s.recipe)}`));
  lines.push('', 'Table 2 — test accuracy, mean ± sd over seeds');
  lines.push(`  ${''.padEnd(lw)}${studies.map((s) => s.name.padEnd(w)).join('')}the paper`);
  for (const [k, v] of keys) lines.push(`  ${v.label.padEnd(lw)}${studies.map((s) => pm(row2(s, k)?.mean, row2(s, k)?.sd).padEnd(w)).join('')}${v.paper === null ? '—' : fmt(v.paper, 3)}`);
  lines.push('', 'Verdicts (Holm p)');
  for (const c of studies[0].stats.claims) {
    lines.push(`  claim ${c.claim}${''.padEnd(Math.max(1, lw - 7))}${studies.map((s) => verdictCell(s, c.claim).padEnd(w)).join('')}`.trimEnd());
  }
  const paired = pairedClaimTests(studies);
  if (paired.length) {
    lines.push('', `Paired by seed, each study against ${studies[0].name} (two-sided Wilcoxon on the claim's per-seed statistic)`);
    for (const t of paired) lines.push(`  claim ${t.claim}, ${t.other}: ${pairedText(t)}`);
  }
  return lines.join('\n');
}

export async function compareReport(studies: ComparedStudy[]): Promise<{ doc: ReportDoc; svg: string | null; warnings: string[] }> {
  const blocks: Block[] = [];
  const warnings: string[] = [];
  const names = studies.map((s) => s.name);
  const heads = studyHeaders(studies);
  const diff = differingSettings(studies);
  blocks.push({ kind: 'para', text: `${studies.length} studies: ${studies.map((s) => `\`${s.name}\` (${s.dir}, config ${s.configHash ?? '?'}, ${s.stats.seeds.length} seeds${recipesDiffer(studies) ? `; ${recipeOf(s.recipe)}` : ''})`).join('; ')}.` });
  blocks.push({ kind: 'heading', level: 2, text: 'Settings that differ', id: 'settings' });
  if (diff.length) blocks.push({ kind: 'table', head: ['config key', ...names], rows: diff.map((k) => [k, ...studies.map((s) => JSON.stringify(s.settings[k]) ?? '—')]) });
  else blocks.push({ kind: 'para', text: 'None: the studies share their training config (they differ in seeds or were pooled differently).' });

  blocks.push({ kind: 'heading', level: 2, text: 'Table 2 side by side', id: 'table2' });
  const keys = table2Keys(studies);
  blocks.push({
    kind: 'table',
    head: ['network', ...heads, 'the paper'],
    numeric: [false, ...names.map(() => true), true],
    rows: keys.map(([k, v]) => [v.label, ...studies.map((s) => { const r = row2(s, k); return r ? `${pm(r.mean, r.sd)}\nn = ${r.n}` : '—'; }), v.paper === null ? '—' : fmt(v.paper, 3)]),
    caption: 'Test accuracy, mean ± sd over seeds (each study’s own Table 2; model-2’s diagnostic CNN rows left out).',
  });
  const points: ComparePoint[] = studies.flatMap((s) => s.stats.table2.filter((r) => !r.diagnostic).flatMap((r) => r.perSeed.map((p) => ({ study: s.name, network: r.label, seed: p.seed, accuracy: p.accuracy }))));
  let svg: string | null = null;
  try {
    svg = await compareAccuracySvg(points, { title: 'Test accuracy per study', studies: names, networks: keys.map(([, v]) => v.label), paper: Object.fromEntries(keys.map(([, v]) => [v.label, v.paper ?? NaN])) });
    blocks.push({ kind: 'figures', columns: 1, items: [{ file: 'figures/compare-accuracy.svg', title: 'Test accuracy per study', svg }] });
  } catch (e) {
    warnings.push(`the comparison plot could not be drawn: ${(e as Error).message}`);
  }

  blocks.push({ kind: 'heading', level: 2, text: 'Verdicts side by side', id: 'verdicts' });
  blocks.push({
    kind: 'table',
    head: ['claim', ...heads],
    rows: studies[0].stats.claims.map((c) => [claimLabel(c), ...studies.map((s) => {
      const x = s.stats.claims.find((y) => y.claim === c.claim);
      return x ? `${verdictWord(x.verdict)}\n${pIs(x.pHolm, 'Holm p', x.nSeeds)}, n = ${x.nSeeds}` : '—';
    })]),
    caption: `Each study’s verdicts as its own report gives them (same rules, same α); the studies are not pooled.${recipesDiffer(studies) ? ' The studies were trained by different recipes (in brackets): a verdict holds under its own recipe.' : ''}`,
  });
  blocks.push({ kind: 'list', items: studies[0].stats.claims.map((c) => `Claim ${c.claim}: ${c.statement}`) });
  const paired = pairedClaimTests(studies);
  if (paired.length) {
    blocks.push({ kind: 'heading', level: 2, text: 'Paired by seed: do the studies differ?', id: 'paired' });
    blocks.push({
      kind: 'table',
      head: ['claim', ...heads.slice(1).map((h) => `${h} − ${names[0]}`)],
      rows: studies[0].stats.claims.map((c) => [claimLabel(c), ...names.slice(1).map((n) => {
        const t = paired.find((x) => x.claim === c.claim && x.other === n);
        return t ? pairedText(t).replace(/, (p|\d+ shared)/, '\n$1') : '—';
      })]),
      caption: `Per claim, the statistic each study tests on every seed (its per-seed difference) compared seed by seed where the studies share seeds: median of the differences and a two-sided Wilcoxon signed-rank test (exact up to 50 seeds), each study against ${names[0]}. Descriptive: not corrected for the several claims and studies; seeds are paired by number only.`,
    });
  }
  const w = studies.flatMap((s) => s.stats.warnings.map((x) => `${s.name}: ${x}`));
  if (w.length) {
    blocks.push({ kind: 'heading', level: 2, text: 'Warnings of the studies', id: 'warnings' });
    blocks.push({ kind: 'list', items: w });
  }
  return { doc: { title: `Comparison: ${names.join(' · ')}`, blocks }, svg, warnings };
}

/** Writes the comparison into outDir; returns the files written and the terminal text. */
export async function compareStudies(o: { dirs: string[]; outDir: string; reps?: number; cka?: boolean }): Promise<{ files: string[]; text: string; studies: ComparedStudy[]; warnings: string[] }> {
  const studies = await loadCompared(o.dirs, o);
  const { doc, svg, warnings } = await compareReport(studies);
  mkdirSync(join(o.outDir, 'figures'), { recursive: true });
  const files: string[] = [];
  const write = (rel: string, content: string) => { const p = join(o.outDir, rel); writeFileAtomic(p, content); files.push(p); };
  if (svg) write('figures/compare-accuracy.svg', svg);
  write('compare.md', renderMarkdown(doc));
  write('compare.html', renderHtml(doc));
  write('compare.json', `${JSON.stringify({ differing: differingSettings(studies), studies: studies.map((s) => ({ name: s.name, dir: s.dir, configHash: s.configHash, recipe: recipeOf(s.recipe), settings: Object.fromEntries(differingSettings(studies).map((k) => [k, s.settings[k]])), table2: s.stats.table2, claims: s.stats.claims, seeds: s.stats.seeds })), paired: pairedClaimTests(studies) }, null, 2)}\n`);
  const withRuns = o.dirs.filter(hasRuns);
  if (withRuns.length) files.push(writeRuns(withRuns, join(o.outDir, 'runs.parquet'), 'parquet'));
  const text = compareText(studies) + warnings.map((x) => `\nwarning: ${x}`).join('');
  return { files, text, studies, warnings };
}
