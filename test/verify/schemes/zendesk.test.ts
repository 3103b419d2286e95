import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

/** The static secret Zendesk signs test requests with before a webhook is created. */
const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const keys = [{ id: 'current', value: secret }];
/** The timestamp of the docs' "Anatomy of a webhook request" example, and a clock at it. */
const timestamp = '2021-03-25T05:09:27Z';
const now = 1_616_648_967;
const body =
  '{"type":"zen:event-type:user.active_changed","account_id":12514403,"id":"2b24ef10-19d4-4740-93cf-8f98ec4776c0","time":"2021-03-25T05:09:27Z","zendesk_event_version":"2022-06-20","subject":"zen:user:6596848315901","detail":{"id":"6596848315901","role":"end-user"},"event":{"current":false,"previous":true}}';

/** Zendesk's documented algorithm: base64(HMACSHA256(TIMESTAMP + BODY)), the secret as text. */
const sign = (time: string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(time).update(payload).digest('base64');
const iso = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
const headersAt = (time: string, signature = sign(time)) => ({
  'X-Zendesk-Webhook-Signature': signature,
  'X-Zendesk-Webhook-Signature-Timestamp': time,
  'X-Zendesk-Webhook-Invocation-Id': '8350205582',
});

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({
    scheme: 'zendesk',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('zendesk', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: base64.b64encode(hmac.new(b'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==',
    //   b'2021-03-25T05:09:27Z' + body, hashlib.sha256).digest())
    const headers = headersAt(timestamp, 'AFhsNhzHOEMDgaGgBhxYh37LYNz9M19IlQ6jNDwFAeU=');
    expect(await verify(headers)).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
      deliveryId: '8350205582',
    });
  });

  it('signs the timestamp before the body, not after as an older docs example did', async () => {
    // The event-connectors page once showed this secret, body, timestamp and signature under
    // the formula TIMESTAMP + BODY, but its signature is over BODY + TIMESTAMP. python3:
    // base64.b64encode(hmac.new(secret, b'2021-07-25T10:00:00Z' + body, sha256).digest())
    const old = {
      secret: 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=',
      body: '{"say": "hello"}',
      timestamp: '2021-07-25T10:00:00Z',
      bodyFirst: 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=',
      timestampFirst: 'Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=',
    };
    const check = (signature: string) =>
      verifyDelivery({
        scheme: 'zendesk',
        request: delivery(headersAt(old.timestamp, signature), old.body),
        keys: [{ value: old.secret }],
        clock: at(1_627_207_200),
      });
    expect(await check(old.timestampFirst)).toMatchObject({ accepted: true });
    expect(await check(old.bodyFirst)).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('reads the event id and type from the verified body, as the event schema names them', () => {
    expect(readEventFields(getScheme('zendesk'), Buffer.from(body))).toEqual({
      id: '2b24ef10-19d4-4740-93cf-8f98ec4776c0',
      type: 'zen:event-type:user.active_changed',
    });
  });

  it('reports the invocation id, which is not signed: a changed one still verifies', async () => {
    const headers = { ...headersAt(timestamp), 'X-Zendesk-Webhook-Invocation-Id': 'forged' };
    expect(await verify(headers)).toMatchObject({ accepted: true, deliveryId: 'forged' });
    expect(getScheme('zendesk').signedFields).toBeUndefined();
  });

  it('accepts with whichever configured secret signed, as while a secret is reset', async () => {
    const verdict = await verifyDelivery({
      scheme: 'zendesk',
      request: delivery(headersAt(timestamp), body),
      keys: [{ value: 'old-secret' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it.each([
    ['signature_mismatch', headersAt(timestamp, sign(timestamp, `${body} `))],
    ['signature_mismatch', headersAt(timestamp, sign(timestamp, body, 'other-secret'))],
    ['signature_mismatch', headersAt(timestamp, sign('2021-03-25T05:09:28Z'))],
    ['malformed_header', headersAt(timestamp, 'not base64!')],
    ['missing_header', { 'X-Zendesk-Webhook-Signature-Timestamp': timestamp }],
    ['missing_header', { 'X-Zendesk-Webhook-Signature': sign(timestamp) }],
    ['malformed_header', headersAt(String(now))],
    ['malformed_header', headersAt('2021-03-25 05:09:27Z')],
    ['malformed_header', headersAt('2021-03-25T05:09:27')],
    ['malformed_header', headersAt('2021-02-30T05:09:27Z')],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    expect(await verify(headersAt(iso(now - 301)))).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(headersAt(iso(now + 301)))).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });
});

describeSchemeProperties({
  scheme: 'zendesk',
  keys,
  signatureHeader: 'X-Zendesk-Webhook-Signature',
  timestampHeader: 'X-Zendesk-Webhook-Signature-Timestamp',
  sign: ({ body, timestampSeconds, id }) => {
    const time = iso(timestampSeconds);
    return delivery(
      { ...headersAt(time, sign(time, body)), 'X-Zendesk-Webhook-Invocation-Id': id },
      body,
    );
  },
});
