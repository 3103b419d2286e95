import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import type { DeliveryRequest, VerificationKey } from '../../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';

const key = 'mailgun-webhook-signing-key';
const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';
const now = 1_770_920_772;
const json = { 'Content-Type': 'application/json' };
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Mailgun's documented signature: hex HMAC-SHA256 of timestamp + token, no separator. */
const sign = (timestamp: string | number, signingKey = key, nonce = token) =>
  createHmac('sha256', signingKey).update(`${timestamp}${nonce}`).digest('hex');

const eventData = { id: 'CPgfbmQMTCKtHW6uIWtuVe', event: 'delivered', recipient: 'a@example.com' };

function jsonBody(block: Record<string, unknown>, event: object = eventData): string {
  return JSON.stringify({ signature: block, 'event-data': event });
}

const block = (timestamp = now, signature = sign(timestamp)) => ({
  timestamp: String(timestamp),
  token,
  signature,
});

const verify = (
  body: string | Uint8Array,
  headers: Record<string, string> = json,
  nowSeconds = now,
  keys: readonly VerificationKey[] = [{ value: key }],
) =>
  verifyDelivery({
    scheme: 'mailgun',
    request: delivery(headers, body),
    keys,
    clock: at(nowSeconds),
  });

describe('mailgun', () => {
  const vector = officialVector('mailgun');
  const vectorBlock = {
    timestamp: vector.timestamp,
    token: vector.token,
    signature: vector.signature,
  };

  it('accepts the published mailgun vector in a JSON webhook', async () => {
    const verdict = await verify(jsonBody(vectorBlock), json, Number(vector.timestamp), [
      { value: vector.key },
    ]);
    expect(verdict).toMatchObject({ accepted: true, timestamp: Number(vector.timestamp) });
  });

  it('accepts the published mailgun vector in a form-encoded delivery', async () => {
    const body = new URLSearchParams({ ...vectorBlock, event: 'delivered' }).toString();
    const verdict = await verify(body, form, Number(vector.timestamp), [{ value: vector.key }]);
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('tells JSON from form bodies by their first character when no Content-Type is sent', async () => {
    expect(await verify(jsonBody(block()), {})).toMatchObject({ accepted: true });
    const body = new URLSearchParams(block()).toString();
    expect(await verify(body, {})).toMatchObject({ accepted: true });
  });

  it('accepts a media type with parameters, in any letter case', async () => {
    const headers = { 'content-type': 'Application/JSON; charset=utf-8' };
    expect(await verify(jsonBody(block()), headers)).toMatchObject({ accepted: true });
  });

  it('accepts a timestamp sent as a JSON number, as Mailgun documents its type', async () => {
    const body = jsonBody({ ...block(), timestamp: now });
    expect(await verify(body)).toMatchObject({ accepted: true, timestamp: now });
  });

  it("accepts a subaccount event by its parent-signature, under the primary account's key", async () => {
    const body = jsonBody({
      ...block(now, sign(now, 'subaccount-key')),
      'parent-signature': sign(now),
    });
    expect(await verify(body)).toMatchObject({ accepted: true });
  });

  it('accepts with whichever of several signing keys signed, and reports its index', async () => {
    const verdict = await verify(jsonBody(block()), json, now, [
      { value: 'old-key' },
      { id: 'current', value: key },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'current' });
  });

  it('reads the event id and type from event-data after verification', () => {
    const fields = readEventFields(getScheme('mailgun'), Buffer.from(jsonBody(block())));
    expect(fields).toEqual({ id: eventData.id, type: eventData.event });
  });

  it('does not cover event-data: Mailgun signs only the timestamp and token', async () => {
    const body = jsonBody(block(), { ...eventData, event: 'failed', recipient: 'x@example.com' });
    expect(await verify(body)).toMatchObject({ accepted: true });
  });

  it.each([
    ['the timestamp', { ...block(), timestamp: String(now + 1) }],
    ['the token', { ...block(), token: `${token.slice(0, -1)}4` }],
    ['the signature', { ...block(), signature: sign(now + 1) }],
  ])('rejects a signature block with %s changed', async (_, changed) => {
    expect(await verify(jsonBody(changed))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it.each([
    ['malformed_body', 'a body that is not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), json],
    ['malformed_body', 'a body that is not JSON', '{"signature":', json],
    ['malformed_body', 'no signature object', JSON.stringify({ 'event-data': eventData }), json],
    [
      'malformed_body',
      'a signature that is not text',
      jsonBody({ ...block(), signature: 42 }),
      json,
    ],
    ['malformed_body', 'an empty token', jsonBody({ ...block(), token: '' }), json],
    [
      'malformed_body',
      'a fractional timestamp',
      jsonBody({ ...block(), timestamp: '1770920772.5' }),
      json,
    ],
    ['malformed_body', 'a form without a token', `timestamp=${now}&signature=${sign(now)}`, form],
    [
      'malformed_body',
      'a form with two signatures',
      `timestamp=${now}&token=${token}&signature=a&signature=b`,
      form,
    ],
    [
      'signature_mismatch',
      'a signature by another key',
      jsonBody(block(now, sign(now, 'other'))),
      json,
    ],
    ['signature_mismatch', 'a signature of the wrong length', jsonBody(block(now, 'abcd')), json],
  ])('rejects with %s: %s', async (reason, _, body, headers) => {
    expect(await verify(body, headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a timestamp one second past the 300 s tolerance as too old', async () => {
    const verdict = await verify(jsonBody(block()), json, now + 301);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    const verdict = await verify(jsonBody(block()), json, now - 301);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('reports a forged stale delivery as a signature mismatch, not as stale', async () => {
    const verdict = await verify(jsonBody(block(now, sign(now, 'forger'))), json, now + 3600);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('rejects with no_keys when no signing key is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'mailgun',
      request: delivery(json, jsonBody(block())),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the key, token, signature or body in a rejection', async () => {
    const signature = sign(now, 'forger');
    const body = jsonBody(block(now, signature));
    for (const verdict of [await verify(body), await verify(body, json, now + 3600)]) {
      const text = JSON.stringify(verdict);
      for (const leak of [key, token, signature, body, eventData.recipient]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

/*
 * Mailgun carries its signature in the body and signs only timestamp + token, so the shared
 * harness (which tampers with a signature header and with any body byte) cannot run it.
 * The same invariants, on the signature block, in both of Mailgun's body formats:
 */
describe.each(['json', 'form'] as const)('mailgun properties (%s body)', (format) => {
  const anySecond = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });
  const anyToken = fc.stringMatching(/^[a-z0-9]{50}$/);
  const anyEvent = fc.record({
    id: fc.string(),
    event: fc.string(),
    note: fc.string({ unit: 'binary' }),
  });
  const printable = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

  type Block = { timestamp: string; token: string; signature: string };
  const request = (signed: Block, event: object): DeliveryRequest =>
    format === 'json'
      ? delivery(json, jsonBody(signed, event))
      : delivery(form, new URLSearchParams({ ...signed, event: JSON.stringify(event) }).toString());
  const signedBlock = (timestamp: number, nonce: string): Block => ({
    timestamp: String(timestamp),
    token: nonce,
    signature: createHmac('sha256', key).update(`${timestamp}${nonce}`).digest('hex'),
  });
  const check = (sent: DeliveryRequest, nowSeconds: number) =>
    verifyDelivery({
      scheme: 'mailgun',
      request: sent,
      keys: [{ value: key }],
      clock: at(nowSeconds),
    });
  const flip = (text: string, position: number, replacement: string) => {
    const index = position % text.length;
    const next = replacement !== text[index] ? replacement : text[index] === 'A' ? 'B' : 'A';
    return text.slice(0, index) + next + text.slice(index + 1);
  };

  it('accepts every delivery signed as Mailgun signs it, whatever the event data', async () => {
    await fc.assert(
      fc.asyncProperty(anySecond, anyToken, anyEvent, async (second, nonce, event) => {
        const verdict = await check(request(signedBlock(second, nonce), event), second);
        expect(verdict).toMatchObject({ accepted: true, timestamp: second });
      }),
    );
  });

  it.each(['timestamp', 'token', 'signature'] as const)(
    'rejects a delivery with any one character of its %s changed',
    async (part) => {
      await fc.assert(
        fc.asyncProperty(
          anySecond,
          anyToken,
          fc.nat(),
          printable,
          async (second, nonce, at, to) => {
            const signed = signedBlock(second, nonce);
            const tampered = { ...signed, [part]: flip(signed[part], at, to) };
            expect((await check(request(tampered, eventData), second)).accepted).toBe(false);
          },
        ),
      );
    },
  );

  it('rejects a resized or junk signature without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        anySecond,
        anyToken,
        fc.string({ maxLength: 100 }),
        async (second, nonce, junk) => {
          const signed = signedBlock(second, nonce);
          for (const signature of [`${signed.signature}a`, signed.signature.slice(0, -1), junk]) {
            const verdict = await check(request({ ...signed, signature }, eventData), second);
            expect(verdict.accepted).toBe(false);
          }
        },
      ),
    );
  });

  it('accepts one second inside the 300 s tolerance either way, and rejects one outside', async () => {
    await fc.assert(
      fc.asyncProperty(anySecond, anyToken, fc.boolean(), async (second, nonce, future) => {
        const sent = request(signedBlock(second, nonce), eventData);
        const sign = future ? -1 : 1;
        expect(await check(sent, second + sign * 299)).toMatchObject({ accepted: true });
        expect(await check(sent, second + sign * 301)).toMatchObject({
          accepted: false,
          reason: future ? 'timestamp_too_new' : 'timestamp_too_old',
        });
      }),
    );
  });

  it('never throws, whatever the body holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (body) => {
        const sent = { ...request(signedBlock(now, token), eventData), body };
        expect(typeof (await check(sent, now)).accepted).toBe('boolean');
      }),
    );
  });
});
