/**
 * The calibration of `filterstudy run --until-decided` (src/stats/sequential.ts) for
 * src/stats/README.md: for every simulated scenario (src/stats/simulate.ts), `--replicates` whole
 * studies run through the sequential procedure (simulate.ts calibrateSequential: look k analyses
 * the first looks[k − 1] seeds at α/K, stops at the first look where claims 1–3 are all decided);
 * a false SUPPORTED counts if it occurs at ANY look taken. Seeded: the same numbers on every run.
 *
 *   nice -n 15 node --import tsx bench/until-decided.ts [--replicates 200] [--reps 400]
 *       [--check-reps 2000 --check-replicates 20] [--only scenario,…] [--write]
 *
 * --reps: bootstrap replicates per analysis (the claims' CIs at 1 − 2α/K sit in the tails: fewer make each
 * bound noisier, not biased); --check-reps: the null scenarios' family rate again with this many
 * replicates on its first --check-replicates studies (the same studies), to show the verdicts do not
 * move with them (--check-reps 0 skips). --write replaces the table between the UNTIL-DECIDED markers in src/stats/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { argOf, flag } from './args.ts';
import { LOOKS, sequentialDesign } from '../src/stats/sequential.ts';
import { calibrateSequential, SCENARIOS, type SequentialCounts } from '../src/stats/simulate.ts';

/** A non-negative integer option, or exit naming the option. */
function intArg(name: string, dflt: number, min = 1): number {
  const v = Number(argOf(name, String(dflt)));
  if (!Number.isInteger(v) || v < min) {
    console.error(`--${name} must be an integer ≥ ${min} (got '${argOf(name, '')}')`);
    process.exit(2);
  }
  return v;
}
const R = intArg('replicates', 200);
const reps = intArg('reps', 400);
const checkReps = intArg('check-reps', 2000, 0);
const checkR = intArg('check-replicates', 20);
const only = argOf('only', '').split(',').filter(Boolean); // a quick timing on some scenarios; the table needs all
const design = sequentialDesign(null);
const pct = (k: number, n: number): string => `${Math.round((100 * k) / n)}`;
// At the start: the code measured is the code loaded now, whatever is committed meanwhile.
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim() + (execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'src', 'bench'], { encoding: 'utf8' }).trim() ? ' + uncommitted changes' : '');
} catch {
  // not a git checkout: the commit stays unknown
}
const t0 = performance.now();
const minutes = (ms: number): string => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

const falseOf = (truth: readonly boolean[]): string => truth.map((t, i) => (t ? null : i + 1)).filter((x) => x !== null).join(', ') || 'none';
const bold = (s: string, on: boolean): string => (on ? `**${s}**` : s);

/** Two runs of the same scenario on consecutive studies as one. */
function merged(a: SequentialCounts, b: SequentialCounts): SequentialCounts {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  return {
    ...a, replicates: a.replicates + b.replicates, falseFamily: a.falseFamily + b.falseFamily, falseClaim4: a.falseClaim4 + b.falseClaim4,
    supportedAnyLook: add(a.supportedAnyLook, b.supportedAnyLook), supported: add(a.supported, b.supported), notSupported: add(a.notSupported, b.notSupported),
    stoppedAt: add(a.stoppedAt, b.stoppedAt), decided: a.decided + b.decided, seedsTrained: a.seedsTrained + b.seedsTrained,
    stops: [...a.stops, ...b.stops], falseFamilyAt: [...a.falseFamilyAt, ...b.falseFamilyAt],
  };
}

