import { createHash } from 'node:crypto';
import { parse as parseQueryString, stringify as stringifyQueryString } from 'node:querystring';
import { textEqual } from '../compare.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, type HmacAlgorithm, hmac } from '../signatures.ts';

/**
 * Twilio's signing shape, read by the verifier below and written by twilio.sign.ts: the
 * signature header, and the query parameter that carries a JSON body's SHA-256 (hex).
 */
export const twilioShape = {
  header: 'X-Twilio-Signature',
  bodyHashParameter: 'bodySHA256',
} as const;

const SIGNATURE = twilioShape.header.toLowerCase();
const SETTINGS = 'x-twilio-webhooks-signature-settings';
const BODY_HASH_PARAMETER = twilioShape.bodyHashParameter;

/** The algorithm names Twilio writes in the signature-settings header. */
const ALGORITHMS = new Map<string, HmacAlgorithm>([
  ['HMAC_SHA1', 'sha1'],
  ['HMAC_SHA256', 'sha256'],
]);

/**
 * The HMAC named by `X-Twilio-Webhooks-Signature-Settings: key=<SharedKey id>,algorithm=<name>`,
 * which Twilio adds when a Webhook Rule signs with a SharedKey. No header, or no `algorithm=`
 * in it, means the classic Auth Token signature, HMAC-SHA1 (as twilio-node reads it).
 * `undefined` for an algorithm we do not know.
 */
function signingAlgorithm(settings: string | undefined): HmacAlgorithm | undefined {
  for (const part of (settings ?? '').split(',')) {
    const equals = part.indexOf('=');
    if (equals === -1 || part.slice(0, equals).trim() !== 'algorithm') continue;
    const name = part.slice(equals + 1).trim();
    if (name !== '') return ALGORITHMS.get(name.toUpperCase());
  }
  return 'sha1';
}

const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

/** `scheme://`, `user@`, host, `:port` and the rest, split without normalising anything. */
function splitAuthority(url: string) {
  const match = AUTHORITY.exec(url);
  if (match === null) return undefined;
  const [prefix, scheme = '', authority = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@') + 1;
  const hostAndPort = authority.slice(userInfoEnd);
  // In an IPv6 literal only a colon after the closing bracket starts the port.
  const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd),
    host: colon === -1 ? hostAndPort : hostAndPort.slice(0, colon),
    port: colon === -1 ? '' : hostAndPort.slice(colon),
    rest: url.slice(prefix.length),
  };
}

function withoutPort(url: string): string {
  const parts = splitAuthority(url);
  return parts === undefined ? url : parts.scheme + parts.userInfo + parts.host + parts.rest;
}

function withDefaultPort(url: string): string {
  const parts = splitAuthority(url);
  if (parts === undefined || parts.port !== '') return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

/** The query re-encoded by Node's legacy `querystring`, as some Twilio back ends signed it. */
function withLegacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return url;
  return `${url.slice(0, start)}?${stringifyQueryString(parseQueryString(url.slice(start + 1)))}`;
}

/**
 * Every spelling of the URL that Twilio may have signed, in the order twilio-node's
 * `validateRequest` tries them: as received without and with the default port (Twilio has
 * signed both over time), then as `new URL()` normalises it (percent-encoding characters
 * some back ends escaped before signing), plain and with a legacy-encoded query.
 */
function urlCandidates(url: string): string[] {
  const candidates = [withoutPort(url), withDefaultPort(url)];
  let normalized: string | undefined;
  try {
    normalized = new URL(url).toString();
  } catch {
    normalized = undefined;
  }
  if (normalized !== undefined) {
    const bare = withoutPort(normalized);
    const ported = withDefaultPort(normalized);
    candidates.push(bare, ported, withLegacyQuery(bare), withLegacyQuery(ported));
  }
  return [...new Set(candidates)];
}

/** `bodySHA256` from the query, which marks a JSON (non-form) delivery. */
function bodyHashParameter(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  const end = url.indexOf('#', start);
  const query = new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end));
  return query.get(BODY_HASH_PARAMETER) ?? undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * One form-encoded name or value: `+` is a space, `%XX` a byte, and the bytes must be UTF-8.
 * Stricter than URLSearchParams on purpose: a stray `%`, raw whitespace or control bytes
 * (which no form encoder emits) or invalid UTF-8 make the body malformed, rather than being
 * read as a replacement character, so fewer byte strings share one parameter list.
 */
function decodeComponent(bytes: Uint8Array): string | undefined {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (byte === 0x2b) {
      out[length++] = 0x20;
    } else if (byte === 0x25) {
      const high = hexValue(bytes[index + 1]);
      const low = hexValue(bytes[index + 2]);
      if (high < 0 || low < 0) return undefined;
      out[length++] = high * 16 + low;
      index += 2;
    } else if (byte <= 0x20 || byte === 0x7f) {
      return undefined;
    } else {
      out[length++] = byte;
    }
  }
  try {
    return utf8.decode(out.subarray(0, length));
  } catch {
    return undefined;
  }
}

