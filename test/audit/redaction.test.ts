import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type RedactedPayload,
  redactionMarker,
  redactPayload,
} from '../../functions/audit/redaction.ts';
import type { RedactionAction, RedactionRule } from '../../functions/registry/provider.ts';

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const bytes = (text: string) => new TextEncoder().encode(text);
const mask = (path: string): RedactionRule => ({ path, action: 'mask' });
const drop = (path: string): RedactionRule => ({ path, action: 'drop' });

/** The kept copy as text; fails the test when the copy was withheld. */
function keptText(result: RedactedPayload): string {
  if (!result.kept) throw new Error(`copy withheld: ${result.reason}`);
  return new TextDecoder().decode(result.bytes);
}

function redactJsonText(document: string, rules: readonly RedactionRule[]) {
  const result = redactPayload(bytes(document), rules, json);
  return { text: keptText(result), redactedFields: result.kept ? result.redactedFields : -1 };
}

describe('redactPayload on JSON', () => {
  it('masks a field at depth, keeping the rest of the text as received, spacing included', () => {
    const body = '{ "data": { "object": { "customer_email": "ann@example.com", "amount": 100 } } }';
    expect(redactJsonText(body, [mask('data.object.customer_email')])).toEqual({
      text: '{ "data": { "object": { "customer_email": "[redacted]", "amount": 100 } } }',
      redactedFields: 1,
    });
  });

  it('masks values of any type with the same marker, keeping no length or hash', () => {
    const body = '{"a":{"pan":"4242424242424242"},"b":1234,"c":null,"d":[1,2],"e":true}';
    const rules = ['a', 'b', 'c', 'd', 'e'].map(mask);
    expect(redactJsonText(body, rules)).toEqual({
      text: '{"a":"[redacted]","b":"[redacted]","c":"[redacted]","d":"[redacted]","e":"[redacted]"}',
      redactedFields: 5,
    });
  });

  it('drops a field at depth, removing its key', () => {
    const body = '{"data":{"object":{"customer_email":"ann@example.com","amount":100}}}';
    expect(redactJsonText(body, [drop('data.object.customer_email')]).text).toBe(
      '{"data":{"object":{"amount":100}}}',
    );
  });

  it('applies a wildcard to every element of an array', () => {
    const body = '{"events":[{"card":"4242","id":1},{"id":2},{"card":"5555","id":3}]}';
    expect(redactJsonText(body, [mask('events.*.card')])).toEqual({
      text: '{"events":[{"card":"[redacted]","id":1},{"id":2},{"card":"[redacted]","id":3}]}',
      redactedFields: 2,
    });
  });

  it('applies a wildcard to every field of an object', () => {
    const body = '{"users":{"u1":{"email":"a@x.io","n":1},"u2":{"email":"b@x.io"}}}';
    expect(redactJsonText(body, [drop('users.*.email')]).text).toBe(
      '{"users":{"u1":{"n":1},"u2":{}}}',
    );
  });

  it('applies a wildcard at the top level, to an array body too', () => {
    expect(redactJsonText('{"a":1,"b":{"c":2}}', [mask('*')]).text).toBe(
      '{"a":"[redacted]","b":"[redacted]"}',
    );
    expect(redactJsonText('[{"email":"a"},{"email":"b"}]', [mask('*.email')]).text).toBe(
      '[{"email":"[redacted]"},{"email":"[redacted]"}]',
    );
  });

  it('replaces a dropped array element with null so later elements keep their index', () => {
    expect(redactJsonText('{"items":["a","b","c"]}', [drop('items.1')])).toEqual({
      text: '{"items":["a",null,"c"]}',
      redactedFields: 1,
    });
    expect(redactJsonText('{"items":["a","b"]}', [drop('items.*')]).text).toBe(
      '{"items":[null,null]}',
    );
  });

  it('names array elements by their index in decimal only', () => {
    const body = '{"items":["a","b"]}';
    expect(redactJsonText(body, [mask('items.0')]).text).toBe('{"items":["[redacted]","b"]}');
    expect(redactJsonText(body, [mask('items.01'), mask('items.2')])).toEqual({
      text: body,
      redactedFields: 0,
    });
  });

  it('keeps the document byte for byte when no rule matches', () => {
    expect(redactJsonText('{ "a": [1, {"b": "x"}] }', [mask('a.1.c'), drop('z')])).toEqual({
      text: '{ "a": [1, {"b": "x"}] }',
      redactedFields: 0,
    });
  });

  it('matches field names exactly, case included', () => {
    expect(redactJsonText('{"Email":"a@x.io"}', [mask('email')]).text).toBe('{"Email":"a@x.io"}');
  });

  it('matches nothing where a path runs into a value that is not an object or array', () => {
    expect(redactJsonText('{"a":"text","b":null}', [mask('a.b'), mask('b.c')]).redactedFields).toBe(
      0,
    );
  });

  it('lets drop win over mask for one field, whatever the rules order', () => {
    const body = '{"a":{"b":1},"c":2}';
    const rules = [mask('a'), drop('a'), drop('*'), mask('c')];
    const expected = { text: '{}', redactedFields: 2 };
    expect(redactJsonText(body, rules)).toEqual(expected);
    expect(redactJsonText(body, rules.toReversed())).toEqual(expected);
  });

  it('redacts a field once when another rule reaches inside it', () => {
    expect(redactJsonText('{"a":{"b":{"c":1}}}', [drop('a.b.c'), mask('a.b')])).toEqual({
      text: '{"a":{"b":"[redacted]"}}',
      redactedFields: 1,
    });
  });

  it('redacts every occurrence of a duplicate key, so none carries a field past a rule', () => {
    expect(redactJsonText('{"a":{"email":"ann@example.com"},"a":1}', [mask('a.email')])).toEqual({
      text: '{"a":{"email":"[redacted]"},"a":1}',
      redactedFields: 1,
    });
    expect(
      redactJsonText('{"email":"ann@x.io","id":1,"email":"bob@x.io"}', [drop('email')]),
    ).toEqual({ text: '{"id":1}', redactedFields: 2 });
    expect(redactJsonText('{"a":{"b":1,"b":2}}', [mask('a.b')]).text).toBe(
      '{"a":{"b":"[redacted]","b":"[redacted]"}}',
    );
  });

  it('keeps text beyond ASCII and escapes lone surrogates', () => {
    expect(redactJsonText('{"name":"Zoë 名前","x":"\\ud800","p":1}', [drop('p')]).text).toBe(
      '{"name":"Zoë 名前","x":"\\ud800"}',
    );
  });

  it('reads a body with a UTF-8 byte-order mark', () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"a":1}')]);
    expect(keptText(redactPayload(body, [mask('a')], json))).toBe('{"a":"[redacted]"}');
  });

  it('reads JSON by its media type, a +json suffix, or by its first character', () => {
    const body = bytes('{"email":"a@x.io"}');
    const expected = '{"email":"[redacted]"}';
    for (const contentType of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.api+json',
      'text/plain; charset=UTF-8', // AWS SNS posts JSON as text/plain
      undefined,
    ]) {
      expect(keptText(redactPayload(body, [mask('email')], contentType))).toBe(expected);
    }
  });
});

