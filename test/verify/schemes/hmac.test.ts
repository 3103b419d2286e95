import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metaVerifyToken } from '../../../functions/verify/challenges.ts';
import { SchemeOptionsError } from '../../../functions/verify/errors.ts';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { eventSourcesOf, methodsOf, signedFieldsOf } from '../../../functions/verify/scheme.ts';
import { compile, type HmacOptions, hmac } from '../../../functions/verify/schemes/hmac.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'generic-secret';
const body = '{"ok":true}';
const parse = (raw: Record<string, string>) => hmac.parseOptions?.(raw) as HmacOptions;

/** Body-only hex, the commonest shape. */
const plain = parse({ header: 'X-Signature' });
/** `v1=` + base64 HMAC-SHA512 over `<id>.<timestamp>.<body>`, five-minute window. */
const templated = parse({
  header: 'X-Sig',
  algorithm: 'sha512',
  encoding: 'base64',
  prefix: 'v1=',
  template: '{id}.{timestamp}.{body}',
  timestampHeader: 'X-Timestamp',
  idHeader: 'X-Delivery',
  toleranceSeconds: '300',
});

const sign = (algorithm: string, parts: (string | Uint8Array)[], encoding: 'hex' | 'base64') => {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
};

const verify = (
  options: HmacOptions,
  headers: Record<string, string>,
  {
    payload = body as string | Uint8Array,
    now = 1_700_000_000,
    tolerance = undefined as number | undefined,
  } = {},
) =>
  verifyDelivery({
    scheme: 'hmac',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
    options,
    clock: at(now),
    ...(tolerance === undefined ? {} : { toleranceSeconds: tolerance }),
  });

const templatedHeaders = (timestamp = '1700000000', id = 'evt_123', payload = body) => ({
  'X-Sig': `v1=${sign('sha512', [`${id}.${timestamp}.`, payload], 'base64')}`,
  'X-Timestamp': timestamp,
  'X-Delivery': id,
});

