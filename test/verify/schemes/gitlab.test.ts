import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const token = 'glwt-secret-token-7f3a9c';
const body = '{"object_kind":"push","project":{"path_with_namespace":"group/project"}}';

const verify = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
  verifyDelivery({
    scheme: 'gitlab',
    request: delivery(headers, payload),
    keys: [{ value: token }],
  });

describe('gitlab', () => {
  it('accepts the secret token and reports the idempotency key and event', async () => {
    const verdict = await verify({
      'X-Gitlab-Token': token,
      'X-Gitlab-Event': 'Push Hook',
      'Idempotency-Key': 'f1d5b2a9-0c3e-4e7a-9b8d-6a2c4e1f3b5d',
      'X-Gitlab-Webhook-UUID': '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
      'X-Gitlab-Event-UUID': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    });
    expect(verdict).toEqual({
      accepted: true,
      scheme: 'gitlab',
      keyIndex: 0,
      keyId: '#0',
      deliveryId: 'f1d5b2a9-0c3e-4e7a-9b8d-6a2c4e1f3b5d',
      eventType: 'Push Hook',
    });
  });

  it('falls back to X-Gitlab-Webhook-UUID, then X-Gitlab-Event-UUID, on older GitLab', async () => {
    expect(
      await verify({
        'x-gitlab-token': token,
        'x-gitlab-webhook-uuid': 'w-1',
        'x-gitlab-event-uuid': 'e-1',
      }),
    ).toMatchObject({ deliveryId: 'w-1' });
    expect(await verify({ 'x-gitlab-token': token, 'x-gitlab-event-uuid': 'e-1' })).toMatchObject({
      deliveryId: 'e-1',
    });
  });

  it('accepts any of several tokens during a change of token', async () => {
    const verdict = await verifyDelivery({
      scheme: 'gitlab',
      request: delivery({ 'x-gitlab-token': token }, body),
      keys: [{ value: 'previous-token' }, { id: 'new', value: token }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyId: 'new' });
  });

  it('does not authenticate the body: the token alone decides, which is all GitLab offers', async () => {
    expect(await verify({ 'x-gitlab-token': token }, '{"tampered":true}')).toMatchObject({
      accepted: true,
    });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'x-gitlab-token': '' }],
    ['signature_mismatch', { 'x-gitlab-token': 'wrong' }],
    ['signature_mismatch', { 'x-gitlab-token': `${token} ` }],
    ['signature_mismatch', { 'x-gitlab-token': token.toUpperCase() }],
    ['signature_mismatch', { 'x-gitlab-token': token.slice(0, -1) }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no token is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'gitlab',
      request: delivery({ 'x-gitlab-token': token }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the token, the received token or the body in a rejection', async () => {
    const text = JSON.stringify(await verify({ 'x-gitlab-token': 'guessed-token' }));
    for (const leak of [token, 'guessed-token', 'group/project']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'gitlab',
  keys: [{ value: token }],
  signatureHeader: 'X-Gitlab-Token',
  bodyCoverage: { uncovered: 'GitLab sends the secret token itself; nothing signs the body' },
  sign: ({ body, id }) =>
    delivery(
      { 'X-Gitlab-Token': token, 'X-Gitlab-Event': 'Push Hook', 'Idempotency-Key': id },
      body,
    ),
});
