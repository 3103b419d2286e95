import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/io.ts';
import {
  groupHeaders,
  keyFromFile,
  parseCaseLine,
  parseHeaderFlag,
  parseOptionFlags,
  parseSeconds,
} from '../../cli/parse.ts';

describe('parseHeaderFlag', () => {
  it('splits at the first colon and trims the value', () => {
    expect(parseHeaderFlag('X-Hub-Signature-256:  sha256=ab  ')).toEqual([
      'X-Hub-Signature-256',
      'sha256=ab',
    ]);
  });

  it('keeps later colons in the value', () => {
    expect(parseHeaderFlag('X-Url: https://example.com:8443/a')).toEqual([
      'X-Url',
      'https://example.com:8443/a',
    ]);
  });

  it('allows an empty value', () => {
    expect(parseHeaderFlag('X-Empty:')).toEqual(['X-Empty', '']);
  });

  it.each([
    ['no colon', 'X-Hub-Signature-256 sha256=ab', /no colon/],
    ['an empty name', ': value', /not a valid header name/],
    ['a space in the name', 'X Hub: value', /not a valid header name/],
    ['a space before the colon', 'X-Hub : value', /not a valid header name/],
  ])('refuses a header with %s', (_, text, message) => {
    expect(() => parseHeaderFlag(text)).toThrow(UsageError);
    expect(() => parseHeaderFlag(text)).toThrow(message);
  });

  it('does not quote the value when refusing', () => {
    expect(() => parseHeaderFlag('sha256=deadbeef')).not.toThrow(/deadbeef/);
  });
});

describe('groupHeaders', () => {
  it('keeps repeated names in order, ignoring letter case, under the first spelling', () => {
    expect(
      groupHeaders([
        ['Stripe-Signature', 't=1'],
        ['X-Other', 'x'],
        ['stripe-signature', 'v1=ab'],
      ]),
    ).toEqual({ 'Stripe-Signature': ['t=1', 'v1=ab'], 'X-Other': ['x'] });
  });

  it('treats a header named __proto__ as an ordinary header', () => {
    const headers = groupHeaders([['__proto__', 'x']]);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.entries(headers)).toEqual([['__proto__', ['x']]]);
  });
});

describe('parseOptionFlags', () => {
  it('splits each pair at the first equals sign', () => {
    expect(parseOptionFlags(['allowSha1=true', 'path=a=b', 'empty='])).toEqual({
      allowSha1: 'true',
      path: 'a=b',
      empty: '',
    });
  });

  it.each([
    ['no equals sign', ['allowSha1'], /key=value/],
    ['an empty key', ['=true'], /key=value/],
    ['a key given twice', ['a=1', 'a=2'], /'a' is given twice/],
  ])('refuses %s', (_, texts, message) => {
    expect(() => parseOptionFlags(texts)).toThrow(message);
  });
});

describe('parseSeconds', () => {
  it('reads whole seconds', () => {
    expect(parseSeconds('1700000000', '--now')).toBe(1_700_000_000);
    expect(parseSeconds('0', '--tolerance')).toBe(0);
  });

  it.each(['', '-1', '1.5', '1e3', ' 1', 'abc', '99999999999999999999'])(
    "refuses '%s', naming the flag",
    (text) => {
      expect(() => parseSeconds(text, '--now')).toThrow(/--now must be a whole number/);
    },
  );
});

describe('keyFromFile', () => {
  it.each([
    ['no newline', 'whsec_abc', 'whsec_abc'],
    ['one trailing newline', 'whsec_abc\n', 'whsec_abc'],
    ['a trailing CRLF', 'whsec_abc\r\n', 'whsec_abc'],
    ['two trailing newlines (only one dropped)', 'whsec_abc\n\n', 'whsec_abc\n'],
    ['trailing spaces (kept)', 'whsec_abc  ', 'whsec_abc  '],
  ])('reads a key with %s', (_, content, key) => {
    expect(keyFromFile(Buffer.from(content))).toBe(key);
  });

  it('keeps the inner newlines of a PEM key', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n';
    expect(keyFromFile(Buffer.from(pem))).toBe(pem.slice(0, -1));
  });
});

