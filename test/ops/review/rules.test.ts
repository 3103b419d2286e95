/**
 * The periodic review's rules (ops/review/), each at its boundary: exactly at the cryptoperiod,
 * the idle days or the grace's end, and one millisecond either side.
 */
import { describe, expect, it } from 'vitest';
import {
  type ProviderConfig,
  type ProviderKey,
  withDefaults,
} from '../../../functions/registry/provider.ts';
import { accessChanges, policyPrincipals } from '../../../ops/review/access-changes.ts';
import { idleProviders, registeredAtMs } from '../../../ops/review/idle-providers.ts';
import { keysPastCryptoperiod, oldestKeyAgeDays } from '../../../ops/review/key-cryptoperiod.ts';
import { keysPastGrace } from '../../../ops/review/key-grace-overdue.ts';
import { flaggedProviders, reviewProviders } from '../../../ops/review/provider-review.ts';
import { dayMs } from '../../../ops/review/review-finding.ts';
import { subjectIndexSecretPastCryptoperiod } from '../../../ops/review/subject-index-cryptoperiod.ts';

const createdMs = Date.parse('2026-01-01T00:00:00.000Z');

function key(version: number, overrides: Partial<ProviderKey> = {}): ProviderKey {
  return {
    version,
    kind: 'secret',
    ciphertext: new Uint8Array([1]),
    createdAtMs: createdMs,
    ...overrides,
  };
}

function provider(providerId: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    ...withDefaults({ providerId, scheme: 'stripe' }),
    keys: [key(1)],
    updatedAtMs: createdMs,
    revision: 1,
    ...overrides,
  };
}

describe('key-cryptoperiod', () => {
  it('flags a key one millisecond past the cryptoperiod, not one exactly at it', () => {
    const at = createdMs + 365 * dayMs;
    expect(keysPastCryptoperiod([provider('shop')], 365, at)).toEqual([]);
    const [finding, ...rest] = keysPastCryptoperiod([provider('shop')], 365, at + 1);
    expect(rest).toEqual([]);
    expect(finding).toEqual({
      subject: 'shop',
      text: "provider 'shop' key v1 (secret) was created 2026-01-01T00:00:00.000Z, 365 days ago: past the 365-day cryptoperiod; rotate it (webhooks providers rotate shop)",
    });
  });

  it("flags each old key, a disabled provider's and one in its grace too, naming them", () => {
    const old = provider('old', {
      enabled: false,
      keys: [
        key(1, { notAfterMs: createdMs + 400 * dayMs }),
        key(2, { createdAtMs: createdMs + 300 * dayMs }),
      ],
    });
    const findings = keysPastCryptoperiod([old], 365, createdMs + 366 * dayMs);
    expect(findings.map((f) => f.text)).toEqual([
      expect.stringMatching(/^provider 'old' \(disabled\) key v1 \(secret\) .* 366 days ago/),
    ]);
  });

  it('refuses a cryptoperiod that is not a whole number of days', () => {
    expect(() => keysPastCryptoperiod([], 0, createdMs)).toThrow(RangeError);
    expect(() => keysPastCryptoperiod([], 1.5, createdMs)).toThrow(RangeError);
  });

  it("gives a provider's oldest key's age in whole days", () => {
    const two = provider('two', {
      keys: [key(1), key(2, { createdAtMs: createdMs + 10 * dayMs })],
    });
    expect(oldestKeyAgeDays(two, createdMs + 20 * dayMs - 1)).toBe(19);
    expect(oldestKeyAgeDays(provider('none', { keys: [] }), createdMs)).toBeUndefined();
  });
});

describe('key-cryptoperiod, the subject-index secret', () => {
  it('flags the current version one millisecond past the cryptoperiod, not exactly at it', () => {
    const current = { version: 2, createdAtMs: createdMs };
    const at = createdMs + 365 * dayMs;
    expect(subjectIndexSecretPastCryptoperiod(current, 365, at)).toEqual([]);
    expect(subjectIndexSecretPastCryptoperiod(current, 365, at + 1)).toEqual([
      {
        subject: 'subject-index secret',
        text: 'the subject-index secret v2 was created 2026-01-01T00:00:00.000Z, 365 days ago: past the 365-day cryptoperiod; rotate it (webhooks audit rotate-subject-secret)',
      },
    ]);
  });

  it('flags nothing where there is no secret, and refuses a cryptoperiod in part days', () => {
    expect(subjectIndexSecretPastCryptoperiod(undefined, 365, createdMs + 9_999 * dayMs)).toEqual(
      [],
    );
    expect(() => subjectIndexSecretPastCryptoperiod(undefined, 0.5, createdMs)).toThrow(RangeError);
  });
});

describe('key-grace-overdue', () => {
  const graced = provider('shop', {
    keys: [
      key(1, { notAfterMs: createdMs + 10 * dayMs }),
      key(2, { createdAtMs: createdMs + 9 * dayMs }),
    ],
  });

  it('flags a key from the end of its grace, not one millisecond before it', () => {
    const endMs = createdMs + 10 * dayMs;
    expect(keysPastGrace([graced], endMs - 1)).toEqual([]);
    expect(keysPastGrace([graced], endMs)).toEqual([
      {
        subject: 'shop',
        text: "provider 'shop' key v1 (secret) is still stored 0 days after its rotation grace ended (2026-01-11T00:00:00.000Z): it is no longer accepted; the next rotation drops it (webhooks providers rotate shop)",
      },
    ]);
  });

  it('never flags a key without a grace', () => {
    expect(keysPastGrace([provider('plain')], createdMs + 9_999 * dayMs)).toEqual([]);
  });
});

