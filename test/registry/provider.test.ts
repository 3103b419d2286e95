import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retentionClasses } from '../../functions/config/retention.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
  MalformedProviderItemError,
} from '../../functions/registry/errors.ts';
import {
  assertProviderId,
  fromItem,
  isProviderId,
  maxKeysPerProvider,
  type ProviderConfig,
  type ProviderKey,
  type RegistryItem,
  rotatedKeys,
  type SourceAllowlist,
  toItem,
} from '../../functions/registry/provider.ts';

const createdAtMs = Date.parse('2099-03-01T12:00:00.000Z');

const key = (version: number, extra: Partial<ProviderKey> = {}): ProviderKey => ({
  version,
  kind: 'secret',
  ciphertext: new Uint8Array([version, 1, 2, 3]),
  createdAtMs,
  ...extra,
});

const stripe: ProviderConfig = {
  providerId: 'stripe-live',
  scheme: 'stripe',
  options: {},
  enabled: true,
  retentionClass: 'standard',
  redaction: [{ path: 'data.object.customer_email', action: 'mask' }],
  dedupWindowSeconds: 604_800,
  keys: [key(1)],
  updatedAtMs: createdAtMs,
  revision: 1,
};

const anyProviderId = fc.stringMatching(/^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/);
const anyTime = fc.integer({ min: 0, max: 4_102_444_800_000 });
const anyKey = fc.record(
  {
    version: fc.integer({ min: 1, max: 1_000 }),
    kind: fc.constant('secret' as const),
    ciphertext: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    createdAtMs: anyTime,
    notAfterMs: anyTime,
  },
  { requiredKeys: ['version', 'kind', 'ciphertext', 'createdAtMs'] },
);
const anyRange = fc.constantFrom(
  '127.0.0.1/32',
  '192.30.252.0/22',
  '203.0.113.0/24',
  '10.0.0.0/8',
  '2001:db8::/32',
  '2a0a:a440::/29',
  '::1/128',
);
const anySources: fc.Arbitrary<SourceAllowlist> = fc
  .record(
    {
      ranges: fc.uniqueArray(anyRange, { maxLength: 4 }),
      published: fc.record({
        list: fc.constantFrom('github', 'stripe', 'pagerduty-eu'),
        ranges: fc.uniqueArray(anyRange, { minLength: 1, maxLength: 4 }),
        fetchedAtMs: anyTime,
      }),
    },
    { requiredKeys: ['ranges'] },
  )
  // An allowlist holds a range: an empty one is left out instead.
  .filter((sources) => sources.ranges.length > 0 || sources.published !== undefined);
const anyConfig: fc.Arbitrary<ProviderConfig> = fc.record(
  {
    providerId: anyProviderId,
    scheme: fc.constantFrom('stripe', 'github', 'slack'),
    options: fc.constant({}),
    toleranceSeconds: fc.integer({ min: 1, max: 86_400 }),
    enabled: fc.boolean(),
    retentionClass: fc.constantFrom(
      ...(Object.keys(retentionClasses) as (keyof typeof retentionClasses)[]),
    ),
    redaction: fc.array(
      fc.record({
        path: fc.stringMatching(/^(?:[a-z_]{1,8}|\*)(?:\.(?:[a-z_]{1,8}|\*)){0,4}$/),
        action: fc.constantFrom('drop' as const, 'mask' as const),
      }),
      { maxLength: 5 },
    ),
    dedupWindowSeconds: fc.integer({ min: 60, max: 31_622_400 }),
    keys: fc.uniqueArray(anyKey, { selector: (k) => k.version, maxLength: maxKeysPerProvider }),
    updatedAtMs: anyTime,
    revision: fc.integer({ min: 1, max: 1_000_000 }),
    sources: anySources,
  },
  {
    requiredKeys: [
      'providerId',
      'scheme',
      'options',
      'enabled',
      'retentionClass',
      'redaction',
      'dedupWindowSeconds',
      'keys',
      'updatedAtMs',
      'revision',
    ],
  },
);

describe('provider ids', () => {
  it.each(['stripe', 'stripe-live', 'github_org-2', 'a', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(assertProviderId(id)).toBe(id);
  });

  it.each([
    '',
    'Stripe',
    '-stripe',
    'stripe-',
    'stripe/live',
    'stripe#0',
    'stripe.live',
    '../x',
    'x'.repeat(65),
  ])('refuses %j', (id) => {
    expect(() => assertProviderId(id)).toThrow(InvalidProviderIdError);
  });

  it('never accepts a character with meaning in a URL path or a table key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (id) => {
        if (isProviderId(id)) expect(id).toMatch(/^[a-z0-9_-]{1,64}$/);
      }),
    );
  });

  it('quotes a refused id shortened, so a log line cannot be flooded', () => {
    const error = new InvalidProviderIdError(`${'a'.repeat(500)}\n`);
    expect(error.message.length).toBeLessThan(250);
    expect(error.message).not.toContain('\n');
  });
});

