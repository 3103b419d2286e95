/**
 * A JSON payload copy is the received text with only the redacted values changed: numbers,
 * escapes, key order, duplicate keys and whitespace outside them stay byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactionMarker, redactPayload } from '../../functions/audit/redaction.ts';
import type { RedactionAction, RedactionRule } from '../../functions/registry/provider.ts';

const json = 'application/json';
const bytes = (text: string) => new TextEncoder().encode(text);
const mask = (path: string): RedactionRule => ({ path, action: 'mask' });
const drop = (path: string): RedactionRule => ({ path, action: 'drop' });

/** The kept copy as text, a byte-order mark included; fails the test when it was withheld. */
function copyOf(body: string, rules: readonly RedactionRule[]) {
  const result = redactPayload(bytes(body), rules, json);
  if (!result.kept) throw new Error(`copy withheld: ${result.reason}`);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(result.bytes);
  return { text, redactedFields: result.redactedFields };
}

describe('redactPayload keeps a JSON body as received outside the redacted values', () => {
  it('keeps big integers, decimals as written and unicode escapes (the reported body)', () => {
    const body =
      '{"order_id":820982911946154508,"price":1.10,"customer":{"email":"ada@example.com"},"name":"caf\\u00e9"}';
    expect(copyOf(body, [mask('customer.email')])).toEqual({
      text: '{"order_id":820982911946154508,"price":1.10,"customer":{"email":"[redacted]"},"name":"caf\\u00e9"}',
      redactedFields: 1,
    });
  });

  it('keeps exponents, key order and spacing when a rule matches nothing', () => {
    const body = '{ "z": 1e5,\n  "a": -0.0E+3, "m" :[ 1.0 , 2 ] }\n';
    expect(copyOf(body, [drop('nope')])).toEqual({ text: body, redactedFields: 0 });
  });

  it('drops a member with one comma, wherever it stands, in indented text', () => {
    const body = '{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}';
    expect(copyOf(body, [drop('a')]).text).toBe('{\n  "b": 2,\n  "c": 3\n}');
    expect(copyOf(body, [drop('b')]).text).toBe('{\n  "a": 1,\n  "c": 3\n}');
    expect(copyOf(body, [drop('c')]).text).toBe('{\n  "a": 1,\n  "b": 2\n}');
    expect(copyOf(body, [drop('b'), drop('c')]).text).toBe('{\n  "a": 1\n}');
    expect(copyOf(body, [drop('*')]).text).toBe('{\n  \n}');
  });

  it('matches a key written with escapes by the name it stands for', () => {
    expect(copyOf('{"em\\u0061il":"ann@x.io","n":1}', [mask('email')]).text).toBe(
      '{"em\\u0061il":"[redacted]","n":1}',
    );
  });

  it('keeps a byte-order mark', () => {
    expect(copyOf('\uFEFF{"a":1,"b":2.50}', [mask('a')]).text).toBe(
      '\uFEFF{"a":"[redacted]","b":2.50}',
    );
  });

  it('withholds JSON nested deeper than 512 levels, and reads 512', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(redactPayload(bytes(nested(513)), [mask('a')], json)).toEqual({
      kept: false,
      reason: 'too_deep',
    });
    expect(copyOf(nested(512), [mask('a')]).text).toBe(nested(512));
  });
});

/** JSON as a tree that keeps its exact text: raw leaves, raw keys, every run of whitespace. */
type JsonNode =
  | { readonly kind: 'leaf'; readonly raw: string }
  | {
      readonly kind: 'object';
      readonly lead: string;
      readonly members: readonly Member[];
      readonly trail: string;
    }
  | {
      readonly kind: 'array';
      readonly lead: string;
      readonly items: readonly Item[];
      readonly trail: string;
    };
/** `separator` follows the item when another comes after it: whitespace, a comma, whitespace. */
interface Item {
  readonly value: JsonNode;
  readonly separator: string;
}
interface Member extends Item {
  readonly name: string;
  readonly rawKey: string;
  readonly colon: string;
}

