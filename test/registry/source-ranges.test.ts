/**
 * A provider's source allowlist ranges (functions/registry/source-ranges.ts): what is read as a
 * range and in which canonical spelling, what is refused and why, and the matcher the ingest
 * path asks about each delivery's source address.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRanges,
  maxSourceRanges,
  minimumPrefix,
  parseSourceRange,
  sourceMatcher,
  sourceRangeProblems,
} from '../../functions/registry/source-ranges.ts';

const problemOf = (text: string) => {
  const parsed = parseSourceRange(text);
  if (parsed.ok) throw new Error(`'${text}' was read as ${parsed.range}`);
  return parsed.problem;
};

describe('parseSourceRange', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24', 'ipv4'],
    ['203.0.113.7', '203.0.113.7/32', 'ipv4'],
    [' 192.30.252.0/22 ', '192.30.252.0/22', 'ipv4'],
    ['10.0.0.0/8', '10.0.0.0/8', 'ipv4'],
    ['2001:DB8::/32', '2001:db8::/32', 'ipv6'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', '2001:db8::/32', 'ipv6'],
    ['2a0a:a440::/29', '2a0a:a440::/29', 'ipv6'],
    ['::1', '::1/128', 'ipv6'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128', 'ipv6'],
    ['2001:db8::203.0.113.7', '2001:db8::cb00:7107/128', 'ipv6'],
  ])('reads %j as %s (%s)', (text, range, family) => {
    expect(parseSourceRange(text)).toEqual({ ok: true, range, family });
  });

  it.each(['not-an-ip', '', '203.0.113', '203.0.113.256/24', '203.0.113.0/24/1', 'fe80::1%eth0'])(
    'refuses %j as no address or range',
    (text) => {
      expect(problemOf(text)).toBe(`'${text}' is not an IPv4 or IPv6 address or CIDR range`);
    },
  );

  it.each([
    ['203.0.113.0/33', 32],
    ['203.0.113.0/', 32],
    ['203.0.113.0/-1', 32],
    ['203.0.113.0/+8', 32],
    ['2001:db8::/129', 128],
  ])('refuses the prefix of %j', (text, width) => {
    expect(problemOf(text)).toBe(`'${text}': the prefix length must be 0 to ${width}`);
  });

  it('refuses 0.0.0.0/0, ::/0 and anything wider than /8 (IPv4) or /24 (IPv6): a list must restrict', () => {
    expect(minimumPrefix).toEqual({ ipv4: 8, ipv6: 24 });
    expect(problemOf('0.0.0.0/0')).toBe(
      "'0.0.0.0/0' is too wide: an allowlist must restrict, so IPv4 ranges must be /8 or narrower",
    );
    expect(problemOf('::/0')).toBe(
      "'::/0' is too wide: an allowlist must restrict, so IPv6 ranges must be /24 or narrower",
    );
    expect(problemOf('128.0.0.0/7')).toContain('too wide');
    expect(problemOf('2000::/23')).toContain('too wide');
    expect(parseSourceRange('2001:d00::/24')).toMatchObject({ ok: true });
  });

  it('refuses a range with host bits set, naming the network meant', () => {
    expect(problemOf('10.0.0.7/8')).toBe(
      "'10.0.0.7/8' has host bits set: did you mean 10.0.0.0/8?",
    );
    expect(problemOf('2001:db8::1/64')).toBe(
      "'2001:db8::1/64' has host bits set: did you mean 2001:db8::/64?",
    );
  });

  it('refuses IPv4-mapped IPv6 ranges, and IPv6 ranges that hold them, which would allow IPv4 senders', () => {
    expect(problemOf('::ffff:203.0.113.0/120')).toBe(
      "'::ffff:203.0.113.0/120' is an IPv4-mapped IPv6 range: write the IPv4 range",
    );
    expect(problemOf('::ffff:0:0/96')).toContain('IPv4-mapped IPv6 range');
    for (const text of ['::/24', '::/80', '::ffff:0:0/95', '::fffe:0:0/95']) {
      expect(problemOf(text)).toBe(
        `'${text}' covers the IPv4-mapped range ::ffff:0:0/96, so it would allow every IPv4 address: write IPv4 ranges as IPv4`,
      );
    }
    // Beside it, not around it: allowed.
    expect(parseSourceRange('::/96')).toMatchObject({ ok: true, range: '::/96' });
    expect(parseSourceRange('64:ff9b::/96')).toMatchObject({ ok: true });
  });
});

describe('canonicalRanges and sourceRangeProblems', () => {
  it('sorts IPv4 before IPv6, by address, wider first, without repeats', () => {
    expect(
      canonicalRanges([
        '2001:db8::/32',
        '203.0.113.7',
        '198.51.100.0/24',
        '203.0.113.0/24',
        '2001:DB8::/32',
        '198.51.100.0/24',
      ]),
    ).toEqual({
      ranges: ['198.51.100.0/24', '203.0.113.0/24', '203.0.113.7/32', '2001:db8::/32'],
    });
    expect(canonicalRanges([])).toEqual({ ranges: [] });
  });

  it('gives every problem, not the first only', () => {
    expect(canonicalRanges(['0.0.0.0/0', '203.0.113.0/24', 'not-an-ip'])).toEqual({
      problems: [
        "'0.0.0.0/0' is too wide: an allowlist must restrict, so IPv4 ranges must be /8 or narrower",
        "'not-an-ip' is not an IPv4 or IPv6 address or CIDR range",
      ],
    });
  });

  it(`refuses more than ${maxSourceRanges} ranges`, () => {
    const many = Array.from({ length: maxSourceRanges + 1 }, (_, index) => {
      return `10.${index >> 8}.${index & 255}.0/24`;
    });
    expect(canonicalRanges(many)).toEqual({
      problems: [`at most ${maxSourceRanges} ranges, got ${maxSourceRanges + 1}`],
    });
    expect(canonicalRanges(many.slice(1))).toMatchObject({ ranges: expect.any(Array) });
  });

  it('finds a stored range that is not in canonical form, as a stored item must be', () => {
    expect(sourceRangeProblems(['203.0.113.0/24', '2001:db8::/32'])).toEqual([]);
    expect(
      sourceRangeProblems(['203.0.113.7', '2001:DB8::/32', '10.0.0.7/8'], 'sources.ranges'),
    ).toEqual([
      "sources.ranges: '203.0.113.7' must be written 203.0.113.7/32",
      "sources.ranges: '2001:DB8::/32' must be written 2001:db8::/32",
      "sources.ranges: '10.0.0.7/8' has host bits set: did you mean 10.0.0.0/8?",
    ]);
    expect(sourceRangeProblems([42 as unknown as string])).toEqual([
      'sources: every range must be text',
    ]);
  });
});

describe('sourceMatcher', () => {
  const matcher = sourceMatcher(['127.0.0.1/32', '203.0.113.0/24', '2001:db8::/32', '::1/128']);

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['203.0.113.0', true],
    ['203.0.113.255', true],
    ['203.0.114.0', false],
    ['2001:db8::1', true],
    ['2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db9::', false],
    ['::1', true],
    ['::2', false],
  ])('%s: %s', (address, allowed) => {
    expect(matcher.allows(address)).toBe(allowed);
  });

  it('matches an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(matcher.allows('::ffff:203.0.113.7')).toBe(true);
    expect(matcher.allows('::FFFF:203.0.113.7')).toBe(true);
    expect(matcher.allows('::ffff:cb00:7107')).toBe(true);
    expect(matcher.allows('::ffff:198.51.100.7')).toBe(false);
    expect(matcher.allows('::ffff:127.0.0.2')).toBe(false);
  });

  it('allows nothing that is not an IP address', () => {
    for (const text of [
      '',
      'localhost',
      '203.0.113.7/32',
      '203.0.113.7, 10.0.0.1',
      'fe80::1%eth0',
    ]) {
      expect(matcher.allows(text)).toBe(false);
    }
  });

  it('allows nothing from an empty list', () => {
    expect(sourceMatcher([]).allows('203.0.113.7')).toBe(false);
    expect(sourceMatcher([]).allows('2001:db8::1')).toBe(false);
  });

  it('lets no IPv6 range allow an IPv4 sender', () => {
    const ipv6Only = sourceMatcher(['::/96', '64:ff9b::/96', '2001:db8::/32']);
    fc.assert(fc.property(fc.ipV4(), (address) => !ipv6Only.allows(address)));
  });

  /** A valid range (IPv6 uncompressed, as a sender may write it), its first and last address. */
  const ipv4Range = fc
    .tuple(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: minimumPrefix.ipv4, max: 32 }),
    )
    .map(([value, prefix]) => {
      const size = 2 ** (32 - prefix);
      const first = Math.floor(value / size) * size;
      return {
        range: `${ipv4(first)}/${prefix}`,
        first: BigInt(first),
        last: BigInt(first + size - 1),
      };
    });
  const ipv6Range = fc
    .tuple(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), fc.integer({ min: 97, max: 128 }))
    .map(([value, prefix]) => {
      // Kept out of ::ffff:0:0/96 and of the IPv4-mapped neighbourhood, which parse refuses.
      const high = value | (1n << 127n);
      const size = 1n << BigInt(128 - prefix);
      const first = (high / size) * size;
      return { range: `${ipv6(first)}/${prefix}`, first, last: first + size - 1n };
    });

  it('allows every address inside a parsed range, and neither address just outside it', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Range, ipv6Range), fc.bigInt({ min: 0n }), (given, offset) => {
        const parsed = parseSourceRange(given.range);
        if (!parsed.ok) throw new Error(parsed.problem);
        const matcher = sourceMatcher([parsed.range]);
        const family = given.range.includes(':') ? 'ipv6' : 'ipv4';
        const text = family === 'ipv4' ? (v: bigint) => ipv4(Number(v)) : ipv6;
        const max = family === 'ipv4' ? 2n ** 32n - 1n : 2n ** 128n - 1n;
        const inside = given.first + (offset % (given.last - given.first + 1n));
        expect(matcher.allows(text(given.first))).toBe(true);
        expect(matcher.allows(text(given.last))).toBe(true);
        expect(matcher.allows(text(inside))).toBe(true);
        if (given.last < max) expect(matcher.allows(text(given.last + 1n))).toBe(false);
        if (given.first > 0n) expect(matcher.allows(text(given.first - 1n))).toBe(false);
      }),
    );
  });

  it('reads any text as a range or a problem, never a crash, and a range again as itself', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()),
        fc.nat(140),
        (address, prefix) => {
          for (const text of [address, `${address}/${prefix}`]) {
            const parsed = parseSourceRange(text);
            if (parsed.ok) expect(parseSourceRange(parsed.range)).toEqual(parsed);
            else expect(parsed.problem).toContain(`'${text}'`);
          }
        },
      ),
    );
  });
});

function ipv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** Uncompressed: what the matcher reads is any spelling, not the canonical one. */
function ipv6(value: bigint): string {
  return Array.from({ length: 8 }, (_, index) =>
    ((value >> BigInt(112 - index * 16)) & 0xffffn).toString(16),
  ).join(':');
}
