/**
 * report.html: one self-contained page (inline CSS, inline SVG figures, no scripts, no external
 * assets) from the document model built in ./doc.ts.
 */
import type { Block, ReportDoc } from './blocks.ts';
import { verdictWord } from './format.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Light inline markup: **bold**, `code`, and subscripts in S_i, E_ij, F_i, G_j, d_s, d_z, p_a, p_b. */
export function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\b([SEFGdp])_(ij|i|j|s|z|a|b)\b/g, '$1<sub>$2</sub>');
}

const CSS = `
:root { --fg: #1a1a1a; --muted: #555; --rule: #ddd; --bg: #fff; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f6f4; color: var(--fg); font: 16px/1.55 -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 64px; background: var(--bg); }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.4em 0 0.6em; }
h2 { font-size: 1.35rem; margin: 2.2em 0 0.6em; padding-top: 0.4em; border-top: 2px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.6em 0 0.5em; }
p, li { max-width: 78ch; }
code { font: 0.9em ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f0f0ee; padding: 0 3px; border-radius: 3px; }
nav { font-size: 0.92rem; margin: 0 0 1em; }
nav a { color: var(--accent); text-decoration: none; margin-right: 1.1em; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0 0 1em; font-size: 0.95rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.claim { border: 1px solid var(--rule); border-left: 6px solid #999; border-radius: 4px; padding: 10px 16px; margin: 14px 0; max-width: 100ch; }
.claim h3 { margin: 0 0 6px; font-size: 1.05rem; }
.claim p { margin: 4px 0; max-width: none; }
.claim.supported { border-left-color: #009E73; }
.claim.not-supported { border-left-color: #D55E00; }
.claim.inconclusive { border-left-color: #E69F00; }
.badge { display: inline-block; font-size: 0.78rem; font-weight: 700; letter-spacing: 0.04em; padding: 1px 8px; border-radius: 10px; color: #fff; vertical-align: 2px; margin-left: 6px; }
.badge.supported { background: #007a5a; }
.badge.not-supported { background: #b34700; }
.badge.inconclusive { background: #9a6a00; }
.note { color: #8a4b00; font-size: 0.93rem; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: 0.9rem; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: #f2f2f0; font-weight: 600; border-bottom: 2px solid #ccc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:first-child { white-space: nowrap; }
td .ci { display: block; color: var(--muted); font-size: 0.85em; }
.tablewrap { overflow-x: auto; }
.caption { color: var(--muted); font-size: 0.88rem; margin-top: 2px; }
.figs { display: flex; flex-wrap: wrap; gap: 18px 24px; align-items: flex-start; margin: 12px 0; }
figure { margin: 0; flex: 0 1 auto; max-width: 100%; }
.figs.cols2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.figs.cols2 figure svg { width: 100%; }
@media (max-width: 900px) { .figs.cols2 { grid-template-columns: 1fr; } }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.86rem; max-width: 640px; margin-top: 4px; }
footer { margin-top: 3em; color: var(--muted); font-size: 0.85rem; }
@media print { body { background: #fff; } main { padding: 0; } figure { break-inside: avoid; } }
`;

/** Table cell: the first line as is, further lines (e.g. a CI) smaller below it. */
function cell(c: string): string {
  const [first, ...rest] = c.split('\n');
  return inline(first) + rest.map((r) => `<span class="ci">${inline(r)}</span>`).join('');
}

const cls = (verdict: string): string => verdict.replace(/\s+/g, '-');

/** Inline SVG without the XML prolog, so it nests inside HTML. */
function svgInline(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level} id="${escapeHtml(b.id)}">${inline(b.text)}</h${b.level}>`;
    case 'para':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('\n')}</ul>`;
    case 'meta':
      return `<dl class="meta">${b.items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${inline(v)}</dd>`).join('')}</dl>`;
    case 'claim':
      return (
        `<section class="claim ${cls(b.verdict)}"><h3>Claim ${b.claim}: ${inline(b.title)} <span class="badge ${cls(b.verdict)}">${escapeHtml(verdictWord(b.verdict) + (b.badge ? ` · ${b.badge}` : ''))}</span></h3>` +
        `<p>${inline(b.text)}</p>${b.notes.map((n) => `<p class="note">⚠ ${inline(n)}</p>`).join('')}</section>`
      );
    case 'table': {
      const numeric = b.numeric ?? [];
      const head = `<tr>${b.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr>`;
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${cell(c)}</td>`).join('')}</tr>`).join('\n');
      return `<div class="tablewrap"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>${b.caption ? `<div class="caption">${inline(b.caption)}</div>` : ''}`;
    }
    case 'figures':
      return (
        `<div class="figs${b.columns === 2 ? ' cols2' : ''}">` +
        b.items.map((f) => `<figure>${svgInline(f.svg)}${f.caption ? `<figcaption>${inline(f.caption)}</figcaption>` : ''}</figure>`).join('\n') +
        `</div>`
      );
  }
}

export function renderHtml(doc: ReportDoc): string {
  const toc = doc.blocks
    .filter((b): b is Extract<Block, { kind: 'heading' }> => b.kind === 'heading' && b.level === 2)
    .map((b) => `<a href="#${escapeHtml(b.id)}">${inline(b.text)}</a>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${inline(doc.title)}</h1>
<nav>${toc}</nav>
${doc.blocks.map(block).join('\n')}
<footer>Generated by filterstudy aggregate. Self-contained: no scripts, no external assets.</footer>
</main>
</body>
</html>
`;
}
