/**
 * The report as one self-contained HTML page: inline styles, no script, no external resource.
 * Every value is escaped, in text and in attributes alike, so nothing in a template or a stack
 * can inject markup.
 */
import type { Block, Inline, Text } from './blocks.ts';

const htmlEntities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

const style = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; }
h1, h2, h3, h4 { line-height: 1.25; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f3f3f3; }
code { font-size: .9em; background: #f5f5f5; padding: 0 .2em; }
.verdict { font-weight: bold; padding: 0 .3em; border-radius: 3px; }
.pass { color: #0b5d1e; background: #e3f4e6; } .fail { color: #8a1111; background: #fbe4e4; }
.configured { color: #6b4e00; background: #fdf3d8; } .in-place { color: #0b4a6f; background: #e1f0fa; }
.operating { color: #0b5d1e; background: #e3f4e6; }
@media print { body { margin: 0; max-width: none; } }
`;

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part);
  if ('code' in part) return `<code>${escapeHtml(part.code)}</code>`;
  if ('strong' in part) return `<strong>${escapeHtml(part.strong)}</strong>`;
  if ('level' in part) {
    return part.level === 'fail'
      ? '<span class="verdict fail">FAIL</span>'
      : `<span class="verdict ${part.level.replace(' ', '-')}">${part.level}</span>`;
  }
  return part.verdict
    ? '<span class="verdict pass">PASS</span>'
    : '<span class="verdict fail">FAIL</span>';
}

function text(value: Text): string {
  const parts: readonly Inline[] = Array.isArray(value) ? value : [value as Inline];
  return parts.map(inline).join('');
}

function block(item: Block): string {
  switch (item.kind) {
    case 'heading':
      return `<h${item.level}>${text(item.text)}</h${item.level}>`;
    case 'paragraph':
      return `<p>${text(item.text)}</p>`;
    case 'list':
      return `<ul>\n${item.items.map((entry) => `<li>${text(entry)}</li>`).join('\n')}\n</ul>`;
    case 'table':
      return [
        '<table>',
        `<thead><tr>${item.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
        '<tbody>',
        ...item.rows.map(
          (row) => `<tr>${row.map((cell) => `<td>${text(cell)}</td>`).join('')}</tr>`,
        ),
        '</tbody>',
        '</table>',
      ].join('\n');
  }
}

/** The document as a complete HTML page titled `title`. */
export function renderHtml(title: string, blocks: readonly Block[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Defence in depth: the page needs nothing but its own inline style.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    ...blocks.map(block),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
