import type { HeaderInput } from './types.ts';

/** Request headers keyed by lower-case name, since HTTP header names are case-insensitive. */
export type HeaderMap = Readonly<Record<string, string>>;

/**
 * Lower-cased header names, remembered: a sender uses the same few names on every request,
 * and reusing one lower-cased string spares allocating and hashing a fresh copy per header
 * per request. Bounded in count and length, since whoever sends a request picks its names;
 * past the bound names are simply lower-cased each time.
 */
const lowerCaseNames = new Map<string, string>();
const rememberedNames = 512;
const rememberedLength = 64;

function lowerCase(name: string): string {
  let lower = lowerCaseNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCaseNames.size < rememberedNames && name.length <= rememberedLength) {
      lowerCaseNames.set(name, lower);
    }
  }
  return lower;
}

/** Lower-cases header names once; repeated values are joined with `, ` as RFC 9110 allows. */
export function normalizeHeaders(headers: HeaderInput): HeaderMap {
  // A null prototype, so that no name (`constructor`, `__proto__`) reaches Object.prototype.
  // Made by setPrototypeOf on a literal rather than Object.create(null), which V8 starts in
  // slow dictionary mode; the result is the same kind of object, with fast properties.
  const normalized: Record<string, string> = Object.setPrototypeOf({}, null);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value.join(', ');
    const key = lowerCase(name);
    const previous = normalized[key];
    normalized[key] = previous === undefined ? text : `${previous}, ${text}`;
  }
  return normalized;
}
