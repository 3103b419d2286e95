import { createHmac } from 'node:crypto';
import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const keys = [{ id: 'current', value: secret }];
const body = '{"event_id":"Ev01","type":"event_callback","event":{"type":"app_mention"}}';
const now = 1_700_000_000;

/** Signs as Slack documents it: HMAC-SHA256 of `v0:<timestamp>:<body>`, hex, after `v0=`. */
function signature(timestamp: number | string, payload: string | Uint8Array = body, key = secret) {
  const hex = createHmac('sha256', key).update(`v0:${timestamp}:`).update(payload).digest('hex');
  return `v0=${hex}`;
}

const signedHeaders = (timestamp: number, payload = body, key = secret) => ({
  'X-Slack-Signature': signature(timestamp, payload, key),
  'X-Slack-Request-Timestamp': String(timestamp),
});

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'slack', request: delivery(headers, payload), keys, clock: at(clock) });

describe('slack', () => {
  it('accepts the worked example from Slack’s documentation', async () => {
    const vector = officialVector('slack_docs');
    const verdict = await verifyDelivery({
      scheme: 'slack',
      request: delivery(
        {
          'X-Slack-Signature': vector['X-Slack-Signature'],
          'X-Slack-Request-Timestamp': vector.timestamp,
        },
        vector.body,
      ),
      keys: [{ value: vector.secret }],
      clock: at(Number(vector.timestamp)),
    });
    expect(verdict).toMatchObject({ accepted: true, timestamp: Number(vector.timestamp) });
  });

  it('signs what @slack/bolt’s verifySlackRequest accepts, and bolt refuses a tampered body', () => {
    const headers = {
      'x-slack-signature': signature(now),
      'x-slack-request-timestamp': now,
    };
    const options = { signingSecret: secret, headers, nowMilliseconds: now * 1000 };
    expect(() => verifySlackRequest({ ...options, body })).not.toThrow();
    expect(() => verifySlackRequest({ ...options, body: `${body} ` })).toThrow(/signature/);
  });

  it('accepts a signed request and reports its timestamp', async () => {
    expect(await verify(signedHeaders(now))).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('accepts with whichever of several signing secrets signed, as during regeneration', async () => {
    const verdict = await verifyDelivery({
      scheme: 'slack',
      request: delivery(signedHeaders(now, body, 'new-secret'), body),
      keys: [...keys, { value: 'new-secret' }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it('signs the timestamp as sent, so a re-formatted timestamp does not verify', async () => {
    const headers = {
      'X-Slack-Signature': signature(now),
      'X-Slack-Request-Timestamp': `0${now}`,
    };
    expect(await verify(headers)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it.each([
    ['missing_header', { 'X-Slack-Request-Timestamp': String(now) }],
    ['missing_header', { 'X-Slack-Signature': signature(now) }],
    ['malformed_header', { ...signedHeaders(now), 'X-Slack-Request-Timestamp': '17e8' }],
    ['malformed_header', { ...signedHeaders(now), 'X-Slack-Signature': 'garbage' }],
    [
      'unsupported_version',
      { ...signedHeaders(now), 'X-Slack-Signature': signature(now).replace('v0=', 'v1=') },
    ],
    ['signature_mismatch', signedHeaders(now, 'another body')],
    ['signature_mismatch', signedHeaders(now, body, 'wrong-secret')],
    ['signature_mismatch', { ...signedHeaders(now), 'X-Slack-Signature': 'v0=abc' }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a timestamp one second past the five minute tolerance as too old', async () => {
    expect(await verify(signedHeaders(now), now + 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
  });

  it('rejects a timestamp more than five minutes ahead as too new', async () => {
    expect(await verify(signedHeaders(now), now - 301)).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });

  it('reports a forged, stale request as a signature mismatch, not as stale', async () => {
    expect(await verify(signedHeaders(now, body, 'wrong-secret'), now + 10_000)).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects with no_keys when no signing secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'slack',
      request: delivery(signedHeaders(now), body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const headers = signedHeaders(now, 'tampered');
    for (const verdict of [
      await verify(headers),
      await verify({ ...headers, 'X-Slack-Signature': 'garbage' }),
      await verify(signedHeaders(now), now + 301),
    ]) {
      const text = JSON.stringify(verdict);
      for (const leak of [secret, headers['X-Slack-Signature'].slice(3), body]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describeSchemeProperties({
  scheme: 'slack',
  keys,
  signatureHeader: 'X-Slack-Signature',
  timestampHeader: 'X-Slack-Request-Timestamp',
  sign: ({ body, timestampSeconds }) =>
    delivery(
      {
        'X-Slack-Signature': signature(timestampSeconds, body),
        'X-Slack-Request-Timestamp': String(timestampSeconds),
      },
      body,
    ),
});
