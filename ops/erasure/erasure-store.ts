/**
 * The audit table's DynamoDB adapter for erasure (`webhooks audit erase`): the records an
 * erasure request selects, the erasure of each, and the receipts (erasure-receipt.ts).
 *
 * Two kinds of item are erased: ordinary records (refused, failed and unrecorded repeat
 * attempts, and accepted ones written before delivery items), and delivery items
 * (functions/audit/delivery-item.ts), one per accepted delivery with its repeats. Each counts
 * as one record. Erasing one is the deletion of its payload copy and bodies, then one
 * conditional write, in this order, so that a run stopped between them is finished by the
 * next one:
 *   1. delete its payload copy, if it has one (a record's at `payloadSortKey(sk)`, a delivery
 *      item's at its `listPk`/`payloadSortKey(listSk)`, so the item is read first), and the
 *      delivery's body objects in the payload bucket (body-object-erasure.ts), if any are
 *      still there;
 *   2. remove `erasedPersonalFields` (and from a delivery item, `ip` and `ua` of every
 *      attempt) and set `erasedAtMs` and `erasureReceiptId`, on condition that it is a record
 *      and not yet erased: a concurrent or repeated erasure of the same record changes nothing
 *      and is counted as such. A delivery item's write also requires the attempts it was read
 *      with, so that one appended meanwhile is not left with its address: it is read again.
 * The skeleton, `expiresAt` included, is left as it was: the record still goes when its
 * retention ends. The ingest path appends no attempt to an erased delivery item.
 *
 * Selection reads every matching record, those past their `expiresAt` that DynamoDB's TTL has
 * not deleted yet included: they still hold personal fields until it does (within days).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  archivedSortKey,
  attemptCount,
  deliveryIdentity,
  deliveryPartitionKey,
  isDeliveryItem,
  maxItemAttempts,
} from '../../functions/audit/delivery-item.ts';
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  auditPartitionKey,
  auditRecordId,
  erasedPersonalFields,
  payloadSortKey,
  unregisteredProviderId,
} from '../../functions/audit/record.ts';
import { erasureSealContent, type Sealer } from '../../functions/audit/record-seal.ts';
import {
  attemptSealAttributes,
  erasureSealAttributes,
  recordSealAttributes,
} from '../../functions/audit/seal-attributes.ts';
import { dynamodbUnavailable } from '../../functions/aws/errors.ts';
import { isRetentionClassName, type RetentionClassName } from '../../functions/config/retention.ts';
import { auditShards, type auditTable } from '../../functions/config/tables.ts';
import { timeKeyBounds } from '../audit/audit-query.ts';
import { putNewItem } from '../audit/put-new-item.ts';
import { readEach } from '../audit/read-items.ts';
import {
  type ErasureCounts,
  type ErasureReceipt,
  type ErasureRequest,
  erasurePartitionKey,
  fromReceiptItem,
  type RetainedSkeletons,
  skeletonRetentionBasis,
  toReceiptItem,
} from './erasure-receipt.ts';

export interface ErasureStoreOptions {
  /** Created once per process. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** Seals each erasure receipt (record-seal.ts), under the operator's keys. */
  readonly sealer: Sealer;
  /**
   * Records erased (or surveyed) at once; each takes two writes (a delivery item also a read).
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * The payload bucket's bodies (`BodyObjectErasure`).
   * @default - none: a deployment without a payload bucket has no body objects to delete
   */
  readonly bodyObjects?: {
    countFor(providerId: string, deliveryId: string): Promise<number>;
    deleteFor(providerId: string, deliveryId: string): Promise<number>;
  };
}

/** The key of one record: an ordinary record's, or a delivery item's (of the table, either). */
export interface RecordKey {
  readonly pk: string;
  readonly sk: string;
}

/** What erased records are marked with. */
export interface ErasureMarker {
  readonly erasedAtMs: number;
  readonly receiptId: string;
}

