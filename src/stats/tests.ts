/**
 * Hypothesis tests and effect sizes for the seed-level design (seed = unit of replication).
 * Conventions follow scipy.stats so results can be checked against it (test/fixtures/).
 */
import { makeRng } from '../rng.ts';
import { FilterstudyError } from '../errors.ts';
import { mean, sd } from './distances.ts';

export type Alternative = 'two-sided' | 'greater' | 'less';

// ---- special functions -----------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x), x > 0 (Lanczos g = 7, ~1e-15 relative). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) (series / Lentz continued fraction). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lg = lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let del = sum;
    for (let n = 1; n < 500; n++) {
      del *= x / (a + n);
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lg);
  }
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - lg) * h;
}

/** P(Z > z) for Z ~ N(0, 1), accurate in the far tail (via erfc = Q(1/2, x²)). */
export function normalSf(z: number): number {
  const x = z / Math.SQRT2;
  return x >= 0 ? 0.5 * gammaQ(0.5, x * x) : 1 - 0.5 * gammaQ(0.5, x * x);
}
export const normalCdf = (z: number): number => normalSf(-z);

/** Φ⁻¹(p) (Acklam's rational approximation, one Newton step: ~1e-15). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Regularised incomplete beta I_x(a, b) (Numerical Recipes betacf). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  const cf = (x: number, a: number, b: number): number => {
    const qab = a + b;
    const qap = a + 1;
    const qam = a - 1;
    let c = 1;
    let d = 1 - (qab * x) / qap;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    d = 1 / d;
    let h = d;
    for (let m = 1; m <= 1000; m++) {
      const m2 = 2 * m;
      let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < 1e-300) d = 1e-300;
      c = 1 + aa / c;
      if (Math.abs(c) < 1e-300) c = 1e-300;
      d = 1 / d;
      h *= d * c;
      aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < 1e-300) d = 1e-300;
      c = 1 + aa / c;
      if (Math.abs(c) < 1e-300) c = 1e-300;
      d = 1 / d;
      const del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-16) break;
    }
    return h;
  };
  return x < (a + 1) / (a + b + 2) ? (bt * cf(x, a, b)) / a : 1 - (bt * cf(1 - x, b, a)) / b;
}

/** P(T > t) for Student's t with df degrees of freedom. */
export function studentTSf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

// ---- ranks ---------------------------------------------------------------------------------

/** Average ranks (1-based), ties get the mean rank (scipy rankdata 'average'). */
export function rankAverage(x: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Sizes of the tie groups of x (only groups > 1). */
function tieSizes(x: ArrayLike<number>): number[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) counts.set(x[i], (counts.get(x[i]) ?? 0) + 1);
  return [...counts.values()].filter((c) => c > 1);
}

// ---- Wilcoxon signed-rank ------------------------------------------------------------------

export interface WilcoxonResult {
  /** scipy's statistic: min(r+, r−) for two-sided, r+ otherwise. */
  statistic: number;
  rPlus: number;
  rMinus: number;
  n: number; // non-zero differences used
  p: number;
  method: 'exact' | 'approx';
  z: number | null;
  /** Matched-pairs rank-biserial correlation (r+ − r−)/(r+ + r−) ∈ [−1, 1]. */
  rankBiserial: number;
}

/**
 * Exact null distribution of r+ over all 2^n equally likely sign patterns of the given ranks.
 * Average ranks are multiples of ½, so they are doubled to integers w_i and
 * cnt[k] = #sign patterns with 2·r+ = k (a subset-sum count over w; with untied ranks 1..n this is
 * the classical table). This is the full enumeration of the 2^n patterns, grouped by their sum,
 * so ties are handled exactly. Counts are exact integers in a float64 while 2^n ≤ 2^53.
 */
function signedRankCounts(ranks: ArrayLike<number>): Float64Array {
  const w = Array.from(ranks, (r) => Math.round(2 * r));
  const max = w.reduce((a, b) => a + b, 0);
  const cnt = new Float64Array(max + 1);
  cnt[0] = 1;
  for (const k of w) for (let s = max; s >= k; s--) cnt[s] += cnt[s - k];
  return cnt;
}

/** Largest n (non-zero differences) for which method 'auto' uses the exact distribution. */
export const WILCOXON_EXACT_MAX_N = 50;

/**
 * Wilcoxon signed-rank test of d = x − y (or x alone), zeros dropped ('wilcox': a zero difference
 * reduces n). method 'auto': exact null distribution when n ≤ 50 — with or without ties among |d|:
 * the exact distribution is that of r+ over all 2^n sign patterns of the (average) ranks, which
 * for untied data equals scipy's exact table — else the normal approximation with tie correction
 * of the variance and (by default) continuity correction. (scipy 1.10 falls back to the normal
 * approximation whenever there are ties; we do not: with 6 seeds and one tie that fallback gives
 * p = 0.0178 instead of the exact 1/64 = 0.0156 for "every seed agrees", which cannot pass Holm.)
 */
