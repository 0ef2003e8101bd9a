/**
 * The findings, written from the curated studies in results/ and never typed: the README's
 * "Main result" box and docs/findings.md (scripts/findings.ts writes both; test/results.test.ts
 * fails when either differs from what this module makes of results/). Every number below is read
 * from a study's stats.json; the provenance line of each study from its provenance.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimVerdict, StudyStats, Table2Row } from '../stats/types.ts';
import { ci, fmt, fmtP, verdictWord } from './format.ts';

/** What `filterstudy curate` records about where a curated study came from. */
export interface Provenance {
  command: string | null;
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
  config: { name?: string; preset?: string; train?: Record<string, unknown>; model?: Record<string, unknown> };
  provenance: Provenance | null;
}

/** Every curated study under `root` (a folder per study with stats.json and config.json), by name. */
export function readCuratedStudies(root: string): CuratedStudy[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'stats.json')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const json = <T>(f: string): T | null => (existsSync(join(dir, f)) ? (JSON.parse(readFileSync(join(dir, f), 'utf8')) as T) : null);
      const cfgFile = json<{ config?: CuratedStudy['config'] }>('config.json');
      return { name, dir, stats: json<StudyStats>('stats.json')!, config: cfgFile?.config ?? {}, provenance: json<Provenance>('provenance.json') };
    });
}

const MAIN_ROWS = ['CNN1', 'CNN2', 'model-1', 'model-2'];

/** "Adam lr 0.001, batch 64, 3 epochs, model-2 reads logits". */
export function recipeOf(s: CuratedStudy): string {
  const t = s.config.train ?? {};
  const m = s.config.model ?? {};
  const opt = t.optimizer === 'sgd' ? 'SGD' : t.optimizer === 'adam' ? 'Adam' : String(t.optimizer ?? '?');
  return `${opt} lr ${String(t.learningRate ?? '?')}, batch ${String(t.batchSize ?? '?')}, ${String(t.epochs ?? '?')} epochs, model-2 reads ${String(m.model2Input ?? '?')}`;
}

const row = (st: StudyStats, key: string): Table2Row | undefined => st.table2.find((r) => r.key === key);
const claim = (st: StudyStats, n: number): ClaimVerdict | undefined => st.claims.find((c) => c.claim === n);

/** One study's provenance in one line: command, commit, machine, date, time. */
export function provenanceLine(s: CuratedStudy): string {
  const p = s.provenance;
  if (!p) return `\`${s.dir}\`: no provenance.json (curated by an older filterstudy)`;
  const time = p.wallSeconds !== null ? `, ${Math.floor(p.wallSeconds / 60)} min ${Math.round(p.wallSeconds % 60)} s wall` : '';
  return `\`${p.command ?? '(command not recorded)'}\` at commit ${p.commit ? `\`${p.commit.slice(0, 7)}\`` : '(unknown)'} on ${p.machine ?? '(machine not recorded)'}, ${p.curatedAt.slice(0, 10)}${time}`;
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
  return [
    head, sep, ...acc, learned, ...claims, '',
    ...studies.map((s) => `\`${s.name}\`: ${recipeOf(s)}; ${provenanceLine(s)}.`),
    '', 'Verdicts: claims 2 and 3 on the scale-free (unit) distance, every claim on the seeds trained to the standard; in brackets, how the verdict fares across the multiverse of yardsticks × seed sets ("robust": every cell agrees; otherwise the yardstick that decides differently, and how). Each claim, its numbers and where we differ from the paper: [docs/findings.md](docs/findings.md).',
  ].join('\n');
}

