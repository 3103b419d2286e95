/** How the commands lay out text for people: aligned tables, `name  value` lists and times. */

/** Rows under a header row, each column padded to its widest cell. */
export function alignedTable(table: readonly (readonly string[])[]): string {
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((cells) => cells[column]?.length ?? 0)),
  );
  const lines = table.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** One `name  value` line per row, each name padded to `nameWidth` and a space. */
export function fieldList(rows: readonly (readonly [string, string])[], nameWidth: number): string {
  return `${rows.map(([name, value]) => `${name.padEnd(nameWidth)} ${value}`).join('\n')}\n`;
}

/** A time as the commands print it: ISO 8601 in UTC, to the millisecond. */
export const iso = (ms: number) => new Date(ms).toISOString();
