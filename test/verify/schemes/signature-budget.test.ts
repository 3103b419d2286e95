import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { maxKeysPerProvider } from '../../../functions/registry/provider.ts';
import {
  maxSignatureChecks,
  maxSignatureEntries,
} from '../../../functions/verify/signature-budget.ts';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';

/**
 * Every signature check a verification makes, counted where it happens: a constant-time
 * comparison of an expected HMAC with an entry (compare.ts), or an Ed25519 verification
 * (node:crypto's `verify`). Both stay the real functions; only the count is added.
 */
const counted = vi.hoisted(() => ({ checks: 0 }));

vi.mock('../../../functions/verify/compare.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../functions/verify/compare.ts')>();
  return {
    ...actual,
    textEqual: (expected: string, received: string) => {
      counted.checks++;
      return actual.textEqual(expected, received);
    },
  };
});

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    verify: (...args: Parameters<typeof actual.verify>) => {
      counted.checks++;
      return actual.verify(...args);
    },
  };
});

afterEach(() => {
  counted.checks = 0;
});

const now = 1_700_000_000;
const body = '{"type":"user.created","data":{"id":"user_1"}}';
const id = 'msg_1';
const signedPrefix = `${id}.${now}.`;

/** Checks made while verifying one request, and its verdict. */
async function checksOf(run: () => ReturnType<typeof verifyDelivery>) {
  counted.checks = 0;
  const verdict = await run();
  return { verdict, checks: counted.checks };
}

describe('the signature budget', () => {
  it('lets every key a registry may hold be checked against a full list', () => {
    // The core may not import the registry; this is where the two numbers meet.
    expect(maxSignatureChecks).toBeGreaterThanOrEqual(maxSignatureEntries * maxKeysPerProvider);
  });
});

