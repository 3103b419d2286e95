import { type BodyHmacShape, matchBodyHmac } from '../hmac-header.ts';
import { accept, reject, type Scheme } from '../scheme.ts';

/**
 * DocuSign's signing shape for one key, whose signature goes in header 1: read by the verifier
 * below (for every numbered header) and written by docusign.sign.ts.
 */
export const docusignShape: BodyHmacShape = {
  header: 'X-DocuSign-Signature-1',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: '',
};

/** DocuSign numbers its signature headers from 1, one per active HMAC key, 100 at most. */
const SIGNATURE_HEADER = /^x-docusign-signature-([1-9]\d?|100)$/;

/**
 * DocuSign Connect HMAC: one `X-DocuSign-Signature-<n>` header per active Connect key, each
 * the base64 HMAC-SHA256 of the raw body. A delivery is genuine when any header matches any
 * key we hold, so keys can be added and retired on either side independently. No timestamp
 * or delivery id is signed; the event type is the JSON body's `event` field.
 */
export const docusign: Scheme = {
  name: 'docusign',
  summary: 'DocuSign Connect HMAC (base64 HMAC-SHA256 of the body, one header per key)',
  docs: 'https://developers.docusign.com/platform/webhooks/connect/validate',
  headers: ['X-DocuSign-Signature-1', 'X-DocuSign-Signature-2'],
  keyKind: 'secret',
  eventFields: { type: 'event' },
  verify({ headers, body, keys }) {
    const candidates = headers
      .names()
      .filter((name) => SIGNATURE_HEADER.test(name))
      .map((name) => headers.get(name) as string)
      .filter((value) => value !== '');
    if (candidates.length === 0) {
      return reject('missing_header', 'no x-docusign-signature-<n> header is present');
    }
    const match = matchBodyHmac({
      header: 'x-docusign-signature-<n>',
      candidates,
      keys,
      algorithm: docusignShape.algorithm,
      encoding: docusignShape.encoding,
      signed: [body],
    });
    return match.rejection ?? accept(match.keyIndex);
  },
};