describe('idle-providers', () => {
  it('flags a provider never delivered to one millisecond past the idle days from its registration', () => {
    const at = createdMs + 30 * dayMs;
    const none = new Map<string, number | undefined>();
    expect(idleProviders([provider('quiet')], none, 30, at)).toEqual([]);
    expect(idleProviders([provider('quiet')], none, 30, at + 1)).toEqual([
      {
        subject: 'quiet',
        text: "provider 'quiet' has had no accepted delivery since it was registered (2026-01-01T00:00:00.000Z), 30 days ago, more than 30: review it, then disable or remove it if it is no longer used",
      },
    ]);
  });

  it('counts from the last accepted delivery, when there is one', () => {
    const lastMs = createdMs + 100 * dayMs;
    const last = new Map([['busy', lastMs]]);
    expect(idleProviders([provider('busy')], last, 30, lastMs + 30 * dayMs)).toEqual([]);
    expect(idleProviders([provider('busy')], last, 30, lastMs + 30 * dayMs + 1)).toEqual([
      expect.objectContaining({
        text: expect.stringContaining(
          "'busy' has had no accepted delivery since 2026-04-11T00:00:00.000Z, 30 days ago",
        ),
      }),
    ]);
  });

  it('never flags a disabled provider', () => {
    const off = provider('off', { enabled: false });
    expect(idleProviders([off], new Map(), 30, createdMs + 999 * dayMs)).toEqual([]);
  });

  it("takes the oldest key's creation as the registration, the last change without keys", () => {
    const rotated = provider('r', { keys: [key(3, { createdAtMs: createdMs + 5 })] });
    expect(registeredAtMs(rotated)).toBe(createdMs + 5);
    expect(registeredAtMs(provider('k', { keys: [], updatedAtMs: 7 }))).toBe(7);
  });
});

describe('the provider review', () => {
  it('gives each flagged provider its reasons, by check, and nothing for the others', () => {
    const nowMs = createdMs + 400 * dayMs;
    const review = reviewProviders(
      [provider('old-idle'), provider('fresh', { keys: [key(1, { createdAtMs: nowMs - dayMs })] })],
      new Map([['fresh', nowMs - dayMs]]),
      { cryptoperiodDays: 365, idleProviderDays: 30 },
      nowMs,
    );
    const flagged = flaggedProviders(review);
    expect([...flagged.keys()]).toEqual(['old-idle']);
    expect(flagged.get('old-idle')?.map((reason) => reason.check)).toEqual([
      'key-cryptoperiod',
      'idle-providers',
    ]);
  });
});

describe('access-changes', () => {
  const keyPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*' },
      {
        Effect: 'Allow',
        Principal: {
          AWS: ['arn:aws:iam::123456789012:role/ingest', '*'],
          Service: 'logs.amazonaws.com',
        },
        Action: 'kms:Decrypt',
      },
      { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt' },
      {
        Effect: 'Allow',
        NotPrincipal: { AWS: 'arn:aws:iam::123456789012:role/x' },
        Action: 'kms:Encrypt',
      },
    ],
  });

  it("reads the principals of a policy's Allow statements, '*' for anyone", () => {
    expect(policyPrincipals(keyPolicy)).toEqual([
      '*',
      'AWS:arn:aws:iam::123456789012:role/ingest',
      'AWS:arn:aws:iam::123456789012:root',
      'NotPrincipal AWS:arn:aws:iam::123456789012:role/x',
      'Service:logs.amazonaws.com',
    ]);
    expect(
      policyPrincipals(JSON.stringify({ Statement: { Effect: 'Allow', Principal: '*' } })),
    ).toEqual(['*']);
    expect(policyPrincipals(undefined)).toEqual([]);
  });

  it('names each principal added and removed, per resource, and a resource new or gone', () => {
    const before = { 'key audit (k1)': ['AWS:a', 'AWS:b'], 'table audit (t)': ['AWS:c'] };
    const after = { 'key audit (k1)': ['AWS:a', 'AWS:d'], 'key queue (k2)': ['AWS:e'] };
    const findings = accessChanges(before, after, createdMs);
    expect(findings.map((f) => f.text)).toEqual([
      'key audit (k1): AWS:d added to its policy since 2026-01-01T00:00:00.000Z',
      'key audit (k1): AWS:b removed from its policy since 2026-01-01T00:00:00.000Z',
      'key queue (k2): AWS:e added to its policy since 2026-01-01T00:00:00.000Z (a resource the run of that time did not read)',
      'table audit (t): AWS:c removed from its policy since 2026-01-01T00:00:00.000Z (a resource this run does not read)',
    ]);
    expect(accessChanges(after, after, createdMs)).toEqual([]);
  });
});