describe('redactPayload keeps no prototype a body could pollute', () => {
  it('masks and drops an own __proto__ field like any other', () => {
    const body = '{"__proto__":{"isAdmin":true},"constructor":{"prototype":1}}';
    expect(redactJsonText(body, [mask('__proto__.isAdmin'), mask('constructor')]).text).toBe(
      '{"__proto__":{"isAdmin":"[redacted]"},"constructor":"[redacted]"}',
    );
    expect(redactJsonText(body, [mask('__proto__')]).text).toBe(
      '{"__proto__":"[redacted]","constructor":{"prototype":1}}',
    );
    expect(redactJsonText(body, [drop('*')]).text).toBe('{}');
    expect(Object.hasOwn(Object.prototype, 'isAdmin')).toBe(false);
  });

  it('never follows an inherited __proto__ or constructor to Object.prototype', () => {
    const before = Object.getOwnPropertyDescriptors(Object.prototype);
    const rules = [
      mask('__proto__.toString'),
      drop('__proto__.hasOwnProperty'),
      mask('constructor.prototype.toString'),
      drop('a.__proto__.toString'),
      mask('a.toString'),
    ];
    expect(redactJsonText('{"a":{}}', rules)).toEqual({ text: '{"a":{}}', redactedFields: 0 });
    expect(Object.getOwnPropertyDescriptors(Object.prototype)).toEqual(before);
  });
});