describe('hmac', () => {
  it('accepts a known answer for the default: hex HMAC-SHA256 of the body', async () => {
    // Computed separately with `openssl dgst -sha256 -hmac generic-secret`.
    const signature = 'bbb3b3c4cbaa75cef706d50357234102354ada79214380626d98fbff276909d2';
    expect(await verify(plain, { 'X-Signature': signature })).toEqual({
      accepted: true,
      scheme: 'hmac',
      keyIndex: 0,
      keyId: '#0',
    });
  });

  it('accepts a known answer for a template with id and timestamp, base64 SHA-512', async () => {
    // `printf 'evt_123.1700000000.{"ok":true}' | openssl dgst -sha512 -hmac generic-secret -binary | base64`
    const signature =
      'v1=oPT7eTeh5mKqzxOTmB1ZkRJjnvXDWUbvgab/crQ1eaf1RKbNCRza9QJdLkbTO2g3Bem2Lilz8BaaUGjfoqHklg==';
    const verdict = await verify(templated, {
      'x-sig': signature,
      'x-timestamp': '1700000000',
      'x-delivery': 'evt_123',
    });
    expect(verdict).toMatchObject({
      accepted: true,
      deliveryId: 'evt_123',
      timestamp: 1_700_000_000,
    });
  });

  it('feeds the body bytes to the HMAC as they are, even when they are not UTF-8', async () => {
    const bytes = Uint8Array.from([0xff, 0xfe, 0x80, 0x00, 0xc3]);
    const signature = createHmac('sha256', secret).update(bytes).digest('hex');
    expect(await verify(plain, { 'x-signature': signature }, { payload: bytes })).toMatchObject({
      accepted: true,
    });
    const lossy = createHmac('sha256', secret).update(Buffer.from(bytes).toString()).digest('hex');
    expect(await verify(plain, { 'x-signature': lossy }, { payload: bytes })).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('reads timestamps in milliseconds when asked to', async () => {
    const options = { ...templated, timestampUnit: 'milliseconds' } as const;
    const headers = templatedHeaders('1700000000500');
    expect(await verify(options, headers)).toMatchObject({
      accepted: true,
      timestamp: 1_700_000_000.5,
    });
  });

  it('reports an unsigned id header as the delivery id', async () => {
    const options = parse({ header: 'X-Signature', idHeader: 'X-Request-Id' });
    const headers = { 'x-signature': sign('sha256', [body], 'hex'), 'x-request-id': 'req_9' };
    expect(await verify(options, headers)).toMatchObject({ accepted: true, deliveryId: 'req_9' });
  });

  it('reports the event type header, and reads the event id and type where the options say', async () => {
    const options = parse({
      header: 'X-Signature',
      typeHeader: 'X-Event',
      idField: 'event.id',
      typeField: 'event.type',
    });
    const payload = '{"event":{"id":"evt_7","type":"charge.paid"}}';
    const headers = { 'x-signature': sign('sha256', [payload], 'hex'), 'x-event': 'push' };
    expect(await verify(options, headers, { payload })).toMatchObject({
      accepted: true,
      eventType: 'push',
    });
    expect(readEventFields(hmac, Buffer.from(payload), options)).toEqual({
      id: 'evt_7',
      type: 'charge.paid',
    });
    // The header is outside what is signed; the body's fields are inside it.
    expect(eventSourcesOf(hmac, options)).toEqual({
      eventTypeHeader: 'X-Event',
      eventFields: { id: 'event.id', type: 'event.type' },
    });
    expect(signedFieldsOf(hmac, options)).toMatchObject({ eventType: false, eventFields: true });
    expect(readEventFields(hmac, Buffer.from(payload), plain)).toEqual({});
  });

  it('refuses an event field that is not a dotted path', () => {
    for (const idField of ['', 'a..b', '.id', 'data[0]', 'a b']) {
      expect(() => parse({ header: 'X-Signature', idField }), idField).toThrow(SchemeOptionsError);
    }
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'hmac',
      request: delivery({ 'x-signature': sign('sha256', [body], 'hex') }, body),
      keys: [{ value: 'old' }, { value: secret }],
      options: plain,
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  describe('tolerance', () => {
    it('uses the toleranceSeconds option when the caller gives none', async () => {
      const headers = templatedHeaders();
      expect(await verify(templated, headers, { now: 1_700_000_300 })).toMatchObject({
        accepted: true,
      });
      expect(await verify(templated, headers, { now: 1_700_000_301 })).toMatchObject({
        reason: 'timestamp_too_old',
      });
      expect(await verify(templated, headers, { now: 1_699_999_699 })).toMatchObject({
        reason: 'timestamp_too_new',
      });
    });

    it('lets a positive toleranceSeconds given to verifyDelivery override the option', async () => {
      const headers = templatedHeaders();
      expect(await verify(templated, headers, { now: 1_700_000_031, tolerance: 30 })).toMatchObject(
        {
          reason: 'timestamp_too_old',
        },
      );
      expect(
        await verify(templated, headers, { now: 1_700_000_900, tolerance: 900 }),
      ).toMatchObject({
        accepted: true,
      });
    });

    it('accepts one second inside the window and rejects one second outside, either way', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
          fc.integer({ min: 1, max: 3600 }),
          fc.boolean(),
          async (signedAt, tolerance, future) => {
            const options = { ...templated, toleranceSeconds: tolerance };
            const headers = templatedHeaders(String(signedAt));
            const direction = future ? -1 : 1;
            const inside = await verify(options, headers, {
              now: signedAt + direction * (tolerance - 1),
            });
            expect(inside).toMatchObject({ accepted: true });
            const outside = await verify(options, headers, {
              now: signedAt + direction * (tolerance + 1),
            });
            expect(outside).toMatchObject({
              accepted: false,
              reason: future ? 'timestamp_too_new' : 'timestamp_too_old',
            });
          },
        ),
      );
    });

    it('checks the signature before the timestamp, so a forgery reads as a mismatch', async () => {
      const headers = { ...templatedHeaders('1'), 'X-Sig': 'v1=AAAA' };
      expect(await verify(templated, headers)).toMatchObject({ reason: 'signature_mismatch' });
    });
  });

  it.each([
    ['missing_header', plain, {}],
    ['missing_header', templated, { ...templatedHeaders(), 'X-Timestamp': '' }],
    [
      'missing_header',
      templated,
      { 'X-Sig': templatedHeaders()['X-Sig'], 'X-Timestamp': '1700000000' },
    ],
    ['malformed_header', templated, templatedHeaders('1700000000.0')],
    ['malformed_header', templated, templatedHeaders('-1700000000')],
    ['unsupported_version', templated, { ...templatedHeaders(), 'X-Sig': 'v2=abcd' }],
    ['signature_mismatch', plain, { 'x-signature': sign('sha256', ['other'], 'hex') }],
    ['malformed_header', plain, { 'x-signature': sign('sha256', [body], 'base64') }],
    ['signature_mismatch', plain, { 'x-signature': 'abc' }],
    ['signature_mismatch', templated, { ...templatedHeaders(), 'X-Delivery': 'evt_124' }],
  ] as const)('rejects with %s', async (reason, options, headers) => {
    expect(await verify(options, headers)).toMatchObject({ accepted: false, reason });
  });

  it.each([
    [{ ...plain, template: '{payload}' }],
    [{ ...plain, header: undefined }],
    [{ ...plain, template: undefined }],
    [{ ...templated, toleranceSeconds: undefined }],
  ])(
    'rejects with invalid_options when options that bypass the parser are unusable',
    async (options) => {
      const headers = { 'x-signature': sign('sha256', [body], 'hex'), ...templatedHeaders() };
      expect(await verify(options as unknown as HmacOptions, headers)).toMatchObject({
        accepted: false,
        reason: 'invalid_options',
      });
    },
  );

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'hmac',
      request: delivery({ 'x-signature': sign('sha256', [body], 'hex') }, body),
      keys: [],
      options: plain,
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const forged = createHmac('sha256', 'forger').update(body).digest('hex');
    const text = JSON.stringify(await verify(plain, { 'x-signature': forged }));
    for (const leak of [secret, forged, '"ok"']) expect(text).not.toContain(leak);
  });

  describe('options', () => {
    it('fills in the documented defaults', () => {
      expect(plain).toEqual({
        algorithm: 'sha256',
        header: 'X-Signature',
        prefix: '',
        encoding: 'hex',
        template: '{body}',
        timestampHeader: undefined,
        timestampUnit: 'seconds',
        toleranceSeconds: undefined,
        idHeader: undefined,
      });
    });

    it.each([
      [{}, /option 'header' is required/],
      [{ header: 'X Sig' }, /option 'header' must be an HTTP header name/],
      [
        { header: 'X-Sig', algorithm: 'md5' },
        /option 'algorithm' must be one of sha1, sha256, sha512/,
      ],
      [{ header: 'X-Sig', encoding: 'base32' }, /option 'encoding'/],
      [{ header: 'X-Sig', timestampUnit: 'minutes' }, /option 'timestampUnit'/],
      [{ header: 'X-Sig', template: '{timestamp}.x' }, /option 'template' must contain \{body\}/],
      [
        { header: 'X-Sig', template: '{ts}.{body}' },
        /option 'template' has an unknown placeholder/,
      ],
      [
        { header: 'X-Sig', template: '{timestamp}.{body}', toleranceSeconds: '300' },
        /option 'timestampHeader' is required/,
      ],
      [
        { header: 'X-Sig', template: '{timestamp}.{body}', timestampHeader: 'X-Ts' },
        /option 'toleranceSeconds' is required/,
      ],
      [
        {
          header: 'X-Sig',
          template: '{timestamp}.{body}',
          timestampHeader: 'X-Ts',
          toleranceSeconds: '0',
        },
        /option 'toleranceSeconds' must be a whole number of seconds from 1 to 86400/,
      ],
      [{ header: 'X-Sig', toleranceSeconds: '300' }, /need \{timestamp\} in 'template'/],
      [{ header: 'X-Sig', timestampHeader: 'X-Ts' }, /need \{timestamp\} in 'template'/],
      [{ header: 'X-Sig', template: '{id}:{body}' }, /option 'idHeader' is required/],
      [{ header: 'X-Sig', secret: 'x' }, /unknown option 'secret'/],
      [
        { header: 'X-Sig', challenge: 'slack' },
        /option 'challenge' must be one of meta, nylas, dropbox, got 'slack'/,
      ],
    ])('refuses %j', (raw, message) => {
      expect(() => parse(raw)).toThrow(SchemeOptionsError);
      expect(() => parse(raw)).toThrow(message);
    });

    it('takes a challenge of meta, nylas or dropbox, and checks it in options that skipped the parser', () => {
      for (const challenge of ['meta', 'nylas', 'dropbox']) {
        expect(parse({ header: 'X-Sig', challenge }).challenge).toBe(challenge);
      }
      const unparsed = { ...plain, challenge: 'slack' } as unknown as HmacOptions;
      expect(compile(unparsed)).toBe("option 'challenge' must be one of meta, nylas, dropbox");
    });
  });

  describe('GET handshakes (option challenge)', () => {
    const meta = parse({ header: 'X-Hub-Signature-256', prefix: 'sha256=', challenge: 'meta' });
    const nylas = parse({ header: 'X-Nylas-Signature', challenge: 'nylas' });
    const get = (options: HmacOptions, query: string) =>
      verifyDelivery({
        scheme: 'hmac',
        request: delivery({}, '', `https://hooks.example.com/v1/webhooks/wa?${query}`, 'GET'),
        keys: [{ value: secret }],
        options,
      });
    const metaQuery = (token: string) =>
      `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`;

    it('answers GET beside POST only with the option', () => {
      expect(methodsOf(hmac, plain)).toEqual(['POST']);
      expect(methodsOf(hmac, meta)).toEqual(['POST', 'GET']);
      expect(methodsOf(hmac, nylas)).toEqual(['POST', 'GET']);
    });

    it("accepts Meta's GET as a handshake when its verify token is the secret's, and refuses another", async () => {
      expect(await get(meta, metaQuery(metaVerifyToken(secret)))).toMatchObject({
        accepted: true,
        handshake: 'meta_verification',
        keyId: '#0',
      });
      expect(await get(meta, metaQuery(metaVerifyToken('other')))).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    });

    it("accepts Nylas's GET as a handshake, and echoes its challenge", async () => {
      expect(await get(nylas, 'challenge=abc123')).toMatchObject({
        accepted: true,
        handshake: 'nylas_challenge',
      });
      const request = delivery({}, '', 'https://h.example/x?challenge=abc123', 'GET');
      expect(hmac.handshake?.(request, secret, nylas)).toEqual({
        contentType: 'text/plain',
        body: 'abc123',
      });
      expect(hmac.handshake?.(request, secret, plain)).toBeUndefined();
    });

    it('verifies a GET without the option as any delivery: unsigned, it is refused', async () => {
      expect(await get(plain, 'challenge=abc123')).toMatchObject({
        accepted: false,
        reason: 'missing_header',
      });
    });

    it('verifies a POST with the option as without it', async () => {
      const signature = createHmac('sha256', secret).update(body).digest('hex');
      const verdict = await verify(meta, { 'x-hub-signature-256': `sha256=${signature}` });
      expect(verdict).toMatchObject({ accepted: true });
      expect(verdict).not.toHaveProperty('handshake');
    });
  });
});

describeSchemeProperties({
  scheme: 'hmac',
  options: plain,
  keys: [{ value: secret }],
  signatureHeader: 'X-Signature',
  sign: ({ body }) =>
    delivery({ 'X-Signature': createHmac('sha256', secret).update(body).digest('hex') }, body),
});

// The shared harness checks tolerance only for schemes with a fixed defaultToleranceSeconds;
// this scheme's window is an option, so the 'tolerance' tests above cover it.
describeSchemeProperties({
  scheme: 'hmac',
  options: templated,
  keys: [{ value: secret }],
  signatureHeader: 'X-Sig',
  timestampHeader: 'X-Timestamp',
  idHeader: 'X-Delivery',
  sign: ({ body, timestampSeconds, id }) => {
    const mac = createHmac('sha512', secret).update(`${id}.${timestampSeconds}.`).update(body);
    return delivery(
      {
        'X-Sig': `v1=${mac.digest('base64')}`,
        'X-Timestamp': String(timestampSeconds),
        'X-Delivery': id,
      },
      body,
    );
  },
});
