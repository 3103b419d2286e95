/**
 * Adyen: base64 HMAC-SHA256 keyed with the bytes of the hex HMAC key. Standard webhooks carry
 * one signature per NotificationRequestItem, in its `additionalData.hmacSignature`, over eight
 * of its fields; the signer writes it into each item as Adyen does. Banking and Management
 * webhooks (`variant=banking`) sign the raw body into the `HmacSignature` header.
 */

import { type AdyenOptions, adyenSignedFields } from '../../functions/verify/schemes/adyen.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import { SigningBodyError, SigningKeyError } from './errors.ts';
import { jsonBytes, jsonObjectOf, type Signer, secretOf } from './signer.ts';

const hexKey = /^(?:[0-9A-Fa-f]{2})+$/;

export const adyenSigner: Signer<AdyenOptions> = {
  scheme: 'adyen',
  signsWith: 'secret',
  sign({ url, body, key, options }) {
    const secret = secretOf('adyen', key);
    if (!hexKey.test(secret)) throw new SigningKeyError('adyen', 'needs the HMAC key as hex text');
    const keyBytes = Buffer.from(secret, 'hex');
    if (options.variant === 'banking') {
      return { url, body, headers: { HmacSignature: hmac('sha256', 'base64', keyBytes, body) } };
    }
    const document = jsonObjectOf('adyen', body);
    const items = document.notificationItems;
    if (!Array.isArray(items) || items.length === 0) {
      throw new SigningBodyError('adyen', 'needs a body with notificationItems to sign');
    }
    for (const entry of items) {
      const item = objectAt(entry, 'NotificationRequestItem');
      if (item === undefined) {
        throw new SigningBodyError('adyen', 'needs a NotificationRequestItem in every item');
      }
      const additionalData = objectAt(item, 'additionalData') ?? {};
      additionalData.hmacSignature = hmac('sha256', 'base64', keyBytes, signingString(item));
      item.additionalData = additionalData;
    }
    return { url, body: jsonBytes(document), headers: {} };
  },
};

/** The value at a path of object fields, or `undefined` where one is missing. */
function fieldAt(node: unknown, path: readonly string[]): unknown {
  let current = node;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

function objectAt(node: unknown, name: string): Record<string, unknown> | undefined {
  const value = fieldAt(node, [name]);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Adyen's signing string: the fields joined by `:`, an absent one as empty text. */
function signingString(item: Record<string, unknown>): string {
  return adyenSignedFields
    .map((path) => {
      const value = fieldAt(item, path);
      if (value === undefined || value === null) return '';
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return String(value);
      }
      throw new SigningBodyError('adyen', `needs ${path.join('.')} to be text or a number`);
    })
    .join(':');
}
