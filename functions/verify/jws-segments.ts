/**
 * Reading the segments of a compact JWS or JWT (RFC 7515), as Plaid's and Netlify's schemes
 * receive them. Only canonical text is read: node's base64url decoder skips stray characters
 * and ignores unused trailing bits, so accepting only the text that round-trips keeps every
 * altered character a refusal.
 */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url in canonical form, or `undefined`. */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** A segment's JSON object, or `undefined` for anything else. */
export function segmentObject(text: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(text);
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
