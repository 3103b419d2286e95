import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'It0wlC9ZdKfDtUuq6ahk';
const body =
  '{"timestamp":1700000000000,"webhookEvent":"jira:issue_created","issue":{"key":"TEST-1"}}';
const hex = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
  verifyDelivery({
    scheme: 'jira',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
  });

describe('jira', () => {
  it('accepts a known answer and reports the webhook identifier', async () => {
    // Computed separately with `openssl dgst -sha256 -hmac <secret>` over the body.
    const signature = 'sha256=48df70c8bd29d078af8d6e31a6adaad501df389f6ab6f2a47456021dd1f4c8f4';
    const verdict = await verify({
      'X-Hub-Signature': signature,
      'X-Atlassian-Webhook-Identifier': '1157-1700000000000-42',
      'X-Atlassian-Webhook-Retry': '0',
    });
    expect(verdict).toEqual({
      accepted: true,
      scheme: 'jira',
      keyIndex: 0,
      keyId: '#0',
      deliveryId: '1157-1700000000000-42',
    });
  });

  it('reads the event type from the verified body', () => {
    expect(readEventFields(getScheme('jira'), Buffer.from(body))).toEqual({
      type: 'jira:issue_created',
    });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'jira',
      request: delivery({ 'x-hub-signature': `sha256=${hex(body)}` }, body),
      keys: [{ value: 'old' }, { id: 'rotated', value: secret }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyId: 'rotated' });
  });

  it.each([
    ['missing_header', {}],
    ['unsupported_version', { 'x-hub-signature': `sha1=${hex(body)}` }],
    ['malformed_header', { 'x-hub-signature': hex(body) }],
    ['signature_mismatch', { 'x-hub-signature': `sha256=${hex(body, 'wrong')}` }],
    ['malformed_header', { 'x-hub-signature': 'sha256=' }],
    ['signature_mismatch', { 'x-hub-signature': `sha256=${hex('{}')}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'jira',
      request: delivery({ 'x-hub-signature': `sha256=${hex(body)}` }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = hex(body, 'forger');
    const text = JSON.stringify(await verify({ 'x-hub-signature': `sha256=${signature}` }));
    for (const leak of [secret, signature, 'TEST-1']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'jira',
  keys: [{ value: secret }],
  signatureHeader: 'X-Hub-Signature',
  sign: ({ body, id }) =>
    delivery(
      {
        'X-Hub-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        'X-Atlassian-Webhook-Identifier': id,
      },
      body,
    ),
});
