import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { twitchChallengeResponse } from '../../../functions/verify/schemes/twitch.ts';
import { parseRfc3339Timestamp } from '../../../functions/verify/timestamp.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'twitch-secret-0123';
const keys = [{ id: 'current', value: secret }];
const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
const timestamp = '2019-11-16T10:11:12.634234626Z';
const signedAt = Date.UTC(2019, 10, 16, 10, 11, 12, 634) / 1000;
const body =
  '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2"},"event":{"user_id":"1337"}}';

/** Twitch's documented algorithm: `sha256=` + hex HMAC-SHA256 of id + timestamp + raw body. */
const hex = (messageId: string, at: string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(messageId).update(at).update(payload).digest('hex');

function headers(
  options: { id?: string; at?: string; payload?: string | Uint8Array; key?: string } = {},
): Record<string, string> {
  const messageId = options.id ?? id;
  const at = options.at ?? timestamp;
  return {
    'Twitch-Eventsub-Message-Id': messageId,
    'Twitch-Eventsub-Message-Timestamp': at,
    'Twitch-Eventsub-Message-Signature': `sha256=${hex(messageId, at, options.payload, options.key)}`,
    'Twitch-Eventsub-Message-Type': 'notification',
    'Twitch-Eventsub-Subscription-Type': 'channel.follow',
  };
}

const verify = (
  requestHeaders: Record<string, string>,
  nowSeconds = signedAt,
  payload: string = body,
) =>
  verifyDelivery({
    scheme: 'twitch',
    request: delivery(requestHeaders, payload),
    keys,
    clock: () => nowSeconds * 1000,
  });

describe('twitch', () => {
  it('accepts a known answer computed outside Node and reports the delivery', async () => {
    // python3: hmac.new(b'twitch-secret-0123', (id + timestamp + body).encode(), sha256).hexdigest()
    const verdict = await verify({
      ...headers(),
      'Twitch-Eventsub-Message-Signature':
        'sha256=9fbdc6e1afa6eb67403ae5d11c96d5a7597cf1e3f67703240c235b5d4fe94f9e',
    });
    expect(verdict).toMatchObject({
      accepted: true,
      keyId: 'current',
      deliveryId: id,
      eventType: 'channel.follow',
      timestamp: signedAt,
    });
    expect(verdict).not.toHaveProperty('handshake');
  });

  it('marks the callback verification challenge as a handshake and builds its reply', async () => {
    const challenge =
      '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}';
    const verdict = await verify(
      {
        ...headers({ payload: challenge }),
        'Twitch-Eventsub-Message-Type': 'webhook_callback_verification',
      },
      signedAt,
      challenge,
    );
    expect(verdict).toMatchObject({ accepted: true, handshake: 'webhook_callback_verification' });
    expect(verdict).not.toHaveProperty('eventType');
    expect(twitchChallengeResponse(Buffer.from(challenge))).toEqual({
      contentType: 'text/plain',
      body: 'pogchamp-kappa-360noscope-vohiyo',
    });
  });

  it('finds no challenge reply in a body without a string challenge', () => {
    for (const other of ['{"challenge":7}', 'null', '{"challenge":', body]) {
      expect(twitchChallengeResponse(Buffer.from(other))).toBeUndefined();
    }
  });

  it('reports a revocation as such, never as an event of the subscription type', async () => {
    const verdict = await verify({ ...headers(), 'Twitch-Eventsub-Message-Type': 'revocation' });
    expect(verdict).toMatchObject({ accepted: true, eventType: 'revocation' });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'twitch',
      request: delivery(headers(), body),
      keys: [{ value: 'old-secret-0123' }, { value: secret }],
      clock: () => signedAt * 1000,
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  const good = headers();
  const without = (name: string) =>
    Object.fromEntries(Object.entries(good).filter(([key]) => key !== name));
  it.each([
    ['missing_header', without('Twitch-Eventsub-Message-Signature')],
    ['missing_header', without('Twitch-Eventsub-Message-Id')],
    ['missing_header', without('Twitch-Eventsub-Message-Timestamp')],
    [
      'unsupported_version',
      { ...good, 'Twitch-Eventsub-Message-Signature': `sha1=${hex(id, timestamp)}` },
    ],
    ['malformed_header', headers({ at: '2019-11-16 10:11:12Z' })],
    ['malformed_header', headers({ at: '1573899072' })],
    ['signature_mismatch', headers({ payload: 'other body' })],
    ['signature_mismatch', headers({ key: 'wrong-secret-0' })],
    ['signature_mismatch', { ...good, 'Twitch-Eventsub-Message-Id': 'another-id' }],
    [
      'signature_mismatch',
      { ...good, 'Twitch-Eventsub-Message-Timestamp': '2019-11-16T10:11:12.634234627Z' },
    ],
    ['signature_mismatch', { ...good, 'Twitch-Eventsub-Message-Signature': 'sha256=abc' }],
  ])('rejects with %s', async (reason, requestHeaders) => {
    expect(await verify(requestHeaders)).toMatchObject({ accepted: false, reason });
  });

  it('accepts a message 10 minutes old and rejects one a second older as too old', async () => {
    expect(await verify(good, signedAt + 600)).toMatchObject({ accepted: true });
    expect(await verify(good, signedAt + 601)).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('rejects a message stamped more than 10 minutes ahead as too new', async () => {
    expect(await verify(good, signedAt - 601)).toMatchObject({ reason: 'timestamp_too_new' });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'twitch',
      request: delivery(good, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const forged = headers({ payload: 'tampered' });
    const text = JSON.stringify(await verify(forged));
    const signature = forged['Twitch-Eventsub-Message-Signature'] as string;
    for (const leak of [secret, signature.slice('sha256='.length), body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describe('parseRfc3339Timestamp', () => {
  it.each([
    ['2019-11-16T10:11:12.634234626Z', Date.UTC(2019, 10, 16, 10, 11, 12, 634) / 1000],
    ['2019-11-16T10:11:12Z', Date.UTC(2019, 10, 16, 10, 11, 12) / 1000],
    ['2019-11-16t10:11:12.5z', Date.UTC(2019, 10, 16, 10, 11, 12, 500) / 1000],
    ['2019-11-16T10:11:12+01:30', Date.UTC(2019, 10, 16, 8, 41, 12) / 1000],
    ['2019-11-16T10:11:12-01:30', Date.UTC(2019, 10, 16, 11, 41, 12) / 1000],
    ['2024-02-29T23:59:59Z', Date.UTC(2024, 1, 29, 23, 59, 59) / 1000],
    ['0001-01-01T00:00:00Z', -62_135_596_800],
  ])('reads %s', (text, seconds) => {
    expect(parseRfc3339Timestamp(text)).toBeCloseTo(seconds, 6);
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-00-10T00:00:00Z',
    '2023-01-00T00:00:00Z',
    '2023-04-31T00:00:00Z',
    '2023-01-01T24:00:00Z',
    '2023-01-01T00:60:00Z',
    '2023-01-01T00:00:60Z',
    '2023-01-01T00:00:00+24:00',
    '2023-01-01T00:00:00+01:60',
    '2023-01-01T00:00:00.Z',
    '2023-01-01T00:00:00.1234567890Z',
    '2023-01-01T00:00:00',
    '2023-01-01 00:00:00Z',
    '2023-1-01T00:00:00Z',
    '+2023-01-01T00:00:00Z',
    ' 2023-01-01T00:00:00Z',
    '2023-01-01T00:00:00Z ',
    '2023-01-01T00:00:00+0100',
    '２０２３-01-01T00:00:00Z',
    '',
  ])('refuses %j', (text) => {
    expect(parseRfc3339Timestamp(text)).toBeUndefined();
  });

  it('reads back any instant that Date writes as ISO 8601, to the millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseRfc3339Timestamp(new Date(ms).toISOString())).toBeCloseTo(ms / 1000, 6);
      }),
    );
  });
});

/** Twitch writes nanoseconds; the fixture adds a fixed fraction to the whole second. */
const rfc3339 = (seconds: number) =>
  new Date(seconds * 1000).toISOString().replace('.000Z', '.000000001Z');

describeSchemeProperties({
  scheme: 'twitch',
  keys,
  signatureHeader: 'Twitch-Eventsub-Message-Signature',
  timestampHeader: 'Twitch-Eventsub-Message-Timestamp',
  idHeader: 'Twitch-Eventsub-Message-Id',
  sign: ({ body, timestampSeconds, id: messageId }) =>
    delivery(headers({ id: messageId, at: rfc3339(timestampSeconds), payload: body }), body),
});
