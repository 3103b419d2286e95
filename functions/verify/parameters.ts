/**
 * Parses `key=value` lists such as Stripe's `t=…,v1=…,v1=…` or Paddle's `ts=…;h1=…`.
 * Keys may repeat (several signatures during a rotation). Returns `undefined` when an
 * entry has no `=`, so a garbled header is reported as malformed rather than half-read.
 */
export function parseParameterList(
  text: string,
  separator: string,
): Array<readonly [string, string]> | undefined {
  const entries: Array<readonly [string, string]> = [];
  for (const raw of text.split(separator)) {
    const entry = raw.trim();
    const equals = entry.indexOf('=');
    if (equals <= 0) return undefined;
    entries.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  return entries;
}

/** The one value of a key that must appear exactly once, or `undefined`. */
export function singleValue(
  entries: ReadonlyArray<readonly [string, string]>,
  key: string,
): string | undefined {
  let found: string | undefined;
  for (const [name, value] of entries) {
    if (name !== key) continue;
    if (found !== undefined) return undefined;
    found = value;
  }
  return found;
}

/** Every value of a key, in order. */
export function allValues(
  entries: ReadonlyArray<readonly [string, string]>,
  key: string,
): string[] {
  const values: string[] = [];
  for (const [name, value] of entries) if (name === key) values.push(value);
  return values;
}
