import { createHmac } from 'node:crypto';
import { WebhooksManager } from 'box-node-sdk/lib/managers/webhooks';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { signer } from '../../../functions/verify/schemes/box.sign.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const primaryKey = 'box-primary-key';
const secondaryKey = 'box-secondary-key';
const keys = [
  { id: 'primary', value: primaryKey },
  { id: 'secondary', value: secondaryKey },
];
/** The delivery timestamp of the docs' payload-headers example, and a clock at it. */
const timestamp = '2016-07-11T10:10:33-07:00';
const now = 1_468_257_033;
/** A body as Box's PHP sends it: non-ASCII and `/` escaped, signed exactly as these bytes. */
const body = String.raw`{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec","created_at":"2016-07-11T10:10:32-07:00","trigger":"FILE.UPLOADED","webhook":{"id":"53","type":"webhook"},"source":{"id":"73835521473","type":"file","name":"caf\u00e9 \/ r\u00e9sum\u00e9.pdf"}}`;

/** Box's documented algorithm: base64 HMAC-SHA256 of the body bytes, then the timestamp's. */
const sign = (time: string, payload: string | Uint8Array = body, key = primaryKey) =>
  createHmac('sha256', key).update(payload).update(time).digest('base64');
const fixed = { 'BOX-SIGNATURE-VERSION': '1', 'BOX-SIGNATURE-ALGORITHM': 'HmacSHA256' };
const headersAt = (
  time: string,
  primary = sign(time),
  secondary = sign(time, body, secondaryKey),
) => ({
  'BOX-DELIVERY-TIMESTAMP': time,
  'BOX-SIGNATURE-PRIMARY': primary,
  'BOX-SIGNATURE-SECONDARY': secondary,
  ...fixed,
});
/** Unix seconds as Box writes them, in its Pacific offset. */
const pacific = (seconds: number) =>
  `${new Date((seconds - 7 * 3600) * 1000).toISOString().slice(0, 19)}-07:00`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({ scheme: 'box', request: delivery(headers, payload), keys, clock: at(clock) });