/** ' (robust)', ' (raw carries it)', …: the claim's multiverse summary, when the study has one. */
function robustness(st: StudyStats, n: number): string {
  const m = (st.multiverseSummary ?? []).find((x) => x.claim === n);
  if (!m) return '';
  if (m.summary === 'robust') return ' (robust)';
  if (m.summary === 'seeds') return ' (depends on the seed set)';
  // The yardstick(s) whose verdict differs from the decision, with that verdict.
  const cell = (st.multiverse ?? []).find((c) => c.claim === n && c.seedSet === st.options.seedSet && m.summary.split('+').includes(c.yardstick));
  return ` (${m.summary.split('+').join(', ')} S: ${cell ? verdictWord(cell.verdict) : 'differs'})`;
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

/** Where this study's Table 2 and verdicts differ from the paper's one run, and what we know of why. */
function paperDifferences(s: CuratedStudy): string[] {
  const st = s.stats;
  const lines: string[] = [];
  for (const r of st.table2.filter((x) => !x.diagnostic && MAIN_ROWS.includes(x.key) && x.paper !== null)) {
    const { lo, hi } = r.ci;
    if (lo === null || hi === null || (r.paper! >= lo && r.paper! <= hi)) continue;
    lines.push(`- ${r.label}: ${fmt(r.mean)} ${ci(r.ci)} against the paper's ${fmt(r.paper)} (${r.paper! < lo ? 'ours higher' : 'ours lower'}).${WHY[r.key] ? ` ${WHY[r.key]}` : ''}`);
  }
  const c1 = claim(st, 1);
  if (c1 && c1.verdict !== 'supported') lines.push(`- Claim 1 (the paper: model-2 is more accurate) is ${verdictWord(c1.verdict)} under this recipe (${recipeOf(s)}): with both models trained, model-1's pipeline is at least as accurate. Claim 1 depends on the recipe; see [paper.md](paper.md#which-reading-reproduces-table-2-under-table-1) for single-seed runs under the paper's Table 1.`);
  return lines.length ? ['Where this study differs from the paper:', '', ...lines] : ['Table 2 agrees with the paper within our 95% intervals.'];
}

/** What we know of why a Table 2 row differs from the paper (the evidence is in docs/paper.md, with its commands). */
const WHY: Record<string, string> = {
  'model-1': "The paper's 0.494 is most likely an LSTM that had not converged: under Table 1's plain SGD our model-1 LSTM sits near chance for ~50 epochs and was still climbing at epoch 100 in a single-seed run ([paper.md](paper.md#which-reading-reproduces-table-2-under-table-1)); trained to convergence it is bounded only by the two CNNs' accuracies.",
  'model-2': 'Model-2 depends on what its LSTM reads from the CNNs and on the optimiser; the paper leaves both open ([paper.md](paper.md)).',
};

/** The claims in a few words (the full statements are in stats.json and the report). */
export function shortStatement(n: number): string {
  return ['model-2 more accurate', 'equally accurate CNNs, different filters', "model-2's filters have model-1 counterparts; its CNNs alike", "model-2's CNNs extract features, not digits"][n - 1] ?? '';
}

/** docs/findings.md: per study the recipe, Table 2, every claim with its sentence and numbers. */
export function findingsMarkdown(studies: CuratedStudy[]): string {
  const out = [
    '# Findings',
    '',
    '<!-- generated by `npm run findings` from results/*/stats.json; test/results.test.ts fails when it is stale. Do not edit. -->',
    '',
    'What the curated studies in [results/](../results/) found, against the paper (one training run).',
    'How each claim is tested: [statistics.md](statistics.md). Back to the [README](../README.md).',
    '',
  ];
  for (const s of studies) {
    const st = s.stats;
    out.push(`## \`${s.name}\`: ${recipeOf(s)}`, '', `${st.seeds.length} seeds (${st.seeds.join(', ')}). Run: ${provenanceLine(s)}.`, '');
    out.push('| network | test accuracy, mean [95% CI] | per seed | paper |', '|---|---|---|---|');
    for (const r of st.table2.filter((x) => !x.diagnostic && MAIN_ROWS.includes(x.key))) {
      out.push(`| ${r.label} | ${fmt(r.mean)} ${ci(r.ci)} | ${r.perSeed.map((p) => fmt(p.accuracy)).join(', ')} | ${fmt(r.paper)} |`);
    }
    out.push('', ...paperDifferences(s), '');
    const l = st.learned;
    out.push('', `Model-2 learned the task (test accuracy ≥ ${l.threshold}) on ${l.k} of ${l.n} seeds (Clopper–Pearson ${ci(l.ci)}); trained to the standard: seeds ${l.standardSeeds.join(', ') || 'none'}.`, '');
    for (const c of st.claims) {
      out.push(`### Claim ${c.claim}: ${verdictWord(c.verdict)}`, '', `${c.statement}`, '', `${c.sentence}`, '');
      const on = c.decidedOn ? `decided on ${c.decidedOn.seedSet === 'standard' ? 'the seeds trained to the standard' : 'all seeds'}${c.decidedOn.yardstick ? `, ${c.decidedOn.yardstick} S` : ''}` : '';
      if (c.effect) out.push(`- ${c.effect.name}: ${fmt(c.effect.estimate)} ${ci(c.effect.ci)}; p ${fmtP(c.p)}, Holm ${fmtP(c.pHolm)}; ${c.nSeeds} seeds${on ? `; ${on}` : ''}.`);
      const pi = c.claim === 1 ? st.claim1Profile?.probabilityOfImprovement : undefined;
      if (pi && pi.estimate !== null) out.push(`- Seed by seed (all seeds, stalls included): model-2 beats model-1 on ${pi.wins} of ${pi.n} seeds (${pi.ties} ties); probability of improvement ${fmt(pi.estimate, 2)}, exact 95% CI ${ci(pi.exactCi, 2)}.`);
      for (const sec of c.secondary) out.push(`- Beside it, ${sec.name}: ${verdictWord(sec.verdict)}${sec.effect ? `, ${sec.effect.name} ${fmt(sec.effect.estimate)} ${ci(sec.effect.ci)}` : ''}.`);
      out.push(...multiverseTable(st, c.claim), '');
    }
    if (st.warnings.length) out.push('Warnings of this study:', '', ...st.warnings.map((w) => `- ${w}`), '');
  }
  if (!studies.length) out.push(mainResultMarkdown(studies), '');
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
