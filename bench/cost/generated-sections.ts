/**
 * Generated sections of hand-written Markdown files: the text between
 * `<!-- generated:<name>:start -->` and `<!-- generated:<name>:end -->` belongs to the tool, the
 * rest to its authors (the convention of docs/compliance.md).
 */

/** `text` with each named section's body replaced; throws when a section's markers are missing. */
export function replaceSections(
  text: string,
  file: string,
  sections: Readonly<Record<string, string>>,
): string {
  let updated = text;
  for (const [name, body] of Object.entries(sections)) {
    const start = `<!-- generated:${name}:start -->`;
    const end = `<!-- generated:${name}:end -->`;
    const from = updated.indexOf(start);
    const to = updated.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file} lacks the markers of '${name}'`);
    updated = `${updated.slice(0, from + start.length)}\n${body}\n${updated.slice(to)}`;
  }
  return updated;
}
