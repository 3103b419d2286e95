/**
 * Schemes that sign the raw body alone with an HMAC written into one header (GitHub, Shopify,
 * Intercom, Lemon Squeezy, Xero, Typeform, Bitbucket, Jira, DocuSign, PagerDuty): each is a
 * row of data, signed by one function.
 */

import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import type { DigestEncoding, HmacAlgorithm } from '../../functions/verify/signatures.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import { presentHeaders, type Signer, secretOf } from './signer.ts';

/** How one provider writes its body HMAC, and where it puts the delivery id and event type. */
interface BodyHmacFormat {
  readonly scheme: SchemeName;
  readonly header: string;
  readonly algorithm: HmacAlgorithm;
  readonly encoding: DigestEncoding;
  /** Text before the digest, e.g. `sha256=`. @default '' */
  readonly prefix?: string;
  /** Headers carrying the delivery id, each given the same value. @default - none */
  readonly idHeaders?: readonly string[];
  /** @default - the type travels in the body, or nowhere */
  readonly eventTypeHeader?: string;
}

/** A signer for one {@link BodyHmacFormat}. */
function bodyHmacSigner(format: BodyHmacFormat): Signer {
  return {
    scheme: format.scheme,
    signsWith: 'secret',
    ...(format.eventTypeHeader === undefined ? {} : { eventTypeHeader: format.eventTypeHeader }),
    sign({ url, body, key, deliveryId, eventType }) {
      const digest = hmac(format.algorithm, format.encoding, secretOf(format.scheme, key), body);
      return {
        url,
        body,
        headers: presentHeaders([
          [format.header, `${format.prefix ?? ''}${digest}`],
          ...(format.idHeaders ?? []).map((name) => [name, deliveryId] as const),
          ...(format.eventTypeHeader === undefined
            ? []
            : [[format.eventTypeHeader, eventType] as const]),
        ]),
      };
    },
  };
}

export const githubSigner = bodyHmacSigner({
  scheme: 'github',
  header: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-GitHub-Delivery'],
  eventTypeHeader: 'X-GitHub-Event',
});

/** Both id headers: Shopify sends each, and the scheme prefers the event id. */
export const shopifySigner = bodyHmacSigner({
  scheme: 'shopify',
  header: 'X-Shopify-Hmac-Sha256',
  algorithm: 'sha256',
  encoding: 'base64',
  idHeaders: ['X-Shopify-Event-Id', 'X-Shopify-Webhook-Id'],
  eventTypeHeader: 'X-Shopify-Topic',
});

export const intercomSigner = bodyHmacSigner({
  scheme: 'intercom',
  header: 'X-Hub-Signature',
  algorithm: 'sha1',
  encoding: 'hex',
  prefix: 'sha1=',
});

export const lemonSqueezySigner = bodyHmacSigner({
  scheme: 'lemon-squeezy',
  header: 'X-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  eventTypeHeader: 'X-Event-Name',
});

export const xeroSigner = bodyHmacSigner({
  scheme: 'xero',
  header: 'x-xero-signature',
  algorithm: 'sha256',
  encoding: 'base64',
});

export const typeformSigner = bodyHmacSigner({
  scheme: 'typeform',
  header: 'Typeform-Signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: 'sha256=',
});

/** Bitbucket Cloud's id header; Data Center's `X-Request-Id` is read only when it is absent. */
export const bitbucketSigner = bodyHmacSigner({
  scheme: 'bitbucket',
  header: 'X-Hub-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-Request-UUID'],
  eventTypeHeader: 'X-Event-Key',
});

export const jiraSigner = bodyHmacSigner({
  scheme: 'jira',
  header: 'X-Hub-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-Atlassian-Webhook-Identifier'],
});

/** One signature header per active Connect key; one key, so header 1. */
export const docusignSigner = bodyHmacSigner({
  scheme: 'docusign',
  header: 'X-DocuSign-Signature-1',
  algorithm: 'sha256',
  encoding: 'base64',
});

export const pagerdutySigner = bodyHmacSigner({
  scheme: 'pagerduty',
  header: 'X-PagerDuty-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'v1=',
  idHeaders: ['X-Webhook-Id'],
});
