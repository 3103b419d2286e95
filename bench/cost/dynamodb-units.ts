/**
 * DynamoDB capacity units per call, as DynamoDB Local reports them: every read and write is sent
 * with `ReturnConsumedCapacity: 'INDEXES'`, so the answer carries the table's units and each
 * index's. DynamoDB Local reports index units and the transactional doubling (checked by
 * test/bench/cost/measure-paths.test.ts), so nothing here recomputes them from item sizes,
 * except where DynamoDB returns no capacity at all: a write whose condition failed.
 */
import type { InputRewrite, SdkCall } from './sdk-meter.ts';

const reads = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'];
const writes = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
const conditionalWrites = ['PutItem', 'UpdateItem', 'DeleteItem'];

/** Asks every DynamoDB read and write for the capacity it consumed, table and indexes. */
export const askForConsumedCapacity: InputRewrite = (service, command, input) =>
  service === 'DynamoDB' && (reads.includes(command) || writes.includes(command))
    ? { ...input, ReturnConsumedCapacity: 'INDEXES' }
    : input;

/** The capacity one call consumed. */
export interface ConsumedUnits {
  readonly kind: 'read' | 'write';
  /** The table's own units. */
  readonly table: number;
  /** Units by index name. */
  readonly indexes: Readonly<Record<string, number>>;
  /**
   * `reported` by DynamoDB, or `computed` from the item the request carried (a failed
   * conditional write, for which DynamoDB reports nothing).
   */
  readonly source: 'reported' | 'computed';
}

/** What a DynamoDB call consumed; undefined for a call that is not a read or a write. */
export function consumedUnits(call: SdkCall): ConsumedUnits | undefined {
  if (call.service !== 'DynamoDB') return undefined;
  const kind = reads.includes(call.command) ? 'read' : writes.includes(call.command) && 'write';
  if (kind === false) return undefined;
  const reported = call.output?.ConsumedCapacity;
  if (reported !== undefined) return { kind, ...sumCapacity(reported), source: 'reported' };
  if (
    call.errorName === 'ConditionalCheckFailedException' &&
    conditionalWrites.includes(call.command)
  ) {
    // The larger of the existing and the new item is charged; the item sent stands for both.
    const item = (call.input.Item ?? call.input.Key) as AttributeMap | undefined;
    return {
      kind,
      table: Math.max(1, Math.ceil(itemBytes(item ?? {}) / 1024)),
      indexes: {},
      source: 'computed',
    };
  }
  throw new Error(
    `DynamoDB ${call.command} returned no ConsumedCapacity (${call.errorName ?? 'no error'})`,
  );
}

/** Total units of one call: table plus indexes. */
export const totalUnits = (units: ConsumedUnits): number =>
  units.table + Object.values(units.indexes).reduce((sum, value) => sum + value, 0);

interface Capacity {
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Readonly<Record<string, { readonly CapacityUnits?: number }>>;
  readonly LocalSecondaryIndexes?: Readonly<Record<string, { readonly CapacityUnits?: number }>>;
}

/** One ConsumedCapacity, or the list a batch or transaction returns (one per table). */
function sumCapacity(reported: unknown): { table: number; indexes: Record<string, number> } {
  const list = (Array.isArray(reported) ? reported : [reported]) as Capacity[];
  let table = 0;
  const indexes: Record<string, number> = {};
  for (const capacity of list) {
    const byIndex = { ...capacity.GlobalSecondaryIndexes, ...capacity.LocalSecondaryIndexes };
    const indexSum = Object.values(byIndex).reduce(
      (sum, value) => sum + (value.CapacityUnits ?? 0),
      0,
    );
    table += capacity.Table?.CapacityUnits ?? (capacity.CapacityUnits ?? 0) - indexSum;
    for (const [name, value] of Object.entries(byIndex)) {
      indexes[name] = (indexes[name] ?? 0) + (value.CapacityUnits ?? 0);
    }
  }
  return { table, indexes };
}

type AttributeValue = Readonly<Record<string, unknown>>;
type AttributeMap = Readonly<Record<string, AttributeValue>>;

/**
 * An item's size as DynamoDB counts it: each attribute's name in UTF-8 plus its value; strings
 * in UTF-8, binaries in bytes, numbers about one byte per two digits plus one, 1 byte for a
 * boolean or null, 3 bytes and each element's 1 more for a list or map.
 * See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function itemBytes(item: AttributeMap): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

function valueBytes(value: AttributeValue): number {
  const [type, content] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(content));
    case 'N':
      return numberBytes(String(content));
    case 'B':
      return (content as Uint8Array).byteLength;
    case 'SS':
      return (content as string[]).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    case 'NS':
      return (content as string[]).reduce((sum, text) => sum + numberBytes(text), 0);
    case 'BS':
      return (content as Uint8Array[]).reduce((sum, bytes) => sum + bytes.byteLength, 0);
    case 'L':
      return 3 + (content as AttributeValue[]).reduce((sum, item) => sum + 1 + valueBytes(item), 0);
    case 'M':
      return 3 + Object.values(content as AttributeMap).length + itemBytes(content as AttributeMap);
    default:
      return 1;
  }
}

function numberBytes(text: string): number {
  const digits = text.replace(/[^0-9]/g, '').replace(/^0+/, '').length || 1;
  return Math.ceil(digits / 2) + 1;
}
