/**
 * The multiverse summary: for each claim, one word over its verdicts under every yardstick × seed
 * set (src/stats/README.md, "Multiverse"). The cells themselves are computed in verdicts.ts.
 */
import type { ClaimVerdict, MultiverseCell, MultiverseSummary, Verdict } from './types.ts';

/** The most decisive verdict first: a claim is "carried" by the yardsticks that reach it. */
const DECISIVENESS: Verdict[] = ['supported', 'not supported', 'inconclusive'];

export function summarizeCells(cells: MultiverseCell[]): string {
  const verdicts = new Set(cells.map((c) => c.verdict));
  if (verdicts.size <= 1) return 'robust';
  const sets = [...new Set(cells.map((c) => c.seedSet))];
  const agreeWithinSet = sets.every((set) => new Set(cells.filter((c) => c.seedSet === set).map((c) => c.verdict)).size === 1);
  if (agreeWithinSet) return 'seeds';
  const top = DECISIVENESS.find((v) => verdicts.has(v))!;
  return [...new Set(cells.filter((c) => c.verdict === top).map((c) => c.yardstick))].join('+');
}

export function multiverseSummary(cells: MultiverseCell[], claims: ClaimVerdict[]): MultiverseSummary[] {
  return claims.map((c) => ({ claim: c.claim, summary: summarizeCells(cells.filter((x) => x.claim === c.claim)), verdict: c.verdict }));
}
