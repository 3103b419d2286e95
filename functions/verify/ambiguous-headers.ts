/**
 * A credential header that arrives more than once, repeated or under two letter cases, is
 * ambiguous: HTTP would join the values with commas, and a signature list read from the join
 * could hold a value an intermediary or an attacker added beside the genuine one. No provider
 * sends one twice, so such a delivery is refused before any scheme parses the header.
 */
import { isCredentialHeader } from '../config/headers.ts';
import type { HeaderMap } from './headers.ts';
import { reject, type Scheme } from './scheme.ts';
import type { SchemeVerdict } from './types.ts';

/** Each scheme's declared headers that the name pattern calls credentials, lower-cased once. */
const declaredCredentials = new WeakMap<Scheme<unknown>, readonly string[]>();

function declaredCredentialHeaders(scheme: Scheme<unknown>): readonly string[] {
  let names = declaredCredentials.get(scheme);
  if (names === undefined) {
    names = scheme.headers.filter(isCredentialHeader).map((name) => name.toLowerCase());
    declaredCredentials.set(scheme, names);
  }
  return names;
}

/**
 * The refusal for the first credential header of `scheme` that `headers` holds more than one
 * value of, or `undefined`. Credential headers are the scheme's declared `headers` that
 * functions/config/headers.ts calls credentials, and those its options name
 * (Scheme.credentialHeaders). The detail names the header, never its values.
 *
 * A scan of a few names over the request's headers: cheap enough for every request.
 * @example repeatedCredentialHeader(stripe, {}, new HeaderMap({ 'Stripe-Signature': ['a', 'b'] }))
 * // { accepted: false, reason: 'malformed_header', detail: 'stripe-signature came more than once' }
 */
export function repeatedCredentialHeader(
  scheme: Scheme<unknown>,
  options: unknown,
  headers: HeaderMap,
): SchemeVerdict | undefined {
  for (const name of declaredCredentialHeaders(scheme)) {
    if (headers.count(name) > 1) return refusal(name);
  }
  if (scheme.credentialHeaders === undefined) return undefined;
  // Not cached: options may be any object the caller passes, and only static and hmac name
  // one header here. A name that is not text is the scheme's to refuse as invalid options.
  for (const configured of scheme.credentialHeaders(options)) {
    if (typeof configured !== 'string') continue;
    const name = configured.toLowerCase();
    if (headers.count(name) > 1) return refusal(name);
  }
  return undefined;
}

function refusal(name: string): SchemeVerdict {
  return reject('malformed_header', `${name} came more than once`);
}
