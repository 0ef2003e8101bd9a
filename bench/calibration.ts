/**
 * The calibration table of src/stats/README.md: for each simulated scenario (src/stats/simulate.ts)
 * and 6, 10 and 20 seeds, the share of whole studies in which analyzeStudy calls each claim
 * SUPPORTED / NOT SUPPORTED, plus the CI coverage at 6 seeds. Seeded: the same numbers on every run.
 *
 *   node --import tsx bench/calibration.ts [--replicates 400] [--reps 400] [--coverage-reps 1000] [--write]
 *
 * --replicates: simulated studies per cell; --reps: bootstrap replicates per study in the
 * verdict cells (the CI decides "supported", so fewer replicates make its bounds noisier, not
 * biased); --coverage-reps: bootstrap replicates in the coverage line. The table's header states
 * all three. --write replaces the table between the CALIBRATION markers in src/stats/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { argOf, flag } from './args.ts';
import { calibrate, SCENARIOS, simulateStudy } from '../src/stats/simulate.ts';
import { ciName } from '../src/stats/format.ts';
import { ALPHA, analyzeStudy, claimLevel } from '../src/stats/verdicts.ts';

/** A positive integer option, or exit naming the option. */
function intArg(name: string, dflt: number): number {
  const v = Number(argOf(name, String(dflt)));
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive integer (got '${argOf(name, '')}')`);
    process.exit(2);
  }
  return v;
}
const R = intArg('replicates', 400);
const opts = { reps: intArg('reps', 400), freshDraws: 5 };
const coverageReps = intArg('coverage-reps', 1000);
const pct = (k: number, n: number): string => `${Math.round((100 * k) / n)}`;

const lines: string[] = [];
lines.push(`${R} simulated studies per cell (bootstrap ${opts.reps} replicates, ${opts.freshDraws} fresh Glorot draws); each cell: % SUPPORTED / % NOT SUPPORTED. **Bold**: the claim is false in that scenario (SUPPORTED should stay ≤ 5 %).`, '');
lines.push('| scenario | seeds | claim 1 | claim 2 | claim 3 | claim 4 |', '|---|---|---|---|---|---|');
for (const [name, sc] of Object.entries(SCENARIOS)) {
  for (const n of [6, 10, 20]) {
    const c = calibrate(name, n, R, opts, 1_000_000 + 1000 * n);
    const cells = [0, 1, 2, 3].map((i) => {
      const s = `${pct(c.supported[i], R)} / ${pct(c.notSupported[i], R)}`;
      return sc.truth[i] ? s : `**${s}**`;
    });
    lines.push(`| ${name}: ${sc.label} | ${n} | ${cells.join(' | ')} |`);
    process.stderr.write(`${name} ${n} done\n`);
  }
}

// Coverage of the effects' CIs (the claims' level, 1 − 2α = 90 %) at 6 seeds, every claim true (truths as in the test).
const big = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 600, 999), { reps: 20, freshDraws: 5, descriptive: false });
const truth = [0.02, big.claims[1].effect!.estimate, big.claims[2].effect!.estimate, -0.1];
const cover = [0, 0, 0, 0];
for (let r = 0; r < R; r++) {
  const st = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 6, 2_000_000 + r), { reps: coverageReps, freshDraws: 5, descriptive: false, bootstrapSeed: r });
  st.claims.forEach((c, i) => {
    if (c.effect!.ci.lo! <= truth[i] && truth[i] <= c.effect!.ci.hi!) cover[i]++;
  });
}
lines.push('', `Coverage of the effects' ${ciName(claimLevel(ALPHA))}s (the claims' level, 1 − 2α) at 6 seeds (${R} studies, every claim true, bootstrap ${coverageReps} replicates): claim 1 ${pct(cover[0], R)} %, claim 2 ${pct(cover[1], R)} %, claim 3 ${pct(cover[2], R)} %, claim 4 ${pct(cover[3], R)} % (claims 1 and 4: expanded BCa; 2 and 3: hierarchical bootstrap).`);

const table = lines.join('\n');
console.log(table);
if (flag('write')) {
  const readme = fileURLToPath(new URL('../src/stats/README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const re = /(<!-- CALIBRATION:BEGIN[^>]*-->\n)[^]*?(<!-- CALIBRATION:END -->)/;
  if (!re.test(text)) throw new Error('src/stats/README.md has no CALIBRATION markers');
  writeFileSync(readme, text.replace(re, (_, begin: string, end: string) => `${begin}${table}\n${end}`));
  console.error('wrote the table into src/stats/README.md');
}