/** How the erasure of one record ended. */
export interface RecordErasure {
  readonly outcome: 'erased' | 'already_erased' | 'not_found';
  readonly payloadCopyDeleted: boolean;
  /** The delivery's objects in the payload bucket deleted with it. */
  readonly bodyObjectsDeleted: number;
  /** Of an erased record: its class and TTL, for the receipt's retained skeletons. */
  readonly retentionClass?: RetentionClassName;
  readonly expiresAtSeconds?: number;
}

/** What an erasure would do (`--dry-run`): nothing is written. */
export interface ErasureSurvey {
  readonly recordsToErase: number;
  readonly recordsAlreadyErased: number;
  readonly recordsNotFound: number;
  readonly payloadCopies: number;
  /** Objects in the payload bucket under the selected deliveries. */
  readonly bodyObjects: number;
}

/** Reports work done so far: records handled of the total selected. */
export type ErasureProgress = (handled: number, total: number) => void;

export interface ListReceiptsQuery {
  /** Inclusive. */
  readonly sinceMs: number;
  /** Inclusive. */
  readonly untilMs: number;
  /** The most receipts returned, newest first. */
  readonly limit: number;
}

export interface ReceiptListing {
  readonly receipts: readonly ErasureReceipt[];
  readonly malformed: readonly MalformedAuditItemError[];
}

/**
 * Counts the records of one erasure as they are erased, so that a run stopped by a failure
 * still says what it did (its receipt is then `incomplete`).
 */