describe('parseCaseLine', () => {
  const minimal = { scheme: 'github', headers: {}, body: '' };
  const line = (fields: Record<string, unknown>) => JSON.stringify({ ...minimal, ...fields });

  it('reads every field', () => {
    const job = parseCaseLine(
      line({
        secrets: ['s1', 's2'],
        publicKeys: ['p1'],
        headers: { 'X-One': 'a', 'X-Two': ['b', 'c'] },
        body: Buffer.from('Hello').toString('base64'),
        url: 'https://hooks.example.com/in',
        method: 'PUT',
        now: 1_700_000_000,
        options: { allowSha1: 'true' },
        tolerance: 60,
      }),
    );
    expect(job).toEqual({
      scheme: 'github',
      secrets: [{ value: 's1' }, { value: 's2' }],
      publicKeys: [{ value: 'p1' }],
      headers: { 'X-One': ['a'], 'X-Two': ['b', 'c'] },
      body: Buffer.from('Hello'),
      url: 'https://hooks.example.com/in',
      method: 'PUT',
      now: 1_700_000_000,
      options: { allowSha1: 'true' },
      tolerance: 60,
    });
  });

  it('leaves optional fields unset', () => {
    expect(parseCaseLine(line({}))).toEqual({
      scheme: 'github',
      secrets: [],
      publicKeys: [],
      headers: {},
      body: Buffer.alloc(0),
      url: undefined,
      method: undefined,
      now: undefined,
      options: {},
      tolerance: undefined,
    });
  });

  it('reads headers given as [name, value] pairs, repeats included', () => {
    const job = parseCaseLine(
      line({
        headers: [
          ['Stripe-Signature', 't=1'],
          ['stripe-signature', 'v1=ab'],
        ],
      }),
    );
    expect(job.headers).toEqual({ 'Stripe-Signature': ['t=1', 'v1=ab'] });
  });

  it.each([
    ['text that is not JSON', '{"scheme":', /not valid JSON/],
    ['a JSON array', '[]', /must be a JSON object/],
    ['a JSON string', '"github"', /must be a JSON object/],
    ['an unknown field', line({ secret: 'x' }), /unknown field 'secret'/],
    ['no scheme', JSON.stringify({ headers: {}, body: '' }), /'scheme' must be a string/],
    ['no body', JSON.stringify({ scheme: 'github', headers: {} }), /'body' must be a base64/],
    ['a body that is not base64', line({ body: 'Hello, World!' }), /'body' must be a base64/],
    ['an unpadded base64 body', line({ body: 'SGk' }), /'body' must be a base64/],
    ['no headers', JSON.stringify({ scheme: 'github', body: '' }), /'headers' must be/],
    ['headers as a string', line({ headers: 'X: y' }), /'headers' must be/],
    ['a header pair of three', line({ headers: [['a', 'b', 'c']] }), /\[name, value\]/],
    ['a numeric header value', line({ headers: { 'X-A': 1 } }), /header 'X-A' must be/],
    ['a bad header name', line({ headers: { 'X A': 'b' } }), /not a valid header name/],
    ['secrets as a string', line({ secrets: 's' }), /'secrets' must be an array/],
    ['a numeric public key', line({ publicKeys: [1] }), /'publicKeys' must be an array/],
    ['a numeric option', line({ options: { a: 1 } }), /'options' must be an object/],
    ['a numeric url', line({ url: 1 }), /'url' must be a string/],
    ['a numeric method', line({ method: 1 }), /'method' must be a string/],
    ['a textual now', line({ now: '1700000000' }), /'now' must be a whole/],
    ['a fractional now', line({ now: 1.5 }), /'now' must be a whole/],
    ['a negative tolerance', line({ tolerance: -1 }), /'tolerance' must be a whole/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseCaseLine(text)).toThrow(UsageError);
    expect(() => parseCaseLine(text)).toThrow(message);
  });

  it('does not quote the line when it is not JSON', () => {
    expect(() => parseCaseLine('{"secrets":["whsec_do_not_print"]')).not.toThrow(
      /whsec_do_not_print/,
    );
  });
});