export function wilcoxon(
  x: ArrayLike<number>,
  y?: ArrayLike<number>,
  opts: { alternative?: Alternative; method?: 'auto' | 'exact' | 'approx'; correction?: boolean } = {},
): WilcoxonResult {
  const alt = opts.alternative ?? 'two-sided';
  if (y && y.length !== x.length) throw new FilterstudyError('E_STATS', `wilcoxon: paired samples differ in length (${x.length} vs ${y.length})`);
  const d: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = y ? x[i] - y[i] : x[i];
    if (v !== 0) d.push(v);
  }
  const n = d.length;
  if (n === 0) throw new FilterstudyError('E_STATS', 'wilcoxon: all differences are zero');
  const abs = d.map(Math.abs);
  const r = rankAverage(abs);
  let rPlus = 0;
  let rMinus = 0;
  for (let i = 0; i < n; i++) (d[i] > 0 ? (rPlus += r[i]) : (rMinus += r[i]));
  const ties = tieSizes(abs);
  let method = opts.method ?? 'auto';
  if (method === 'auto') method = n <= WILCOXON_EXACT_MAX_N ? 'exact' : 'approx';
  const statistic = alt === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;
  const rankBiserial = (rPlus - rMinus) / (rPlus + rMinus);
  if (method === 'exact') {
    const cnt = signedRankCounts(r);
    const total = 2 ** n;
    const k = Math.round(2 * rPlus);
    let lessEq = 0;
    let greaterEq = 0;
    for (let s = 0; s < cnt.length; s++) {
      if (s <= k) lessEq += cnt[s];
      if (s >= k) greaterEq += cnt[s];
    }
    let p: number;
    if (alt === 'greater') p = greaterEq / total;
    else if (alt === 'less') p = lessEq / total;
    else p = Math.min(1, (2 * Math.min(lessEq, greaterEq)) / total); // = 1 at the centre (symmetric null)
    return { statistic, rPlus, rMinus, n, p, method: 'exact', z: null, rankBiserial };
  }
  const mn = (n * (n + 1)) / 4;
  let v = n * (n + 1) * (2 * n + 1);
  for (const t of ties) v -= 0.5 * t * (t * t - 1);
  const se = Math.sqrt(v / 24);
  const corr = opts.correction ?? true;
  let dd = 0;
  if (corr) dd = alt === 'two-sided' ? 0.5 * Math.sign(statistic - mn) : alt === 'greater' ? 0.5 : -0.5;
  const z = (statistic - mn - dd) / se;
  const p = alt === 'two-sided' ? Math.min(1, 2 * normalSf(Math.abs(z))) : alt === 'greater' ? normalSf(z) : normalCdf(z);
  return { statistic, rPlus, rMinus, n, p, method: 'approx', z, rankBiserial };
}

// ---- paired sign-flip permutation test -----------------------------------------------------

/**
 * Paired sign-flip permutation test of mean(d) (d = x − y): under H0 (symmetric around 0) each
 * sign is equally likely. Exact enumeration of all 2^n sign patterns for n ≤ maxExact (20),
 * else `permutations` random flips with p = (1 + #extreme)/(1 + permutations).
 */
export function signFlipTest(
  d: ArrayLike<number>,
  opts: { alternative?: Alternative; permutations?: number; seed?: number; maxExact?: number } = {},
): { statistic: number; p: number; exact: boolean; n: number } {
  const alt = opts.alternative ?? 'two-sided';
  const n = d.length;
  if (n === 0) throw new FilterstudyError('E_STATS', 'sign-flip test: no differences');
  const obs = mean(d);
  const tol = 1e-12 * Math.max(1, Math.abs(obs));
  const extreme = (m: number): boolean =>
    alt === 'greater' ? m >= obs - tol : alt === 'less' ? m <= obs + tol : Math.abs(m) >= Math.abs(obs) - tol;
  if (n <= (opts.maxExact ?? 20)) {
    let count = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i] : d[i];
      if (extreme(s / n)) count++;
    }
    return { statistic: obs, p: count / total, exact: true, n };
  }
  const perms = opts.permutations ?? 20000;
  const rng = makeRng(opts.seed ?? 0, 'stats-signflip');
  let count = 0;
  for (let b = 0; b < perms; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next() < 0.5 ? -d[i] : d[i];
    if (extreme(s / n)) count++;
  }
  return { statistic: obs, p: (1 + count) / (1 + perms), exact: false, n };
}

// ---- effect sizes, multiplicity, correlation ---------------------------------------------

/** Cohen's d_z = mean(d)/sd(d) for paired differences; null when undefined. */
export function cohenDz(d: ArrayLike<number>): number | null {
  const s = sd(d);
  return Number.isFinite(s) && s > 0 ? mean(d) / s : null;
}