const FIRST = 3_000_000; // the simulated studies' seeds: FIRST, FIRST + 1, …
const rows: string[] = [];
const check: string[] = [];
for (const [name, sc] of Object.entries(SCENARIOS)) {
  if (only.length && !only.includes(name)) continue;
  const ts = performance.now();
  const familyFalse = [0, 1, 2].some((i) => !sc.truth[i]);
  const isNull = familyFalse || !sc.truth[3];
  // The first checkR studies of a null scenario are run again below with checkReps replicates.
  const head = isNull && checkReps > 0 ? Math.min(checkR, R) : 0;
  const first = calibrateSequential(name, head, design, { reps }, FIRST);
  const c = merged(first, calibrateSequential(name, R - head, design, { reps }, FIRST + head));
  if (head) {
    const hi = calibrateSequential(name, head, design, { reps: checkReps }, FIRST);
    const moved = hi.stops.filter((k, i) => k !== first.stops[i]).length;
    check.push(`${name}: ${familyFalse ? `claims 1–3 ${first.falseFamily} → ${hi.falseFamily}` : ''}${familyFalse && !sc.truth[3] ? ', ' : ''}${sc.truth[3] ? '' : `claim 4 ${first.falseClaim4} → ${hi.falseClaim4}`}, stopping look changed in ${moved}`);
  }
  const verdicts = [0, 1, 2, 3].map((i) => bold(`${pct(c.supported[i], R)} / ${pct(c.notSupported[i], R)}`, !sc.truth[i]));
  rows.push(`| ${name} | ${falseOf(sc.truth)} | ${familyFalse ? `**${pct(c.falseFamily, R)}**` : '—'} | ${sc.truth[3] ? '—' : `**${pct(c.falseClaim4, R)}**`} | ${verdicts.join(' | ')} | ${c.stoppedAt.map((k) => pct(k, R)).join(' / ')} | ${pct(c.decided, R)} | ${(c.seedsTrained / R).toFixed(1)} |`);
  process.stderr.write(`${name}: ${((performance.now() - ts) / 1000).toFixed(0)} s\n`);
}

const wall = performance.now() - t0;
const lines = [
  `${R} simulated studies per scenario run through the whole procedure: looks at ${design.looks.join(', ')} seeds, each at α = ${design.alphaPerLook} (${design.alpha} / ${design.looks.length}) with the claims' CIs at ${Number((100 * design.level).toPrecision(4))}% (bootstrap ${reps} replicates, 5 fresh Glorot draws). **False SUPPORTED at any look**: % of studies in which some false claim of the family got SUPPORTED at any look taken (the bound: ≤ ${100 * design.alpha} % per family). Verdicts where the study stopped: % SUPPORTED / % NOT SUPPORTED, **bold** when the claim is false. Stopped at: % of studies stopping at each look (${design.looks.join(' / ')} seeds); decided: % stopping with claims 1–3 all decided. The scenarios are the calibration table's (simulate.ts SCENARIOS).`,
  '',
  '| scenario | false claims | false SUPPORTED at any look, claims 1–3 (%) | claim 4 (%) | claim 1 | claim 2 | claim 3 | claim 4 | stopped at (%) | decided (%) | mean seeds |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
];
if (check.length) lines.push('', `Bootstrap replicates: each null scenario's first ${checkR} studies again with ${checkReps} instead of ${reps} replicates — studies with a false SUPPORTED at any look, ${reps} → ${checkReps}, and studies whose stopping look changed: ${check.join('; ')}.`);
lines.push('', `Measured at commit ${commit} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} cores, shared), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}: ${minutes(wall)} wall, ${minutes((process.cpuUsage().user + process.cpuUsage().system) / 1000)} CPU, for \`nice -n 15 node --import tsx bench/until-decided.ts --replicates ${R} --reps ${reps} --check-reps ${checkReps} --check-replicates ${checkR} --write\` (one core). The looks are LOOKS = ${LOOKS.join(', ')}.`);

const table = lines.join('\n');
console.log(table);
if (flag('write')) {
  if (only.length) throw new Error('--write needs every scenario: drop --only');
  const readme = fileURLToPath(new URL('../src/stats/README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const re = /(<!-- UNTIL-DECIDED:BEGIN[^>]*-->\n)[^]*?(<!-- UNTIL-DECIDED:END -->)/;
  if (!re.test(text)) throw new Error('src/stats/README.md has no UNTIL-DECIDED markers');
  writeFileSync(readme, text.replace(re, (_, begin: string, end: string) => `${begin}${table}\n${end}`));
  console.error('wrote the table into src/stats/README.md');
}
