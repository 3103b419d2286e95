/**
 * A captured delivery replayed under another unsigned id, with none, or relabelled, is a
 * duplicate of itself: the delivery id is taken only from what the provider's signature
 * covers (functions/ingest/delivery-names.ts). Against the local stack: DynamoDB Local, the
 * KMS stand-in and fauxqs.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryBudgetMs, settleBudgetMs } from '../../functions/config/limits.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type HttpApiEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { type Envelope, readEnvelope } from '../../functions/queue/envelope.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const github = { providerId: 'gh-replay', secret: 'gh-replay-secret' };
const standard = { providerId: 'std-replay', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
const stripe = { providerId: 'stripe-replay', secret: 'whsec_replay_test_secret' };

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;
let requestCounter = 0;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, github.providerId, github.secret, 'github');
  await registerProvider(stack, standard.providerId, standard.secret, 'standard-webhooks');
  await registerProvider(stack, stripe.providerId, stripe.secret);
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** Past the window in which a first attempt may still be sending: a repeat is a duplicate. */
const afterSendingMs = deliveryBudgetMs + settleBudgetMs;

const post = (event: HttpApiEvent, laterMs = 0) =>
  ingest(readHttpEvent(event), ports, () => Date.now() + laterMs);

/** The request a provider's signer writes, as API Gateway hands it over. */
async function signedEvent(
  scheme: SchemeName,
  { providerId, secret }: { providerId: string; secret: string },
  body: string,
  ids: { deliveryId: string; eventType?: string },
): Promise<HttpApiEvent & { headers: Record<string, string> }> {
  const signer = await signerFor(scheme);
  const signed = signer.sign({
    url: `https://hooks.example.com/v1/webhooks/${providerId}`,
    method: 'POST',
    body: Buffer.from(body),
    contentType: 'application/json',
    key: { kind: 'secret', value: secret },
    options: {},
    nowMs: Date.now(),
    ...ids,
  });
  requestCounter += 1;
  return {
    version: '2.0',
    rawPath: `/v1/webhooks/${providerId}`,
    rawQueryString: '',
    headers: { host: 'hooks.example.com', 'content-type': 'application/json', ...signed.headers },
    pathParameters: { providerId },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `replay-req-${requestCounter}`,
      domainName: 'hooks.example.com',
      http: { method: 'POST', sourceIp: '198.51.100.23', userAgent: 'replay-test' },
    },
  };
}

/** The same request with its headers changed: what a replayer can do to unsigned headers. */
function withHeaders(
  event: HttpApiEvent & { headers: Record<string, string> },
  change: (headers: Record<string, string>) => Record<string, string>,
): HttpApiEvent {
  requestCounter += 1;
  return {
    ...event,
    headers: change({ ...event.headers }),
    requestContext: { ...event.requestContext, requestId: `replay-req-${requestCounter}` },
  };
}

async function queuedEnvelopes(): Promise<Envelope[]> {
  return (await stack.drainQueue()).map(readEnvelope);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a GitHub delivery, whose X-GitHub-Delivery and X-GitHub-Event are not signed', () => {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: 'c0ffee', commits: [] });
  const bodyId = `sha256:${sha256(body)}`;

  it('is queued once: replays with another id, with none, or relabelled are duplicates (200), each audited', async () => {
    const original = await signedEvent('github', github, body, {
      deliveryId: 'aaaaaaaa-0000-4000-8000-000000000001',
      eventType: 'push',
    });
    const first = await post(original);
    expect(first.response.statusCode).toBe(202);
    expect(JSON.parse(first.response.body)).toEqual({ deliveryId: bodyId });

    const replays = [
      withHeaders(original, (headers) => ({
        ...headers,
        'x-github-delivery': 'bbbbbbbb-0000-4000-8000-000000000002',
      })),
      withHeaders(original, ({ 'x-github-delivery': _dropped, ...headers }) => headers),
      withHeaders(original, (headers) => ({ ...headers, 'x-github-event': 'release' })),
    ];
    for (const replay of replays) {
      const answer = await post(replay, afterSendingMs);
      expect(answer.response.statusCode).toBe(200);
      expect(answer.outcome).toBe('duplicate');
      expect(JSON.parse(answer.response.body)).toMatchObject({ deliveryId: bodyId });
    }

    const queued = await queuedEnvelopes();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      deliveryId: bodyId,
      eventId: 'aaaaaaaa-0000-4000-8000-000000000001',
      eventType: 'push',
      signed: ['body'],
    });

    const { records } = await audit.findByDeliveryId(bodyId);
    expect(records.map((record) => record.outcome).sort()).toEqual([
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(records.every((record) => record.bodySha256 === sha256(body))).toBe(true);
    // The provider's own id stays on the accepted record, as information an operator can find.
    expect(records.find((record) => record.outcome === 'accepted')).toMatchObject({
      eventId: 'aaaaaaaa-0000-4000-8000-000000000001',
    });
  });

  it('is still a new delivery when the signed body differs', async () => {
    const other = JSON.stringify({ ref: 'refs/heads/main', after: 'decade', commits: [] });
    const answer = await post(
      await signedEvent('github', github, other, { deliveryId: 'same-guid', eventType: 'push' }),
    );
    expect(answer.response.statusCode).toBe(202);
    expect(await queuedEnvelopes()).toMatchObject([{ deliveryId: `sha256:${sha256(other)}` }]);
  });
});

describe('a Standard Webhooks delivery, whose webhook-id is signed', () => {
  const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } });

  it('keeps its id as the delivery id, with every field it names marked signed', async () => {
    const answer = await post(
      await signedEvent('standard-webhooks', standard, body, { deliveryId: 'msg_1' }),
    );
    expect(answer.response.statusCode).toBe(202);
    expect(JSON.parse(answer.response.body)).toEqual({ deliveryId: 'msg_1' });
    expect(await queuedEnvelopes()).toMatchObject([
      {
        deliveryId: 'msg_1',
        eventId: 'msg_1',
        eventType: 'invoice.paid',
        signed: ['body', 'eventId', 'eventType', 'timestamp'],
      },
    ]);
    expect((await audit.findByDeliveryId('msg_1')).records).toMatchObject([
      { outcome: 'accepted' },
    ]);
  });

  it('refuses the same signature under another id (401), and takes a new signed id for the same body as new', async () => {
    const original = await signedEvent('standard-webhooks', standard, body, {
      deliveryId: 'msg_2',
    });
    const relabelled = withHeaders(original, (headers) => ({ ...headers, 'webhook-id': 'msg_3' }));
    expect((await post(relabelled)).response.statusCode).toBe(401);

    const resent = await post(
      await signedEvent('standard-webhooks', standard, body, { deliveryId: 'msg_3' }),
    );
    expect(resent.response.statusCode).toBe(202);
    expect((await queuedEnvelopes()).map((envelope) => envelope.deliveryId)).toEqual(['msg_3']);
  });
});

describe('the envelope of a Stripe delivery', () => {
  it('marks the body, the event id and type from the signed body, and the signed timestamp', async () => {
    const body = JSON.stringify({ id: 'evt_signed_1', type: 'invoice.paid', object: 'event' });
    const answer = await post(stripeDelivery(stripe.providerId, stripe.secret, body));
    expect(answer.response.statusCode).toBe(202);
    expect(await queuedEnvelopes()).toMatchObject([
      {
        deliveryId: 'evt_signed_1',
        eventId: 'evt_signed_1',
        eventType: 'invoice.paid',
        signed: ['body', 'eventId', 'eventType', 'timestamp'],
      },
    ]);
  });
});
