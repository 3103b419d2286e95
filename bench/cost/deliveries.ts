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
 * A Stripe-like JSON event of exactly `bytes` bytes, its id `id`: an invoice whose line items
 * carry random ids, amounts and a few words each, as large events do. Their variety matters:
 * the payload copy is compressed before it is stored, and a body padded with one repeated
 * phrase would compress a hundredfold, far better than real events (about a quarter).
 * Deterministic: the same size gives the same line items.
 * @example jsonEvent('evt_000000000000000000000001', 4096).length // 4096
 */
export function jsonEvent(id: string, bytes: number): Buffer {
  const head = `{"id":"${id}","object":"event","type":"invoice.paid","api_version":"2024-06-20","data":{"object":{"object":"invoice","customer":"cus_Q2wErTyUiOpAsD","amount_due":4200,"currency":"usd","lines":[`;
  const tail = '],"description":"';
  const end = '"}}}';
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail) + Buffer.byteLength(end);
  if (bytes < fixed) throw new RangeError(`a JSON event needs at least ${fixed} bytes`);
  // Seeded by the size, not the id: every sample of a path carries the same line items, so a
  // measurement does not depend on how many samples came before it.
  const random = seededRandom(String(bytes));
  const lines: string[] = [];
  let size = fixed;
  for (;;) {
    const line = lineItem(random);
    const added = Buffer.byteLength(line) + (lines.length === 0 ? 0 : 1);
    if (size + added > bytes) break;
    lines.push(line);
    size += added;
  }
  // The description takes up what no whole line item fills, so the size is exact.
  const description = 'x'.repeat(bytes - size);
  return Buffer.from(`${head}${lines.join(',')}${tail}${description}${end}`);
}

const words = (
  'annual basic business cloud compute credit data developer enterprise extra gold hosting ' +
  'license monthly network platform premium priority seat service standard storage support ' +
  'team transfer usage user volume workspace'
).split(' ');
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function lineItem(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const token = (length: number) => Array.from({ length }, () => pick(base62.split(''))).join('');
  const start = 1_700_000_000 + Math.floor(random() * 30_000_000);
  const description = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(words));
  return JSON.stringify({
    id: `il_${token(24)}`,
    amount: Math.floor(random() * 100_000),
    currency: 'usd',
    description: description.join(' '),
    period: { start, end: start + 2_592_000 },
    price: `price_${token(24)}`,
    quantity: 1 + Math.floor(random() * 20),
  });
}

/** mulberry32, seeded from the text: reproducible bodies without a dependency. */
function seededRandom(seed: string): () => number {
  let state = [...seed].reduce(
    (hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16_777_619),
    2_166_136_261,
  );
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
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