const lowerCased = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('box', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3 (test/verify/schemes/box.test.ts's body as bytes):
    //   base64.b64encode(hmac.new(b'box-primary-key', body + b'2016-07-11T10:10:33-07:00',
    //   hashlib.sha256).digest()), and the same with b'box-secondary-key'
    const headers = headersAt(
      timestamp,
      '5hCdR663szBV7Obj1oVMPzyy170gYatPMT1mhHubr9E=',
      'QXQOX3HYF+/R5Gbjv13iEmvgcwrSpW02WegM+s5bh6s=',
    );
    expect(await verify(headers)).toMatchObject({
      accepted: true,
      keyId: 'primary',
      timestamp: now,
    });
  });

  it("accepts the Box SDK's own test vector, under either of its keys", async () => {
    // box-node-sdk 10.12.0, src/test/webhooks.test.ts, testWebhookValidation.
    const sdkBody =
      '{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Test.txt"}}';
    const sdkHeaders = {
      'box-delivery-id': 'f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f',
      'box-delivery-timestamp': '2020-01-01T00:00:00-07:00',
      'box-signature-algorithm': 'HmacSHA256',
      'box-signature-primary': '6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI=',
      'box-signature-secondary': 'v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo=',
      'box-signature-version': '1',
    };
    for (const key of ['SamplePrimaryKey', 'SampleSecondaryKey']) {
      const verdict = await verifyDelivery({
        scheme: 'box',
        request: delivery(sdkHeaders, sdkBody),
        keys: [{ value: key }],
        clock: at(1_577_862_000),
      });
      expect(verdict).toMatchObject({ accepted: true, timestamp: 1_577_862_000 });
    }
  });

  it("signs what the Box SDK's validateMessage accepts, and both refuse a changed body", async () => {
    const signed = signer.sign({
      url: 'https://hooks.example.com/box',
      method: 'POST',
      body: Buffer.from(body),
      contentType: 'application/json',
      key: { kind: 'secret', value: primaryKey },
      options: {},
      nowMs: Date.now(),
      deliveryId: 'dlv_1',
    });
    const sdkHeaders = lowerCased(signed.headers);
    const ours = (payload: string) =>
      verifyDelivery({
        scheme: 'box',
        request: delivery(signed.headers, payload),
        keys: [{ value: primaryKey }],
        clock: Date.now,
      });
    expect(await WebhooksManager.validateMessage(body, sdkHeaders, primaryKey)).toBe(true);
    expect(await ours(body)).toMatchObject({ accepted: true });
    const changed = body.replace('FILE.UPLOADED', 'FILE.DELETED');
    expect(await WebhooksManager.validateMessage(changed, sdkHeaders, primaryKey)).toBe(false);
    expect(await ours(changed)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('reads the event id and its trigger from the verified body', () => {
    expect(readEventFields(getScheme('box'), Buffer.from(body))).toEqual({
      id: 'eb0c4e06-751f-442c-86f8-fd5bb404dbec',
      type: 'FILE.UPLOADED',
    });
  });

  it('accepts either header matching any key, so key order and a reset key do not matter', async () => {
    // Keys listed secondary first: the primary header still matches.
    const reversed = await verifyDelivery({
      scheme: 'box',
      request: delivery(headersAt(timestamp), body),
      keys: [{ value: secondaryKey }, { value: primaryKey }],
      clock: at(now),
    });
    expect(reversed).toMatchObject({ accepted: true, keyIndex: 0 });
    // The primary key was reset in the console and is not configured yet: the secondary holds.
    const reset = headersAt(timestamp, sign(timestamp, body, 'new-primary'));
    expect(await verify(reset)).toMatchObject({ accepted: true, keyId: 'secondary' });
    // Only one key generated, so only one header sent.
    const { 'BOX-SIGNATURE-SECONDARY': _secondary, ...primaryOnly } = headersAt(timestamp);
    expect(await verify(primaryOnly)).toMatchObject({ accepted: true, keyId: 'primary' });
    const { 'BOX-SIGNATURE-PRIMARY': _primary, ...secondaryOnly } = headersAt(timestamp);
    expect(await verify(secondaryOnly)).toMatchObject({ accepted: true, keyId: 'secondary' });
  });

  const other = (key: string) => sign(timestamp, body, key);
  it.each([
    ['signature_mismatch', headersAt(timestamp, other('x'), other('y'))],
    ['signature_mismatch', headersAt(timestamp, sign(timestamp, `${body} `), other('y'))],
    ['signature_mismatch', headersAt(timestamp, sign('2016-07-11T10:10:34-07:00'), other('y'))],
    ['malformed_header', headersAt(timestamp, 'not base64!', '')],
    ['missing_header', { 'BOX-DELIVERY-TIMESTAMP': timestamp, ...fixed }],
    ['missing_header', { ...headersAt(timestamp), 'BOX-DELIVERY-TIMESTAMP': '' }],
    ['missing_header', { ...headersAt(timestamp), 'BOX-SIGNATURE-VERSION': '' }],
    ['unsupported_version', { ...headersAt(timestamp), 'BOX-SIGNATURE-VERSION': '2' }],
    ['unsupported_version', { ...headersAt(timestamp), 'BOX-SIGNATURE-ALGORITHM': 'HmacSHA1' }],
    ['malformed_header', headersAt(String(now))],
    ['malformed_header', headersAt('2016-07-11T10:10:33-0700')],
    ['malformed_header', headersAt('2016-13-11T10:10:33-07:00')],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the ten-minute tolerance either way', async () => {
    expect(await verify(headersAt(pacific(now - 601)))).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(headersAt(pacific(now + 601)))).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_new',
    });
  });
});

describeSchemeProperties({
  scheme: 'box',
  keys,
  signatureHeader: 'BOX-SIGNATURE-PRIMARY',
  timestampHeader: 'BOX-DELIVERY-TIMESTAMP',
  sign: ({ body, timestampSeconds }) => {
    const time = pacific(timestampSeconds);
    const { 'BOX-SIGNATURE-SECONDARY': _unused, ...headers } = headersAt(time, sign(time, body));
    return delivery(headers, body);
  },
});