describe('item mapping', () => {
  it('round-trips every valid configuration', () => {
    fc.assert(
      fc.property(anyConfig, (config) => {
        expect(fromItem(toItem(config))).toEqual(config);
      }),
    );
  });

  it('writes times as ISO 8601 and leaves out what is not set', () => {
    const item = toItem(stripe);
    expect(item.updatedAt).toEqual({ S: '2099-03-01T12:00:00.000Z' });
    expect(item.toleranceSeconds).toBeUndefined();
    expect(item.keys?.L?.[0]?.M?.notAfter).toBeUndefined();
  });

  it('refuses to store a configuration that breaks a rule, listing each problem', () => {
    const broken = {
      ...stripe,
      retentionClass: 'forever',
      toleranceSeconds: 0,
      keys: [key(1), key(1)],
    } as unknown as ProviderConfig;
    const error = (() => {
      try {
        return toItem(broken);
      } catch (caught) {
        return caught;
      }
    })() as InvalidProviderConfigError;
    expect(error).toBeInstanceOf(InvalidProviderConfigError);
    expect(error.problems).toEqual([
      'toleranceSeconds must be a whole number from 1 to 86400, got 0',
      "retentionClass must be one of minimal, standard, consumer-requests, extended, got 'forever'",
      'keys[1].version must be a positive whole number used once, got 1',
    ]);
  });

  it('refuses a secret for a scheme that verifies with public keys', () => {
    expect(() => toItem({ ...stripe, scheme: 'discord' })).toThrow(/must be public-key/);
    expect(() =>
      toItem({ ...stripe, scheme: 'discord', keys: [key(1, { kind: 'public-key' })] }),
    ).not.toThrow();
  });

  it('refuses a redaction path that is not dot-separated field names', () => {
    expect(() =>
      toItem({ ...stripe, redaction: [{ path: 'data..email', action: 'drop' }] }),
    ).toThrow(/redaction\[0\]\.path/);
  });

  it('keeps a subject key path, and refuses one with a wildcard or an empty field', () => {
    const config = { ...stripe, subjectKeyPath: 'data.object.customer_email' };
    expect(fromItem(toItem(config))).toEqual(config);
    for (const subjectKeyPath of ['data.*.email', 'data..email', '', 'a.b c']) {
      expect(() => toItem({ ...stripe, subjectKeyPath })).toThrow(/subjectKeyPath/);
    }
  });

  it('keeps a source allowlist, the published list with its ranges and fetch time', () => {
    const sources: SourceAllowlist = {
      ranges: ['203.0.113.0/24', '2001:db8::/32'],
      published: { list: 'github', ranges: ['192.30.252.0/22'], fetchedAtMs: createdAtMs },
    };
    const item = toItem({ ...stripe, sources });
    expect(item.sources).toEqual({
      M: {
        ranges: { L: [{ S: '203.0.113.0/24' }, { S: '2001:db8::/32' }] },
        published: {
          M: {
            list: { S: 'github' },
            ranges: { L: [{ S: '192.30.252.0/22' }] },
            fetchedAt: { S: '2099-03-01T12:00:00.000Z' },
          },
        },
      },
    });
    expect(fromItem(item)).toEqual({ ...stripe, sources });
    const own = { ...stripe, sources: { ranges: ['127.0.0.1/32'] } };
    expect(fromItem(toItem(own))).toEqual(own);
    expect(toItem(stripe).sources).toBeUndefined();
  });

  it('refuses an allowlist that would allow everyone or no one, or holds a range not as stored', () => {
    const published = { list: 'github', ranges: ['192.30.252.0/22'], fetchedAtMs: createdAtMs };
    const refused: [SourceAllowlist, RegExp][] = [
      [{ ranges: [] }, /sources must hold at least one range: leave it out to allow any address/],
      [
        { ranges: [], published: { ...published, ranges: [] } },
        /sources\.published\.ranges must not be empty: an empty list never allows everyone/,
      ],
      [{ ranges: ['0.0.0.0/0'] }, /sources\.ranges: '0\.0\.0\.0\/0' is too wide/],
      [{ ranges: ['::/0'] }, /sources\.ranges: '::\/0' is too wide/],
      [{ ranges: ['10.0.0.7/8'] }, /host bits set: did you mean 10\.0\.0\.0\/8\?/],
      [{ ranges: ['203.0.113.7'] }, /'203\.0\.113\.7' must be written 203\.0\.113\.7\/32/],
      [{ ranges: ['not-an-ip'] }, /'not-an-ip' is not an IPv4 or IPv6 address/],
      [{ ranges: [], published: { ...published, list: 'GitHub!' } }, /sources\.published\.list/],
      [
        { ranges: [], published: { ...published, ranges: ['0.0.0.0/0'] } },
        /sources\.published\.ranges: '0\.0\.0\.0\/0' is too wide/,
      ],
    ];
    for (const [sources, problem] of refused) {
      expect(() => toItem({ ...stripe, sources })).toThrow(InvalidProviderConfigError);
      expect(() => toItem({ ...stripe, sources })).toThrow(problem);
    }
  });

  it('reads a stored allowlist that breaks a rule as a MalformedProviderItemError', () => {
    const withSources = (sources: RegistryItem[string]) => ({ ...toItem(stripe), sources });
    const published = (ranges: RegistryItem[string]) => ({
      M: { list: { S: 'github' }, ranges, fetchedAt: { S: '2099-03-01T12:00:00.000Z' } },
    });
    const malformed: [RegistryItem[string], RegExp][] = [
      [{ M: { ranges: { L: [{ S: '10.0.0.7/8' }] } } }, /host bits set/],
      [{ M: { ranges: { L: [{ S: '0.0.0.0/0' }] } } }, /too wide/],
      [{ M: { ranges: { L: [{ S: 'not-an-ip' }] } } }, /not an IPv4 or IPv6 address/],
      [{ M: { ranges: { L: [{ N: '1' }] } } }, /sources\.ranges\[0\] must be a string/],
      [{ M: { ranges: { L: [] } } }, /at least one range/],
      [{ M: {} }, /sources\.ranges must be a list/],
      [{ S: '127.0.0.1/32' }, /sources must be a map/],
      [
        { M: { ranges: { L: [] }, published: published({ L: [] }) } },
        /an empty list never allows everyone/,
      ],
      [
        { M: { ranges: { L: [] }, published: published({ L: [{ S: '::/0' }] }) } },
        /sources\.published\.ranges: '::\/0' is too wide/,
      ],
    ];
    for (const [sources, problem] of malformed) {
      expect(() => fromItem(withSources(sources))).toThrow(MalformedProviderItemError);
      expect(() => fromItem(withSources(sources))).toThrow(problem);
    }
  });

  it('reads an item with a wrong attribute type as a typed error naming it', () => {
    const item = { ...toItem(stripe), enabled: { S: 'yes' } };
    expect(() => fromItem(item)).toThrow(MalformedProviderItemError);
    expect(() => fromItem(item)).toThrow(/enabled must be a boolean/);
  });

  it('reads an item whose options the scheme no longer takes as a typed error', () => {
    const item = { ...toItem(stripe), scheme: { S: 'github' }, options: { M: { x: { S: '1' } } } };
    expect(() => fromItem(item)).toThrow(/unknown option 'x'/);
  });

  it('reads any item as a configuration or a MalformedProviderItemError, never a crash', () => {
    const value = fc.letrec<{ attribute: RegistryItem[string] }>((tie) => ({
      attribute: fc.oneof(
        { depthSize: 'small' },
        fc.record({ S: fc.string() }),
        fc.record({ N: fc.oneof(fc.string(), fc.integer().map(String)) }),
        fc.record({ BOOL: fc.boolean() }),
        fc.record({ B: fc.uint8Array() }),
        fc.record({ L: fc.array(tie('attribute'), { maxLength: 3 }) }),
        fc.record({ M: fc.dictionary(fc.string(), tie('attribute'), { maxKeys: 3 }) }),
      ),
    })).attribute;
    const names = fc.constantFrom(...Object.keys(toItem(stripe)), 'toleranceSeconds', 'sources');
    fc.assert(
      fc.property(fc.dictionary(names, value), (changes) => {
        try {
          fromItem({ ...toItem(stripe), ...changes });
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedProviderItemError);
        }
      }),
    );
  });
});

