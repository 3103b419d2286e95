import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'recurly-webhook-key';
const keys = [{ id: 'current', value: secret }];
// Shaped as the "New account" JSON notification on Recurly's account-notifications page.
const body =
  '{"id":"r3oplsj3zo7a","object_type":"account","site_id":"r23khg9b5kyb","event_type":"created","event_time":"2024-07-02T12:00:00Z","account_code":"verena"}';
const now = 1_719_921_600;
const ms = now * 1000;

/** Recurly's documented algorithm: hex HMAC-SHA256 of `<t ms>.<raw body>` with the secret key. */
const hex = (tMs: number | string, payload: string | Uint8Array = body, key = secret) =>
  createHmac('sha256', key).update(`${tMs}.`).update(payload).digest('hex');
const signed = (tMs: number, payload: string | Uint8Array = body, key = secret) =>
  `${tMs},${hex(tMs, payload, key)}`;

const verify = (headers: Record<string, string>, clock = now, payload = body) =>
  verifyDelivery({
    scheme: 'recurly',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('recurly', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3: hmac.new(b'recurly-webhook-key', b'1719921600000.' + body, sha256).hexdigest()
    const header = `${ms},24af5abb1f672bda2427258a80227f706dfddc28089559c31e86bcb75dab5e82`;
    expect(await verify({ 'recurly-signature': header })).toMatchObject({
      accepted: true,
      keyId: 'current',
      timestamp: now,
    });
  });

  it('accepts either of the two signatures sent while a regenerated key overlaps the old', async () => {
    // python3: hmac.new(b'recurly-old-key', b'1719921600000.' + body, sha256).hexdigest()
    const old = 'fcda2b8dbef80714a458e0dba5b131dff90e8ecc5d31d0e9693fdaf49c388c32';
    const header = `${ms},${old},${hex(ms)}`;
    expect(await verify({ 'recurly-signature': header })).toMatchObject({ accepted: true });
    const onlyOld = await verifyDelivery({
      scheme: 'recurly',
      request: delivery({ 'recurly-signature': header }, body),
      keys: [{ value: 'recurly-old-key' }],
      clock: at(now),
    });
    expect(onlyOld).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it('accepts with whichever of several keys signed, and reports its index', async () => {
    const verdict = await verifyDelivery({
      scheme: 'recurly',
      request: delivery({ 'Recurly-Signature': signed(ms) }, body),
      keys: [{ value: 'recurly-old-key' }, { value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: '#1' });
  });

  it('reads only the event type from the body: its id names the object, not the event', () => {
    expect(readEventFields(getScheme('recurly'), Buffer.from(body))).toEqual({ type: 'created' });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'recurly-signature': 'garbage' }],
    ['malformed_header', { 'recurly-signature': String(ms) }],
    ['malformed_header', { 'recurly-signature': hex(ms) }],
    ['malformed_header', { 'recurly-signature': `t=${ms},v1=${hex(ms)}` }],
    ['malformed_header', { 'recurly-signature': `${ms}.5,${hex(`${ms}.5`)}` }],
    ['malformed_header', { 'recurly-signature': ` ${ms},${hex(` ${ms}`)}` }],
    ['signature_mismatch', { 'recurly-signature': signed(ms, 'other body') }],
    ['signature_mismatch', { 'recurly-signature': signed(ms, body, 'wrong-key') }],
    ['signature_mismatch', { 'recurly-signature': `${ms},${hex(ms).toUpperCase()}` }],
    ['signature_mismatch', { 'recurly-signature': `${ms},` }],
    ['signature_mismatch', { 'recurly-signature': `${ms}, ${hex(ms)}` }],
    // Signed with the timestamp in seconds: the text is what is signed.
    ['signature_mismatch', { 'recurly-signature': `${ms},${hex(now)}` }],
  ])('refuses with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('refuses a signature of the wrong length without throwing', async () => {
    for (const cut of [hex(ms).slice(1), `${hex(ms)}00`, 'ab']) {
      const verdict = await verify({ 'recurly-signature': `${ms},${cut}` });
      expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    }
  });

  it('refuses more signatures than any key rotation sends, before any HMAC', async () => {
    const header = `${ms},${Array.from({ length: 9 }, () => hex(ms)).join(',')}`;
    expect(await verify({ 'recurly-signature': header })).toMatchObject({
      accepted: false,
      reason: 'too_many_signatures',
    });
  });

  it('reads the timestamp as milliseconds: 300 s old is accepted, 300.001 s is too old', async () => {
    const header = { 'recurly-signature': signed(ms) };
    expect(await verify(header, now + 300)).toMatchObject({ accepted: true });
    const late = await verifyDelivery({
      scheme: 'recurly',
      request: delivery(header, body),
      keys,
      clock: () => ms + 300_001,
    });
    expect(late).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('refuses a timestamp more than 300 s ahead as too new', async () => {
    const verdict = await verify({ 'recurly-signature': signed(ms) }, now - 301);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('reports signature_mismatch, not the timestamp, for a forged stale delivery', async () => {
    const verdict = await verify({ 'recurly-signature': signed(ms, 'forged') }, now + 3600);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('refuses with no_keys when no secret key is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'recurly',
      request: delivery({ 'recurly-signature': signed(ms) }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a refusal', async () => {
    const header = signed(ms, 'tampered');
    const text = JSON.stringify(await verify({ 'recurly-signature': header }));
    for (const leak of [secret, header.split(',')[1] as string, body]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'recurly',
  keys,
  signatureHeader: 'recurly-signature',
  sign: ({ body, timestampSeconds }) =>
    delivery({ 'recurly-signature': signed(timestampSeconds * 1000, body) }, body),
});
