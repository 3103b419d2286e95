import type { HeaderInput } from './types.ts';

/** Request headers keyed by lower-case name, since HTTP header names are case-insensitive. */
export type HeaderMap = Readonly<Record<string, string>>;

/** Lower-cases header names once; repeated values are joined with `, ` as RFC 9110 allows. */
export function normalizeHeaders(headers: HeaderInput): HeaderMap {
  const normalized: Record<string, string> = Object.create(null);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value.join(', ');
    const key = name.toLowerCase();
    const previous = normalized[key];
    normalized[key] = previous === undefined ? text : `${previous}, ${text}`;
  }
  return normalized;
}
