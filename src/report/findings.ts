/**
 * The findings, written from the curated studies in results/ and never typed: the README's
 * "Main result" box, docs/findings.md and its learning-curve figures docs/figures/curves-<study>.svg
 * (scripts/findings.ts writes them; test/results.test.ts fails when any differs from what this
 * module makes of results/). Every number is read from a study's stats.json, each provenance line
 * from its provenance.json, the curves from its seeds' history.arrow. Every study found is shown,
 * each under its own recipe (recipe.ts); a canonical study not curated yet (CANONICAL_STUDIES, e.g.
 * results/paper before the Table 1 study is done) is named in one generated line, with no numbers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimVerdict, StudyStats, Table2Row } from '../stats/types.ts';
import { pairedClaimTests, pairedText } from './compare-paired.ts';
import { learningCurvesSvg } from './figure-curves.ts';
import { recipeDifferences, whyClaim3Yardstick, whyModel1, whyModel2 } from './findings-why.ts';
import { ci, ciName, claimCiLevel, fmt, fmtP, slug, verdictWord } from './format.ts';
import { recipeHeader, recipeOf as recipeOfConfig, type RecipeConfig } from './recipe.ts';
import { CURVE_NETWORKS, readCurves } from './training.ts';

/** What `filterstudy curate` records about where a curated study came from. */
export interface Provenance {
  command: string | null;
  /** The commit that trained the study (`curate --commit`, else the checkout that curated it). */
  commit: string | null;
  machine: string | null;
  curatedAt: string;
  /** Seconds of the whole run, when the one who ran it gave them (`curate --wall-seconds`). */
  wallSeconds: number | null;
  /** Sum of the seeds' own wall times (seed.json `seconds`): CPU-side cost, whatever the parallelism. */
  seedSeconds: number;
}

export interface CuratedStudy {
  name: string;
  dir: string;
  stats: StudyStats;
  config: RecipeConfig & { name?: string };
  provenance: Provenance | null;
}

/**
 * The studies results/ is meant to hold (issue 18), in the order the findings show them: a study
 * in results/ counts as one of them when its preset and model-2 reading match, whatever its folder.
 */
export const CANONICAL_STUDIES = [
  { folder: 'quick', preset: 'quick', reading: 'logits', what: 'the main job', command: 'npm run study' },
  { folder: 'paper', preset: 'paper', reading: 'logits', what: "the paper's Table 1, logits reading", command: 'npx filterstudy run --preset paper' },
  { folder: 'paper-softmax', preset: 'paper', reading: 'softmax', what: "the paper's Table 1, softmax reading: how often model-2 learns under it", command: 'npx filterstudy run --preset paper --name paper-softmax --set model.model2Input=softmax' },
] as const;

type Canonical = (typeof CANONICAL_STUDIES)[number];
const isCanonical = (s: CuratedStudy, c: Canonical): boolean => s.config.preset === c.preset && s.config.model?.model2Input === c.reading;

/** Canonical studies without a matching study in `studies`. */
export function missingStudies(studies: CuratedStudy[]): Canonical[] {
  return CANONICAL_STUDIES.filter((c) => !studies.some((s) => isCanonical(s, c)));
}

/** Every curated study under `root` (a folder per study with stats.json and config.json): canonical ones first, then by name. */
export function readCuratedStudies(root: string): CuratedStudy[] {
  if (!existsSync(root)) return [];
  const studies = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'stats.json')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const json = <T>(f: string): T | null => (existsSync(join(dir, f)) ? (JSON.parse(readFileSync(join(dir, f), 'utf8')) as T) : null);
      const cfgFile = json<{ config?: CuratedStudy['config'] }>('config.json');
      return { name, dir, stats: json<StudyStats>('stats.json')!, config: cfgFile?.config ?? {}, provenance: json<Provenance>('provenance.json') };
    });
  const rank = (s: CuratedStudy): number => {
    const i = CANONICAL_STUDIES.findIndex((c) => c.folder === s.name);
    return i < 0 ? CANONICAL_STUDIES.length : i;
  };
  return studies.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : 1));
}

const MAIN_ROWS = ['CNN1', 'CNN2', 'model-1', 'model-2'];

