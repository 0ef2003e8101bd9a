/**
 * The study report: `aggregate({ dirs })` loads one or more out/<study> folders (loadStudy),
 * analyses them (analyzeStudy), draws the figures and writes, atomically, into outDir:
 *
 *   stats.json    the StudyStats (src/stats/types.ts), pretty-printed
 *   stats.arrow   the main numbers as one tidy long table (Arrow IPC file; columns in stats-table.ts)
 *   report.md     Markdown, figures linked from figures/
 *   report.html   one self-contained page: SVGs inline, CSS inline, no external assets
 *   figures/*.svg (and *.png when @resvg/resvg-js loads)
 *
 * The parts, each in its own file:
 *   context.ts             study name, sources, backend, data source, dates (ReportContext)
 *   doc-figures.ts         every figure, from StudyData and StudyStats (drawn by figures.ts,
 *                          figure-specs.ts, figure-curves.ts)
 *   blocks.ts              the document model (ReportDoc, Block, FigureRef)
 *   doc.ts, claims.ts      the document and its prose (buildReport)
 *   md.ts, html.ts         render the document
 *   stats-table.ts         stats.arrow (statsRows, statsTable, STATS_COLUMNS)
 *   format.ts              number and label formatting
 *   training.ts            the training-settings table and the learning curves (history.arrow)
 *   compare.ts, summary.ts the comparison of studies; the terminal summary
 * This file is the public entry: everything above that other modules use is re-exported here.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, writeArrowFile, writeFileAtomic } from '../io/arrow.ts';
import { readStudyTable, tableRows } from '../io/tables.ts';
import { FilterstudyError } from '../errors.ts';
import { loadMnist } from '../data/mnist.ts';
import { imagesToFloat } from '../stats/cka.ts';
import { convergenceNotes } from '../stats/convergence.ts';
import { svgToPng } from './figures.ts';
import { historyFiles, loadStudy, missingSeeds, studyConfigHash, studySeedsPlan } from '../io/load.ts';
import { REQUIRED_FILES, scanSeeds } from '../io/seed-manifest.ts';
import { studyContext } from './context.ts';
import { studyKernels, type StudyKernels } from './kernels.ts';
import { buildReport } from './doc.ts';
import { buildFigures, figureList } from './doc-figures.ts';
import { ci, ciName, claimCiLevel, fmt, pIs, fmtSigned, verdictWord } from './format.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './md.ts';
import { statsTable } from './stats-table.ts';
import { insertTrainingSection, trainingSection } from './training.ts';
import type { StudyData, StudyStats } from '../stats/types.ts';
import { exportCheckSubject } from '../stats/standard.ts';
import { analyzeStudy } from '../stats/verdicts.ts';
import { sequentialClaimNote, sequentialDesign, sequentialStats } from '../stats/sequential.ts';

export type { ReportContext } from './context.ts';
export { buildReport } from './doc.ts';
export type { Block, FigureRef, ReportDoc } from './blocks.ts';
export type { Figures } from './doc-figures.ts';
export { fmt, fmtP } from './format.ts';
export { STATS_COLUMNS, statsRows, statsTable, type StatRow } from './stats-table.ts';
export type { StudyKernels } from './kernels.ts';

export interface AggregateOptions {
  /** out/<study> folders to pool (same configHash, disjoint seeds). */
  dirs: string[];
  /** Where the report goes; default dirs[0]. */
  outDir?: string;
  /** Seed whose heatmaps and filters are drawn; default the first complete seed. */
  seedForFigures?: number;
  /** Compute CKA on 1000 MNIST test images (default true; skipped with a warning if MNIST fails to load). */
  cka?: boolean;
  /** Bootstrap replicates (analyzeStudy default 4000). */
  reps?: number;
  /** Seeds needed for a verdict other than 'inconclusive' (analyzeStudy default 6). */
  minSeeds?: number;
  /** Leave out seeds whose files fail verification, with a warning (default: stop and name the file). */
  skipBad?: boolean;
}