export class ErasureTally {
  readonly #counts = {
    recordsErased: 0,
    recordsAlreadyErased: 0,
    recordsNotFound: 0,
    payloadCopiesDeleted: 0,
    bodyObjectsDeleted: 0,
  };
  readonly #retained = new Map<RetentionClassName, { records: number; keptUntilMs: number }>();

  add(result: RecordErasure): void {
    if (result.payloadCopyDeleted) this.#counts.payloadCopiesDeleted += 1;
    this.#counts.bodyObjectsDeleted += result.bodyObjectsDeleted;
    if (result.outcome === 'already_erased') this.#counts.recordsAlreadyErased += 1;
    if (result.outcome === 'not_found') this.#counts.recordsNotFound += 1;
    if (result.outcome !== 'erased') return;
    this.#counts.recordsErased += 1;
    if (result.retentionClass === undefined) return;
    const entry = this.#retained.get(result.retentionClass) ?? { records: 0, keptUntilMs: 0 };
    entry.records += 1;
    entry.keptUntilMs = Math.max(entry.keptUntilMs, (result.expiresAtSeconds ?? 0) * 1000);
    this.#retained.set(result.retentionClass, entry);
  }

  get done(): ErasureCounts {
    return { ...this.#counts };
  }

  /** The skeletons kept, by class, each with its basis; the longest kept first. */
  get retained(): RetainedSkeletons[] {
    return [...this.#retained]
      .map(([retentionClass, entry]) => ({
        retentionClass,
        ...entry,
        basis: skeletonRetentionBasis[retentionClass],
      }))
      .sort((a, b) => b.keptUntilMs - a.keptUntilMs);
  }
}

/** @default 16 records at once */
export const defaultErasureConcurrency = 16;

/**
 * Selects, erases and surveys delivery records, and keeps erasure receipts.
 * @example
 * const erasure = new ErasureStore({ dynamodb, tableName });
 * const keys = await erasure.selectRecords({ kind: 'delivery', deliveryId: 'evt_1' });
 */
export class ErasureStore {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #concurrency: number;
  readonly #bodyObjects: ErasureStoreOptions['bodyObjects'];
  readonly #sealer: Sealer;

  constructor(options: ErasureStoreOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#sealer = options.sealer;
    this.#concurrency = options.concurrency ?? defaultErasureConcurrency;
    this.#bodyObjects = options.bodyObjects;
  }

  /**
   * The keys of every record `request` selects, oldest first within each query. By delivery
   * id: the byDeliveryId index (keys only) and the delivery's partition of delivery items. By
   * subject: the bySubject index, which holds both kinds. By time range: one Query per shard
   * on the table for records and one on the byTime index for delivery items. The indexes are
   * eventually consistent: a record written in the last second may be missed.
   */
  async selectRecords(request: ErasureRequest): Promise<RecordKey[]> {
    switch (request.kind) {
      case 'delivery': {
        const [records, items] = await Promise.all([
          this.#queryKeys({
            IndexName: indexName('byDeliveryId'),
            KeyConditionExpression: 'deliveryId = :deliveryId',
            ExpressionAttributeValues: { ':deliveryId': { S: request.deliveryId } },
          }),
          // Every provider's item of the id, those moved aside after a dedup window included.
          this.#queryKeys({
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: deliveryPartitionKey(request.deliveryId) } },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
          }),
        ]);
        const keys = [...records, ...items];
        const { providerId } = request;
        return providerId === undefined
          ? keys
          : keys.filter((key) => providerOf(key) === providerId);
      }
      case 'subject': {
        const keys = await this.#queryKeys({
          IndexName: indexName('bySubject'),
          KeyConditionExpression: 'subjectHash = :subjectHash',
          ExpressionAttributeValues: { ':subjectHash': { S: request.subjectHash } },
        });
        // The hash is the provider's own already; this only guards against a stray item.
        return keys.filter((key) => providerOf(key) === request.providerId);
      }
      case 'range': {
        const bounds = timeKeyBounds(request.sinceMs, request.untilMs);
        const queries = Array.from({ length: auditShards }, (_, shard) => {
          const pk = { S: auditPartitionKey(request.providerId, shard) };
          return [
            this.#queryKeys({
              KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
              ExpressionAttributeValues: { ':pk': pk, ...bounds },
              // Records only: payload copies (no deliveryId) share the records' sort-key range.
              FilterExpression: 'attribute_exists(deliveryId)',
              ProjectionExpression: 'pk, sk',
              ConsistentRead: true,
            }),
            // Delivery items, listed under the keys their record would have in the table.
            this.#queryKeys({
              IndexName: indexName('byTime'),
              KeyConditionExpression: 'listPk = :pk AND listSk BETWEEN :since AND :until',
              ExpressionAttributeValues: { ':pk': pk, ...bounds },
            }),
          ];
        });
        return (await Promise.all(queries.flat())).flat();
      }
    }
  }

  /**
   * Erases every record of `keys` with `marker`, `concurrency` at a time, counting each into
   * `tally`. Throws the first failure once the records in flight with it have ended; the
   * tally then holds what was done.
   */
  async eraseRecords(
    keys: readonly RecordKey[],
    marker: ErasureMarker,
    tally: ErasureTally,
    onProgress?: ErasureProgress,
  ): Promise<void> {
    // Records of one delivery erased at once share its bodies: deleted, and counted, once.
    const bodyDeletions = new Map<string, Promise<number>>();
    await this.#forEach(keys, onProgress, async (key) =>
      tally.add(await this.#eraseRecord(key, marker, bodyDeletions)),
    );
  }

  /** Erases one record: its payload copy and bodies first, then its personal fields (see above). */
  eraseRecord(key: RecordKey, marker: ErasureMarker): Promise<RecordErasure> {
    return this.#eraseRecord(key, marker, new Map());
  }

  async #eraseRecord(
    key: RecordKey,
    marker: ErasureMarker,
    bodyDeletions: Map<string, Promise<number>>,
  ): Promise<RecordErasure> {
    // A delivery item's payload copy is found from the item; a record's from its key.
    const read = isDeliveryKey(key) ? await this.#get(key, deliveryItemFields) : undefined;
    const copyKey = isDeliveryKey(key) ? deliveryCopyKey(read) : recordCopyKey(key);
    const payloadCopyDeleted = copyKey !== undefined && (await this.#deletePayloadCopy(copyKey));
    const bodyObjectsDeleted = await this.#deleteBodyObjects(key, bodyDeletions);
    const erasure = isDeliveryKey(key)
      ? await this.#eraseDeliveryFields(key, read, marker)
      : await this.#eraseRecordFields(key, marker);
    return { ...erasure, payloadCopyDeleted, bodyObjectsDeleted };
  }

  /**
   * Deletes the bodies of the key's delivery once per erasure run: the first record of a
   * delivery counts them; the others wait for the same deletion and count none.
   */
  async #deleteBodyObjects(
    key: RecordKey,
    bodyDeletions: Map<string, Promise<number>>,
  ): Promise<number> {
    const delivery = deliveryOf(key);
    const started = bodyDeletions.get(delivery);
    const deletion =
      started ??
      this.#onBodyObjects(key, (bodies, providerId, deliveryId) =>
        bodies.deleteFor(providerId, deliveryId),
      );
    bodyDeletions.set(delivery, deletion);
    const deleted = await deletion;
    return started === undefined ? deleted : 0;
  }

  /** Step 2 for an ordinary record: one conditional UpdateItem. */
  async #eraseRecordFields(key: RecordKey, marker: ErasureMarker): Promise<FieldsErasure> {
    // Never dated before the record itself: its sort key begins with when it was received.
    const receivedAtMs = Date.parse(key.sk.split('#')[0] ?? '');
    const erased = await this.#markErased(
      key,
      auditRecordId(key.pk.split('#')[0] ?? '', key.sk),
      { ...marker, erasedAtMs: Math.max(marker.erasedAtMs, receivedAtMs || 0) },
      [],
      'attribute_exists(deliveryId) AND attribute_not_exists(erasedAtMs)',
      {},
    );
    if (erased !== undefined) return erased;
    const state = stateOf(await this.#get(key, stateFields));
    return { outcome: state === 'erased' ? 'already_erased' : 'not_found' };
  }

  /**
   * Step 2 for a delivery item, from the item as `read`: one conditional UpdateItem that also
   * removes `ip` and `ua` from each attempt it holds. Its condition fails when an attempt was
   * appended since (or the item was erased, released or replaced): the item is read again and
   * the write retried. Each retry follows an appended attempt, and an item takes at most
   * `maxItemAttempts`, so the retries end; an item that another delivery of the same id
   * replaced meanwhile is followed to where it was moved aside.
   */
  async #eraseDeliveryFields(
    key: RecordKey,
    read: AuditItem | undefined,
    marker: ErasureMarker,
  ): Promise<FieldsErasure> {
    let at = key;
    let item = read;
    for (let tries = 0; tries <= maxItemAttempts + 1; tries += 1) {
      const listSk = item?.listSk?.S;
      if (item === undefined || listSk === undefined) return { outcome: 'not_found' };
      if (item.erasedAtMs !== undefined) return { outcome: 'already_erased' };
      const count = attemptCount(item);
      const paths = Array.from({ length: count }, (_, index) => [
        `attempts[${index}].#ip`,
        `attempts[${index}].#ua`,
        `attempts[${index}].#sp`,
      ]).flat();
      // An attempt appended after the erasure began is erased too, and not before it came.
      const erased = await this.#markErased(
        at,
        auditRecordId(deliveryIdentity(itemKey(at)).providerId, listSk),
        { ...marker, erasedAtMs: Math.max(marker.erasedAtMs, latestAttemptMs(item)) },
        paths,
        'attribute_not_exists(erasedAtMs) AND listSk = :listSk AND ' +
          '(attribute_not_exists(attempts) OR size(attempts) = :count)',
        {
          names:
            count === 0
              ? {}
              : {
                  '#ip': 'ip',
                  '#ua': 'ua',
                  '#sp': attemptSealAttributes.personal,
                },
          values: { ':listSk': { S: listSk }, ':count': { N: String(count) } },
        },
      );
      if (erased !== undefined) return erased;
      const again = await this.#get(at, deliveryItemFields);
      const replaced = again?.listSk?.S !== undefined && again.listSk.S !== listSk;
      if (replaced) {
        const { providerId, requestId } = deliveryIdentity({
          ...itemKey(at),
          listSk: { S: listSk },
        });
        at = { pk: at.pk, sk: archivedSortKey(providerId, requestId) };
      }
      item = replaced ? await this.#get(at, deliveryItemFields) : again;
    }
    throw new ErasureConflictError(key);
  }

  /**
   * Removes the personal fields (and `paths`) and sets the marker, sealed by the operator
   * (`erasureSealContent` over `itemId`, the record's identity), if `condition` holds: the
   * retention class and TTL the item keeps, or undefined when the condition failed.
   */
  async #markErased(
    key: RecordKey,
    itemId: string,
    marker: ErasureMarker,
    paths: readonly string[],
    condition: string,
    extra: {
      readonly names?: Record<string, string>;
      readonly values?: Record<string, AttributeValue>;
    },
  ): Promise<FieldsErasure | undefined> {
    // The personal fields, and the seal's MAC over them: what stays still verifies.
    const names = Object.fromEntries(
      [...erasedPersonalFields, recordSealAttributes.personal].map((name, index) => [
        `#p${index}`,
        name,
      ]),
    );
    const removed = [...Object.keys(names), ...paths];
    const seal = await this.#sealer.seal(erasureSealContent(itemId, marker));
    try {
      const { Attributes } = await this.#dynamodb.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: itemKey(key),
          UpdateExpression: `SET erasedAtMs = :at, erasureReceiptId = :receipt, #esk = :esk, #esm = :esm REMOVE ${removed.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            ...names,
            '#esk': erasureSealAttributes.key,
            '#esm': erasureSealAttributes.mac,
            ...extra.names,
          },
          ExpressionAttributeValues: {
            ':at': { N: String(marker.erasedAtMs) },
            ':receipt': { S: marker.receiptId },
            ':esk': { B: seal.key },
            ':esm': { B: seal.fields },
            ...extra.values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const retentionClass = Attributes?.retentionClass?.S;
      const expiresAtSeconds = Number(Attributes?.expiresAt?.N);
      return {
        outcome: 'erased',
        ...(isRetentionClassName(retentionClass) ? { retentionClass } : {}),
        ...(Number.isFinite(expiresAtSeconds) ? { expiresAtSeconds } : {}),
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw dynamodbUnavailable('UpdateItem', error);
    }
  }

  /** What erasing `keys` would do; reads only. */
  async survey(keys: readonly RecordKey[], onProgress?: ErasureProgress): Promise<ErasureSurvey> {
    const survey = {
      recordsToErase: 0,
      recordsAlreadyErased: 0,
      recordsNotFound: 0,
      payloadCopies: 0,
      bodyObjects: 0,
    };
    // Several records of one delivery share its bodies: each is counted once.
    const counted = new Set<string>();
    await this.#forEach(keys, onProgress, async (key) => {
      const delivery = deliveryOf(key);
      const firstOfDelivery = !counted.has(delivery);
      counted.add(delivery);
      const read = this.#get(key, stateFields);
      const [item, payload, bodies] = await Promise.all([
        read,
        this.#payloadCopyOf(key, read),
        firstOfDelivery
          ? this.#onBodyObjects(key, (objects, providerId, deliveryId) =>
              objects.countFor(providerId, deliveryId),
            )
          : 0,
      ]);
      if (payload !== undefined) survey.payloadCopies += 1;
      survey.bodyObjects += bodies;
      const state = stateOf(item);
      if (state === 'live') survey.recordsToErase += 1;
      else if (state === 'erased') survey.recordsAlreadyErased += 1;
      else survey.recordsNotFound += 1;
    });
    return survey;
  }

  /** Writes a receipt; conditional on its key being new: a receipt is never overwritten. */
  async writeReceipt(receipt: ErasureReceipt): Promise<void> {
    const item = await this.#sealer.sealItem(toReceiptItem(receipt));
    await putNewItem(this.#dynamodb, this.#tableName, item);
  }

  /** Receipts answered in [sinceMs, untilMs], newest first: one Query on the receipts' partition. */
  async listReceipts(query: ListReceiptsQuery): Promise<ReceiptListing> {
    const items = await this.#query(
      {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
        ExpressionAttributeValues: {
          ':pk': { S: erasurePartitionKey },
          ...timeKeyBounds(query.sinceMs, query.untilMs),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      query.limit,
    );
    const { read: receipts, malformed } = readEach(items, fromReceiptItem);
    return { receipts, malformed };
  }

  /**
   * The record's payload copy (its key only), if it has one; a delivery item's is found from
   * the item (`read`, with `stateFields`), a record's from its key, without waiting.
   */
  async #payloadCopyOf(
    key: RecordKey,
    read: Promise<AuditItem | undefined>,
  ): Promise<AuditItem | undefined> {
    const copyKey = isDeliveryKey(key) ? deliveryCopyKey(await read) : recordCopyKey(key);
    return copyKey === undefined ? undefined : this.#get(copyKey, 'pk');
  }

  /**
   * `act` on the bucket objects of the record's delivery: none for a deployment without a
   * payload bucket, or for an unregistered provider's attempt, which never queued anything.
   */
  async #onBodyObjects(
    key: RecordKey,
    act: (
      bodies: NonNullable<ErasureStoreOptions['bodyObjects']>,
      providerId: string,
      deliveryId: string,
    ) => Promise<number>,
  ): Promise<number> {
    const providerId = providerOf(key);
    const deliveryId = deliveryIdOf(key);
    if (this.#bodyObjects === undefined || providerId === unregisteredProviderId) return 0;
    // Not a record's key: the record is not found either, and no delivery is named.
    if (deliveryId === undefined) return 0;
    return act(this.#bodyObjects, providerId, deliveryId);
  }

  /** Whether the payload copy at `copyKey` was there, now deleted. */
  async #deletePayloadCopy(copyKey: RecordKey): Promise<boolean> {
    try {
      await this.#dynamodb.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: itemKey(copyKey),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw dynamodbUnavailable('DeleteItem', error);
    }
  }

  async #get(key: RecordKey, projection: string): Promise<AuditItem | undefined> {
    try {
      const { Item } = await this.#dynamodb.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: itemKey(key),
          ProjectionExpression: projection,
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      throw dynamodbUnavailable('GetItem', error);
    }
  }

  async #queryKeys(input: Omit<QueryCommandInput, 'TableName'>): Promise<RecordKey[]> {
    const items = await this.#query(input, Number.POSITIVE_INFINITY);
    return items.flatMap(({ pk, sk }) =>
      pk?.S === undefined || sk?.S === undefined ? [] : [{ pk: pk.S, sk: sk.S }],
    );
  }

  /** Every page of the Query until `limit` items are read or none are left. */
  async #query(input: Omit<QueryCommandInput, 'TableName'>, limit: number): Promise<AuditItem[]> {
    const items: AuditItem[] = [];
    try {
      const pages = paginateQuery(
        { client: this.#dynamodb },
        { ...input, TableName: this.#tableName },
      );
      for await (const page of pages) {
        items.push(...(page.Items ?? []));
        if (items.length >= limit) break;
      }
    } catch (error) {
      throw dynamodbUnavailable('Query', error);
    }
    return items.slice(0, limit);
  }

  /** Runs `act` on each key, `concurrency` at a time, reporting progress after each group. */
  async #forEach(
    keys: readonly RecordKey[],
    onProgress: ErasureProgress | undefined,
    act: (key: RecordKey) => Promise<void>,
  ): Promise<void> {
    for (let start = 0; start < keys.length; start += this.#concurrency) {
      const group = keys.slice(start, start + this.#concurrency);
      const settled = await Promise.allSettled(group.map(act));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      onProgress?.(start + group.length, keys.length);
    }
  }
}

function itemKey(key: RecordKey): AuditItem {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

/** What erasing a record's own item did (step 2). */
type FieldsErasure = Pick<RecordErasure, 'outcome' | 'retentionClass' | 'expiresAtSeconds'>;

/**
 * A delivery item kept changing under its erasure (the retries ran out): the erasure stops,
 * its receipt says `incomplete`, and running it again finishes the item.
 */
export class ErasureConflictError extends Error {
  override readonly name = 'ErasureConflictError';
  readonly code = 'erasure_conflict';
  constructor(
    readonly key: RecordKey,
    options?: ErrorOptions,
  ) {
    super('a delivery item kept changing while it was being erased', options);
  }
}

/** What tells whether an item is a live record, an erased one, or none, and where its copy is. */
const stateFields = 'deliveryId, listPk, listSk, erasedAtMs';
/** What erasing a delivery item reads of it: where its copy is, its attempts, its marker. */
const deliveryItemFields = 'listPk, listSk, attempts, erasedAtMs';

/** `live`, `erased`, or `gone` (deleted, or not a record: a record has a deliveryId, an item listSk). */
function stateOf(item: AuditItem | undefined): 'live' | 'erased' | 'gone' {
  if (item?.deliveryId === undefined && item?.listSk === undefined) return 'gone';
  return item.erasedAtMs === undefined ? 'live' : 'erased';
}

function isDeliveryKey(key: RecordKey): boolean {
  return isDeliveryItem(itemKey(key));
}

/** A record's payload copy: beside it, at `payloadSortKey`. */
function recordCopyKey(key: RecordKey): RecordKey {
  return { pk: key.pk, sk: payloadSortKey(key.sk) };
}

/** A delivery item's payload copy: where its record's would be; none known without the item. */
function deliveryCopyKey(item: AuditItem | undefined): RecordKey | undefined {
  const pk = item?.listPk?.S;
  const sk = item?.listSk?.S;
  return pk === undefined || sk === undefined ? undefined : { pk, sk: payloadSortKey(sk) };
}

/** `p#`, what a delivery item's sort key starts with, before the provider id. */
/**
 * The provider of a record's partition key (`<providerId>#<shard>`), or of a delivery item's
 * sort key (`p#<providerId>`, or `p#<providerId>#<requestId>`: provider ids hold no `#`).
 */
function providerOf(key: RecordKey): string {
  if (isDeliveryKey(key)) return deliveryIdentity(itemKey(key)).providerId;
  return key.pk.slice(0, key.pk.lastIndexOf('#'));
}

/** One text per delivery (provider and id), for the records that share its bodies. */
function deliveryOf(key: RecordKey): string {
  return `${providerOf(key)}\0${deliveryIdOf(key) ?? key.sk}`;
}

/**
 * The delivery id of a delivery item's partition key (`d#<deliveryId>`), or of a record's sort
 * key (`<ISO time>#<deliveryId>#<requestId>`): neither the time nor a gateway's request id
 * holds a `#`, so the id is what lies between the first and the last.
 */
function deliveryIdOf(key: RecordKey): string | undefined {
  if (isDeliveryKey(key)) return deliveryIdentity(itemKey(key)).deliveryId;
  const first = key.sk.indexOf('#');
  const last = key.sk.lastIndexOf('#');
  return first < last ? key.sk.slice(first + 1, last) : undefined;
}

type AuditIndexName = (typeof auditTable.globalSecondaryIndexes)[number]['indexName'];

/** An index of the audit table by name, checked against its definition at compile time. */
function indexName(name: AuditIndexName): AuditIndexName {
  return name;
}

/** When the latest attempt a delivery item holds was received; 0 when it holds none. */
function latestAttemptMs(item: AuditItem): number {
  return Math.max(0, ...(item.attempts?.L ?? []).map(({ M }) => Number(M?.t?.N) || 0));
}