/** "Adam lr 0.001, batch 64, 4 epochs, model-2 reads logits (quick preset)". */
export const recipeOf = (s: CuratedStudy): string => recipeOfConfig(s.config);
/** The study's column header: its name and recipe in brief. */
const header = (s: CuratedStudy): string => recipeHeader(s.name, s.config);

const row = (st: StudyStats, key: string): Table2Row | undefined => st.table2.find((r) => r.key === key);
const claim = (st: StudyStats, n: number): ClaimVerdict | undefined => st.claims.find((c) => c.claim === n);

/** '3 min 42 s', '3 h 5 min 40 s': a wall time as a reader takes it in. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h} h ` : ''}${m} min ${s % 60} s`;
}

/** One study's provenance in one line: command, commit, machine, date, time. */
export function provenanceLine(s: CuratedStudy): string {
  const p = s.provenance;
  if (!p) return `\`${s.dir}\`: no provenance.json (curated by an older filterstudy)`;
  const time = p.wallSeconds !== null ? `, ${duration(p.wallSeconds)} wall` : '';
  return `\`${p.command ?? '(command not recorded)'}\` at commit ${p.commit ? `\`${p.commit.slice(0, 7)}\`` : '(unknown)'} on ${p.machine ?? '(machine not recorded)'}, ${p.curatedAt.slice(0, 10)}${time}`;
}

/** One generated line for a canonical study not in results/ (no numbers: there are none yet). */
function missingLine(c: Canonical): string {
  return `\`results/${c.folder}\`, ${c.what}: not in results/ yet (\`${c.command}\`, then \`npx filterstudy curate out/${c.folder} results/${c.folder}\` and \`npm run findings\`).`;
}

