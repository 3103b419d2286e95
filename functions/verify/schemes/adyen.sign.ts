/**
 * Adyen: standard webhooks carry one signature per NotificationRequestItem, in its
 * `additionalData.hmacSignature`, over the item's signed fields; the signer writes it into each
 * item as Adyen does. Banking and Management webhooks (`variant=banking`) sign the raw body
 * into the `HmacSignature` header.
 */
import { SigningBodyError, SigningKeyError } from '../errors.sign.ts';
import { jsonBytes, jsonObjectOf, type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import {
  type AdyenOptions,
  adyenBankingHeader,
  adyenKeyBytes,
  adyenSignedFields,
  adyenSignedText,
} from './adyen.ts';

export const signer: Signer<AdyenOptions> = {
  scheme: 'adyen',
  signsWith: 'secret',
  sign({ url, body, key, options }) {
    const keyBytes = adyenKeyBytes(secretOf('adyen', key));
    if (keyBytes === undefined)
      throw new SigningKeyError('adyen', 'needs the HMAC key as hex text');
    if (options.variant === 'banking') {
      return {
        url,
        body,
        headers: { [adyenBankingHeader]: hmac('sha256', 'base64', keyBytes, body) },
      };
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object at `name` in an object, or `undefined` where there is none. */
function objectAt(node: unknown, name: string): Record<string, unknown> | undefined {
  const value = isObject(node) ? node[name] : undefined;
  return isObject(value) ? value : undefined;
}

/** Adyen's signing string: the signed fields joined by `:`. */
function signingString(item: Record<string, unknown>): string {
  return adyenSignedFields
    .map((path) => {
      const text = adyenSignedText(item, path);
      if (text === undefined) {
        throw new SigningBodyError('adyen', `needs ${path.join('.')} to be text or a number`);
      }
      return text;
    })
    .join(':');
}