function render(node: JsonNode): string {
  if (node.kind === 'leaf') return node.raw;
  const items: readonly Item[] = node.kind === 'object' ? node.members : node.items;
  const body = items
    .map((item, index) => {
      const key = 'rawKey' in item ? `${(item as Member).rawKey}${(item as Member).colon}` : '';
      return `${key}${render(item.value)}${index < items.length - 1 ? item.separator : ''}`;
    })
    .join('');
  return node.kind === 'object'
    ? `{${node.lead}${body}${node.trail}}`
    : `[${node.lead}${body}${node.trail}]`;
}

const whitespace = fc.constantFrom('', '', ' ', '  ', '\n', '\n  ', '\t', '\r\n');
const separator = fc.tuple(whitespace, whitespace).map(([before, after]) => `${before},${after}`);
const stringPiece = fc.oneof(
  fc.stringMatching(/^[a-z0-9 @.[\]]{1,4}$/),
  fc.constantFrom(
    '\\u00e9',
    '\\ud83d\\ude00',
    '\\n',
    '\\"',
    '\\\\',
    '\\/',
    'é',
    '名',
    '😀',
    '[redacted]',
  ),
);
const leaf = fc
  .oneof(
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc
      .tuple(fc.nat(9999), fc.nat(999), fc.integer({ min: 1, max: 3 }))
      .map(([whole, fraction, zeros]) => `${whole}.${fraction}${'0'.repeat(zeros)}`),
    fc
      .tuple(fc.integer({ min: -9, max: 9 }), fc.constantFrom('e', 'E', 'e+', 'E-'), fc.nat(30))
      .map(([mantissa, e, exponent]) => `${mantissa}${e}${exponent}`),
    fc.array(stringPiece, { maxLength: 4 }).map((pieces) => `"${pieces.join('')}"`),
    fc.constantFrom('true', 'false', 'null'),
  )
  .map((raw): JsonNode => ({ kind: 'leaf', raw }));
/** Few names, so that paths, wildcards and duplicate keys meet often. */
const memberKey = fc
  .tuple(fc.constantFrom('email', 'id', 'a', 'customer', '__proto__', '0'), fc.boolean())
  .map(([name, escaped]) => ({
    name,
    rawKey: escaped
      ? `"\\u${(name.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}${name.slice(1)}"`
      : JSON.stringify(name),
  }));

const { document } = fc.letrec<{
  node: JsonNode;
  object: JsonNode;
  array: JsonNode;
  document: JsonNode;
}>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array')),
  object: fc
    .record({
      lead: whitespace,
      trail: whitespace,
      members: fc.array(
        fc
          .record({
            key: memberKey,
            colon: fc.tuple(whitespace, whitespace).map(([a, b]) => `${a}:${b}`),
            value: tie('node'),
            separator,
          })
          .map(({ key, ...rest }) => ({ ...key, ...rest })),
        { maxLength: 5 },
      ),
    })
    .map((fields): JsonNode => ({ kind: 'object', ...fields })),
  array: fc
    .record({
      lead: whitespace,
      trail: whitespace,
      items: fc.array(fc.record({ value: tie('node'), separator }), { maxLength: 5 }),
    })
    .map((fields): JsonNode => ({ kind: 'array', ...fields })),
  document: fc.oneof(tie('object'), tie('array')),
}));

type Path = readonly string[];

function pathsOf(node: JsonNode, prefix: Path = []): Path[] {
  if (node.kind === 'leaf') return [];
  const items: readonly Item[] = node.kind === 'object' ? node.members : node.items;
  return items.flatMap((item, index) => {
    const path = [...prefix, 'name' in item ? (item as Member).name : String(index)];
    return [path, ...pathsOf(item.value, path)];
  });
}

const markerLeaf: JsonNode = { kind: 'leaf', raw: JSON.stringify(redactionMarker) };

