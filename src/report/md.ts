/**
 * report.md: the same document as report.html in Markdown (GitHub flavour); figures are linked
 * from figures/*.svg next to the file.
 */
import type { Block, ReportDoc } from './blocks.ts';
import { verdictWord } from './format.ts';

/** Escape Markdown in plain text, keeping our **bold** and `code` markup. */
export function mdInline(s: string, inTable = false): string {
  return s
    .split(/(`[^`]+`|\*\*[^*]+\*\*)/)
    .map((part, i) => {
      if (i % 2 === 1) return part.startsWith('**') ? `**${esc(part.slice(2, -2))}**` : part;
      return esc(part);
    })
    .join('')
    .replace(/\|/g, inTable ? '\\|' : '|')
    .replace(/\n/g, inTable ? ' ' : '\n');
}

function esc(t: string): string {
  // Only what changes meaning mid-line in GitHub Markdown: emphasis markers and raw HTML.
  return t.replace(/\\/g, '\\\\').replace(/([_*<])/g, '\\$1');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${mdInline(b.text)}`;
    case 'para':
      return mdInline(b.text);
    case 'list':
      return b.items.map((i) => `- ${mdInline(i)}`).join('\n');
    case 'meta':
      return b.items.map(([k, v]) => `- **${esc(k)}:** ${mdInline(v)}`).join('\n');
    case 'claim':
      return [`### Claim ${b.claim}: ${mdInline(b.title)} — **${verdictWord(b.verdict)}**${b.badge ? ` (${b.badge})` : ''}`, '', mdInline(b.text), ...b.notes.map((n) => `\n> ⚠ ${mdInline(n)}`)].join('\n');
    case 'table': {
      const numeric = b.numeric ?? [];
      const row = (cells: string[]): string => `| ${cells.map((c) => mdInline(c, true)).join(' | ')} |`;
      const sep = `|${b.head.map((_, i) => (numeric[i] ? ' ---: ' : ' --- ')).join('|')}|`;
      return [row(b.head), sep, ...b.rows.map(row)].join('\n') + (b.caption ? `\n\n*${mdInline(b.caption)}*` : '');
    }
    case 'figures':
      return b.items.map((f) => `![${esc(f.title)}](${f.file})` + (f.caption ? `\n\n*${mdInline(f.caption)}*` : '')).join('\n\n');
  }
}

export function renderMarkdown(doc: ReportDoc): string {
  return `# ${mdInline(doc.title)}\n\n${doc.blocks.map(block).join('\n\n')}\n`;
}
