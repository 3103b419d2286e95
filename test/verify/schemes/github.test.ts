import { createHmac } from 'node:crypto';
import { verify as octokitVerify, sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'github-secret';
const body = '{"action":"opened"}';
const hex = (algorithm: string, key: string, payload: string | Uint8Array) =>
  createHmac(algorithm, key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, payload = body, allowSha1 = false) =>
  verifyDelivery({
    scheme: 'github',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
    options: { allowSha1 },
  });

describe('github', () => {
  it.each(['github_docs', 'github_octokit'])('accepts the published %s vector', async (name) => {
    const vector = officialVector(name);
    const verdict = await verifyDelivery({
      scheme: 'github',
      request: delivery({ 'X-Hub-Signature-256': vector['X-Hub-Signature-256'] }, vector.payload),
      keys: [{ value: vector.secret }],
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('accepts a signature made by @octokit/webhooks-methods and reports delivery and event', async () => {
    const verdict = await verify({
      'X-Hub-Signature-256': await sign(secret, body),
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-GitHub-Event': 'pull_request',
    });
    expect(verdict).toMatchObject({
      accepted: true,
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      eventType: 'pull_request',
    });
  });

  it('signs what @octokit/webhooks-methods verify accepts', async () => {
    expect(await octokitVerify(secret, body, `sha256=${hex('sha256', secret, body)}`)).toBe(true);
  });

  it('prefers sha256 when both signatures are sent', async () => {
    const verdict = await verify({
      'x-hub-signature-256': `sha256=${hex('sha256', secret, body)}`,
      'x-hub-signature': 'sha1=0000',
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('accepts sha1 only when it is enabled', async () => {
    const headers = { 'x-hub-signature': `sha1=${hex('sha1', secret, body)}` };
    expect(await verify(headers, body, true)).toMatchObject({ accepted: true });
    expect(await verify(headers)).toMatchObject({ accepted: false, reason: 'unsupported_version' });
  });

  it.each([
    ['missing_header', {}],
    ['unsupported_version', { 'x-hub-signature-256': 'sha512=abcd' }],
    ['signature_mismatch', { 'x-hub-signature-256': `sha256=${hex('sha256', 'wrong', body)}` }],
    ['signature_mismatch', { 'x-hub-signature-256': 'sha256=abcd' }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });
});

describeSchemeProperties({
  scheme: 'github',
  keys: [{ value: secret }],
  signatureHeader: 'X-Hub-Signature-256',
  sign: ({ body, id }) =>
    delivery(
      { 'X-Hub-Signature-256': `sha256=${hex('sha256', secret, body)}`, 'X-GitHub-Delivery': id },
      body,
    ),
});
