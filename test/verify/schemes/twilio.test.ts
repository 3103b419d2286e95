import { createHash } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';
import fc from 'fast-check';
import twilioSdk from 'twilio';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const { getExpectedTwilioSignature, validateRequest, validateRequestWithBody } = twilioSdk;

const authToken = 'twilio-auth-token';
const sharedKeySecret = 'twilio-shared-key-secret';
const keys = [{ id: 'auth-token', value: authToken }];
const url = 'https://hooks.example.com/v1/webhooks/twilio?tenant=acme';
const form = 'MessageSid=SM123&From=%2B14155550100&Body=Hello+there&To=%2B14155550199';
const settingsSha256 = 'key=webhooks_sharedkey_01hzz,algorithm=HMAC_SHA256';

/** The POST parameters as Express's urlencoded parser hands them to twilio-node. */
const parametersOf = (body: string | Uint8Array) =>
  parseQueryString(Buffer.from(body).toString('utf8')) as Record<string, string | string[]>;

const sha256Hex = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');

const verify = (
  headers: Record<string, string>,
  body: string | Uint8Array = form,
  requestUrl = url,
  keyList: readonly { value: string }[] = keys,
) =>
  verifyDelivery({ scheme: 'twilio', request: delivery(headers, body, requestUrl), keys: keyList });

const signedForm = (body = form, requestUrl = url, key = authToken) => ({
  'X-Twilio-Signature': getExpectedTwilioSignature(key, requestUrl, parametersOf(body)),
});

