/** Lays out a cost table as Markdown (for the docs) or as aligned text (for the terminal). */
import type { Table } from './cost-tables.ts';

/** A Markdown table, numeric columns aligned right. */
export function markdownTable(table: Table): string {
  const align = table.header.map((_cell, index) =>
    table.numeric.includes(index) ? '---:' : '---',
  );
  return [table.header, align, ...table.rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** Columns padded to their widest cell, Markdown emphasis and code marks removed. */
export function terminalTable(table: Table): string {
  const plain = [table.header, ...table.rows].map((row) =>
    row.map((cell) => cell.replace(/\*\*|`/g, '')),
  );
  const widths = table.header.map((_cell, index) =>
    Math.max(...plain.map((row) => (row[index] ?? '').length)),
  );
  return plain
    .map((row) =>
      row
        .map((cell, index) =>
          table.numeric.includes(index)
            ? cell.padStart(widths[index] ?? 0)
            : cell.padEnd(widths[index] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
