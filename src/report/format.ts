/**
 * Number and label formatting shared by the report document (report-doc.ts), its figures
 * (report-figures.ts) and the terminal summary (report.ts).
 */
import type { Verdict } from '../stats/types.ts';

/** Fixed digits with a typographic minus (−), '—' for null/NaN. */
export const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits).replace(/^-/, '−'));

/** Fixed digits with an explicit sign (+ or −), '—' for null/NaN. */
export const fmtSigned = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`);

/** A p-value: exponent below 0.001, four digits below 0.01, else three. */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return p.toExponential(1);
  return p < 0.01 ? p.toFixed(4) : p.toFixed(3);
}

/** A confidence interval '[lo, hi]' (Interval or any { lo, hi }). */
export const ci = (iv: { lo: number | null; hi: number | null }, d = 3): string => (iv.lo === null || iv.hi === null ? 'CI not computable' : `[${fmt(iv.lo, d)}, ${fmt(iv.hi, d)}]`);

/** 'model1.cnn1' → 'model-1 CNN1'; 'model1' → 'model-1 (both CNNs)'. */
export const netLabel = (key: string): string => {
  const [m, n] = key.split('.');
  const model = m === 'model1' ? 'model-1' : m === 'model2' ? 'model-2' : m;
  return n ? `${model} ${n.toUpperCase()}` : `${model} (both CNNs)`;
};

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

/** A finite number, else null (for values of unknown type, e.g. ClaimVerdict.numbers). */
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