describe('rotatedKeys', () => {
  const rotation = fc.record({
    keys: fc.uniqueArray(anyKey, { selector: (k) => k.version, maxLength: 5 }),
    nowMs: anyTime,
    graceMs: fc.integer({ min: 0, max: 30 * 86_400_000 }),
  });
  const newKey = { kind: 'secret' as const, ciphertext: new Uint8Array([9]) };

  it('adds the new key as a version above every earlier one, with no end', () => {
    fc.assert(
      fc.property(rotation, ({ keys, nowMs, graceMs }) => {
        const next = rotatedKeys(keys, newKey, nowMs, graceMs);
        const added = next.at(-1);
        expect(added?.notAfterMs).toBeUndefined();
        for (const old of keys) expect(added?.version).toBeGreaterThan(old.version);
      }),
    );
  });

  it('keeps an old key only while valid, and never past the grace', () => {
    fc.assert(
      fc.property(rotation, ({ keys, nowMs, graceMs }) => {
        for (const old of rotatedKeys(keys, newKey, nowMs, graceMs).slice(0, -1)) {
          expect(old.notAfterMs).toBeGreaterThan(nowMs);
          expect(old.notAfterMs).toBeLessThanOrEqual(nowMs + graceMs);
        }
      }),
    );
  });

  it('with no grace, leaves only the new key', () => {
    expect(rotatedKeys([key(1), key(2)], newKey, createdAtMs, 0)).toEqual([
      { version: 3, kind: 'secret', ciphertext: newKey.ciphertext, createdAtMs },
    ]);
  });
});