/** A short plain-text summary for the terminal: Table 2, who learned, and the four verdicts (and, given them, the kernel paths). */
export function formatAggregateSummary(st: StudyStats, kernels?: StudyKernels): string {
  const lines: string[] = [];
  lines.push(`study statistics over ${st.seeds.length} seed${st.seeds.length === 1 ? '' : 's'} (${st.seeds.join(', ')})${st.configHash ? `, config ${st.configHash}` : ''}`);
  if (kernels) lines.push(`kernels: ${kernels.summary}`);
  lines.push('', 'Table 2 — test accuracy across seeds');
  const w = Math.max(24, ...st.table2.map((r) => r.label.length));
  lines.push(`  ${'network'.padEnd(w)} ${'mean'.padStart(7)}  ${'sd'.padStart(7)}  ${'95% CI (BCa)'.padEnd(18)}  paper`);
  for (const r of st.table2) {
    lines.push(`  ${r.label.padEnd(w)} ${fmt(r.mean, 4).padStart(7)}  ${fmt(r.sd, 4).padStart(7)}  ${ci(r.ci, 4).padEnd(18)}  ${fmt(r.paper)}   (n = ${r.n})`);
  }
  if (st.table2.some((r) => r.diagnostic)) lines.push('  (diagnostic rows: model-2’s CNNs never see a digit label; their argmax digit accuracy is not a classifier’s)');
  const L = st.learned;
  if (L.n) lines.push('', `model-2 learned the task (test accuracy ≥ ${L.threshold}) on ${L.k} of ${L.n} seeds, 95% CI ${ci(L.ci, 2)}; trained to the standard: ${L.standardSeeds.join(', ') || 'none'}`);
  const X = st.onnx;
  if (X.recorded) lines.push(`export check (${exportCheckSubject(X)}): leaves out ${X.leftOut.length} of ${X.checked.length} checked seeds${X.leftOut.length ? ` (${X.leftOut.join(', ')})` : ''}${X.nearTies ? `; ${X.nearTies} near-tie argmax flip${X.nearTies === 1 ? '' : 's'} not counted` : ''}`);
  lines.push('', `Claims (one-sided Wilcoxon over seeds; claims 1–3 Holm-corrected, claim 4 its own family; α = ${st.alpha}; effects with ${ciName(claimCiLevel(st))}s, whose end on the claimed side is the one-sided bound at α)`);
  const q = st.sequential;
  if (q) lines.push(`  sequential: ${q.looksTaken ?? 'no'} look${q.looksTaken === 1 ? '' : 's'} taken of ${q.looks.length} (${q.looks.join(', ')} seeds), α = ${Number(q.alphaPerLook.toPrecision(4))} per look, claims' ${ciName(q.level)}s: ${q.note}`);
  for (const c of st.claims) {
    const e = c.effect ? `effect ${fmtSigned(c.effect.estimate, 4)} ${ci(c.effect.ci, 4)}, ` : '';
    lines.push(`  ${c.claim}. ${verdictWord(c.verdict).padEnd(13)} ${c.statement}`);
    const mv = st.multiverseSummary?.find((m) => m.claim === c.claim)?.summary;
    lines.push(`     ${e}${pIs(c.p, 'p', c.nSeeds)}, ${pIs(c.pHolm, c.family === 'paper' ? 'Holm p' : 'p (own family)', c.nSeeds)}, n = ${c.nSeeds} seeds ${c.decidedOn.seedSet === 'standard' ? 'trained to the standard' : '(all)'}${c.decidedOn.yardstick ? `, on ${c.decidedOn.yardstick} S` : ''}${mv ? `; multiverse: ${mv}` : ''}`);
    for (const s of c.secondary) lines.push(`     ${s.name}: ${verdictWord(s.verdict)}${s.effect ? `, effect ${fmtSigned(s.effect.estimate, 4)} ${ci(s.effect.ci, 4)}` : ''}, ${pIs(s.p, 'p', s.seeds.length)}, n = ${s.seeds.length}`);
    lines.push(`     ${c.sentence}`);
    for (const n of c.notes) lines.push(`     note: ${n}`);
    if (c.yardstickCheck && !c.yardstickCheck.agree) lines.push(`     note: ${c.yardstickCheck.note}`);
  }
  for (const w of st.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// aggregate

/**
 * loadStudy, after verifying the seed folders of each study that has them (size and SHA-256 of
 * every file against seed.json). A bad seed stops with its file named, or with `skipBad` its
 * rows are left out with a warning. Folders without seeds/ (exported, synthetic) load as they are.
 */
function loadVerified(dirs: string[], skipBad: boolean, look?: { seeds: (seed: number) => boolean; name: string }): { data: StudyData; left: { seeds: Set<number>; warnings: string[] } } {
  const left = { seeds: new Set<number>(), warnings: [] as string[] };
  for (const d of dirs) {
    if (!existsSync(join(d, 'seeds'))) continue;
    // The tables aggregate reads are hashed, ONNX sizes only; every seed's config hash must be its study's.
    const { good, bad } = scanSeeds(join(d, 'seeds'), REQUIRED_FILES, studyConfigHash(d));
    // A sequential look analyses the seeds of the look only (seeds finished earlier beyond it wait for their look).
    const outside = look ? [...good, ...bad].map((g) => g.seed).filter((s) => !look.seeds(s)).sort((a, b) => a - b) : [];
    for (const s of outside) left.seeds.add(s);
    if (outside.length) left.warnings.push(`seeds ${outside.join(', ')} are left out: they are not seeds of ${look!.name}, and a sequential study analyses each look on its own seeds`);
    for (const b of bad) {
      if (left.seeds.has(b.seed)) continue;
      if (!skipBad) {
        throw new FilterstudyError('E_OUTPUT', `seed ${b.seed} does not verify: ${b.dir}: ${b.reason}`, {
          hint: 'rerun the same `filterstudy run` command (it quarantines and retrains the seed), or pass --skip-bad to leave the seed out',
        });
      }
      left.seeds.add(b.seed);
      left.warnings.push(`seed ${b.seed} left out (--skip-bad): ${b.dir}: ${b.reason}`);
    }
  }
  // The seed folders themselves are read (not the combined files), the bad ones skipped.
  const data = loadStudy(dirs, left.seeds);
  if (left.seeds.size === 0) return { data, left };
  const keep = <T extends { seed: number }>(rows: T[]): T[] => rows.filter((r) => !left.seeds.has(r.seed));
  return { data: { ...data, seeds: data.seeds.filter((s) => !left.seeds.has(s)), filters: keep(data.filters), metrics: keep(data.metrics), similarity: keep(data.similarity) }, left };
}

export async function aggregate(o: AggregateOptions): Promise<{ stats: StudyStats; files: string[]; kernels: StudyKernels }> {
  if (!o || !Array.isArray(o.dirs) || o.dirs.length === 0) {
    throw new FilterstudyError('E_CONFIG', 'aggregate needs at least one output folder', { hint: 'filterstudy aggregate out/<study> [out/<study2> …]' });
  }
  for (const d of o.dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      throw new FilterstudyError('E_OUTPUT', `${d} is not a folder`, { hint: 'pass the out/<study> folder(s) written by filterstudy run' });
    }
  }
  for (const [name, v, min] of [['reps', o.reps, 1], ['minSeeds', o.minSeeds, 1]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new FilterstudyError('E_CONFIG', `${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  // The report of several folders belongs to none of them: writing it into the first one would
  // make that folder's report describe seeds it does not hold.
  if (o.dirs.length > 1 && o.outDir === undefined) {
    throw new FilterstudyError('E_CONFIG', `aggregate over ${o.dirs.length} folders needs an output folder`, { hint: 'add --out DIR (e.g. out/pooled); a single folder gets its report inside it' });
  }
  // A study run until decided (one folder, seeds.untilDecided in its config.json): analysed at the
  // α of its design's looks, on the seeds of the look its config.json plans (stats/sequential.ts).
  const plan = o.dirs.length === 1 ? studySeedsPlan(o.dirs[0]) : undefined;
  const design = plan?.untilDecided ? sequentialDesign(plan.maxCount ?? null) : null;
  const inLook = plan && design ? { seeds: (s: number) => s >= plan.start && s < plan.start + plan.count, name: `the look at ${plan.count} seeds (${plan.start}–${plan.start + plan.count - 1})` } : undefined;
  const { data, left } = loadVerified(o.dirs, o.skipBad ?? false, inLook);
  const wantCka = o.cka ?? true;
  let images: Float32Array | undefined;
  let ckaNote: string | null = wantCka ? null : 'CKA was not computed (--no-cka).';
  if (wantCka) {
    try {
      images = imagesToFloat(loadMnist().testImages, 1000);
    } catch (e) {
      ckaNote = `CKA was not computed: MNIST test images could not be loaded (${(e as Error).message}).`;
    }
  }
  const stats = analyzeStudy(data, { reps: o.reps, minSeeds: o.minSeeds, images, ...(design ? { alpha: design.alphaPerLook, decisionLevel: design.level } : {}) });
  if (wantCka && ckaNote) stats.warnings.push(ckaNote); // asked for CKA, MNIST failed
  stats.warnings.push(...left.warnings);
  // Which kernel implementations the seeds ran (seed.json); a fallback from the SIMD module is a warning.
  const kernels = studyKernels(o.dirs, left.seeds);
  stats.warnings.push(...kernels.warnings);
  // Networks still improving when training stopped: their numbers are not final.
  stats.warnings.push(...convergenceNotes(historyFiles(o.dirs, left.seeds).flatMap((f) => tableRows(readStudyTable(f, 'history')))));
  // Seeds the study planned that are not there (a failed or killed shard): listed, not hidden.
  const missing = missingSeeds(o.dirs, data.seeds);
  if (missing.length) {
    const failed = missing.filter((m) => m.error);
    stats.warnings.push(`${missing.length} planned seed(s) are missing from this report: ${missing.map((m) => m.seed).join(', ')}` +
      (failed.length ? `; failed: ${failed.map((m) => `${m.seed} (${m.error})`).join('; ')}` : '') + '; rerun or resubmit the study to train them');
  }
  stats.missingSeeds = missing.map((m) => m.seed);
  if (plan && design) {
    stats.sequential = sequentialStats(design, plan.count, missing.length === 0, stats.claims);
    const note = sequentialClaimNote(stats.sequential);
    for (const c of stats.claims) c.notes.push(note);
  }
  if (!stats.seeds.length) {
    throw new FilterstudyError('E_OUTPUT', `no seed in ${o.dirs.join(', ')} has all four trained CNNs`, { hint: 'the runs may be unfinished; re-run or resume the study' });
  }
  const seed = o.seedForFigures ?? stats.seeds[0];
  if (!stats.seeds.includes(seed)) {
    throw new FilterstudyError('E_CONFIG', `seed ${seed} is not a complete seed of this study`, { hint: `choose one of ${stats.seeds.join(', ')}` });
  }
  const outDir = o.outDir ?? o.dirs[0];
  ensureDir(join(outDir, 'figures'));
  const figWarnings: string[] = [];
  const fig = await buildFigures(data, stats, seed, figWarnings);
  stats.warnings.push(...figWarnings);
  const ctx = { ...studyContext(data, o.dirs, seed, ckaNote), kernels: kernels.summary };
  // How the models were trained (next to the verdicts) and learning curves: training.ts.
  const training = await trainingSection(o.dirs, data, stats.warnings, left.seeds);
  const doc = insertTrainingSection(buildReport(ctx, stats, fig), training);

  const files: string[] = [];
  /** The absolute path of `rel`, listed in `files`. */
  const listed = (rel: string): string => {
    const path = join(outDir, rel);
    files.push(path);
    return path;
  };
  const write = (rel: string, content: string | Uint8Array): void => writeFileAtomic(listed(rel), content);
  let pngOk = true;
  for (const f of [...figureList(fig), ...training.figures]) {
    write(f.file, f.svg);
    if (pngOk) {
      try {
        write(f.file.replace(/\.svg$/, '.png'), svgToPng(f.svg));
      } catch {
        pngOk = false; // no resvg binary on this platform: SVGs only
      }
    }
  }
  write('stats.json', JSON.stringify(stats, null, 2) + '\n');
  writeArrowFile(listed('stats.arrow'), statsTable(stats));
  write('report.md', renderMarkdown(doc));
  write('report.html', renderHtml(doc));
  return { stats, files, kernels };
}