/** The README's box: Table 2 against the paper and the verdicts, one column per curated study. */
export function mainResultMarkdown(studies: CuratedStudy[]): string {
  if (!studies.length) return '_No curated study in results/ yet: run `npm run study`, then `npx filterstudy curate out/quick results/quick && npm run findings`._';
  const head = `| | paper (one run) | ${studies.map((s) => `\`${s.name}\`: ${s.stats.seeds.length} seeds`).join(' | ')} |`;
  const sep = `|---|---|${studies.map(() => '---|').join('')}`;
  const acc = MAIN_ROWS.map((k) => {
    const paper = row(studies[0].stats, k)?.paper;
    return `| ${k} test accuracy | ${fmt(paper ?? null)} | ${studies.map((s) => { const r = row(s.stats, k); return r ? `${fmt(r.mean)} ${ci(r.ci)}` : '—'; }).join(' | ')} |`;
  });
  const learned = `| model-2 learned the task | — | ${studies.map((s) => `${s.stats.learned.k} of ${s.stats.learned.n} seeds`).join(' | ')} |`;
  const claims = [1, 2, 3, 4].map((n) => {
    const c = claim(studies[0].stats, n);
    return `| claim ${n}: ${c ? shortStatement(n) : ''} | claimed | ${studies.map((s) => { const v = claim(s.stats, n); return v ? `**${verdictWord(v.verdict)}**${robustness(s.stats, n)}` : '—'; }).join(' | ')} |`;
  });
  const missing = missingStudies(studies);
  return [
    head, sep, ...acc, learned, ...claims, '',
    ...studies.map((s) => `\`${s.name}\`: ${recipeOf(s)}; ${provenanceLine(s)}.`),
    ...(missing.length ? ['', `Not in results/ yet: ${missing.map((c) => `\`${c.folder}\` (Table 1, ${c.reading} reading)`).join('; ')}.`] : []),
    '', 'Verdicts: claims 2 and 3 on the scale-free (unit) distance, every claim on the seeds trained to the standard; in brackets, how the verdict fares across the multiverse of yardsticks × seed sets ("robust": every cell agrees; otherwise the yardstick that decides differently, and how). Each claim under each recipe and yardstick, its numbers and where we differ from the paper: [docs/findings.md](docs/findings.md).',
  ].join('\n');
}

/** ' (robust)', ' (raw carries it)', …: the claim's multiverse summary, when the study has one. */
function robustness(st: StudyStats, n: number): string {
  const m = (st.multiverseSummary ?? []).find((x) => x.claim === n);
  if (!m) return '';
  if (m.summary === 'robust') return ' (robust)';
  if (m.summary === 'seeds') return ' (depends on the seed set)';
  // The yardstick(s) whose verdict differs from the decision, with that verdict: on the deciding
  // seed set when they differ there, else on the other seed set, which is then named.
  const decided = claim(st, n)?.verdict;
  const cells = (st.multiverse ?? []).filter((c) => c.claim === n && m.summary.split('+').includes(c.yardstick) && c.verdict !== decided);
  const cell = cells.find((c) => c.seedSet === st.options.seedSet) ?? cells[0];
  const where = cell && cell.seedSet !== st.options.seedSet ? (cell.seedSet === 'all' ? ' on all seeds' : ` on the ${cell.seedSet} seeds`) : '';
  return ` (${m.summary.split('+').join(', ')} S${where}: ${cell ? verdictWord(cell.verdict) : 'differs'})`;
}

/** The multiverse of one claim as a small table: rows = yardsticks, columns = seed sets. */
function multiverseTable(st: StudyStats, n: number): string[] {
  const cells = (st.multiverse ?? []).filter((c) => c.claim === n);
  if (!cells.length) return [];
  const sets = [...new Set(cells.map((c) => c.seedSet))];
  const ys = [...new Set(cells.map((c) => c.yardstick))];
  const cell = (y: string, set: string) => {
    const c = cells.find((x) => x.yardstick === y && x.seedSet === set);
    return c ? `${verdictWord(c.verdict)} ${fmt(c.estimate)} ${ci({ lo: c.lo, hi: c.hi })}` : '—';
  };
  return ['', `| yardstick | ${sets.map((x) => (x === 'standard' ? 'seeds trained to the standard' : 'all seeds')).join(' | ')} |`, `|---|${sets.map(() => '---|').join('')}`,
    ...ys.map((y) => `| ${y} | ${sets.map((x) => cell(y, x)).join(' | ')} |`)];
}

/** Where this study's Table 2 and verdicts differ from the paper's one run, and why as far as its own seeds show (findings-why.ts). */
function paperDifferences(s: CuratedStudy): string[] {
  const st = s.stats;
  const lines: string[] = [];
  for (const r of st.table2.filter((x) => !x.diagnostic && MAIN_ROWS.includes(x.key) && x.paper !== null)) {
    // The paper's one run against our seeds' range (not the CI of our mean, which a single run can miss by chance).
    const accs = r.perSeed.map((p) => p.accuracy);
    const lo = Math.min(...accs), hi = Math.max(...accs);
    if (!accs.length || (r.paper! >= lo && r.paper! <= hi)) continue;
    const higher = r.paper! < lo;
    const why = r.key === 'model-1' ? whyModel1(s, r.paper!, higher) : r.key === 'model-2' ? whyModel2(s) : '';
    lines.push(`- ${r.label}: ${fmt(r.mean)} ${ci(r.ci)} against the paper's ${fmt(r.paper)}: ours ${higher ? 'higher' : 'lower'} on every seed (${fmt(lo)}–${fmt(hi)}).${why}`);
  }
  const c1 = claim(st, 1);
  // With no seed trained to the standard nothing decides a claim: say so rather than leave "inconclusive" bare.
  const none = st.learned.standardSeeds.length === 0 ? `: no seed was trained to the standard (model-2 learned the task on ${st.learned.k} of ${st.learned.n} seeds), and those seeds decide every claim` : '';
  if (c1 && c1.verdict !== 'supported') lines.push(`- Claim 1 (the paper: model-2 is more accurate) is ${verdictWord(c1.verdict)} under this recipe${none}. Claim 1 depends on the recipe: see [where the verdicts differ between recipes](#the-claims-under-each-recipe-and-yardstick) below.`);
  const c3 = whyClaim3Yardstick(s);
  if (c3) lines.push(c3);
  // The paper claimed all four; any other claim this study does not support is named too.
  for (const c of st.claims.filter((x) => x.verdict !== 'supported' && x.claim !== 1 && !(x.claim === 3 && c3))) {
    lines.push(`- Claim ${c.claim} (the paper: ${shortStatement(c.claim)}) is ${verdictWord(c.verdict)} under this recipe${none}: see [claim ${c.claim} of \`${s.name}\`](#${slug(`${s.name}, claim ${c.claim}: ${verdictWord(c.verdict)}`)}) below.`);
  }
  return lines.length ? [`Where \`${s.name}\` differs from the paper:`, '', ...lines] : [`\`${s.name}\`: the paper's Table 2 lies within our seeds' range for every network, and the study supports every claim the paper made.`];
}

