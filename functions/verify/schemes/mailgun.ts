import { accept, reject, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';

/**
 * What Mailgun signs, hex HMAC-SHA256 over `timestamp` + `token`: checked by the verifier below,
 * written by mailgun.sign.ts.
 */
export const mailgunSignature = (key: string, timestamp: string, token: string): string =>
  hmac('sha256', 'hex', key, timestamp, token);

/** The signature block as a delivery carries it. */
interface SignatureBlock {
  readonly timestamp: string;
  readonly token: string;
  readonly signatures: readonly string[];
}

/**
 * Mailgun: hex HMAC-SHA256, keyed with the HTTP webhook signing key, over `timestamp` +
 * `token` (no separator). Both, and the signature, travel in the body: JSON webhooks put
 * them in a `signature` object beside `event-data`; form-encoded deliveries (legacy
 * webhooks) send them as `timestamp`, `token` and `signature` fields. So this scheme must
 * parse the body to find them. Nothing else in the body is signed: a captured signature
 * block can be attached to any other body until its timestamp falls out of tolerance,
 * which is why a tolerance is enforced, and why receivers should also refuse a reused token.
 * A subaccount's event also carries `parent-signature`, the same HMAC under the primary
 * account's key; either may match any configured key.
 */
export const mailgun: Scheme = {
  name: 'mailgun',
  summary: 'Mailgun webhook signatures (HMAC-SHA256 of timestamp and token, carried in the body)',
  docs: 'https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks',
  headers: ['Content-Type'],
  keyKind: 'secret',
  // Mailgun's docs recommend checking that the timestamp "is not too far from the current
  // time" without a number, and warn against being too aggressive; we use the 300 s that
  // Stripe, Standard Webhooks and HubSpot use. Callers facing slow deliveries can widen it.
  defaultToleranceSeconds: 300,
  eventFields: { id: 'event-data.id', type: 'event-data.event' },
  // Only timestamp + token are signed (above): the body, and `event-data` in it, are not.
  signedFields: () => ({ body: false }),
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const text = decodeUtf8(body);
    if (text === undefined) return reject('malformed_body', 'body is not UTF-8');
    const block = isJson(headers.get('content-type'), text) ? fromJson(text) : fromForm(text);
    if (block === undefined) {
      return reject('malformed_body', 'body carries no single timestamp, token and signature');
    }
    const timestamp = parseUnixTimestamp(block.timestamp);
    if (timestamp === undefined) {
      return reject('malformed_body', 'signature timestamp must be Unix seconds');
    }
    const keyIndex = findMatchingKey(keys, block.signatures, (key) =>
      mailgunSignature(key.value, block.timestamp, block.token),
    );
    if (keyIndex < 0) return reject('signature_mismatch', 'signature matches no key');
    return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp });
  },
};

function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

/** JSON by media type; without one, by the first non-blank character. */
function isJson(contentType: string | undefined, text: string): boolean {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return true;
  if (media === 'application/x-www-form-urlencoded') return false;
  return text.trimStart().startsWith('{');
}

function fromJson(text: string): SignatureBlock | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  const block = member(document, 'signature');
  const timestamp = member(block, 'timestamp');
  const token = member(block, 'token');
  const signature = member(block, 'signature');
  const parent = member(block, 'parent-signature');
  // Mailgun documents the timestamp as an int but sends it as a string; take either.
  const timestampText = Number.isSafeInteger(timestamp) ? String(timestamp) : timestamp;
  if (typeof timestampText !== 'string' || typeof signature !== 'string') return undefined;
  if (typeof token !== 'string' || token === '') return undefined;
  const signatures = typeof parent === 'string' ? [signature, parent] : [signature];
  return { timestamp: timestampText, token, signatures };
}

function fromForm(text: string): SignatureBlock | undefined {
  const form = new URLSearchParams(text);
  const one = (name: string) => {
    const values = form.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const timestamp = one('timestamp');
  const token = one('token');
  const signature = one('signature');
  if (timestamp === undefined || !token || signature === undefined) return undefined;
  return { timestamp, token, signatures: [signature] };
}

function member(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, name) ? (node as Record<string, unknown>)[name] : undefined;
}
