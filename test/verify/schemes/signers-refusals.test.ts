/** What the signers refuse to sign, each with an error that names the scheme and the fix. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SigningBodyError, SigningKeyError } from '../../../functions/verify/errors.sign.ts';
import type { SignInput, SigningKey } from '../../../functions/verify/scheme.sign.ts';
import type { SchemeName } from '../../../functions/verify/schemes/index.ts';
import { loadSigners } from '../../../functions/verify/schemes/signers.ts';
import { getScheme } from '../../../functions/verify/verify.ts';

const signers = await loadSigners();

const testKey: SigningKey = {
  kind: 'test-key',
  privateKey: generateKeyPairSync('ed25519').privateKey,
};

const sign = (
  scheme: SchemeName,
  key: SigningKey,
  overrides: Partial<SignInput> & { rawOptions?: Record<string, string> } = {},
) => {
  const { rawOptions = {}, ...input } = overrides;
  return () =>
    signers[scheme].sign({
      url: 'https://hooks.example.com/v1/webhooks/p',
      method: 'POST',
      body: Buffer.from('{"id":"evt_1"}'),
      contentType: 'application/json',
      key,
      options: getScheme(scheme).parseOptions?.(rawOptions) ?? {},
      nowMs: 1_700_000_000_000,
      deliveryId: 'dlv_1',
      ...input,
    });
};

describe('signers refuse', () => {
  it('a test key for a scheme that signs with a shared secret', () => {
    expect(sign('stripe', testKey)).toThrow(
      new SigningKeyError('stripe', 'signs with a shared secret, not a test key'),
    );
  });

  it.each(['discord', 'sendgrid', 'plaid'] as const)('a secret for %s', (scheme) => {
    expect(sign(scheme, { kind: 'secret', value: 'x' })).toThrow(SigningKeyError);
  });

  it('a Plaid test key without its kid', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(sign('plaid', { kind: 'test-key', privateKey })).toThrow(
      /needs the test key with its kid/,
    );
  });

  it.each([
    ['linear', 'not json'],
    ['linear', '[1,2]'],
    ['mailgun', '"text"'],
    ['adyen', '{"live":"false"}'],
  ] as const)('%s with a body it cannot write into: %s', (scheme, body) => {
    const key: SigningKey = { kind: 'secret', value: 'AABB' };
    expect(sign(scheme, key, { body: Buffer.from(body) })).toThrow(SigningBodyError);
  });

  it('an Adyen key that is not hex', () => {
    expect(sign('adyen', { kind: 'secret', value: 'not-hex' })).toThrow(
      /scheme 'adyen' needs the HMAC key as hex text/,
    );
  });

  it('static basic credentials without a colon', () => {
    expect(
      sign('static', { kind: 'secret', value: 'token' }, { rawOptions: { mode: 'basic' } }),
    ).toThrow(/needs the key as 'user:password'/);
  });
});

describe('Standard Webhooks keys a signer can use', () => {
  const { canSignWith } = signers['standard-webhooks'];

  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false],
    ['whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false],
    ['whsec_', false],
  ])('%s: %s', (secret, usable) => {
    expect(canSignWith?.(secret)).toBe(usable);
  });
});