/** The claims in a few words (the full statements are in stats.json and the report). */
export function shortStatement(n: number): string {
  return ['model-2 more accurate', 'equally accurate CNNs, different filters', "model-2's filters have model-1 counterparts; its CNNs alike", "model-2's CNNs extract features, not digits"][n - 1] ?? '';
}

/** Table 2 of every study against the paper, one column per study. */
function table2Section(studies: CuratedStudy[]): string[] {
  const out = ['## Table 2 against the paper', '', 'Test accuracy, mean over seeds [95% CI]; the paper trained once.', '',
    `| network | the paper | ${studies.map(header).join(' | ')} |`, `|---|---|${studies.map(() => '---|').join('')}`];
  for (const k of MAIN_ROWS) {
    const first = studies.map((s) => row(s.stats, k)).find((r) => r);
    if (!first) continue;
    out.push(`| ${first.label} | ${fmt(first.paper)} | ${studies.map((s) => { const r = row(s.stats, k); return r ? `${fmt(r.mean)} ${ci(r.ci)}` : '—'; }).join(' | ')} |`);
  }
  for (const s of studies) out.push('', ...paperDifferences(s));
  return out;
}

/** The claims' interval name: one level for all studies ('90% CI, whose claimed-side end is the one-sided 95% bound…'), else per study. */
function claimCiText(studies: CuratedStudy[]): string {
  const levels = [...new Set(studies.map((s) => claimCiLevel(s.stats)))];
  const bound = (l: number) => `${ciName(l)}: its end on the claimed side is the one-sided ${Number((100 * (1 + l) / 2).toPrecision(4))}% bound of the one-sided test`;
  return levels.length === 1 ? bound(levels[0]) : studies.map((s) => `\`${s.name}\` ${ciName(claimCiLevel(s.stats))}`).join(', ');
}

/**
 * Each claim's verdict under each recipe (columns) and yardstick (rows; claims 1 and 4 do not
 * depend on one), on the seeds trained to the standard; then the between-recipe paired test.
 */
