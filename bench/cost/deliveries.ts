/**
 * The requests the cost tool sends: JSON events of an exact size, signed by the scheme's own
 * signer, wrapped as the REST API's Lambda proxy integration (payload v1) hands them over, body
 * base64 encoded (every content type is binary to the REST API, infra/api.ts). Every id and
 * address has a fixed length, so that the audit records, and so the units they cost, are the
 * same from sample to sample.
 */
import { randomUUID } from 'node:crypto';
import type { RestApiProxyEvent } from '../../functions/ingest/http-event.ts';
import type { Signer } from '../../functions/verify/scheme.sign.ts';

export interface DeliveryInput {
  readonly providerId: string;
  /** The secret it is signed with: a secret other than the registered one forges it. */
  readonly secret: string;
  readonly body: Buffer;
  /** The sender's address, as API Gateway reports it. */
  readonly sourceIp: string;
}

const apiHost = 'abc123defg.execute-api.us-east-1.amazonaws.com';
const userAgent = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

/** A delivery as the Lambda receives it from the REST API. */
export function restDelivery(signer: Signer, input: DeliveryInput): RestApiProxyEvent {
  const path = `/v1/webhooks/${input.providerId}`;
  const signed = signer.sign({
    url: `https://${apiHost}/prod${path}`,
    method: 'POST',
    body: input.body,
    contentType: 'application/json',
    key: { kind: 'secret', value: input.secret },
    options: {},
    nowMs: Date.now(),
    deliveryId: randomUUID(),
  });
  const body = Buffer.from(signed.body);
  return {
    httpMethod: 'POST',
    path,
    headers: {
      Accept: '*/*; q=0.5, application/xml',
      'Cache-Control': 'no-cache',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(body.length),
      Host: apiHost,
      'User-Agent': userAgent,
      'X-Amzn-Trace-Id': `Root=1-${randomUUID().slice(0, 8)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      'X-Forwarded-For': input.sourceIp,
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      ...signed.headers,
    },
    multiValueHeaders: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { providerId: input.providerId },
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: randomUUID(),
      domainName: apiHost,
      path: `/prod${path}`,
      identity: { sourceIp: input.sourceIp, userAgent },
    },
  };
}

/**
 * A Stripe-like JSON event of exactly `bytes` bytes, its id `id`; the padding is a description
 * field, as large events carry large text.
 * @example jsonEvent('evt_000000000000000000000001', 4096).length // 4096
 */
export function jsonEvent(id: string, bytes: number): Buffer {
  const head = `{"id":"${id}","object":"event","type":"invoice.paid","api_version":"2024-06-20","data":{"object":{"object":"invoice","customer":"cus_Q2wErTyUiOpAsD","amount_due":4200,"currency":"usd","description":"`;
  const tail = '"}}}';
  const padding = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail);
  if (padding < 0) throw new RangeError(`a JSON event needs at least ${bytes - padding} bytes`);
  return Buffer.from(
    `${head}${'Lorem ipsum dolor sit amet. '.repeat(padding).slice(0, padding)}${tail}`,
  );
}

/** `<prefix><n>` zero-padded to `width` characters in all. */
export const fixedId = (prefix: string, n: number, width: number): string =>
  `${prefix}${String(n).padStart(width - prefix.length, '0')}`;

/** A distinct IPv4 address for each `n`, always 15 characters (every octet three digits). */
export function fixedAddress(n: number): string {
  const octets = [Math.floor(n / 10_000) % 100, Math.floor(n / 100) % 100, n % 100].map(
    (digits) => 100 + digits,
  );
  return `100.${octets.join('.')}`;
}
