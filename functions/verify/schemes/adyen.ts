import { choiceOption, optionParser } from '../options.ts';
import {
  accept,
  bodySigned,
  reject,
  requireHeader,
  type Scheme,
  type SchemeInput,
} from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import type { SchemeVerdict, VerificationKey } from '../types.ts';

export interface AdyenOptions {
  /**
   * Which kind of Adyen webhook the endpoint receives:
   * - `notification`: Standard (payment) webhooks; each `NotificationRequestItem` carries
   *   its own signature in `additionalData.hmacSignature`, over eight of its fields.
   * - `banking`: Balance Platform (banking) and Management webhooks; the `HmacSignature`
   *   header signs the raw body.
   * @default 'notification' - the webhooks every Adyen payments integration receives
   */
  readonly variant: 'notification' | 'banking';
}

/** Where a banking or Management webhook carries its signature, as Adyen spells it. */
export const adyenBankingHeader = 'HmacSignature';

const HEADER = adyenBankingHeader.toLowerCase();
const HEX_KEY = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * Adyen hands out the HMAC key as hex text and signs with the bytes it spells; `undefined` when
 * the text is not hex. Buffer's hex decoder stops silently at the first bad character, so the
 * text is checked first.
 */
export function adyenKeyBytes(text: string): Buffer | undefined {
  return HEX_KEY.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/**
 * The signed fields of a NotificationRequestItem, in Adyen's order: read by the verifier
 * below and written by adyen.sign.ts, each as {@link adyenSignedText}.
 */
export const adyenSignedFields = [
  ['pspReference'],
  ['originalReference'],
  ['merchantAccountCode'],
  ['merchantReference'],
  ['amount', 'value'],
  ['amount', 'currency'],
  ['eventCode'],
  ['success'],
] as const;

type Decoded =
  | { keys: Map<VerificationKey, Buffer>; rejection?: never }
  | { rejection: SchemeVerdict };

/** Every key's bytes (see {@link adyenKeyBytes}), or the refusal naming the first that is not hex. */
function decodeKeys(keys: readonly VerificationKey[]): Decoded {
  const decoded = new Map<VerificationKey, Buffer>();
  for (const [index, key] of keys.entries()) {
    const bytes = adyenKeyBytes(key.value);
    if (bytes === undefined) {
      return { rejection: reject('invalid_key', `key #${index} is not an even-length hex string`) };
    }
    decoded.set(key, bytes);
  }
  return { keys: decoded };
}

/**
 * Adyen: HMAC-SHA256 keyed with the hex-decoded HMAC key, base64-encoded.
 * Standard webhooks sign, per item, `pspReference:originalReference:merchantAccountCode:
 * merchantReference:amount.value:amount.currency:eventCode:success`, absent fields as empty
 * text and nothing escaped (as Adyen's Java and Node libraries build it); every item must
 * verify, each against any configured key. The rest of the body is not signed. Banking and
 * Management webhooks sign the raw body, in the `HmacSignature` header.
 */
export const adyen: Scheme<AdyenOptions> = {
  name: 'adyen',
  summary: 'Adyen webhook HMAC (per notification item, or the whole body for banking webhooks)',
  docs: 'https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures',
  headers: [adyenBankingHeader],
  keyKind: 'secret',
  // The first item's reference and event code (a batch may hold more); a banking webhook's
  // `type` is not read, as eventFields cannot differ per variant.
  eventFields: {
    id: 'notificationItems.0.NotificationRequestItem.pspReference',
    type: 'notificationItems.0.NotificationRequestItem.eventCode',
  },
  // Banking webhooks sign the raw body. Notification items sign eight of their fields only,
  // pspReference and eventCode among them (adyenSignedFields), and every item must verify:
  // the eventFields above are signed though the body is not.
  signedFields: (options) =>
    options.variant === 'banking' ? bodySigned : { body: false, eventFields: true },
  parseOptions: optionParser<AdyenOptions>({
    variant: choiceOption(['notification', 'banking'], 'notification'),
  }),
  verify(input) {
    const decoded = decodeKeys(input.keys);
    if (decoded.rejection) return decoded.rejection;
    const keyBytes = (key: VerificationKey) => decoded.keys.get(key) as Buffer;
    return input.options.variant === 'banking'
      ? verifyBanking(input, keyBytes)
      : verifyItems(input, keyBytes);
  },
};

function verifyBanking(
  { headers, body, keys }: SchemeInput<AdyenOptions>,
  keyBytes: (key: VerificationKey) => Buffer,
): SchemeVerdict {
  const header = requireHeader(headers, HEADER);
  if (header.rejection) return header.rejection;
  const keyIndex = findMatchingKey(keys, [header.value], (key) =>
    hmac('sha256', 'base64', keyBytes(key), body),
  );
  if (keyIndex < 0) return reject('signature_mismatch', 'HmacSignature matches no key');
  return accept(keyIndex);
}

/**
 * The standard-webhook signatures live inside the body, over fields of the body, so this
 * is the one place the scheme must parse JSON before verifying: Adyen's scheme requires it.
 */
function verifyItems(
  { body, keys }: SchemeInput<AdyenOptions>,
  keyBytes: (key: VerificationKey) => Buffer,
): SchemeVerdict {
  const items = readItems(body);
  if (typeof items === 'string') return reject('malformed_body', items);
  let firstKeyIndex = -1;
  for (const [index, item] of items.entries()) {
    const where = `notificationItems[${index}]`;
    const signed = signingString(item);
    if (signed === undefined) {
      return reject('malformed_body', `a signed field of ${where} is not text or a number`);
    }
    const signature = field(item, ['additionalData', 'hmacSignature']);
    if (typeof signature !== 'string' || signature === '') {
      return reject('malformed_body', `${where} has no additionalData.hmacSignature`);
    }
    const keyIndex = findMatchingKey(keys, [signature], (key) =>
      hmac('sha256', 'base64', keyBytes(key), signed),
    );
    if (keyIndex < 0) return reject('signature_mismatch', `${where} hmacSignature matches no key`);
    if (firstKeyIndex < 0) firstKeyIndex = keyIndex;
  }
  return accept(firstKeyIndex);
}

/** The NotificationRequestItem objects, or why the body holds none. */
function readItems(body: Uint8Array): object[] | string {
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return 'body is not UTF-8 JSON';
  }
  const list = field(document, ['notificationItems']);
  if (!Array.isArray(list) || list.length === 0) return 'body has no notificationItems';
  const items: object[] = [];
  for (const entry of list) {
    const item = field(entry, ['NotificationRequestItem']);
    if (typeof item !== 'object' || item === null) {
      return 'a notificationItems entry has no NotificationRequestItem';
    }
    items.push(item);
  }
  return items;
}

function field(node: unknown, path: readonly string[]): unknown {
  let current = node;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, step) ? (current as Record<string, unknown>)[step] : undefined;
  }
  return current;
}

/**
 * One signed field of an item as Adyen writes it into the signing string: an absent field as
 * empty text, nothing escaped; `undefined` for an object, which no signing string can hold.
 */
export function adyenSignedText(item: object, path: readonly string[]): string | undefined {
  const value = field(item, path);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Adyen's signing string for one item, or `undefined` if a signed field is an object. */
function signingString(item: object): string | undefined {
  const values: string[] = [];
  for (const path of adyenSignedFields) {
    const text = adyenSignedText(item, path);
    if (text === undefined) return undefined;
    values.push(text);
  }
  return values.join(':');
}