/** Holm step-down adjusted p-values (same order as the input). */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => i).sort((a, b) => p[a] - p[b]);
  const adj = new Array<number>(m);
  let running = 0;
  order.forEach((idx, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p[idx]));
    adj[idx] = running;
  });
  return adj;
}

/** Spearman ρ (Pearson of average ranks) with scipy's t-approximation p-value (df = n − 2). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>, alternative: Alternative = 'two-sided'): { rho: number; p: number; n: number } {
  const n = x.length;
  if (n !== y.length) throw new FilterstudyError('E_STATS', `spearman: lengths differ (${n} vs ${y.length})`);
  if (n < 3) throw new FilterstudyError('E_STATS', `spearman needs at least 3 pairs, got ${n}`);
  const rx = rankAverage(x);
  const ry = rankAverage(y);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return { rho: NaN, p: NaN, n };
  const rho = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  const df = n - 2;
  const t = rho * Math.sqrt(df / Math.max(1e-300, (1 - rho) * (1 + rho)));
  const p = alternative === 'two-sided' ? Math.min(1, 2 * studentTSf(Math.abs(t), df)) : alternative === 'greater' ? studentTSf(t, df) : studentTSf(-t, df);
  return { rho, p, n };
}

// ---- proportions and equivalence -----------------------------------------------------------

/** Root of a monotone increasing f on [lo, hi] by bisection (to ~1e-15 on [0, 1]). */
function bisect(f: (x: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Clopper–Pearson ("exact") interval for a binomial proportion k/n: the Beta quantiles
 * lo = B⁻¹(α/2; k, n−k+1), hi = B⁻¹(1−α/2; k+1, n−k) (scipy binomtest().proportion_ci('exact')).
 * Chosen over Wilson because its coverage is never below the level, which matters at 6 seeds.
 */
export function clopperPearson(k: number, n: number, level = 0.95): { estimate: number; lo: number; hi: number; level: number; method: 'clopper-pearson' } {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 0 && k <= n)) {
    throw new FilterstudyError('E_STATS', `clopperPearson: need integers 0 ≤ k ≤ n, n ≥ 1 (got k = ${k}, n = ${n})`);
  }
  const a = (1 - level) / 2;
  const lo = k === 0 ? 0 : bisect((x) => incompleteBeta(x, k, n - k + 1), a, 0, 1);
  const hi = k === n ? 1 : bisect((x) => incompleteBeta(x, k + 1, n - k), 1 - a, 0, 1);
  return { estimate: k / n, lo, hi, level, method: 'clopper-pearson' };
}

/** Student t quantile: t with P(T ≤ t) = p (bisection on the survival function). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new FilterstudyError('E_STATS', `studentTQuantile: p must be in (0, 1), got ${p}`);
  return bisect((t) => 1 - studentTSf(t, df), p, -1e6, 1e6);
}

export interface TostResult {
  n: number;
  mean: number;
  margin: number;
  /** One-sided p of H0 μ ≤ −margin and of H0 μ ≥ +margin; p = the larger. */
  pLower: number;
  pUpper: number;
  p: number;
  /** The (1 − 2α) t interval of the mean: equivalence at α ⇔ it lies inside (−margin, margin). */
  ci: { lo: number; hi: number; level: number };
  equivalent: boolean;
}

/**
 * Two one-sided tests (Schuirmann 1987) for |mean(d)| < margin on paired differences d, with
 * one-sample t tests (scipy ttest_1samp against ∓margin). Needs n ≥ 2. With zero spread the
 * mean is known exactly: p = 0 inside the margin, 1 outside.
 */
export function tost(d: ArrayLike<number>, margin: number, alpha = 0.05): TostResult {
  const n = d.length;
  if (n < 2) throw new FilterstudyError('E_STATS', `TOST needs at least 2 paired differences, got ${n}`);
  if (!(margin > 0)) throw new FilterstudyError('E_STATS', `TOST margin must be > 0, got ${margin}`);
  const m = mean(d);
  const se = sd(d) / Math.sqrt(n);
  const df = n - 1;
  let pLower: number;
  let pUpper: number;
  let half: number;
  if (se > 0) {
    pLower = studentTSf((m + margin) / se, df);
    pUpper = 1 - studentTSf((m - margin) / se, df);
    half = studentTQuantile(1 - alpha, df) * se;
  } else {
    pLower = m > -margin ? 0 : 1;
    pUpper = m < margin ? 0 : 1;
    half = 0;
  }
  const p = Math.max(pLower, pUpper);
  return { n, mean: m, margin, pLower, pUpper, p, ci: { lo: m - half, hi: m + half, level: 1 - 2 * alpha }, equivalent: p < alpha };
}