function claimsSection(studies: CuratedStudy[]): string[] {
  const out = ['## The claims under each recipe and yardstick', '',
    `Each study decides on the seeds trained to the standard and, for claims 2 and 3, on the unit yardstick (marked "decides"); the other yardsticks are shown beside it (verdict, estimate [${claimCiText(studies)}]). Each verdict holds under its own recipe: the studies are not pooled.`, '',
    `| claim | yardstick | ${studies.map(header).join(' | ')} |`, `|---|---|${studies.map(() => '---|').join('')}`];
  const claims = [...new Set(studies.flatMap((s) => s.stats.claims.map((c) => c.claim)))].sort((a, b) => a - b);
  for (const n of claims) {
    const decider = studies.map((s) => claim(s.stats, n)?.decidedOn?.yardstick ?? null).find((y) => y) ?? null;
    const ys = decider === null ? [null] : [...new Set(studies.flatMap((s) => (s.stats.multiverse ?? []).filter((c) => c.claim === n).map((c) => c.yardstick)))];
    for (const y of ys) {
      const cells = studies.map((s) => {
        const v = claim(s.stats, n);
        if (!v) return '—';
        const want = y ?? s.stats.options.yardstick;
        const c = (s.stats.multiverse ?? []).find((x) => x.claim === n && x.seedSet === (v.decidedOn?.seedSet ?? 'standard') && x.yardstick === want);
        return c ? `${verdictWord(c.verdict)} ${fmt(c.estimate)} ${ci({ lo: c.lo, hi: c.hi })}` : `${verdictWord(v.verdict)}`;
      });
      out.push(`| ${n}. ${shortStatement(n)} | ${y === null ? '— (no filter distance)' : `${y}${y === decider ? ' (decides)' : ''}`} | ${cells.join(' | ')} |`);
    }
  }
  out.push('', ...recipeDifferences(studies), '');
  if (studies.length < 2) {
    out.push(`Between recipes: only \`${studies[0].name}\` is in results/, so there is no second recipe to pair its seeds with yet.`);
    return out;
  }
  const paired = pairedClaimTests(studies);
  const others = studies.slice(1);
  out.push(`Between recipes, paired by seed: per claim, the statistic each study tests on every seed, compared on the seeds both studies decide on (each study against \`${studies[0].name}\`): median of the differences and a two-sided Wilcoxon signed-rank test. Descriptive: not corrected for the several claims and studies; seeds pair by their number only.`, '',
    `| claim | ${others.map((o) => `\`${o.name}\` − \`${studies[0].name}\``).join(' | ')} |`, `|---|${others.map(() => '---|').join('')}`);
  for (const n of claims) {
    out.push(`| ${n}. ${shortStatement(n)} | ${others.map((o) => { const t = paired.find((x) => x.claim === n && x.other === o.name); return t ? pairedText(t) : '—'; }).join(' | ')} |`);
  }
  return out;
}

/** What model-2 reads, how accurate it is and how often it learns, per study; Table 1's readings not yet run. */
function readingsSection(studies: CuratedStudy[]): string[] {
  const out = ['## The readings question: what model-2 reads, and how often it learns', '',
    "What model-2's LSTM reads from each CNN (`model.model2Input`) decides under the paper's Table 1 whether model-2 learns at all ([paper.md](paper.md#which-reading-reproduces-table-2-under-table-1), single seeds). Per study: model-2's test accuracy and the seeds on which it learned the task (test accuracy at or above the threshold), with the exact (Clopper–Pearson) 95% interval of that fraction.", '',
    '| study | recipe | model-2 reads | model-2 test accuracy | learned the task | claim 1 |', '|---|---|---|---|---|---|'];
  for (const s of studies) {
    const l = s.stats.learned;
    const m2 = row(s.stats, 'model-2');
    const c1 = claim(s.stats, 1);
    out.push(`| \`${s.name}\` | ${recipeOf(s)} | ${String(s.config.model?.model2Input ?? '?')} | ${m2 ? `${fmt(m2.mean)} ${ci(m2.ci)}` : '—'} | ${l.k} of ${l.n} seeds (≥ ${l.threshold}), ${ci(l.ci)} | ${c1 ? verdictWord(c1.verdict) : '—'} |`);
  }
  const missing = missingStudies(studies).filter((c) => c.preset === 'paper');
  if (missing.length) out.push('', ...missing.map((c) => `- Table 1 with the ${c.reading} reading: no curated study yet (\`results/${c.folder}\`; see [the studies](#the-studies)).`));
  return out;
}

/** Where a study's learning-curve figure goes, relative to docs/. */
export const curvesFigurePath = (s: CuratedStudy): string => `figures/curves-${s.name}.svg`;
/** Whether the study has epochs to draw (a curated seed keeps history.arrow; a synthetic one has no rows in it). */
const hasCurves = (s: CuratedStudy): boolean => readCurves([s.dir]).length > 0;

/** The learning curves of a study's seeds (report/training.ts, as the report draws them), or null without history. */
export async function curvesSvg(s: CuratedStudy): Promise<string | null> {
  const points = readCurves([s.dir]);
  if (!points.length) return null;
  const networks = CURVE_NETWORKS.map(([, l]) => l).filter((l) => points.some((p) => p.network === l));
  const seeds = new Set(points.map((p) => p.seed)).size;
  return learningCurvesSvg(points, { title: `Learning curves of ${s.name}`, subtitle: `${recipeOf(s)}; solid: validation, dashed: training; one colour per seed (${seeds} seeds)`, networks });
}

function curvesSection(studies: CuratedStudy[]): string[] {
  const out = ['## Learning curves', '', "Every network's training and validation accuracy and loss after each epoch, one line per seed (from the curated seeds' history.arrow; validation dropout off, training the running mean with dropout on). A validation curve still rising at the last epoch means more epochs would change that network's numbers."];
  for (const s of studies) {
    out.push('', `### \`${s.name}\``, '');
    out.push(hasCurves(s) ? `![Learning curves of ${s.name}](${curvesFigurePath(s)})` : `\`${s.name}\` has no epochs in its seeds' history.arrow: no learning curves.`);
  }
  return out;
}

