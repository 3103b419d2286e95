import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCredentialHeader } from '../../functions/config/headers.ts';
import {
  envelopeReserveBytes,
  maxBodySizeBytes,
  maxInlineBodyBytes,
  queueMaxMessageBytes,
} from '../../functions/config/limits.ts';
import {
  type BodyObject,
  bodySha256,
  buildEnvelope,
  checkBodySize,
  defaultSelectedHeaders,
  type EnvelopeInput,
  maxHeaderValueChars,
  maxIdentifierChars,
  messageSizeBytes,
  needsBodyObject,
  openEnvelope,
  readEnvelope,
} from '../../functions/queue/envelope.ts';
import {
  BodyInBucketError,
  BodyObjectMismatchError,
  BodyTooLargeError,
  EnvelopeInputError,
  InvalidEnvelopeError,
} from '../../functions/queue/errors.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';

const receivedAtMs = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const bytes = (text: string) => new TextEncoder().encode(text);

function envelopeInput(overrides: Partial<EnvelopeInput> = {}): EnvelopeInput {
  return {
    deliveryId: '01JH0000000000000000000000',
    providerId: 'acme-payments',
    scheme: 'stripe',
    eventId: 'evt_1',
    eventType: 'invoice.paid',
    receivedAtMs,
    headers: {},
    body: bytes('{"id":"evt_1"}'),
    ...overrides,
  };
}

const parsedBody = (input: EnvelopeInput) => JSON.parse(buildEnvelope(input).body);

/** Every header of every registered scheme that carries a signature, token or key. */
const credentialHeaders = [
  'Authorization',
  'Calendly-Webhook-Signature',
  'HmacSignature',
  'Linear-Signature',
  'Paddle-Signature',
  'Plaid-Verification',
  'Stripe-Signature',
  'Twitch-Eventsub-Message-Signature',
  'Typeform-Signature',
  'WorkOS-Signature',
  'X-DocuSign-Signature-1',
  'X-DocuSign-Signature-2',
  'X-Gitlab-Token',
  'X-Hub-Signature',
  'X-Hub-Signature-256',
  'X-HubSpot-Signature',
  'X-HubSpot-Signature-v3',
  'X-PagerDuty-Signature',
  'X-Shopify-Hmac-Sha256',
  'X-Signature',
  'X-Signature-Ed25519',
  'X-Slack-Signature',
  'X-Twilio-Email-Event-Webhook-Signature',
  'X-Twilio-Signature',
  'svix-signature',
  'webhook-signature',
  'x-square-hmacsha256-signature',
  'x-square-signature',
  'x-xero-signature',
  'x-zm-signature',
];

/** Characters real SQS accepts in a message or attribute (#x10000 and up included). */
const sqsText = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]+$/u;
/** What fauxqs, the local stand-in, accepts in a message body: no surrogates at all. */
const fauxqsText = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd]+$/;

