/**
 * Number and label formatting shared by the report document (doc.ts), its figures
 * (doc-figures.ts), the comparison (compare.ts) and the terminal summary (report.ts). Those that
 * stats also needs live in stats/format.ts (stats writes the claim sentences and Table 2 labels); they are
 * re-exported here so that the report has one module to format with.
 */
import type { Verdict } from '../stats/types.ts';
import { netLabel } from '../stats/format.ts';

export { ci, ciName, claimCiLevel, fmt, fmtSigned, netLabel, num, pIs } from '../stats/format.ts';

/** A p-value in a table cell: '< 0.001' below 0.001 (never '0.000'), four digits below 0.01, else three; in a sentence use pIs. */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p < 0.01 ? p.toFixed(4) : p.toFixed(3);
}

/** 'model-1 CNN1 → model-1 CNN2' for a ref → other pair of network keys. */
export const pairLabel = (ref: string, other: string): string => `${netLabel(ref)} → ${netLabel(other)}`;

/** A comparison name 'model1.cnn1 -> model1.cnn2' as pairLabel. */
export const cmpLabel = (c: string): string => {
  const [a, b] = c.split(' -> ');
  return pairLabel(a, b);
};

/** A CKA pair 'model1.cnn1 <-> model1.cnn2' → 'model-1 CNN1 ↔ model-1 CNN2'. */
export const ckaPairLabel = (k: string): string => k.split(' <-> ').map(netLabel).join(' ↔ ');

/** The verdict as shown in headings, tables and the terminal: 'NOT SUPPORTED'. */
export const verdictWord = (v: Verdict): string => v.toUpperCase();

export const slug = (s: string): string => s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