describe('redactPayload on form bodies', () => {
  const twilio =
    'AccountSid=AC123&From=%2B14155550100&To=%2B14155550199&Body=Hello+there%21&NumMedia=0';

  it('treats each parameter as a top-level field and keeps untouched pairs byte for byte', () => {
    const result = redactPayload(bytes(twilio), [mask('From'), drop('Body')], form);
    expect(keptText(result)).toBe(
      'AccountSid=AC123&From=%5Bredacted%5D&To=%2B14155550199&NumMedia=0',
    );
    expect(result).toMatchObject({ redactedFields: 2 });
  });

  it('masks or drops every parameter with *', () => {
    expect(keptText(redactPayload(bytes('a=1&b=2'), [mask('*')], form))).toBe(
      'a=%5Bredacted%5D&b=%5Bredacted%5D',
    );
    expect(keptText(redactPayload(bytes(twilio), [drop('*')], form))).toBe('');
  });

  it('redacts each occurrence of a repeated name, and a name without a value', () => {
    const result = redactPayload(bytes('tag=a&x=1&tag=b&flag'), [drop('tag'), mask('flag')], form);
    expect(keptText(result)).toBe('x=1&flag=%5Bredacted%5D');
    expect(result).toMatchObject({ redactedFields: 3 });
  });

  it('matches names after decoding them', () => {
    const body = bytes('user%5Fname=ann&e%6Dail=ann%40x.io&text=a+b');
    expect(keptText(redactPayload(body, [mask('email'), mask('user_name')], form))).toBe(
      'user%5Fname=%5Bredacted%5D&e%6Dail=%5Bredacted%5D&text=a+b',
    );
  });

  it('ignores rules of more than one segment: a parameter value is text', () => {
    const slack = 'payload=%7B%22user%22%3A%7B%22id%22%3A%22U1%22%7D%7D&token=t';
    expect(redactPayload(bytes(slack), [mask('payload.user.id')], form)).toEqual({
      kept: true,
      bytes: bytes(slack),
      redactedFields: 0,
    });
  });

  it.each([
    ['a stray percent sign', 'a=100%&b=1'],
    ['a percent escape that is not UTF-8', 'a=%FF&b=1'],
    ['raw whitespace', 'a=1\nemail=ann@x.io'],
    ['a semicolon, a pair separator to older parsers', 'a=1;email=ann@x.io'],
    ['a JSON body sent with the form media type', '{"email":"ann@x.io"}'],
  ])('withholds the copy of a form body with %s', (_, body) => {
    expect(redactPayload(bytes(body), [mask('email')], form)).toEqual({
      kept: false,
      reason: 'not_form',
    });
  });
});

describe('redactPayload on bodies it cannot read', () => {
  const notUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0x7d]);
  /** As deep as a body within maxBodySizeBytes can nest. */
  const deep = `${'['.repeat(90_000)}${']'.repeat(90_000)}`;

  it.each([
    ['invalid UTF-8', notUtf8, json, 'not_utf8'],
    [
      'a lone surrogate encoded in UTF-8',
      new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]),
      json,
      'not_utf8',
    ],
    ['unparseable JSON', bytes('{"email":"ann@x.io"'), json, 'not_json'],
    ['a form body declared as JSON', bytes('email=ann%40x.io'), json, 'not_json'],
    ['a JSON string at the top level', bytes('"ann@x.io"'), json, 'not_json'],
    ['a JSON number at the top level', bytes('42'), 'application/json', 'not_json'],
    ['JSON nested deeper than it can be written back', bytes(deep), json, 'too_deep'],
    ['plain text', bytes('email: ann@x.io'), 'text/plain', 'unsupported_media_type'],
    ['XML', bytes('<email>ann@x.io</email>'), 'application/xml', 'unsupported_media_type'],
    ['an empty body without a media type', bytes(''), undefined, 'unsupported_media_type'],
  ])('withholds the copy of %s when there are rules', (_, body, contentType, reason) => {
    expect(redactPayload(body, [mask('email')], contentType)).toEqual({ kept: false, reason });
  });

  it.each([
    ['invalid UTF-8', notUtf8, json],
    ['unparseable JSON', bytes('{"email":'), json],
    ['XML', bytes('<email>ann@x.io</email>'), 'application/xml'],
    ['JSON with spacing', bytes('{ "email" : "ann@x.io" }'), json],
  ])('keeps %s exactly as received when there are no rules', (_, body, contentType) => {
    expect(redactPayload(body, [], contentType)).toEqual({
      kept: true,
      bytes: body,
      redactedFields: 0,
    });
  });
});