/** Any UTF-16 code unit: controls, lone surrogates, U+FFFE and U+FFFF included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyText = (maxLength: number) => fc.string({ unit: anyUnit, maxLength });
const anyIdentifier = fc.string({ unit: anyUnit, minLength: 1, maxLength: maxIdentifierChars });

describe('buildEnvelope', () => {
  it('carries a UTF-8 body as text with the ids, the time and the selected headers', () => {
    const message = buildEnvelope(
      envelopeInput({
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=ab' },
        selectedHeaders: ['content-type', 'stripe-signature'],
      }),
    );
    expect(message.body).toBe(
      '{"envelopeVersion":1,"deliveryId":"01JH0000000000000000000000",' +
        '"providerId":"acme-payments","scheme":"stripe","eventId":"evt_1",' +
        '"eventType":"invoice.paid","receivedAt":"2025-01-02T03:04:05.678Z",' +
        '"headers":{"content-type":"application/json"},"bodyEncoding":"utf8",' +
        '"body":"{\\"id\\":\\"evt_1\\"}"}',
    );
    expect(message.attributes).toEqual({
      providerId: { DataType: 'String', StringValue: 'acme-payments' },
      scheme: { DataType: 'String', StringValue: 'stripe' },
      eventType: { DataType: 'String', StringValue: 'invoice.paid' },
    });
  });

  it('carries a body that is not valid UTF-8 as base64', () => {
    const body = Uint8Array.of(0x7b, 0xc3, 0x28, 0xff);
    expect(parsedBody(envelopeInput({ body }))).toMatchObject({
      bodyEncoding: 'base64',
      body: 'e8Mo/w==',
    });
  });

  it('keeps a leading byte-order mark', () => {
    const body = Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d);
    const message = buildEnvelope(envelopeInput({ body }));
    expect(JSON.parse(message.body).bodyEncoding).toBe('utf8');
    expect(readEnvelope(message.body).body).toEqual(Buffer.from(body));
  });

  it('escapes U+FFFE, U+FFFF and astral characters, which SQS replaces or fauxqs refuses', () => {
    const body = bytes('\ufffe\uffff😀 é');
    const message = buildEnvelope(envelopeInput({ body }));
    expect(message.body).toContain('"body":"\\ufffe\\uffff\\ud83d\\ude00 é"');
    expect(message.body).toMatch(fauxqsText);
    expect(readEnvelope(message.body).body).toEqual(Buffer.from(body));
  });

  it('sends valid UTF-8 as base64 when, as escaped text, it would not fit one message', () => {
    // Each control character escapes to six bytes (\u0001), so as text this is over 4 MB.
    const body = new Uint8Array(maxInlineBodyBytes).fill(0x01);
    const message = buildEnvelope(envelopeInput({ body }));
    expect(JSON.parse(message.body).bodyEncoding).toBe('base64');
    expect(messageSizeBytes(message)).toBeLessThanOrEqual(queueMaxMessageBytes);
    expect(bodySha256(readEnvelope(message.body).body)).toBe(bodySha256(body));
  });

  it('leaves out an unknown or empty event id and type, in the body and the attributes', () => {
    for (const unknown of [undefined, '']) {
      const message = buildEnvelope(envelopeInput({ eventId: unknown, eventType: unknown }));
      const document = JSON.parse(message.body);
      expect(document).not.toHaveProperty('eventId');
      expect(document).not.toHaveProperty('eventType');
      expect(Object.keys(message.attributes)).toEqual(['providerId', 'scheme']);
    }
  });

  it('cuts the event id and type to maxIdentifierChars without splitting a surrogate pair', () => {
    const eventId = `${'e'.repeat(maxIdentifierChars - 1)}😀tail`;
    const eventType = 't'.repeat(maxIdentifierChars + 10);
    const message = buildEnvelope(envelopeInput({ eventId, eventType }));
    expect(JSON.parse(message.body)).toMatchObject({
      eventId: 'e'.repeat(maxIdentifierChars - 1),
      eventType: 't'.repeat(maxIdentifierChars),
    });
    expect(message.attributes.eventType?.StringValue).toBe('t'.repeat(maxIdentifierChars));
  });

  it('turns characters SQS refuses in attribute values into U+FFFD', () => {
    const message = buildEnvelope(envelopeInput({ eventType: 'a\u0000b\ud800c\uffffd\te😀' }));
    expect(message.attributes.eventType?.StringValue).toBe('a\ufffdb\ufffdc\ufffdd\te😀');
    expect(JSON.parse(message.body).eventType).toBe('a\u0000b\ud800c\uffffd\te😀');
  });

  it.each([
    ['deliveryId', ''],
    ['providerId', ''],
    ['scheme', ''],
    ['deliveryId', 'd'.repeat(maxIdentifierChars + 1)],
    ['providerId', 'p'.repeat(maxIdentifierChars + 1)],
  ])('refuses %s of %#th kind (empty or too long) as a caller error', (field, value) => {
    expect(() => buildEnvelope(envelopeInput({ [field]: value }))).toThrow(EnvelopeInputError);
  });

  it('refuses a receivedAtMs that is not a time', () => {
    expect(() => buildEnvelope(envelopeInput({ receivedAtMs: Number.NaN }))).toThrow(
      expect.objectContaining({ code: 'invalid_envelope_input' }),
    );
  });
});

describe('selected headers', () => {
  it.each([
    'Stripe-Signature',
    'X-Gitlab-Token',
    'Proxy-Authorization',
    'Set-Cookie',
    'X-Api-Key',
    'Plaid-Verification',
  ])('treats %s as a credential', (name) => {
    expect(isCredentialHeader(name)).toBe(true);
  });

  it.each(['X-GitHub-Delivery', 'Idempotency-Key', 'X-Event-Key', 'Content-Type'])(
    'does not treat %s as a credential',
    (name) => {
      expect(isCredentialHeader(name)).toBe(false);
    },
  );

  it('never copies a credential header, even when selected', () => {
    const headers: Record<string, string> = {
      Cookie: 'session=1',
      'X-Api-Key': 'k',
      'Proxy-Authorization': 'Basic x',
      'X-Request-Id': 'req-1',
    };
    for (const name of credentialHeaders) headers[name] = 'secret';
    const document = parsedBody(envelopeInput({ headers, selectedHeaders: Object.keys(headers) }));
    expect(document.headers).toEqual({ 'x-request-id': 'req-1' });
  });

  it("copies by default the scheme's own id and event headers, content-type and user-agent", () => {
    expect(defaultSelectedHeaders('github')).toEqual([
      'x-github-delivery',
      'x-github-event',
      'content-type',
      'user-agent',
    ]);
    expect(defaultSelectedHeaders('not-a-scheme')).toEqual(['content-type', 'user-agent']);
  });

  it.each(Object.keys(schemes))(
    'copies by default no credential header of %s, nor of any other scheme',
    (scheme) => {
      const headers: Record<string, string> = { Cookie: 'c', 'User-Agent': 'ua' };
      for (const each of Object.values(schemes)) {
        for (const name of each.headers) headers[name] = 'value';
      }
      const copied = Object.keys(parsedBody(envelopeInput({ scheme, headers })).headers);
      expect(copied).toContain('user-agent');
      const credentials = credentialHeaders.map((name) => name.toLowerCase());
      expect(copied.filter((name) => credentials.includes(name) || name === 'cookie')).toEqual([]);
    },
  );

  it('matches names in any case and joins repeated values', () => {
    const document = parsedBody(
      envelopeInput({
        headers: { 'X-GitHub-Event': 'push', 'x-github-delivery': ['a', 'b'] },
        scheme: 'github',
      }),
    );
    expect(document.headers).toEqual({ 'x-github-delivery': 'a, b', 'x-github-event': 'push' });
  });

  it('cuts a long value to maxHeaderValueChars', () => {
    const document = parsedBody(envelopeInput({ headers: { 'User-Agent': 'u'.repeat(5_000) } }));
    expect(document.headers['user-agent']).toBe('u'.repeat(maxHeaderValueChars));
  });

  it('leaves out headers that would take the envelope past its reserve', () => {
    const headers: Record<string, string> = {};
    for (let index = 0; index < 40; index++) headers[`x-extra-${index}`] = 'v'.repeat(1_000);
    const message = buildEnvelope(
      envelopeInput({ headers, selectedHeaders: Object.keys(headers), body: new Uint8Array() }),
    );
    const copied = Object.keys(JSON.parse(message.body).headers);
    expect(copied.length).toBeGreaterThan(10);
    expect(copied).toEqual(Object.keys(headers).slice(0, copied.length));
    expect(messageSizeBytes(message)).toBeLessThanOrEqual(envelopeReserveBytes);
  });
});

describe('body size', () => {
  it('accepts a body of exactly maxBodySizeBytes', () => {
    expect(() => checkBodySize(maxBodySizeBytes)).not.toThrow();
  });

  it('carries a body of exactly maxInlineBodyBytes in the message, and one byte more not', () => {
    expect(needsBodyObject(maxInlineBodyBytes)).toBe(false);
    expect(needsBodyObject(maxInlineBodyBytes + 1)).toBe(true);
    const inline = new Uint8Array(maxInlineBodyBytes).fill(0x61);
    const carried = readEnvelope(buildEnvelope(envelopeInput({ body: inline })).body).body;
    expect(bodySha256(carried)).toBe(bodySha256(inline));
    const over = new Uint8Array(maxInlineBodyBytes + 1).fill(0x61);
    expect(() => buildEnvelope(envelopeInput({ body: over }))).toThrow(EnvelopeInputError);
  });

  it('refuses a body one byte over maxBodySizeBytes with body_too_large (413)', () => {
    const body = new Uint8Array(maxBodySizeBytes + 1);
    expect(() => buildEnvelope(envelopeInput({ body }))).toThrow(BodyTooLargeError);
    expect(() => checkBodySize(maxBodySizeBytes + 1)).toThrow(
      expect.objectContaining({ code: 'body_too_large', byteLength: maxBodySizeBytes + 1 }),
    );
  });

  it('fits the largest inline body, base64, with the longest ids and headers in one queue message', () => {
    // U+FFFF costs the most: six bytes escaped in JSON, three as U+FFFD in an attribute.
    const longest = '\uffff'.repeat(maxIdentifierChars);
    // One longest value, then many short ones that fill what is left to within a few bytes.
    const headers: Record<string, string> = { 'x-long': '\uffff'.repeat(maxHeaderValueChars) };
    for (let index = 0; index < 64; index++) headers[`x-${index}`] = '\uffff'.repeat(index % 7);
    const body = new Uint8Array(maxInlineBodyBytes).fill(0xff);
    const message = buildEnvelope({
      deliveryId: longest,
      providerId: longest,
      scheme: longest,
      eventId: longest,
      eventType: longest,
      receivedAtMs: 8.64e15, // the latest time a Date holds: +275760-09-13
      headers,
      selectedHeaders: Object.keys(headers),
      body,
    });
    const document = JSON.parse(message.body);
    expect(document.bodyEncoding).toBe('base64');
    // The longest ids leave about 6 KB of the reserve: one longest value even at 6 bytes a char.
    expect(document.headers).toHaveProperty('x-long');
    expect(messageSizeBytes(message)).toBeGreaterThan(queueMaxMessageBytes - 16);
    expect(messageSizeBytes(message)).toBeLessThanOrEqual(queueMaxMessageBytes);
    expect(bodySha256(readEnvelope(message.body).body)).toBe(bodySha256(body));
  });

  it('fits the largest body with any ids, headers and selection in one queue message', () => {
    const body = new Uint8Array(maxInlineBodyBytes).fill(0xff);
    fc.assert(
      fc.property(
        anyIdentifier,
        anyIdentifier,
        anyText(maxIdentifierChars + 20),
        fc.dictionary(anyText(80), anyText(2 * maxHeaderValueChars), { maxKeys: 40 }),
        (deliveryId, providerId, eventType, headers) => {
          const message = buildEnvelope({
            deliveryId,
            providerId,
            scheme: 'stripe',
            eventType,
            receivedAtMs,
            headers,
            selectedHeaders: Object.keys(headers),
            body,
          });
          expect(messageSizeBytes(message)).toBeLessThanOrEqual(queueMaxMessageBytes);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('FIFO ids', () => {
  it('are SHA-256 of the provider and delivery id, NUL between, for group and deduplication', () => {
    const message = buildEnvelope(envelopeInput());
    // printf 'acme-payments\x0001JH0000000000000000000000' | sha256sum
    const digest = '07ef95901a318c24a2e04e48e5dd1f191641571e1b3f60a3ffcc044a2056059b';
    expect(message.deduplicationId).toBe(digest);
    expect(message.groupId).toBe(digest);
  });

  it('are the same for every attempt at one delivery, whatever its time, headers or body', () => {
    const first = buildEnvelope(envelopeInput());
    const retry = buildEnvelope(
      envelopeInput({
        receivedAtMs: receivedAtMs + 31_000,
        headers: { 'User-Agent': 'retry' },
        body: bytes('{"id":"evt_1","attempt":2}'),
      }),
    );
    expect(retry.body).not.toBe(first.body);
    expect([retry.groupId, retry.deduplicationId]).toEqual([first.groupId, first.deduplicationId]);
  });

  it('differ between deliveries and between providers', () => {
    const ids = [
      envelopeInput(),
      envelopeInput({ deliveryId: 'evt_2' }),
      envelopeInput({ providerId: 'acme-payments-eu' }),
    ].map((input) => buildEnvelope(input).deduplicationId);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a body kept in the payload bucket', () => {
  const body = new Uint8Array(maxInlineBodyBytes + 1).map((_, index) => (index * 31) % 256);
  const object: BodyObject = {
    bucket: 'webhook-ingestion-payloads',
    key: `${'ab'.repeat(32)}/${bodySha256(body)}`,
    sizeBytes: body.byteLength,
    sha256: bodySha256(body),
  };
  const message = buildEnvelope(envelopeInput({ body }), object);

  it('travels as a pointer: bucket, key, size and SHA-256, and no body', () => {
    const document = JSON.parse(message.body);
    expect(document).toMatchObject({ bodyEncoding: 's3', bodyObject: object });
    expect(document).not.toHaveProperty('body');
    expect(messageSizeBytes(message)).toBeLessThan(envelopeReserveBytes);
  });

  it('is refused by readEnvelope, which reads only a body in the message', () => {
    expect(() => readEnvelope(message.body)).toThrow(BodyInBucketError);
    expect(() => readEnvelope(message.body)).toThrow(object.key);
  });

  it('is fetched by openEnvelope and given back as the exact bytes', async () => {
    const fetched: BodyObject[] = [];
    const envelope = await openEnvelope(message.body, async (asked) => {
      fetched.push(asked);
      return body;
    });
    expect(fetched).toEqual([object]);
    expect(envelope).toMatchObject({
      bodyEncoding: 's3',
      bodyObject: object,
      deliveryId: envelopeInput().deliveryId,
    });
    expect(bodySha256(envelope.body)).toBe(bodySha256(body));
  });

  it('reads a body in the message through openEnvelope too, fetching nothing', async () => {
    const inline = buildEnvelope(envelopeInput());
    const envelope = await openEnvelope(inline.body, () => {
      throw new Error('nothing to fetch');
    });
    expect(envelope).toEqual(readEnvelope(inline.body));
  });

  it.each([
    ['a byte short', body.subarray(1)],
    ['the same length with other bytes', Buffer.from(body).fill(0xff, 0, 1)],
  ])('refuses an object that is %s', async (_, bytes) => {
    const copy = Uint8Array.from(bytes);
    await expect(openEnvelope(message.body, async () => copy)).rejects.toThrow(
      BodyObjectMismatchError,
    );
  });

  it('refuses an object whose size is not the body given', () => {
    expect(() =>
      buildEnvelope(envelopeInput({ body }), { ...object, sizeBytes: body.byteLength - 1 }),
    ).toThrow(EnvelopeInputError);
  });

  const document = JSON.parse(message.body);
  it.each([
    ['no bodyObject', { ...document, bodyObject: undefined }],
    ['a bodyObject with no key', { ...document, bodyObject: { ...object, key: '' } }],
    ['a negative size', { ...document, bodyObject: { ...object, sizeBytes: -1 } }],
    [
      'a SHA-256 that is not hex',
      { ...document, bodyObject: { ...object, sha256: 'Z'.repeat(64) } },
    ],
  ])('is refused with %s', async (_, invalid) => {
    await expect(openEnvelope(JSON.stringify(invalid), async () => body)).rejects.toThrow(
      InvalidEnvelopeError,
    );
  });
});

describe('readEnvelope', () => {
  it('gives back every field, with the body as the bytes received', () => {
    const input = envelopeInput({ headers: { 'User-Agent': 'Stripe/1.0' } });
    expect(readEnvelope(buildEnvelope(input).body)).toEqual({
      envelopeVersion: 1,
      deliveryId: input.deliveryId,
      providerId: 'acme-payments',
      scheme: 'stripe',
      eventId: 'evt_1',
      eventType: 'invoice.paid',
      receivedAt: '2025-01-02T03:04:05.678Z',
      headers: { 'user-agent': 'Stripe/1.0' },
      bodyEncoding: 'utf8',
      body: Buffer.from('{"id":"evt_1"}'),
    });
  });

  const valid = JSON.parse(buildEnvelope(envelopeInput()).body);
  it.each([
    ['text that is not JSON', '{"envelopeVersion":'],
    ['a JSON array', '[]'],
    ['another version', JSON.stringify({ ...valid, envelopeVersion: 2 })],
    ['no deliveryId', JSON.stringify({ ...valid, deliveryId: undefined })],
    ['an empty eventType', JSON.stringify({ ...valid, eventType: '' })],
    ['an unknown bodyEncoding', JSON.stringify({ ...valid, bodyEncoding: 'hex' })],
    ['a header that is not text', JSON.stringify({ ...valid, headers: { a: 1 } })],
    ['a body that is not text', JSON.stringify({ ...valid, body: 7 })],
    ['a lone surrogate in a utf8 body', JSON.stringify({ ...valid, body: '\ud800' })],
    [
      'base64 with characters outside the alphabet',
      JSON.stringify({ ...valid, bodyEncoding: 'base64', body: 'e8M*o/w==' }),
    ],
  ])('refuses %s', (_, json) => {
    expect(() => readEnvelope(json)).toThrow(InvalidEnvelopeError);
  });
});

describe('envelope properties', () => {
  it('gives back the exact bytes of any body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4_096 }), (body) => {
        const message = buildEnvelope(envelopeInput({ body }));
        expect(readEnvelope(message.body).body).toEqual(Buffer.from(body));
      }),
    );
  });

  it('carries any text as text and gives back its exact bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText(2_000), fc.string({ unit: 'binary', maxLength: 2_000 })),
        (text) => {
          const body = bytes(text);
          const message = buildEnvelope(envelopeInput({ body }));
          const envelope = readEnvelope(message.body);
          expect(envelope.bodyEncoding).toBe('utf8');
          expect(envelope.body).toEqual(Buffer.from(body));
        },
      ),
    );
  });

  it('sends only characters SQS and fauxqs accept, and no empty attribute', () => {
    fc.assert(
      fc.property(
        anyIdentifier,
        anyText(300),
        fc.dictionary(anyText(20), anyText(50), { maxKeys: 5 }),
        fc.uint8Array({ maxLength: 256 }),
        (providerId, eventType, headers, body) => {
          const message = buildEnvelope(
            envelopeInput({
              providerId,
              eventType,
              headers,
              body,
              selectedHeaders: Object.keys(headers),
            }),
          );
          expect(message.body).toMatch(fauxqsText);
          for (const attribute of Object.values(message.attributes)) {
            expect(attribute.StringValue).toMatch(sqsText);
          }
          expect(readEnvelope(message.body)).toMatchObject({ providerId });
        },
      ),
    );
  });
});
