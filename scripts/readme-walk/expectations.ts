/**
 * Whether a command printed what its document (the README, docs/cli.md) shows. Each shown line
 * must match a whole line of the output, in the document's order (other lines may come between:
 * warnings, progress). Runs of spaces count as one, so a table's column widths may differ. What
 * changes from run to run is written as `…` (anything), and any ISO 8601 time or UUID the
 * document shows stands for any.
 */

const isoTime = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const placeholders: readonly [RegExp, string][] = [
  [isoTime, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z'],
  [uuid, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'],
];

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The pattern one shown line stands for. */
export function linePattern(shown: string): RegExp {
  const text = squeeze(shown);
  let pattern = '';
  let at = 0;
  for (const { index, length, replacement } of volatileParts(text)) {
    pattern += literal(text.slice(at, index)) + replacement;
    at = index + length;
  }
  return new RegExp(`^${pattern}${literal(text.slice(at))}$`);
}

function volatileParts(text: string) {
  const parts = placeholders.flatMap(([find, replacement]) =>
    [...text.matchAll(find)].map((match) => ({
      index: match.index,
      length: match[0].length,
      replacement,
    })),
  );
  return parts.sort((a, b) => a.index - b.index);
}

/** Regex-escaped, with `…` for anything. */
const literal = (text: string) =>
  text
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');

/** The shown lines that the output lacks, in order; empty when every one was printed. */
export function missingLines(shown: readonly string[], output: string): string[] {
  const printed = output.split('\n').map(squeeze);
  const missing: string[] = [];
  let from = 0;
  for (const line of shown) {
    const pattern = linePattern(line);
    const found = printed.findIndex((candidate, index) => index >= from && pattern.test(candidate));
    if (found === -1) missing.push(line);
    else from = found + 1;
  }
  return missing;
}

/**
 * The AWS SDK's warning that the Node.js running it is older than its next releases support.
 * The project's commands run on the Node that `npm ci` installs, so no documented command may
 * print it.
 */
const nodeVersionWarning = 'NodeVersionSupportWarning';

/** A warning no documented command may print, named, or undefined when there is none. */
export function unwantedWarning(output: string): string | undefined {
  return output.includes(nodeVersionWarning) ? `the AWS SDK's ${nodeVersionWarning}` : undefined;
}
