/**
 * The report's document model: a title and a list of blocks (headings, paragraphs, claims, lists,
 * tables, figures). doc.ts builds it, claims.ts, training.ts and doc-figures.ts fill parts of it,
 * md.ts and html.ts render it. Its own module so that the builders can share it without importing
 * each other (doc.ts imports claims.ts and doc-figures.ts; they import only this).
 *
 * Inline text uses a tiny markup: **bold** and `code`; S_i, E_ij … are written plainly.
 * In table cells, a '\n' starts a secondary line (a CI under its estimate).
 */
import type { Verdict } from '../stats/types.ts';

export interface FigureRef {
  /** Path relative to outDir, e.g. 'figures/fig4-model1-cnn1-cnn2.svg'. */
  file: string;
  title: string;
  svg: string;
  caption?: string;
}

export type Block =
  | { kind: 'heading'; level: 2 | 3; text: string; id: string }
  | { kind: 'para'; text: string }
  /** badge: what the verdict was decided on, shown beside it (e.g. claim 3's 'part (b) tested · unit S'). */
  | { kind: 'claim'; claim: number; verdict: Verdict; title: string; text: string; notes: string[]; badge?: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'meta'; items: [string, string][] }
  | { kind: 'table'; head: string[]; rows: string[][]; numeric?: boolean[]; caption?: string }
  /** columns: 2 = two figures per row (pairs: heatmap directions, trained beside init); 1 = full width. */
  | { kind: 'figures'; items: FigureRef[]; columns?: 1 | 2 };

export interface ReportDoc {
  title: string;
  blocks: Block[];
}
