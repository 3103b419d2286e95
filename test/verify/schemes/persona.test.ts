import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'wbhsec_new';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"data":{"type":"event","id":"evt_XGuYWp7WuDzNxie5z16s7sGJ","attributes":{"name":"inquiry.approved","payload":{"data":{"type":"inquiry","id":"inq_2CVZ4HyVg7qaboXz2PUHknAn"}},"created-at":"2024-07-02T12:00:00.000Z"}}}';
const now = 1_719_921_600;
// python3: hmac.new(b'wbhsec_new', b'1719921600.' + body, sha256).hexdigest()
const newV1 = '61da20ed750d66e295f0f74a8a2fdbe747a2eae9995a0c966d528319ea4a2d91';
// python3: hmac.new(b'wbhsec_old', b'1719921600.' + body, sha256).hexdigest()
const oldV1 = '4625e4b4bc0b15fcc3fa25d81e38f613a021787626ca656724a0acf6e85e68a2';

/** Persona's documented algorithm: hex HMAC-SHA256 of `<t>.<raw body>` with the webhook secret. */
const v1 = (t: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(payload).digest('hex');
const signed = (t: number, payload: string | Uint8Array = body, key = secret) =>
  `t=${t},v1=${v1(t, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body, secrets = keys) =>
  verifyDelivery({
    scheme: 'persona',
    request: delivery(headers, payload),
    keys: secrets,
    clock: at(clock),
  });

describe('persona', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    expect(await verify({ 'Persona-Signature': `t=${now},v1=${newV1}` })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('accepts either space-separated group while a secret rotates, with either secret', async () => {
    const rotating = { 'Persona-Signature': `t=${now},v1=${newV1} t=${now},v1=${oldV1}` };
    expect(await verify(rotating)).toMatchObject({ accepted: true, keyId: 'current' });
    const old = [{ id: 'old', value: 'wbhsec_old' }];
    expect(await verify(rotating, now, body, old)).toMatchObject({ accepted: true, keyId: 'old' });
  });

  it("checks each group's v1 over its own t, and that t against the clock", async () => {
    const stale = `t=${now - 3600},v1=${v1(now - 3600)} t=${now},v1=${oldV1}`;
    expect(await verify({ 'persona-signature': stale })).toMatchObject({
      accepted: false,
      reason: 'timestamp_too_old',
    });
    const crossed = `t=${now - 3600},v1=${newV1} t=${now},v1=${oldV1}`;
    expect(await verify({ 'persona-signature': crossed })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('reads the event id and type from the verified JSON:API body', () => {
    expect(readEventFields(getScheme('persona'), Buffer.from(body))).toEqual({
      id: 'evt_XGuYWp7WuDzNxie5z16s7sGJ',
      type: 'inquiry.approved',
    });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'persona-signature': 'garbage' }],
    ['malformed_header', { 'persona-signature': `v1=${newV1}` }],
    ['malformed_header', { 'persona-signature': `t=${now},v1=${newV1} v1=${oldV1}` }],
    ['malformed_header', { 'persona-signature': `t=${now},v1=${newV1}  t=${now},v1=${oldV1}` }],
    ['unsupported_version', { 'persona-signature': `t=${now},v0=${newV1}` }],
    ['signature_mismatch', { 'persona-signature': signed(now, `${body} `) }],
    ['signature_mismatch', { 'persona-signature': signed(now, body, 'wbhsec_other') }],
    ['signature_mismatch', { 'persona-signature': `t=${now},v1=${newV1.toUpperCase()}` }],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a timestamp past the 300 s tolerance either way', async () => {
    const header = { 'persona-signature': signed(now) };
    expect(await verify(header, now + 301)).toMatchObject({ reason: 'timestamp_too_old' });
    expect(await verify(header, now - 301)).toMatchObject({ reason: 'timestamp_too_new' });
  });
});

describeSchemeProperties({
  scheme: 'persona',
  keys,
  signatureHeader: 'Persona-Signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'Persona-Signature': signed(timestampSeconds, body) }, body),
});