/**
 * The test's own reading of one rule: a masked value becomes the marker, a dropped member
 * leaves the list (so its own separator goes with it, or the one before it when it was after
 * the last kept member), a dropped element becomes null. Every duplicate key is redacted.
 */
function redactTree(node: JsonNode, segments: Path, action: RedactionAction) {
  let count = 0;
  const walk = (current: JsonNode, [segment, ...rest]: Path): JsonNode => {
    if (current.kind === 'leaf') return current;
    const redactItem = <T extends Item>(item: T, key: string): T[] => {
      if (segment !== '*' && segment !== key) return [item];
      if (rest.length > 0) return [{ ...item, value: walk(item.value, rest) }];
      count += 1;
      if (action === 'mask') return [{ ...item, value: markerLeaf }];
      return 'name' in item ? [] : [{ ...item, value: { kind: 'leaf', raw: 'null' } }];
    };
    if (current.kind === 'object') {
      return { ...current, members: current.members.flatMap((m) => redactItem(m, m.name)) };
    }
    return { ...current, items: current.items.flatMap((item, i) => redactItem(item, String(i))) };
  };
  return { tree: walk(node, segments), count };
}

/** The values at the positions a rule path names, in parsed JSON. */
function valuesAt(node: unknown, segments: Path): unknown[] {
  const [segment, ...rest] = segments;
  if (segment === undefined) return [node];
  if (typeof node !== 'object' || node === null) return [];
  const keys = segment === '*' ? Object.keys(node) : [segment];
  return keys
    .filter((key) => Object.hasOwn(node, key))
    .flatMap((key) => valuesAt((node as Record<string, unknown>)[key], rest));
}

const documentAndRule = fc
  .tuple(document, whitespace, whitespace)
  .chain(([tree, before, after]) => {
    const paths = pathsOf(tree);
    const path = paths.length === 0 ? fc.constant(['email']) : fc.constantFrom(...paths);
    return fc.record({
      tree: fc.constant(tree),
      before: fc.constant(before),
      after: fc.constant(after),
      action: fc.constantFrom<RedactionAction>('mask', 'drop'),
      segments: path.chain((segments) =>
        fc
          .array(fc.boolean(), { minLength: segments.length, maxLength: segments.length })
          .map((wild) => segments.map((segment, index) => (wild[index] ? '*' : segment))),
      ),
    });
  });

describe('redactPayload properties on JSON text', () => {
  it('keeps the body byte for byte with no rules, or with a rule that matches nothing', () => {
    fc.assert(
      fc.property(document, whitespace, (tree, space) => {
        const text = `${space}${render(tree)}${space}`;
        expect(redactPayload(bytes(text), [], json)).toEqual({
          kept: true,
          bytes: bytes(text),
          redactedFields: 0,
        });
        expect(copyOf(text, [mask('nowhere.near')])).toEqual({ text, redactedFields: 0 });
      }),
    );
  });

  it('changes only the targeted values: the rest equals the input, byte for byte', () => {
    fc.assert(
      fc.property(documentAndRule, ({ tree, before, after, action, segments }) => {
        const expected = redactTree(tree, segments, action);
        const copy = copyOf(`${before}${render(tree)}${after}`, [
          { path: segments.join('.'), action },
        ]);
        expect(copy).toEqual({
          text: `${before}${render(expected.tree)}${after}`,
          redactedFields: expected.count,
        });
      }),
    );
  });

  it('writes JSON that parses, with the marker or nothing left at the targeted paths', () => {
    fc.assert(
      fc.property(documentAndRule, ({ tree, before, after, action, segments }) => {
        const { text } = copyOf(`${before}${render(tree)}${after}`, [
          { path: segments.join('.'), action },
        ]);
        const left = valuesAt(JSON.parse(text), segments);
        const allowed = action === 'mask' ? redactionMarker : null;
        expect(left.every((value) => value === allowed)).toBe(true);
      }),
    );
  });
});
