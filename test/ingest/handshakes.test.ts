import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsKeys } from '../../functions/config/keys.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type HttpApiEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { httpApiEvent } from '../support/http-api-event.ts';
import { bindingOf } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';

const twitchId = 'twitch-live';
const twitchSecret = 'twitch-handshake-secret-0123';
const zoomId = 'zoom-live';
// Created in this order: the first is v1 (older), the second v2 (newest, offered first).
const zoomOldSecret = 'zoom-secret-token-old';
const zoomNewSecret = 'zoom-secret-token-new';

let stack: IngestStack;
let ports: IngestPorts;
let audit: AuditReader;

beforeAll(async () => {
  stack = await startIngestStack();
  const registry = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: registryTable.localName,
  });
  const secretKey = async (providerId: string, value: string) => ({
    kind: 'secret' as const,
    ciphertext: await encryptProviderKey({
      kms: stack.kms,
      keyId: kmsKeys.secrets.alias,
      ...bindingOf(providerId, providerId === twitchId ? 'twitch' : 'zoom'),
      value,
    }),
  });
  await registry.create({
    providerId: twitchId,
    scheme: 'twitch',
    keys: [await secretKey(twitchId, twitchSecret)],
  });
  await registry.create({
    providerId: zoomId,
    scheme: 'zoom',
    keys: [await secretKey(zoomId, zoomOldSecret), await secretKey(zoomId, zoomNewSecret)],
  });
  ports = createIngestPorts();
  audit = new AuditReader({ dynamodb: stack.dynamodb, tableName: auditTable.localName });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

const httpEvent = (providerId: string, headers: Record<string, string>, body: string) =>
  httpApiEvent(providerId, headers, body, { userAgent: 'handshake-test' });

/** Twitch: `sha256=` + hex HMAC-SHA256 of message id + timestamp + raw body, no separators. */
function twitchChallenge(challenge: string, secret = twitchSecret) {
  const messageId = randomUUID();
  const timestamp = new Date().toISOString();
  const body = JSON.stringify({
    challenge,
    subscription: { id: randomUUID(), status: 'webhook_callback_verification_pending' },
  });
  const signature = createHmac('sha256', secret)
    .update(messageId)
    .update(timestamp)
    .update(body)
    .digest('hex');
  const headers = {
    'twitch-eventsub-message-id': messageId,
    'twitch-eventsub-message-timestamp': timestamp,
    'twitch-eventsub-message-signature': `sha256=${signature}`,
    'twitch-eventsub-message-type': 'webhook_callback_verification',
    'twitch-eventsub-subscription-type': 'channel.follow',
  };
  return { messageId, event: httpEvent(twitchId, headers, body) };
}

/** Zoom: `v0=` + hex HMAC-SHA256 of `v0:<x-zm-request-timestamp>:<raw body>`. */
function zoomValidation(plainToken: string, secret: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({
    payload: { plainToken },
    event_ts: Date.now(),
    event: 'endpoint.url_validation',
  });
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  const headers = { 'x-zm-signature': `v0=${signature}`, 'x-zm-request-timestamp': timestamp };
  return httpEvent(zoomId, headers, body);
}

const post = (event: HttpApiEvent) => ingest(readHttpEvent(event), ports, Date.now);
const zoomEncrypted = (plainToken: string, secret: string) =>
  createHmac('sha256', secret).update(plainToken).digest('hex');

describe('handshakes against DynamoDB Local, the KMS stand-in and fauxqs', () => {
  it('answers a verified Twitch challenge 200 text/plain with the challenge, nothing queued', async () => {
    const { messageId, event } = twitchChallenge('pogchamp-kappa-360noscope-vohiyo');
    const result = await post(event);
    expect(result.response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' },
      body: 'pogchamp-kappa-360noscope-vohiyo',
    });
    expect(result.outcome).toBe('handshake');
    expect(await stack.drainQueue()).toHaveLength(0);
    // No audit outcome fits a challenge: nothing is written for it.
    expect((await audit.findByDeliveryId(messageId)).records).toEqual([]);
  });

  it('answers a verified Zoom url_validation 200 JSON with the token encrypted by the newest key', async () => {
    const event = zoomValidation('qgg8vlvZRS6UYooatFL8Aw', zoomNewSecret);
    const { response, outcome } = await post(event);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: zoomEncrypted('qgg8vlvZRS6UYooatFL8Aw', zoomNewSecret),
    });
    expect(outcome).toBe('handshake');
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('encrypts the Zoom token with the key that verified the challenge (an older key)', async () => {
    const { response } = await post(zoomValidation('older-key-token', zoomOldSecret));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      plainToken: 'older-key-token',
      encryptedToken: zoomEncrypted('older-key-token', zoomOldSecret),
    });
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('answers a badly signed Twitch challenge 401 without echoing it', async () => {
    const { event } = twitchChallenge('echo-me-not', 'not-the-secret');
    const { response, reason } = await post(event);
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('signature_mismatch');
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('answers an unsigned Twitch challenge 401', async () => {
    const { event } = twitchChallenge('echo-me-not');
    const { 'twitch-eventsub-message-signature': _, ...unsigned } = event.headers;
    const { response, reason } = await post({ ...event, headers: unsigned });
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('missing_header');
  });

  it('answers a badly signed Zoom url_validation 401 without an encrypted token', async () => {
    const { response, reason } = await post(zoomValidation('forged-token', 'wrong-secret'));
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('{"error":"unauthorized"}');
    expect(reason).toBe('signature_mismatch');
    expect(await stack.drainQueue()).toHaveLength(0);
  });

  it('answers an unsigned Zoom url_validation 401', async () => {
    const event = zoomValidation('unsigned-token', zoomNewSecret);
    const { 'x-zm-signature': _, ...unsigned } = event.headers;
    const { response, reason } = await post({ ...event, headers: unsigned });
    expect(response.statusCode).toBe(401);
    expect(reason).toBe('missing_header');
  });
});
