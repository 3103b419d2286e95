import { createHmac } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'bb-secret';
const body = '{"push":{"changes":[]},"repository":{"full_name":"team/repo"}}';
const hex = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
  verifyDelivery({
    scheme: 'bitbucket',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
  });

describe('bitbucket', () => {
  it('accepts a known answer and reports the Cloud request UUID and event key', async () => {
    // Computed separately with `openssl dgst -sha256 -hmac bb-secret` over the body.
    const signature = 'sha256=4f7632d7715f792b202bf0319020a30dd3192dcb9b31a34298934be78ac6673e';
    const verdict = await verify({
      'X-Hub-Signature': signature,
      'X-Request-UUID': 'b3a1c7e2-5d4f-4a8e-9c1b-2f6d8e0a4c7b',
      'X-Event-Key': 'repo:push',
      'X-Hook-UUID': '{0d6f1d6a-9c2b-4d1e-8a55-0a7c2b1e9f33}',
    });
    expect(verdict).toMatchObject({
      accepted: true,
      deliveryId: 'b3a1c7e2-5d4f-4a8e-9c1b-2f6d8e0a4c7b',
      eventType: 'repo:push',
    });
  });

  it('reports the Data Center X-Request-Id when there is no X-Request-UUID', async () => {
    const verdict = await verify({
      'x-hub-signature': `sha256=${hex(body)}`,
      'x-request-id': 'dc-request-1',
      'x-event-key': 'repo:refs_changed',
    });
    expect(verdict).toMatchObject({ accepted: true, deliveryId: 'dc-request-1' });
  });

  it("accepts the same sha256=<hex> form that GitHub's @octokit/webhooks-methods signs", async () => {
    expect(await verify({ 'x-hub-signature': await octokitSign(secret, body) })).toMatchObject({
      accepted: true,
    });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'bitbucket',
      request: delivery({ 'x-hub-signature': `sha256=${hex(body)}` }, body),
      keys: [{ value: 'old' }, { value: secret }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'x-hub-signature-256': `sha256=${hex(body)}` }],
    ['unsupported_version', { 'x-hub-signature': `sha1=${hex(body)}` }],
    ['signature_mismatch', { 'x-hub-signature': `sha256=${hex(body, 'wrong')}` }],
    ['signature_mismatch', { 'x-hub-signature': 'sha256=abcd' }],
    ['signature_mismatch', { 'x-hub-signature': `sha256=${hex(body).toUpperCase()}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'bitbucket',
      request: delivery({ 'x-hub-signature': `sha256=${hex(body)}` }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = hex(body, 'forger');
    const text = JSON.stringify(await verify({ 'x-hub-signature': `sha256=${signature}` }));
    for (const leak of [secret, signature, 'team/repo']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'bitbucket',
  keys: [{ value: secret }],
  signatureHeader: 'X-Hub-Signature',
  sign: ({ body, id }) =>
    delivery(
      {
        'X-Hub-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        'X-Request-UUID': id,
        'X-Event-Key': 'repo:push',
      },
      body,
    ),
});
