/**
 * The one canonical form of audit content that is hashed or MACed: the digests (ops/integrity)
 * hash it, the seals (record-seal.ts) MAC it. Fields are JSON pairs sorted by name, bytes as
 * base64, so that no two different sets of fields encode alike and the order a store returns
 * attributes in does not matter.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A record's fields, or an item's attributes in `attributeForm`, as name-value pairs. */
export type FieldPairs = readonly (readonly [string, unknown])[];

/** The pairs sorted by name, bytes as base64: JSON.stringify it for the canonical bytes. */
export function canonicalPairs(pairs: FieldPairs): [string, unknown][] {
  return pairs
    .map(([name, value]): [string, unknown] => [name, plain(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** An item's attributes as pairs, each in `attributeForm`, leaving out `excluded`. */
export function itemPairs(
  item: Readonly<Record<string, AttributeValue>>,
  excluded: ReadonlySet<string> = new Set(),
): [string, unknown][] {
  return Object.entries(item)
    .filter(([name]) => !excluded.has(name))
    .map(([name, value]) => [name, attributeForm(value)]);
}

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { b64: Buffer.from(value).toString('base64') };
  return value;
}

/** An attribute value with its maps' keys sorted and its bytes as base64. */
function attributeForm(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(attributeForm) };
  if (value.M !== undefined) {
    const names = Object.keys(value.M).sort();
    return { M: names.map((name) => [name, attributeForm(value.M?.[name] as AttributeValue)]) };
  }
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: [...value.NS].sort() };
  const { $unknown: _unknown, ...rest } = value as AttributeValue & { $unknown?: unknown };
  return rest;
}
