/**
 * Number and network-label formatting for the text that stats itself writes — the claim sentences (sentences.ts) and
 * the Table 2 row labels (table2.ts), both stored in stats.json — so that stats never imports the
 * report. report/format.ts re-exports these for the report's document, figures and terminal summary,
 * so a number reads the same everywhere.
 */

/** Fixed digits with a typographic minus (−), '—' for null/NaN. */
export const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits).replace(/^-/, '−'));

/** Fixed digits with an explicit sign (+ or −), '—' for null/NaN. */
export const fmtSigned = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`);

/** A confidence interval '[lo, hi]' (Interval or any { lo, hi }). */
export const ci = (iv: { lo: number | null; hi: number | null }, d = 3): string => (iv.lo === null || iv.hi === null ? 'CI not computable' : `[${fmt(iv.lo, d)}, ${fmt(iv.hi, d)}]`);

/** An interval's name from its level: 0.95 → '95% CI', 0.9 → '90% CI' (the claims'), 0.975 → '97.5% CI' (a sequential look's claims). */
export const ciName = (level = 0.95): string => `${Number((100 * level).toPrecision(4))}% CI`;

/** The two-sided level of a study's claim intervals: options.claimLevel (1 − 2α, verdicts.ts
 *  claimLevel); stats written before it existed used the sequential look's level, else `level`. */
export const claimCiLevel = (st: { options: { level: number; claimLevel?: number }; sequential?: { level: number } | null }): number =>
  st.options.claimLevel ?? st.sequential?.level ?? st.options.level;

/**
 * A p-value in a sentence: 'p = 0.012', 'p < 0.001' (never '0.000'), or 'p not computable' with
 * why when `n` (the seeds behind it) is given: 'no seeds' or 'only 1 seed'.
 */
export function pIs(p: number | null | undefined, name = 'p', n?: number): string {
  if (p === null || p === undefined || !Number.isFinite(p)) {
    const why = n === undefined ? '' : n === 0 ? ' (no seeds)' : ` (only ${n} seed${n === 1 ? '' : 's'})`;
    return `${name} not computable${why}`;
  }
  if (p < 0.001) return `${name} < 0.001`;
  return `${name} = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

/** 'model1.cnn1' → 'model-1 CNN1'; 'model1.cnn1_rerun' → 'model-1 CNN1 rerun'; 'model1' → 'model-1 (both CNNs)'. */
export const netLabel = (key: string): string => {
  const [m, n] = key.split('.');
  const model = m === 'model1' ? 'model-1' : m === 'model2' ? 'model-2' : m;
  const [net, ...rest] = (n ?? '').split('_');
  return n ? [`${model} ${net.toUpperCase()}`, ...rest].join(' ') : `${model} (both CNNs)`;
};

/** A finite number, else null (for values of unknown type, e.g. ClaimVerdict.numbers). */
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