describe('twilio', () => {
  it('accepts the published form-post vector', async () => {
    const vector = officialVector('twilio_form');
    const body = new URLSearchParams(vector.params).toString();
    const verdict = await verify(
      { 'X-Twilio-Signature': vector['X-Twilio-Signature'] },
      body,
      vector.url,
      [{ value: vector.authToken }],
    );
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('accepts the published JSON vector with its bodySHA256', async () => {
    const vector = officialVector('twilio_json_bodySHA256');
    const verdict = await verify(
      { 'X-Twilio-Signature': vector['X-Twilio-Signature'] },
      vector.body,
      vector.url,
      [{ value: vector.authToken }],
    );
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('accepts a form post signed by twilio-node’s getExpectedTwilioSignature', async () => {
    expect(await verify(signedForm())).toMatchObject({ accepted: true, keyId: 'auth-token' });
  });

  it('signs what twilio-node’s validateRequest and validateRequestWithBody accept', () => {
    const signature = getExpectedTwilioSignature(authToken, url, parametersOf(form));
    expect(validateRequest(authToken, signature, url, parametersOf(form))).toBe(true);
    const json = '{"event":"sent"}';
    const jsonUrl = `${url}&bodySHA256=${sha256Hex(json)}`;
    const jsonSignature = getExpectedTwilioSignature(authToken, jsonUrl, {});
    expect(validateRequestWithBody(authToken, jsonSignature, jsonUrl, json)).toBe(true);
  });

  it('accepts any form body twilio-node signs: repeated names, any Unicode, any order', async () => {
    const pairs = fc.array(
      fc.tuple(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 12 }),
      ),
      { maxLength: 12 },
    );
    await fc.assert(
      fc.asyncProperty(pairs, fc.boolean(), async (entries, reuseNames) => {
        const named = reuseNames
          ? entries.map(([, value], index) => [`N${index % 3}`, value] as const)
          : entries;
        const body = new URLSearchParams(
          named.map(([name, value]): [string, string] => [name, value]),
        ).toString();
        expect(await verify(signedForm(body), body)).toMatchObject({ accepted: true });
      }),
    );
  });

  it('accepts a repeated parameter whatever order and repetition its values arrive in', async () => {
    const headers = signedForm('Tag=b&Tag=a&Name=x');
    expect(await verify(headers, 'Tag=b&Tag=a&Name=x')).toMatchObject({ accepted: true });
    expect(await verify(headers, 'Name=x&Tag=a&Tag=b&Tag=a')).toMatchObject({ accepted: true });
  });

  it('accepts other encodings of the same parameters, since Twilio signs parameters, not bytes', async () => {
    const headers = signedForm('Body=a+b%2Fc');
    for (const same of ['Body=a%20b%2fc', 'Body=a+b/c', '&Body=%61+b%2F%63&']) {
      expect(await verify(headers, same)).toMatchObject({ accepted: true });
    }
  });

  it('cannot tell a=bc from a&bc, because Twilio joins names and values without delimiters', async () => {
    expect(await verify(signedForm('a=bc'), 'a&bc')).toMatchObject({ accepted: true });
  });

  it('rejects a form body whose parameters differ from the signed ones', async () => {
    const headers = signedForm();
    for (const changed of [
      form.replace('there', 'thera'),
      `${form}&Extra=1`,
      form.replace('Body=', 'Body2='),
    ]) {
      expect(await verify(headers, changed)).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    }
  });

  it('accepts a URL received without the default port that Twilio signed with it, and the reverse', async () => {
    const withPort = 'https://hooks.example.com:443/v1/webhooks/twilio?tenant=acme';
    expect(await verify(signedForm(form, withPort), form, url)).toMatchObject({ accepted: true });
    expect(await verify(signedForm(form, url), form, withPort)).toMatchObject({ accepted: true });
    const http = 'http://hooks.example.com/twilio';
    expect(
      await verify(signedForm(form, 'http://hooks.example.com:80/twilio'), form, http),
    ).toMatchObject({ accepted: true });
  });

  it('matches the port on the URL exactly as received, before any normalising', async () => {
    // `new URL()` and the legacy querystring both escape `"`, so only the raw URL's port
    // variants can match here.
    const bare = 'https://hooks.example.com/twilio?q="x"';
    for (const [signed, received] of [
      [bare, 'https://hooks.example.com:443/twilio?q="x"'],
      ['https://hooks.example.com:443/twilio?q="x"', bare],
      // twilio-node drops any port, not only the default one.
      [bare, 'https://hooks.example.com:8443/twilio?q="x"'],
    ] as const) {
      const headers = signedForm(form, signed);
      const sdk = validateRequest(
        authToken,
        headers['X-Twilio-Signature'],
        received,
        parametersOf(form),
      );
      expect(sdk).toBe(true);
      expect(await verify(headers, form, received)).toMatchObject({ accepted: true });
    }
  });

  it('accepts a URL Twilio signed in escaped form, as twilio-node’s validateRequest does', async () => {
    const received = "https://hooks.example.com/twilio?name=O'Brien";
    const escaped = new URL(received).toString();
    expect(escaped).toContain('%27');
    const headers = signedForm(form, escaped);
    expect(
      validateRequest(authToken, headers['X-Twilio-Signature'], received, parametersOf(form)),
    ).toBe(true);
    expect(await verify(headers, form, received)).toMatchObject({ accepted: true });
  });

  it('rejects a signature made for another URL', async () => {
    const other = 'https://hooks.example.com/v1/webhooks/twilio?tenant=other';
    expect(await verify(signedForm(form, other))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts with whichever of several keys signed, as during an Auth Token rotation', async () => {
    const verdict = await verify(signedForm(form, url, 'secondary-token'), form, url, [
      ...keys,
      { value: 'secondary-token' },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  describe('SharedKey signatures (X-Twilio-Webhooks-Signature-Settings)', () => {
    const sharedKeys = [...keys, { id: 'shared', value: sharedKeySecret }];
    const sha256Signature = (body = form, requestUrl = url) =>
      getExpectedTwilioSignature(sharedKeySecret, requestUrl, parametersOf(body), 'HMAC_SHA256');

    it('accepts HMAC-SHA256 with the SharedKey secret when the header names HMAC_SHA256', async () => {
      const headers = {
        'X-Twilio-Signature': sha256Signature(),
        'X-Twilio-Webhooks-Signature-Settings': settingsSha256,
      };
      expect(await verify(headers, form, url, sharedKeys)).toMatchObject({
        accepted: true,
        keyId: 'shared',
      });
      const settings = twilioSdk.getSignatureAlgorithm(settingsSha256);
      expect(
        validateRequest(
          sharedKeySecret,
          headers['X-Twilio-Signature'],
          url,
          parametersOf(form),
          settings,
        ),
      ).toBe(true);
    });

    it('accepts a JSON delivery signed with HMAC-SHA256', async () => {
      const json = '{"event":"sent"}';
      const jsonUrl = `${url}&bodySHA256=${sha256Hex(json)}`;
      const headers = {
        'X-Twilio-Signature': getExpectedTwilioSignature(
          sharedKeySecret,
          jsonUrl,
          {},
          'HMAC_SHA256',
        ),
        'X-Twilio-Webhooks-Signature-Settings': settingsSha256,
      };
      expect(await verify(headers, json, jsonUrl, sharedKeys)).toMatchObject({ accepted: true });
    });

    it('reads the algorithm name case-insensitively and treats a header without one as HMAC_SHA1', async () => {
      const lower = {
        'X-Twilio-Signature': sha256Signature(),
        'X-Twilio-Webhooks-Signature-Settings': 'algorithm=hmac_sha256 , key=k',
      };
      expect(await verify(lower, form, url, sharedKeys)).toMatchObject({ accepted: true });
      const sha1 = {
        ...signedForm(form, url, sharedKeySecret),
        'X-Twilio-Webhooks-Signature-Settings': 'key=webhooks_sharedkey_01hzz',
      };
      expect(await verify(sha1, form, url, sharedKeys)).toMatchObject({ accepted: true });
    });

    it('rejects a SHA-1 signature presented as HMAC_SHA256, and the reverse', async () => {
      const sha1AsSha256 = {
        ...signedForm(form, url, sharedKeySecret),
        'X-Twilio-Webhooks-Signature-Settings': settingsSha256,
      };
      expect(await verify(sha1AsSha256, form, url, sharedKeys)).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
      const sha256WithoutHeader = { 'X-Twilio-Signature': sha256Signature() };
      expect(await verify(sha256WithoutHeader, form, url, sharedKeys)).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    });

    it('rejects an algorithm it does not know with unsupported_version', async () => {
      const headers = {
        'X-Twilio-Signature': sha256Signature(),
        'X-Twilio-Webhooks-Signature-Settings': 'key=k,algorithm=HMAC_SHA512',
      };
      expect(await verify(headers, form, url, sharedKeys)).toMatchObject({
        accepted: false,
        reason: 'unsupported_version',
      });
    });
  });

  it.each([
    ['missing_header', {}, form, url],
    [
      'unsupported_version',
      { ...signedForm(), 'X-Twilio-Webhooks-Signature-Settings': 'algorithm=MD5' },
      form,
      url,
    ],
    ['malformed_body', signedForm(), 'Body=100%', url],
    ['malformed_body', signedForm(), 'Body=%ZZ', url],
    ['malformed_body', signedForm(), 'Body=%C3%28', url],
    ['malformed_body', signedForm(), 'Body=a b', url],
    ['malformed_body', signedForm(), Uint8Array.from([0x61, 0x3d, 0xff]), url],
    ['signature_mismatch', signedForm(form, url, 'wrong-token'), form, url],
    ['signature_mismatch', { 'X-Twilio-Signature': 'AAAA' }, form, url],
    [
      'signature_mismatch',
      {
        'X-Twilio-Signature': getExpectedTwilioSignature(
          authToken,
          `${url}&bodySHA256=${sha256Hex('{}')}`,
          {},
        ),
      },
      '{}',
      `${url}&bodySHA256=${sha256Hex('{ }')}`,
    ],
    [
      'body_hash_mismatch',
      {
        'X-Twilio-Signature': getExpectedTwilioSignature(
          authToken,
          `${url}&bodySHA256=${sha256Hex('{}')}`,
          {},
        ),
      },
      '{ }',
      `${url}&bodySHA256=${sha256Hex('{}')}`,
    ],
    [
      'body_hash_mismatch',
      { 'X-Twilio-Signature': getExpectedTwilioSignature(authToken, `${url}&bodySHA256=`, {}) },
      '{}',
      `${url}&bodySHA256=`,
    ],
  ] as const)('rejects with %s', async (reason, headers, body, requestUrl) => {
    expect(await verify(headers, body, requestUrl)).toMatchObject({ accepted: false, reason });
  });

  it('does not throw on a URL that cannot be parsed', async () => {
    const verdict = await verify(signedForm(form, 'not a url'), form, 'not a url');
    expect(verdict).toMatchObject({ accepted: true });
    expect(await verify(signedForm(), form, '::')).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects with no_keys when no Auth Token is configured', async () => {
    expect(await verify(signedForm(), form, url, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes the token, signature or body in a rejection', async () => {
    const headers = signedForm(form.replace('there', 'thera'));
    const jsonHeaders = {
      'X-Twilio-Signature': getExpectedTwilioSignature(
        authToken,
        `${url}&bodySHA256=${sha256Hex('{}')}`,
        {},
      ),
    };
    for (const verdict of [
      await verify(headers),
      await verify(headers, 'Body=100%'),
      await verify(jsonHeaders, '{"secret":"body"}', `${url}&bodySHA256=${sha256Hex('{}')}`),
    ]) {
      const text = JSON.stringify(verdict);
      for (const leak of [authToken, headers['X-Twilio-Signature'], 'Hello', 'secret', '100%']) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

/**
 * Form bodies whose every one-byte change alters the signed parameters. Twilio's signed
 * string is ambiguous for some bodies (`%2F` and `%2f`; `a=bc` and `a&bc`; an empty value
 * `k=` and `k`), so the generator avoids percent-escapes, gives every value a first
 * character (a digit) that sorts before every name (a capital letter, as Twilio names
 * parameters), and keeps names distinct. Spaces are sent as `+`; a raw space is malformed.
 */
const formBodies = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,9}$/),
      value: fc.stringMatching(/^[0-9][A-Za-z0-9 ]{0,20}$/),
    }),
    { selector: (pair) => pair.name, maxLength: 8 },
  )
  .map((pairs) =>
    Buffer.from(pairs.map(({ name, value }) => `${name}=${value.replaceAll(' ', '+')}`).join('&')),
  );

describeSchemeProperties({
  scheme: 'twilio',
  keys,
  signatureHeader: 'X-Twilio-Signature',
  bodies: formBodies,
  sign: ({ body }) => delivery(signedForm(Buffer.from(body).toString('utf8')), body, url),
});

describeSchemeProperties({
  scheme: 'twilio',
  keys: [{ value: sharedKeySecret }],
  signatureHeader: 'X-Twilio-Signature',
  bodies: formBodies,
  sign: ({ body }) =>
    delivery(
      {
        'X-Twilio-Signature': getExpectedTwilioSignature(
          sharedKeySecret,
          url,
          parametersOf(body),
          'HMAC_SHA256',
        ),
        'X-Twilio-Webhooks-Signature-Settings': settingsSha256,
      },
      body,
      url,
    ),
});

describeSchemeProperties({
  scheme: 'twilio',
  keys,
  signatureHeader: 'X-Twilio-Signature',
  sign: ({ body }) => {
    const jsonUrl = `${url}&bodySHA256=${sha256Hex(body)}`;
    return delivery(
      { 'X-Twilio-Signature': getExpectedTwilioSignature(authToken, jsonUrl, {}) },
      body,
      jsonUrl,
    );
  },
});
