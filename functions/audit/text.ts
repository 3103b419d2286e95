/**
 * The text rules every audit item shares. Values come from requests and CLI callers, and end
 * up in tables, terminals and log lines: control characters could forge a line or a column.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is exactly "no control characters"
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** Whether `value` is 1 to `maxLength` characters of text without control characters. */
export function isText(value: unknown, maxLength: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    !controlCharacters.test(value)
  );
}

/** A value received from outside, shortened and escaped so it cannot flood or forge a log line. */
export function show(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