/** Field names the registry accepts, with the ones that name Object.prototype's members. */
const fieldName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_$@-]{1,4}$/),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'email'),
);
const leafText = fc
  .oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
  )
  .map((value) => JSON.stringify(value));

/**
 * JSON text with objects and arrays at any depth, rendered by hand so that `__proto__` is
 * an ordinary key and no generator object is ever given a prototype.
 */
const { document: jsonDocument } = fc.letrec<{
  node: string;
  object: string;
  array: string;
  document: string;
}>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leafText,
    fc.constant('null'),
    tie('object'),
    tie('array'),
  ),
  object: fc
    .uniqueArray(fc.tuple(fieldName, tie('node')), { selector: ([name]) => name, maxLength: 5 })
    .map(
      (entries) =>
        `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`,
    ),
  array: fc.array(tie('node'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  document: fc.oneof(tie('object'), tie('array')),
}));

type Path = readonly string[];

/** Every path to a field or element of `node`. */
function pathsOf(node: unknown, prefix: Path = []): Path[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.keys(node).flatMap((key) => {
    const path = [...prefix, key];
    return [path, ...pathsOf((node as Record<string, unknown>)[key], path)];
  });
}

/** The values at the positions a rule path names: the test's own reading of the rules. */
function valuesAt(node: unknown, segments: Path): unknown[] {
  const [segment, ...rest] = segments;
  if (segment === undefined) return [node];
  if (typeof node !== 'object' || node === null) return [];
  const keys = segment === '*' ? Object.keys(node) : [segment];
  return keys
    .filter((key) => Object.hasOwn(node, key))
    .flatMap((key) => valuesAt((node as Record<string, unknown>)[key], rest));
}

/** A document and a rule path into it, some segments turned into `*`. */
const documentAndPath = jsonDocument.chain((text) => {
  const paths = pathsOf(JSON.parse(text));
  const path = paths.length === 0 ? fc.constant(['email']) : fc.constantFrom(...paths);
  return fc.record({
    text: fc.constant(text),
    segments: path.chain((segments) =>
      fc
        .array(fc.boolean(), { minLength: segments.length, maxLength: segments.length })
        .map((wild) => segments.map((segment, index) => (wild[index] ? '*' : segment))),
    ),
  });
});

function redactWith(text: string, segments: Path, action: RedactionAction) {
  const result = redactPayload(bytes(text), [{ path: segments.join('.'), action }], json);
  return { output: JSON.parse(keptText(result)) as unknown, result };
}

describe('redactPayload properties', () => {
  it('leaves no value at a masked path but the marker, and writes valid JSON', () => {
    fc.assert(
      fc.property(documentAndPath, ({ text, segments }) => {
        const originals = valuesAt(JSON.parse(text), segments);
        const { output, result } = redactWith(text, segments, 'mask');
        const after = valuesAt(output, segments);
        expect(after).toHaveLength(originals.length);
        expect(after.every((value) => value === redactionMarker)).toBe(true);
        expect(result).toMatchObject({ redactedFields: originals.length });
      }),
    );
  });

  it('leaves no field at a dropped path, and only nulls in place of array elements', () => {
    fc.assert(
      fc.property(documentAndPath, ({ text, segments }) => {
        const originals = valuesAt(JSON.parse(text), segments);
        const { output, result } = redactWith(text, segments, 'drop');
        expect(valuesAt(output, segments).every((value) => value === null)).toBe(true);
        expect(result).toMatchObject({ redactedFields: originals.length });
      }),
    );
  });

  it('does not depend on the order of the rules', () => {
    const rule = fc.record({
      path: fc.array(fc.oneof(fieldName, fc.constant('*'), fc.constant('0')), {
        minLength: 1,
        maxLength: 3,
      }),
      action: fc.constantFrom<RedactionAction>('drop', 'mask'),
    });
    fc.assert(
      fc.property(jsonDocument, fc.array(rule, { maxLength: 6 }), (text, generated) => {
        const rules = generated.map(({ path, action }) => ({ path: path.join('.'), action }));
        const forward = redactPayload(bytes(text), rules, json);
        expect(redactPayload(bytes(text), rules.toReversed(), json)).toEqual(forward);
      }),
    );
  });

  it('keeps any body byte for byte when there are no rules', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.constantFrom(json, form, undefined),
        (body, type) => {
          expect(redactPayload(body, [], type)).toEqual({
            kept: true,
            bytes: body,
            redactedFields: 0,
          });
        },
      ),
    );
  });
});