/** The body's `name=value&…` pairs, repeated names collected in order; empty pairs skipped. */
function parseForm(body: Uint8Array): Map<string, string[]> | undefined {
  const parameters = new Map<string, string[]>();
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x26, start);
    if (end === -1) end = body.length;
    const pair = body.subarray(start, end);
    start = end + 1;
    if (pair.length === 0) continue;
    const equals = pair.indexOf(0x3d);
    const name = decodeComponent(equals === -1 ? pair : pair.subarray(0, equals));
    const value = equals === -1 ? '' : decodeComponent(pair.subarray(equals + 1));
    if (name === undefined || value === undefined) return undefined;
    const values = parameters.get(name);
    if (values === undefined) parameters.set(name, [value]);
    else values.push(value);
  }
  return parameters;
}

/**
 * What Twilio appends to the URL: each name followed by its value, names sorted; a
 * repeated name contributes each distinct value once, values sorted (twilio-node's
 * `getExpectedTwilioSignature`). Sorting is by UTF-16 code unit, as JavaScript sorts.
 */
export function signedParameters(parameters: ReadonlyMap<string, readonly string[]>): string {
  let text = '';
  for (const name of [...parameters.keys()].sort()) {
    for (const value of [...new Set(parameters.get(name))].sort()) text += name + value;
  }
  return text;
}

/**
 * Twilio: `X-Twilio-Signature` is the base64 HMAC, keyed with the Auth Token as text, of
 * the full URL Twilio called followed by the POST parameters (see {@link signedParameters});
 * no timestamp is signed. Two variants:
 *
 * - Form posts (`application/x-www-form-urlencoded`, and GETs with no body): the scheme
 *   itself requires parsing the body into parameters, so Twilio authenticates the
 *   parameters, not the bytes: `%20` and `+`, or `%2f` and `%2F`, sign the same. Because
 *   names and values are joined without delimiters, `a=bc` and `a&bc` sign the same too;
 *   that ambiguity is Twilio's. Downstream code must read the verified body as form data.
 * - JSON bodies: the URL carries `bodySHA256`, the signature covers the URL alone, and the
 *   body's SHA-256 (hex) must equal that parameter.
 *
 * A Webhook Rule with a SharedKey signs the same string, keyed with the SharedKey secret,
 * with the algorithm named in `X-Twilio-Webhooks-Signature-Settings` (HMAC_SHA1 or
 * HMAC_SHA256; https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys, Public
 * Beta). Twilio sends that header only when a Rule applies, so it needs no option here: it
 * is read whenever present. Configure the Auth Token and any SharedKey secrets as keys
 * (several during a rotation); any may match.
 */
export const twilio: Scheme = {
  name: 'twilio',
  summary:
    'Twilio request signatures (HMAC-SHA1, or SHA-256 with a SharedKey, over URL and params)',
  docs: 'https://www.twilio.com/docs/usage/webhooks/webhooks-security',
  headers: [twilioShape.header, 'X-Twilio-Webhooks-Signature-Settings'],
  keyKind: 'secret',
  // Not claimed as signed: a form post's bytes are not signed, only its parameters joined
  // without delimiters (above), so neither the bytes nor their reading is pinned; a JSON
  // body's hash is, but one declaration serves both variants.
  signedFields: () => ({ body: false }),
  verify({ url, headers, body, keys }) {
    const signature = requireHeader(headers, SIGNATURE);
    if (signature.rejection) return signature.rejection;
    const algorithm = signingAlgorithm(headers.get(SETTINGS));
    if (algorithm === undefined) {
      return reject(
        'unsupported_version',
        `${SETTINGS} names an algorithm other than HMAC_SHA1 or HMAC_SHA256`,
      );
    }
    const bodyHash = bodyHashParameter(url);
    let parameters = '';
    if (bodyHash === undefined) {
      const form = parseForm(body);
      if (form === undefined) {
        return reject(
          'malformed_body',
          'body is not well-formed application/x-www-form-urlencoded UTF-8',
        );
      }
      parameters = signedParameters(form);
    }
    let keyIndex = -1;
    for (const candidate of urlCandidates(url)) {
      keyIndex = findMatchingKey(keys, [signature.value], (key) =>
        hmac(algorithm, 'base64', key.value, candidate, parameters),
      );
      if (keyIndex >= 0) break;
    }
    if (keyIndex < 0) {
      return reject('signature_mismatch', `${SIGNATURE} matches no key for this URL and body`);
    }
    if (bodyHash !== undefined) {
      const digest = createHash('sha256').update(body).digest('hex');
      if (!textEqual(digest, bodyHash)) {
        return reject(
          'body_hash_mismatch',
          `body SHA-256 differs from the ${BODY_HASH_PARAMETER} query parameter`,
        );
      }
    }
    return accept(keyIndex);
  },
};
