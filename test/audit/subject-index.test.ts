/**
 * The subject index's pure core: where a verified JSON body names its data subject, and the
 * keyed hash that is stored instead of the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readSubjectValue,
  subjectHashOf,
  subjectHashPattern,
  subjectHashVersion,
} from '../../functions/audit/subject-index.ts';

const body = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const secret = Buffer.from(Array.from({ length: 32 }, (_, index) => index));

describe('readSubjectValue', () => {
  it('reads a string at a dotted path', () => {
    const event = { data: { object: { customer: 'cus_9s6XKzkNRiz8i3', amount: 100 } } };
    expect(readSubjectValue(body(event), 'data.object.customer')).toBe('cus_9s6XKzkNRiz8i3');
  });

  it('keeps the value exactly: no case folding, no trimming', () => {
    expect(readSubjectValue(body({ email: ' Ada@Example.com' }), 'email')).toBe(' Ada@Example.com');
  });

  it('reads a number as JavaScript writes it', () => {
    expect(readSubjectValue(Buffer.from('{"account":{"id":1.50}}'), 'account.id')).toBe('1.5');
    expect(readSubjectValue(body({ id: 42 }), 'id')).toBe('42');
  });

  it('reads no integer beyond 2^53, which JSON.parse cannot read exactly', () => {
    expect(readSubjectValue(Buffer.from('{"id":12345678901234567890}'), 'id')).toBeUndefined();
  });

  it('walks arrays by decimal index', () => {
    const event = { line_items: [{ email: 'a@example.com' }, { email: 'b@example.com' }] };
    expect(readSubjectValue(body(event), 'line_items.1.email')).toBe('b@example.com');
    expect(readSubjectValue(body(event), 'line_items.01.email')).toBeUndefined();
    expect(readSubjectValue(body(event), 'line_items.2.email')).toBeUndefined();
  });

  it.each([
    ['a missing field', { data: {} }, 'data.customer'],
    ['an object', { customer: { id: 'cus_1' } }, 'customer'],
    ['a boolean', { customer: true }, 'customer'],
    ['null', { customer: null }, 'customer'],
    ['an empty string', { customer: '' }, 'customer'],
    ['a path through a string', { customer: 'cus_1' }, 'customer.id'],
    ["an inherited field (Object.prototype's constructor)", {}, 'constructor'],
  ])('reads nothing from %s', (_, event, path) => {
    expect(readSubjectValue(body(event), path)).toBeUndefined();
  });

  it('reads nothing from a body that is not JSON, or not UTF-8', () => {
    expect(readSubjectValue(Buffer.from('customer=cus_1'), 'customer')).toBeUndefined();
    expect(readSubjectValue(Buffer.from([0x7b, 0xff, 0x7d]), 'customer')).toBeUndefined();
  });
});

describe('subjectHashOf', () => {
  it('is HMAC-SHA256 of `<providerId>\\0<value>` under the secret (known answer)', () => {
    // python3: hmac.new(bytes(range(32)), b'shop\x00cus_9s6XKzkNRiz8i3', hashlib.sha256).hexdigest()
    expect(subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3')).toBe(
      '600c87f24d867d7c8832e8f61aef34fa81dc01827f5026431ebf70ecc8303edd',
    );
  });

  it('gives one value under two providers two unrelated hashes', () => {
    expect(subjectHashOf(secret, 'other', 'cus_9s6XKzkNRiz8i3')).toBe(
      '5596607e1325731cf8090650980585f3cef9442352221eca6d91fdeba9e9e57a',
    );
  });

  it('depends on the secret: without it the hash of a guessed value cannot be made', () => {
    const other = Buffer.alloc(32, 7);
    expect(subjectHashOf(other, 'shop', 'cus_9s6XKzkNRiz8i3')).not.toBe(
      subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3'),
    );
  });

  it('never gives two (provider, value) pairs the same hash', () => {
    const providerId = fc.stringMatching(/^[a-z0-9](?:[a-z0-9_-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(providerId, fc.string(), providerId, fc.string(), (p1, v1, p2, v2) => {
        fc.pre(p1 !== p2 || v1 !== v2);
        expect(subjectHashOf(secret, p1, v1)).not.toBe(subjectHashOf(secret, p2, v2));
      }),
    );
  });
});

describe('a subject hash names the version of the secret that made it', () => {
  const bare = '600c87f24d867d7c8832e8f61aef34fa81dc01827f5026431ebf70ecc8303edd';

  it('leaves the first version bare, as every hash from before rotations is', () => {
    expect(subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3', 1)).toBe(bare);
    expect(subjectHashVersion(bare)).toBe(1);
  });

  it('tags a later version with `v<n>:`, over the same HMAC', () => {
    expect(subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3', 2)).toBe(`v2:${bare}`);
    expect(subjectHashVersion(`v2:${bare}`)).toBe(2);
    expect(subjectHashVersion(`v12:${bare}`)).toBe(12);
  });

  it('reads nothing else as a subject hash, and makes none under no version', () => {
    for (const text of [
      `v1:${bare}`,
      `v0:${bare}`,
      `v02:${bare}`,
      `${bare}0`,
      bare.toUpperCase(),
    ]) {
      expect(subjectHashPattern.test(text)).toBe(false);
      expect(subjectHashVersion(text)).toBeUndefined();
    }
    expect(() => subjectHashOf(secret, 'shop', 'x', 0)).toThrow(RangeError);
    expect(() => subjectHashOf(secret, 'shop', 'x', 1.5)).toThrow(RangeError);
  });
});
