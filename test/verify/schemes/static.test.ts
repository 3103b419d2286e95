import { describe, expect, it } from 'vitest';
import { SchemeOptionsError } from '../../../functions/verify/errors.ts';
import { staticCredentials } from '../../../functions/verify/schemes/static.ts';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const body = '{"RecordType":"Delivery","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483"}';
const credentials = 'postmark:s3cr3t-p4ss';
const basicHeader = `Basic ${Buffer.from(credentials).toString('base64')}`;
const oktaSecret = 'okta-hook-shared-secret-91b2';
const basic = { mode: 'basic', header: 'Authorization' } as const;
const header = { mode: 'header', header: 'Authorization' } as const;

const verify = (
  headers: Record<string, string>,
  options: { mode: 'basic' | 'header'; header: string } = basic,
  keys: readonly VerificationKey[] = [{ value: credentials }],
) => verifyDelivery({ scheme: 'static', request: delivery(headers, body), keys, options });

describe('static', () => {
  it("accepts RFC 7617's own Basic example (Aladdin / open sesame)", async () => {
    const rfc = await verify({ Authorization: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' }, basic, [
      { value: 'Aladdin:open sesame' },
    ]);
    expect(rfc).toEqual({ accepted: true, scheme: 'static', keyIndex: 0, keyId: '#0' });
  });

  it('accepts HTTP Basic credentials as Postmark sends them', async () => {
    expect(await verify({ Authorization: 'Basic cG9zdG1hcms6czNjcjN0LXA0c3M=' })).toMatchObject({
      accepted: true,
    });
  });

  it('accepts a fixed header value as Okta event hooks send it', async () => {
    expect(
      await verify({ authorization: oktaSecret }, header, [{ value: oktaSecret }]),
    ).toMatchObject({ accepted: true });
  });

  it('reads a custom header when one is configured', async () => {
    const options = { mode: 'header', header: 'X-Hook-Secret' } as const;
    expect(
      await verify({ 'x-hook-secret': oktaSecret }, options, [{ value: oktaSecret }]),
    ).toMatchObject({ accepted: true });
    expect(
      await verify({ authorization: oktaSecret }, options, [{ value: oktaSecret }]),
    ).toMatchObject({ accepted: false, reason: 'missing_header' });
  });

  it('accepts any of several credentials during a change of password', async () => {
    const verdict = await verify({ authorization: basicHeader }, basic, [
      { value: 'postmark:old' },
      { id: 'new', value: credentials },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'new' });
  });

  it('does not authenticate the body: the credential alone decides', async () => {
    const verdict = await verifyDelivery({
      scheme: 'static',
      request: delivery({ authorization: basicHeader }, 'anything at all'),
      keys: [{ value: credentials }],
      options: basic,
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it.each([
    ['missing_header', {}, basic],
    ['malformed_header', { authorization: `Bearer ${oktaSecret}` }, basic],
    ['malformed_header', { authorization: basicHeader.toLowerCase() }, basic],
    [
      'signature_mismatch',
      { authorization: `Basic ${Buffer.from('postmark:nope').toString('base64')}` },
      basic,
    ],
    ['signature_mismatch', { authorization: `${basicHeader}=` }, basic],
    ['signature_mismatch', { authorization: 'Basic ' }, basic],
    ['signature_mismatch', { authorization: basicHeader }, header],
  ] as const)('rejects with %s', async (reason, headers, options) => {
    expect(await verify(headers, options)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with invalid_key when a basic key is not user:password', async () => {
    const verdict = await verify({ authorization: basicHeader }, basic, [{ value: 'no-colon' }]);
    expect(verdict).toMatchObject({ accepted: false, reason: 'invalid_key' });
  });

  it('rejects with invalid_options when options bypass the parser with a bad mode', async () => {
    const options = { mode: 'digest', header: 'Authorization' } as unknown as typeof basic;
    expect(await verify({ authorization: basicHeader }, options)).toMatchObject({
      accepted: false,
      reason: 'invalid_options',
    });
  });

  it('rejects with no_keys when no credential is configured', async () => {
    expect(await verify({ authorization: basicHeader }, basic, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('parses options: mode is required, header defaults to Authorization', () => {
    const parse = staticCredentials.parseOptions;
    expect(parse?.({ mode: 'basic' })).toEqual({ mode: 'basic', header: 'Authorization' });
    expect(parse?.({ mode: 'header', header: 'X-Okta-Secret' })).toEqual({
      mode: 'header',
      header: 'X-Okta-Secret',
    });
    expect(() => parse?.({})).toThrow(/option 'mode' is required/);
    expect(() => parse?.({ mode: 'bearer' })).toThrow(SchemeOptionsError);
    expect(() => parse?.({ mode: 'basic', header: 'Bad Header' })).toThrow(/option 'header'/);
    expect(() => parse?.({ mode: 'basic', realm: 'x' })).toThrow(/unknown option 'realm'/);
  });

  it('never quotes the credential, what was received or the body in a rejection', async () => {
    const guess = `Basic ${Buffer.from('postmark:guess').toString('base64')}`;
    const text = JSON.stringify(await verify({ authorization: guess }));
    for (const leak of [credentials, 's3cr3t', guess, 'MessageID'])
      expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'static',
  options: basic,
  keys: [{ value: credentials }],
  signatureHeader: 'Authorization',
  bodyCoverage: { uncovered: 'Basic credentials are static; the sender signs nothing' },
  sign: ({ body }) =>
    delivery(
      { Authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` },
      body,
    ),
});

describeSchemeProperties({
  scheme: 'static',
  options: { mode: 'header', header: 'X-Okta-Verification' },
  keys: [{ value: oktaSecret }],
  signatureHeader: 'X-Okta-Verification',
  bodyCoverage: { uncovered: 'a fixed header value is static; the sender signs nothing' },
  sign: ({ body }) => delivery({ 'X-Okta-Verification': oktaSecret }, body),
});
