import { createHmac } from 'node:crypto';
import { hmacValidator as HmacValidator } from '@adyen/api-library';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdyenOptions } from '../../../functions/verify/schemes/adyen.ts';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector, vectorFile } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const hexKey = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const otherHexKey = '11223344D785FBAE710E7F943F307971BB61B21281C98C9129B3D4018A57B2EB';
const validator = new HmacValidator();
const notification: AdyenOptions = { variant: 'notification' };
const banking: AdyenOptions = { variant: 'banking' };

interface Item {
  pspReference?: string | undefined;
  originalReference?: string | undefined;
  merchantAccountCode?: string | undefined;
  merchantReference?: string | undefined;
  amount?: { value?: number | undefined; currency?: string | undefined } | undefined;
  eventCode?: string | undefined;
  success?: string | undefined;
  additionalData?: Record<string, string>;
  [unsigned: string]: unknown;
}

/** Adyen's documented signing string: eight fields, colon-separated, empty when absent. */
function signingString(item: Item): string {
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    item.amount?.value,
    item.amount?.currency,
    item.eventCode,
    item.success,
  ]
    .map((value) => (value === undefined ? '' : String(value)))
    .join(':');
}

const sign = (item: Item, key = hexKey) =>
  createHmac('sha256', Buffer.from(key, 'hex')).update(signingString(item)).digest('base64');

const signed = (item: Item, key = hexKey): Item => ({
  ...item,
  additionalData: { ...item.additionalData, hmacSignature: sign(item, key) },
});

const payment: Item = {
  pspReference: '7914073381342284',
  merchantAccountCode: 'TestMerchant',
  merchantReference: 'TestPayment-1407325143704',
  amount: { value: 1130, currency: 'EUR' },
  eventCode: 'AUTHORISATION',
  success: 'true',
  additionalData: { authCode: '58747' },
};

const envelope = (...items: Item[]) =>
  JSON.stringify({
    live: 'false',
    notificationItems: items.map((item) => ({ NotificationRequestItem: item })),
  });

const verify = (
  body: string | Uint8Array,
  options: AdyenOptions = notification,
  headers: Record<string, string> = {},
  keys: readonly VerificationKey[] = [{ value: hexKey }],
) => verifyDelivery({ scheme: 'adyen', request: delivery(headers, body), keys, options });

/** A NotificationRequestItem whose signing string is exactly `text`, as in the published vector. */
function itemFromSigningString(text: string, hmacSignature: string): Item {
  const [
    pspReference,
    originalReference,
    merchantAccountCode,
    merchantReference,
    value,
    currency,
    eventCode,
    success,
  ] = text.split(':');
  return {
    pspReference,
    originalReference,
    merchantAccountCode,
    merchantReference,
    amount: { value: Number(value), currency },
    eventCode,
    success,
    additionalData: { hmacSignature },
  };
}