describe('standard-webhooks checks per request', () => {
  const secretBytes = Buffer.from('a fixed 24-byte secret!!');
  const secret = `whsec_${secretBytes.toString('base64')}`;
  const pair = generateKeyPairSync('ed25519');
  const publicKeyText = (key: KeyObject) =>
    `whpk_${Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;
  const publicKey = publicKeyText(pair.publicKey);
  // Keys that sign entries and keys that are configured never meet, so a stranger never matches.
  const strangerSigners = Array.from({ length: 3 }, () => generateKeyPairSync('ed25519'));
  const strangerKeys = Array.from({ length: 3 }, () => generateKeyPairSync('ed25519'));

  const v1 = (key: Uint8Array) =>
    `v1,${createHmac('sha256', key).update(signedPrefix).update(body).digest('base64')}`;
  const v1a = (key: KeyObject) =>
    `v1a,${sign(null, Buffer.from(signedPrefix + body), key).toString('base64')}`;

  const verify = (signature: string, keys: readonly VerificationKey[]) =>
    checksOf(() =>
      verifyDelivery({
        scheme: 'standard-webhooks',
        request: delivery(
          { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signature },
          body,
        ),
        keys,
        clock: at(now),
      }),
    );

  /** An entry as a sender, a forger or a future version might write it. */
  const anyEntry = fc.oneof(
    fc.constant({ kind: 'genuine v1', text: v1(secretBytes) }),
    fc.constant({ kind: 'genuine v1a', text: v1a(pair.privateKey) }),
    fc
      .uint8Array({ minLength: 24, maxLength: 24 })
      .map((key) => ({ kind: 'stranger', text: v1(key) })),
    fc
      .uint8Array({ minLength: 64, maxLength: 64 })
      .map((bytes) => ({ kind: 'stranger', text: `v1a,${Buffer.from(bytes).toString('base64')}` })),
    fc.constantFrom(...strangerSigners).map(({ privateKey }) => ({
      kind: 'stranger',
      text: v1a(privateKey),
    })),
    fc.constant({ kind: 'unknown', text: 'v2,AAAA' }),
  );
  /** A configured key: ours, one that signed nothing here, or one we cannot read. */
  const anyKey = fc.oneof(
    fc.constant({ kind: 'secret', value: secret }),
    fc.constant({ kind: 'public', value: publicKey }),
    fc
      .uint8Array({ minLength: 24, maxLength: 24 })
      .map((key) => ({ kind: 'stranger', value: `whsec_${Buffer.from(key).toString('base64')}` })),
    fc
      .constantFrom(...strangerKeys)
      .map(({ publicKey: key }) => ({ kind: 'stranger', value: publicKeyText(key) })),
    fc.constant({ kind: 'invalid', value: 'whsk_AAAA' }),
  );

  it('counts what it claims to: one check for one v1a entry and one public key', async () => {
    const { verdict, checks } = await verify(v1a(pair.privateKey), [{ value: publicKey }]);
    expect(verdict).toMatchObject({ accepted: true });
    expect(checks).toBe(1);
  });

  it(`never makes more than ${maxSignatureChecks} checks, and none for an over-long list`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyEntry, { maxLength: 3 * maxSignatureEntries }),
        fc.array(anyKey, { minLength: 1, maxLength: 2 * maxKeysPerProvider }),
        async (entries, keys) => {
          const header = entries.length === 0 ? 'v2,AAAA' : entries.map((e) => e.text).join(' ');
          const { verdict, checks } = await verify(header, keys);
          expect(checks).toBeLessThanOrEqual(maxSignatureChecks);
          const known = entries.filter((entry) => entry.kind !== 'unknown').length;
          if (known > maxSignatureEntries) {
            expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
            expect(checks).toBe(0);
          }
        },
      ),
    );
  });

  it('still accepts every genuine entry within the cap, against as many keys as a registry holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyEntry, { minLength: 1, maxLength: maxSignatureEntries }),
        fc.array(anyKey, { minLength: 1, maxLength: maxKeysPerProvider }),
        async (entries, keys) => {
          const kinds = new Set(entries.map((entry) => entry.kind));
          const held = new Set(keys.map((key) => key.kind));
          const genuine =
            (kinds.has('genuine v1') && held.has('secret')) ||
            (kinds.has('genuine v1a') && held.has('public'));
          const { verdict } = await verify(entries.map((e) => e.text).join(' '), keys);
          if (genuine) expect(verdict).toMatchObject({ accepted: true });
          else expect(verdict.accepted).toBe(false);
        },
      ),
    );
  });
});

describe.each([
  {
    scheme: 'stripe' as const,
    header: 'stripe-signature',
    write: (hexes: readonly string[]) => [`t=${now}`, ...hexes.map((hex) => `v1=${hex}`)].join(','),
    signed: (key: string) => createHmac('sha256', key).update(`${now}.${body}`).digest('hex'),
  },
  {
    scheme: 'paddle' as const,
    header: 'paddle-signature',
    write: (hexes: readonly string[]) =>
      [`ts=${now}`, ...hexes.map((hex) => `h1=${hex}`)].join(';'),
    signed: (key: string) => createHmac('sha256', key).update(`${now}:${body}`).digest('hex'),
  },
  {
    scheme: 'pagerduty' as const,
    header: 'x-pagerduty-signature',
    write: (hexes: readonly string[]) => hexes.map((hex) => `v1=${hex}`).join(','),
    signed: (key: string) => createHmac('sha256', key).update(body).digest('hex'),
  },
])('$scheme checks per request', ({ scheme, header, write, signed }) => {
  const secret = 'the-current-secret';
  const verify = (hexes: readonly string[], keys: readonly VerificationKey[]) =>
    checksOf(() =>
      verifyDelivery({
        scheme,
        request: delivery({ [header]: write(hexes) }, body),
        keys,
        clock: at(now),
      }),
    );
  const strangers = (count: number) =>
    Array.from({ length: count }, (_, n) => signed(`an old secret ${n}`));

  it(`refuses more than ${maxSignatureEntries} entries even when one is valid, checking none`, async () => {
    const { verdict, checks } = await verify(
      [...strangers(maxSignatureEntries), signed(secret)],
      [{ value: secret }],
    );
    expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
    expect(checks).toBe(0);
  });

  it(`accepts ${maxSignatureEntries} entries, the valid one last, with the last of ${maxKeysPerProvider} keys`, async () => {
    const keys = [
      ...Array.from({ length: maxKeysPerProvider - 1 }, (_, n) => ({ value: `other ${n}` })),
      { value: secret },
    ];
    const { verdict, checks } = await verify(
      [...strangers(maxSignatureEntries - 1), signed(secret)],
      keys,
    );
    expect(verdict).toMatchObject({ accepted: true, keyIndex: maxKeysPerProvider - 1 });
    expect(checks).toBe(maxSignatureEntries * maxKeysPerProvider);
  });

  it(`never makes more than ${maxSignatureChecks} checks`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 * maxSignatureEntries }),
        fc.integer({ min: 1, max: 2 * maxKeysPerProvider }),
        fc.boolean(),
        async (entries, keyCount, withGenuine) => {
          const hexes = [...strangers(entries), ...(withGenuine ? [signed(secret)] : [])];
          const keys = Array.from({ length: keyCount }, (_, n) => ({ value: `other ${n}` }));
          const { verdict, checks } = await verify(hexes, [...keys, { value: secret }]);
          expect(checks).toBeLessThanOrEqual(maxSignatureChecks);
          if (hexes.length > maxSignatureEntries) {
            expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
