import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { zoomUrlValidationResponse } from '../../../functions/verify/schemes/zoom.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'zoom-secret-token';
const keys = [{ id: 'current', value: secret }];
const body = '{"event":"meeting.started","event_ts":1719921600000,"payload":{"account_id":"abc"}}';
const now = 1_719_921_600;

/** Zoom's documented algorithm: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
const hex = (ts: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`v0:${ts}:`).update(payload).digest('hex');
const signed = (ts: number, payload: string | Uint8Array = body, key = secret) => ({
  'x-zm-signature': `v0=${hex(ts, payload, key)}`,
  'x-zm-request-timestamp': String(ts),
});

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'zoom', request: delivery(headers, payload), keys, clock: at(clock) });

describe('zoom', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'zoom-secret-token', b'v0:1719921600:' + body, sha256).hexdigest()
    const verdict = await verify({
      'x-zm-signature': 'v0=2a7e69bf32eff32140487006137cd103479eeb192ca4aff7cc6943a2e032cc2d',
      'x-zm-request-timestamp': '1719921600',
    });
    expect(verdict).toMatchObject({ accepted: true, keyId: 'current', timestamp: now });
    expect(verdict).not.toHaveProperty('handshake');
  });

  it('leaves the event type to the body, read after verification', () => {
    expect(readEventFields(getScheme('zoom'), Buffer.from(body))).toEqual({
      type: 'meeting.started',
    });
  });

  describe('endpoint.url_validation', () => {
    const challenge =
      '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1719921600000,"event":"endpoint.url_validation"}';

    it('marks a verified challenge as a handshake', async () => {
      const verdict = await verify(signed(now, challenge), now, challenge);
      expect(verdict).toMatchObject({ accepted: true, handshake: 'endpoint.url_validation' });
    });

    it('verifies the challenge like any event before looking at it', async () => {
      const verdict = await verify(signed(now, challenge, 'wrong'), now, challenge);
      expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    });

    it('does not mistake an event that merely mentions the name for a handshake', async () => {
      for (const other of [
        '{"event":"meeting.started","payload":{"topic":"endpoint.url_validation"}}',
        '"endpoint.url_validation"',
        '{"event":"endpoint.url_validation"',
      ]) {
        const verdict = await verify(signed(now, other), now, other);
        expect(verdict).toMatchObject({ accepted: true });
        expect(verdict).not.toHaveProperty('handshake');
      }
    });

    it('answers with the plain token and its hex HMAC-SHA256 under the secret token', () => {
      // python3: hmac.new(b'zoom-secret-token', b'qgg8vlvZRS6UYooatFL8Aw', sha256).hexdigest()
      expect(zoomUrlValidationResponse('qgg8vlvZRS6UYooatFL8Aw', secret)).toEqual({
        plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
        encryptedToken: 'd9e0d764a78494688ba3f2d5c0ed4ca311394b4834d959759213424d2df961e3',
      });
    });
  });

  it('accepts with whichever of several secret tokens signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'zoom',
      request: delivery(signed(now), body),
      keys: [{ value: 'old-token' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  const good = signed(now);
  it.each([
    ['missing_header', { 'x-zm-request-timestamp': String(now) }],
    ['missing_header', { 'x-zm-signature': good['x-zm-signature'] }],
    ['unsupported_version', { ...good, 'x-zm-signature': `v1=${hex(now)}` }],
    ['malformed_header', { ...good, 'x-zm-request-timestamp': '1719921600.5' }],
    ['malformed_header', { ...good, 'x-zm-request-timestamp': 'now' }],
    ['signature_mismatch', signed(now, 'other body')],
    ['signature_mismatch', signed(now, body, 'wrong-token')],
    ['signature_mismatch', { ...good, 'x-zm-request-timestamp': String(now + 1) }],
    ['signature_mismatch', { ...good, 'x-zm-signature': `v0=${hex(now).slice(1)}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('accepts a timestamp 300 s old and rejects one second past that as too old', async () => {
    expect(await verify(good, now + 300)).toMatchObject({ accepted: true });
    expect(await verify(good, now + 301)).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    expect(await verify(good, now - 301)).toMatchObject({ reason: 'timestamp_too_new' });
  });

  it('rejects with no_keys when no secret token is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'zoom',
      request: delivery(good, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const headers = signed(now, 'tampered');
    const text = JSON.stringify(await verify(headers));
    for (const leak of [secret, headers['x-zm-signature'].slice(3), body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'zoom',
  keys,
  signatureHeader: 'x-zm-signature',
  timestampHeader: 'x-zm-request-timestamp',
  sign: ({ body, timestampSeconds }) => delivery(signed(timestampSeconds, body), body),
});
