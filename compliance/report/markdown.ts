/**
 * The report as GitHub-flavoured Markdown. Every value is escaped: a logical id or reason that
 * holds `|`, `<script>`, a backtick or a line break renders as text, never as markup, a new
 * table cell or a new block.
 */
import type { Block, Inline, Text } from './blocks.ts';

/** Markdown punctuation that could start markup, and `&`, `<`, `>` that could start HTML. */
const markdownSpecial = /[\\`*_[\]#|<>&]/g;
const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `text` as literal Markdown text on one line. */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(markdownSpecial, (c) => entities[c] ?? `\\${c}`);
}

const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');

function inline(part: Inline, inTable: boolean): string {
  if (typeof part === 'string') return escapeMarkdown(part);
  if ('code' in part) {
    const code = oneLine(part.code);
    // A code span cannot hold a backtick safely; GFM tables need `\|` even inside one.
    if (code.includes('`') || code === '') return escapeMarkdown(code);
    return `\`${inTable ? code.replaceAll('|', '\\|') : code}\``;
  }
  if ('strong' in part) return `**${escapeMarkdown(part.strong)}**`;
  if ('level' in part) return part.level === 'fail' ? '**FAIL**' : `**${part.level}**`;
  return part.verdict ? '**PASS**' : '**FAIL**';
}

function text(value: Text, inTable = false): string {
  const parts: readonly Inline[] = Array.isArray(value) ? value : [value as Inline];
  return parts.map((part) => inline(part, inTable)).join('');
}

function block(item: Block): string {
  switch (item.kind) {
    case 'heading':
      return `${'#'.repeat(item.level)} ${text(item.text)}`;
    case 'paragraph':
      return text(item.text);
    case 'list':
      return item.items.map((entry) => `- ${text(entry)}`).join('\n');
    case 'table':
      return [
        `| ${item.header.map(escapeMarkdown).join(' | ')} |`,
        `| ${item.header.map(() => '---').join(' | ')} |`,
        ...item.rows.map((row) => `| ${row.map((cell) => text(cell, true)).join(' | ')} |`),
      ].join('\n');
  }
}

/** The document as Markdown, blocks separated by a blank line. */
export function renderMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map(block).join('\n\n')}\n`;
}
