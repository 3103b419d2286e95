import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'bk-webhook-token';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"event":"build.finished","build":{"id":"f62a1b4d-10f9-4790-bc1c-e2c3a0c80983","number":42,"state":"passed"},"pipeline":{"slug":"deploy"},"sender":{"name":"Ada Lovelace"}}';
const now = 1_719_921_600;

/** Buildkite's documented algorithm: hex HMAC-SHA256 of `<timestamp>.<raw body>` with the token. */
const hex = (t: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(payload).digest('hex');
const signed = (t: number, payload: string | Uint8Array = body, key = secret) =>
  `timestamp=${t},signature=${hex(t, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({
    scheme: 'buildkite',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('buildkite', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'bk-webhook-token', b'1719921600.' + body, sha256).hexdigest()
    const header = `timestamp=${now},signature=7f4c8ccd349dc285bfbe5cf74474f836d943981e01a9e157ec2f881639bd0a7b`;
    expect(await verify({ 'X-Buildkite-Signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('reads the event type from the signed body, not the unsigned X-Buildkite-Event', async () => {
    expect(readEventFields(getScheme('buildkite'), Buffer.from(body))).toEqual({
      type: 'build.finished',
    });
    const relabelled = { 'X-Buildkite-Signature': signed(now), 'X-Buildkite-Event': 'ping' };
    const verdict = await verify(relabelled);
    expect(verdict).toMatchObject({ accepted: true });
    expect(verdict).not.toHaveProperty('eventType');
  });

  it('accepts spaces around the entries, as the Ruby sample strips them', async () => {
    const header = `timestamp=${now}, signature=${hex(now)}`;
    expect(await verify({ 'x-buildkite-signature': header })).toMatchObject({ accepted: true });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'X-Buildkite-Token': secret }],
    ['malformed_header', { 'x-buildkite-signature': 'garbage' }],
    ['malformed_header', { 'x-buildkite-signature': `signature=${hex(now)}` }],
    ['malformed_header', { 'x-buildkite-signature': `t=${now},signature=${hex(now)}` }],
    ['unsupported_version', { 'x-buildkite-signature': `timestamp=${now},v1=${hex(now)}` }],
    ['signature_mismatch', { 'x-buildkite-signature': signed(now, `${body} `) }],
    ['signature_mismatch', { 'x-buildkite-signature': signed(now, body, 'other-token') }],
    [
      'signature_mismatch',
      { 'x-buildkite-signature': `timestamp=${now + 1},signature=${hex(now)}` },
    ],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    const header = { 'x-buildkite-signature': signed(now) };
    expect(await verify(header, now + 300)).toMatchObject({ accepted: true });
    expect(await verify(header, now + 301)).toMatchObject({ reason: 'timestamp_too_old' });
    expect(await verify(header, now - 301)).toMatchObject({ reason: 'timestamp_too_new' });
  });
});

describeSchemeProperties({
  scheme: 'buildkite',
  keys,
  signatureHeader: 'X-Buildkite-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'X-Buildkite-Signature': signed(timestampSeconds, body) }, body),
});