describe('adyen standard (notification) webhooks', () => {
  const vector = officialVector('adyen_item');
  const vectorItems: Item[] = vector.items.map((entry: { signed: string; hmacSignature: string }) =>
    itemFromSigningString(entry.signed, entry.hmacSignature),
  );

  it('accepts the published adyen_item vectors, one per delivery and both in one batch', async () => {
    const keys = [{ value: vector.hexKey }];
    for (const item of vectorItems) {
      expect(await verify(envelope(item), notification, {}, keys)).toMatchObject({
        accepted: true,
      });
    }
    expect(await verify(envelope(...vectorItems), notification, {}, keys)).toMatchObject({
      accepted: true,
      keyIndex: 0,
    });
  });

  it('is the default variant', async () => {
    const verdict = await verifyDelivery({
      scheme: 'adyen',
      request: delivery({}, envelope(signed(payment))),
      keys: [{ value: hexKey }],
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it("accepts an item signed by @adyen/api-library's HmacValidator.calculateHmac", async () => {
    const item = { ...payment, additionalData: { ...payment.additionalData } };
    // biome-ignore lint/suspicious/noExplicitAny: the SDK types the item as its own model class
    item.additionalData.hmacSignature = validator.calculateHmac(item as any, hexKey);
    expect(await verify(envelope(item))).toMatchObject({ accepted: true });
  });

  it("signs items that @adyen/api-library's HmacValidator.validateHMAC accepts", () => {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK types the item as its own model class
    expect(validator.validateHMAC(signed(payment) as any, hexKey)).toBe(true);
  });

  it('signs absent fields as empty text and does not escape colons, like the SDK', async () => {
    const sparse: Item = { ...payment, merchantReference: 'order:42\\x' };
    delete sparse.originalReference;
    delete sparse.amount;
    // biome-ignore lint/suspicious/noExplicitAny: the SDK types the item as its own model class
    const sdkSignature = validator.calculateHmac({ ...sparse, amount: {} } as any, hexKey);
    expect(sdkSignature).toBe(sign(sparse));
    expect(await verify(envelope(signed(sparse)))).toMatchObject({ accepted: true });
  });

  it('accepts a success flag sent as a JSON boolean, signed as its text', async () => {
    const item = signed(payment);
    const body = envelope(item).replace('"success":"true"', '"success":true');
    expect(await verify(body)).toMatchObject({ accepted: true });
  });

  it('requires every item of a batch to verify', async () => {
    const good = signed(payment);
    const forged = { ...signed({ ...payment, pspReference: '1' }), pspReference: '2' };
    expect(await verify(envelope(good, forged))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts items signed with any configured key and reports the first item’s key', async () => {
    const keys = [{ value: otherHexKey }, { id: 'new', value: hexKey.toLowerCase() }];
    const verdict = await verify(envelope(signed(payment)), notification, {}, keys);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'new' });
  });

  it('does not cover unsigned fields: changing them still verifies (Adyen signs eight fields)', async () => {
    const item = signed(payment);
    const altered = { ...item, additionalData: { ...item.additionalData, authCode: '00000' } };
    const body = envelope(altered).replace('"live":"false"', '"live":"true"');
    expect(await verify(body)).toMatchObject({ accepted: true });
  });

  it.each([
    ['a different pspReference', { pspReference: '8814073381342285' }],
    ['a different originalReference', { originalReference: 'X' }],
    ['a different merchant account', { merchantAccountCode: 'OtherMerchant' }],
    ['a different merchant reference', { merchantReference: 'TestPayment-0' }],
    ['a different amount', { amount: { value: 11300, currency: 'EUR' } }],
    ['a different currency', { amount: { value: 1130, currency: 'USD' } }],
    ['a different event code', { eventCode: 'REFUND' }],
    ['a different success flag', { success: 'false' }],
  ])('rejects an item with %s than was signed', async (_, change) => {
    const item = { ...signed(payment), ...change };
    expect(await verify(envelope(item))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it.each([
    ['invalid_key', 'a key that is not hex', envelope(signed(payment)), 'not-a-hex-key'],
    ['invalid_key', 'an odd-length hex key', envelope(signed(payment)), 'ABC'],
    ['malformed_body', 'a body that is not JSON', '[accepted]', hexKey],
    ['malformed_body', 'a body that is not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), hexKey],
    ['malformed_body', 'no notificationItems', '{"live":"false"}', hexKey],
    ['malformed_body', 'an empty notificationItems', '{"notificationItems":[]}', hexKey],
    [
      'malformed_body',
      'an entry without NotificationRequestItem',
      '{"notificationItems":[{}]}',
      hexKey,
    ],
    ['malformed_body', 'an item without hmacSignature', envelope(payment), hexKey],
    [
      'malformed_body',
      'a signed field that is an object',
      envelope({ ...signed(payment), eventCode: {} as unknown as string }),
      hexKey,
    ],
    [
      'signature_mismatch',
      'a signature by another key',
      envelope(signed(payment, otherHexKey)),
      hexKey,
    ],
    [
      'signature_mismatch',
      'a signature of the wrong length',
      envelope({ ...payment, additionalData: { hmacSignature: 'c2hvcnQ=' } }),
      hexKey,
    ],
  ])('rejects with %s: %s', async (reason, _, body, key) => {
    expect(await verify(body, notification, {}, [{ value: key }])).toMatchObject({
      accepted: false,
      reason,
    });
  });

  it('rejects with no_keys when no HMAC key is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'adyen',
      request: delivery({}, envelope(signed(payment))),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the key, signature or body in a rejection', async () => {
    const item = { ...signed(payment), pspReference: 'tampered-psp' };
    const body = envelope(item);
    const verdicts = [
      await verify(body),
      await verify(body, notification, {}, [{ value: 'secret-not-hex' }]),
    ];
    for (const verdict of verdicts) {
      const text = JSON.stringify(verdict);
      for (const leak of [
        hexKey,
        'secret-not-hex',
        item.additionalData?.hmacSignature as string,
        'tampered-psp',
        body,
      ]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describe('adyen banking and management webhooks', () => {
  const vector = officialVector('adyen_banking');
  const body = vectorFile('adyen-account-holder-created.json');
  const bodySignature = (payload: Uint8Array | string, key = hexKey) =>
    createHmac('sha256', Buffer.from(key, 'hex')).update(payload).digest('base64');

  it('accepts the published adyen_banking vector (HmacSignature over the raw body)', async () => {
    const verdict = await verify(body, banking, { HmacSignature: vector.sig }, [
      { value: vector.hexKey },
    ]);
    expect(verdict).toMatchObject({ accepted: true });
  });

  it("accepts a signature from @adyen/api-library's HmacValidator.calculateHmac over the body", async () => {
    const signature = validator.calculateHmac(body.toString('utf8'), hexKey);
    expect(await verify(body, banking, { HmacSignature: signature })).toMatchObject({
      accepted: true,
    });
  });

  it("signs what @adyen/api-library's validateHMACSignature accepts", () => {
    expect(
      validator.validateHMACSignature(hexKey, bodySignature(body), body.toString('utf8')),
    ).toBe(true);
  });

  it.each([
    ['missing_header', {}, [hexKey]],
    ['signature_mismatch', { HmacSignature: 'c2hvcnQ=' }, [hexKey]],
    ['invalid_key', { HmacSignature: 'c2hvcnQ=' }, [hexKey, 'zz']],
  ])('rejects with %s', async (reason, headers, keys) => {
    const verdict = await verify(
      body,
      banking,
      headers,
      keys.map((value) => ({ value })),
    );
    expect(verdict).toMatchObject({ accepted: false, reason });
  });

  it('rejects a signature over another body', async () => {
    const verdict = await verify(body, banking, { HmacSignature: bodySignature('{}') });
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('never quotes the key, signature or body in a rejection', async () => {
    const signature = bodySignature('{}');
    const text = JSON.stringify(await verify(body, banking, { HmacSignature: signature }));
    for (const leak of [hexKey, signature, body.toString('utf8').slice(0, 40)]) {
      expect(text).not.toContain(leak);
    }
  });
});

describeSchemeProperties({
  scheme: 'adyen',
  options: banking,
  keys: [{ value: hexKey }],
  signatureHeader: 'HmacSignature',
  sign: ({ body }) =>
    delivery(
      {
        HmacSignature: createHmac('sha256', Buffer.from(hexKey, 'hex'))
          .update(body)
          .digest('base64'),
      },
      body,
    ),
});

/*
 * Standard webhooks carry their signatures inside the body, over eight fields of each item,
 * so the shared harness (which tampers with a signature header and with any body byte)
 * cannot run them. The same invariants, for the signature field and the signed fields:
 */
describe('adyen notification properties (signature in the body, eight fields signed)', () => {
  const text = fc.string({ maxLength: 30, unit: 'binary' });
  const items = fc.record({
    pspReference: fc.stringMatching(/^[A-Z0-9]{16}$/),
    originalReference: fc.option(text, { nil: undefined }),
    merchantAccountCode: text,
    merchantReference: text,
    amount: fc.record({
      value: fc.nat({ max: 10 ** 12 }),
      currency: fc.constantFrom('EUR', 'USD'),
    }),
    eventCode: fc.constantFrom('AUTHORISATION', 'CAPTURE', 'REFUND'),
    success: fc.constantFrom('true', 'false'),
  });
  const batches = fc.array(items, { minLength: 1, maxLength: 3 });
  const stringFields = [
    'pspReference',
    'merchantAccountCode',
    'merchantReference',
    'eventCode',
    'success',
  ] as const;

  const flip = (value: string, position: number, replacement: string) => {
    if (value.length === 0) return replacement;
    const index = position % value.length;
    const current = value[index];
    const next = replacement !== current ? replacement : current === '#' ? '%' : '#';
    return value.slice(0, index) + next + value.slice(index + 1);
  };

  it('accepts every batch signed as Adyen signs it', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (batch) => {
        expect(await verify(envelope(...batch.map((item) => signed(item))))).toMatchObject({
          accepted: true,
        });
      }),
    );
  });

  it('rejects a batch with any one character of any signed field changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        batches,
        fc.nat(),
        fc.constantFrom(...stringFields),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (batch, which, name, position, replacement) => {
          const signedBatch = batch.map((item) => signed(item));
          const index = which % signedBatch.length;
          const target = signedBatch[index] as Item;
          signedBatch[index] = {
            ...target,
            [name]: flip(target[name] ?? '', position, replacement),
          };
          expect((await verify(envelope(...signedBatch))).accepted).toBe(false);
        },
      ),
    );
  });

  it('rejects any one character of a signature changed, or a resized one, without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        batches,
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        fc.string({ maxLength: 100 }),
        async (batch, position, replacement, junk) => {
          const signedBatch = batch.map((item) => signed(item));
          const first = signedBatch[0] as Item;
          const signature = first.additionalData?.hmacSignature as string;
          for (const candidate of [
            flip(signature, position, replacement),
            `${signature}A`,
            signature.slice(0, -1),
            junk,
          ]) {
            if (candidate === signature) continue;
            signedBatch[0] = { ...first, additionalData: { hmacSignature: candidate } };
            expect((await verify(envelope(...signedBatch))).accepted).toBe(false);
          }
        },
      ),
    );
  });

  it('never throws, whatever the body holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((json) => Buffer.from(json)),
        ),
        async (body) => {
          expect(typeof (await verify(body)).accepted).toBe('boolean');
        },
      ),
    );
  });
});