/** One study in detail: every claim with its sentence, numbers and multiverse. */
function studyDetail(s: CuratedStudy): string[] {
  const st = s.stats;
  const out = [`## \`${s.name}\` in detail: ${recipeOf(s)}`, '', `${st.seeds.length} seeds (${st.seeds.join(', ')}). Run: ${provenanceLine(s)}.`, '',
    '| network | test accuracy, mean [95% CI] | per seed | paper |', '|---|---|---|---|'];
  for (const r of st.table2.filter((x) => !x.diagnostic && MAIN_ROWS.includes(x.key))) {
    out.push(`| ${r.label} | ${fmt(r.mean)} ${ci(r.ci)} | ${r.perSeed.map((p) => fmt(p.accuracy)).join(', ')} | ${fmt(r.paper)} |`);
  }
  const l = st.learned;
  out.push('', `Model-2 learned the task (test accuracy ≥ ${l.threshold}) on ${l.k} of ${l.n} seeds (Clopper–Pearson ${ci(l.ci)}); trained to the standard: seeds ${l.standardSeeds.join(', ') || 'none'}.`, '');
  for (const c of st.claims) {
    out.push(`### \`${s.name}\`, claim ${c.claim}: ${verdictWord(c.verdict)}`, '', `${c.statement}`, '', `${c.sentence}`, '');
    const on = c.decidedOn ? `decided on ${c.decidedOn.seedSet === 'standard' ? 'the seeds trained to the standard' : 'all seeds'}${c.decidedOn.yardstick ? `, ${c.decidedOn.yardstick} S` : ''}` : '';
    if (c.effect) out.push(`- ${c.effect.name}: ${fmt(c.effect.estimate)} ${ci(c.effect.ci)}; p ${fmtP(c.p)}, Holm ${fmtP(c.pHolm)}; ${c.nSeeds} seeds${on ? `; ${on}` : ''}.`);
    const pi = c.claim === 1 ? st.claim1Profile?.probabilityOfImprovement : undefined;
    if (pi && pi.estimate !== null) out.push(`- Seed by seed (all seeds, stalls included): model-2 beats model-1 on ${pi.wins} of ${pi.n} seeds (${pi.ties} ties); probability of improvement ${fmt(pi.estimate, 2)}, exact 95% CI ${ci(pi.exactCi, 2)}.`);
    for (const sec of c.secondary) out.push(`- Beside it, ${sec.name}: ${verdictWord(sec.verdict)}${sec.effect ? `, ${sec.effect.name} ${fmt(sec.effect.estimate)} ${ci(sec.effect.ci)}` : ''}.`);
    out.push(...multiverseTable(st, c.claim), '');
  }
  if (st.warnings.length) out.push(`Warnings of \`${s.name}\`:`, '', ...st.warnings.map((w) => `- ${w}`), '');
  return out;
}

/** docs/findings.md: the studies, Table 2, the claims per recipe and yardstick, the readings, the curves, each study in detail. */
export function findingsMarkdown(studies: CuratedStudy[]): string {
  const out = [
    '# Findings',
    '',
    '<!-- generated by `npm run findings` from results/*/stats.json; test/results.test.ts fails when it is stale. Do not edit. -->',
    '',
    'What the curated studies in [results/](../results/) found, against the paper (one training run).',
    'How each claim is tested: [statistics.md](statistics.md). How to regenerate a study: [development.md](development.md#results-from-scratch). Back to the [README](../README.md).',
    '',
  ];
  if (!studies.length) return `${[...out, mainResultMarkdown(studies)].join('\n')}\n`;
  out.push('## The studies', '', ...studies.map((s) => `- \`${s.name}\`: ${recipeOf(s)}; ${s.stats.seeds.length} seeds. Run: ${provenanceLine(s)}.`));
  out.push(...missingStudies(studies).map((c) => `- ${missingLine(c)}`), '');
  out.push(...table2Section(studies), '', ...claimsSection(studies), '', ...readingsSection(studies), '', ...curvesSection(studies), '');
  for (const s of studies) out.push(...studyDetail(s), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

export const MAIN_RESULT_BEGIN = '<!-- main-result:start (generated from results/ by: npm run findings) -->';
export const MAIN_RESULT_END = '<!-- main-result:end -->';

/** `readme` with the box between the markers replaced; throws if the markers are missing. */
export function withMainResult(readme: string, box: string): string {
  const a = readme.indexOf(MAIN_RESULT_BEGIN);
  const b = readme.indexOf(MAIN_RESULT_END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${MAIN_RESULT_BEGIN} … ${MAIN_RESULT_END}`);
  return `${readme.slice(0, a + MAIN_RESULT_BEGIN.length)}\n${box}\n${readme.slice(b)}`;
}
