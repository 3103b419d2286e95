/**
 * The audit table's DynamoDB adapter for erasure (`webhooks audit erase`): the records an
 * erasure request selects, the erasure of each, and the receipts (erasure-receipt.ts).
 *
 * Erasing a record is two conditional writes and the deletion of its bodies, in this order, so
 * that a run stopped between them is finished by the next one:
 *   1. delete its payload copy (`payloadSortKey`), if it has one, and the delivery's body
 *      objects in the payload bucket (body-object-erasure.ts), if any are still there;
 *   2. remove `erasedPersonalFields` from the record and set `erasedAtMs` and
 *      `erasureReceiptId`, on condition that it is a record and not yet erased: a concurrent
 *      or repeated erasure of the same record changes nothing and is counted as such.
 * The skeleton, `expiresAt` included, is left as it was: the record still goes when its
 * retention ends.
 *
 * Selection reads every matching record, those past their `expiresAt` that DynamoDB's TTL has
 * not deleted yet included: they still hold personal fields until it does (within days).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  auditPartitionKey,
  auditShardOf,
  erasedPersonalFields,
  payloadSortKey,
  unregisteredProviderId,
} from '../../functions/audit/record.ts';
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
  /**
   * Records erased (or surveyed) at once; each takes two writes (or reads).
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

/** The key of one delivery record. */
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

  constructor(options: ErasureStoreOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#concurrency = options.concurrency ?? defaultErasureConcurrency;
    this.#bodyObjects = options.bodyObjects;
  }

  /**
   * The keys of every record `request` selects, oldest first within each query: by the
   * byDeliveryId or bySubject index (keys only), or one Query per shard over a time range.
   * The indexes are eventually consistent: a record written in the last second may be missed.
   */
  async selectRecords(request: ErasureRequest): Promise<RecordKey[]> {
    switch (request.kind) {
      case 'delivery': {
        const keys = await this.#queryKeys({
          IndexName: indexName('byDeliveryId'),
          KeyConditionExpression: 'deliveryId = :deliveryId',
          ExpressionAttributeValues: { ':deliveryId': { S: request.deliveryId } },
        });
        const { providerId } = request;
        if (providerId === undefined) return keys;
        const pk = auditPartitionKey(providerId, auditShardOf(request.deliveryId));
        return keys.filter((key) => key.pk === pk);
      }
      case 'subject': {
        const keys = await this.#queryKeys({
          IndexName: indexName('bySubject'),
          KeyConditionExpression: 'subjectHash = :subjectHash',
          ExpressionAttributeValues: { ':subjectHash': { S: request.subjectHash } },
        });
        // The hash is the provider's own already; this only guards against a stray item.
        return keys.filter((key) => providerOf(key.pk) === request.providerId);
      }
      case 'range': {
        const shards = Array.from({ length: auditShards }, (_, shard) =>
          this.#queryKeys({
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
            ExpressionAttributeValues: {
              ':pk': { S: auditPartitionKey(request.providerId, shard) },
              ...timeKeyBounds(request.sinceMs, request.untilMs),
            },
            // Records only: payload copies (no deliveryId) share the records' sort-key range.
            FilterExpression: 'attribute_exists(deliveryId)',
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
          }),
        );
        return (await Promise.all(shards)).flat();
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
    const payloadCopyDeleted = await this.#deletePayloadCopy(key);
    const delivery = deliveryOf(key);
    const started = bodyDeletions.get(delivery);
    const deletion =
      started ??
      this.#onBodyObjects(key, (bodies, providerId, deliveryId) =>
        bodies.deleteFor(providerId, deliveryId),
      );
    bodyDeletions.set(delivery, deletion);
    // The first record counts them; the others wait for the same deletion and count none.
    const deleted = await deletion;
    const bodyObjectsDeleted = started === undefined ? deleted : 0;
    const names = Object.fromEntries(
      erasedPersonalFields.map((name, index) => [`#p${index}`, name]),
    );
    try {
      const { Attributes } = await this.#dynamodb.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: itemKey(key),
          UpdateExpression: `SET erasedAtMs = :at, erasureReceiptId = :receipt REMOVE ${Object.keys(names).join(', ')}`,
          ConditionExpression: 'attribute_exists(deliveryId) AND attribute_not_exists(erasedAtMs)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':at': { N: String(marker.erasedAtMs) },
            ':receipt': { S: marker.receiptId },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const retentionClass = Attributes?.retentionClass?.S;
      const expiresAtSeconds = Number(Attributes?.expiresAt?.N);
      return {
        outcome: 'erased',
        payloadCopyDeleted,
        bodyObjectsDeleted,
        ...(isRetentionClassName(retentionClass) ? { retentionClass } : {}),
        ...(Number.isFinite(expiresAtSeconds) ? { expiresAtSeconds } : {}),
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw dynamodbUnavailable('UpdateItem', error);
    }
    const state = await this.#recordState(key);
    return {
      outcome: state === 'erased' ? 'already_erased' : 'not_found',
      payloadCopyDeleted,
      bodyObjectsDeleted,
    };
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
      const [state, payload, bodies] = await Promise.all([
        this.#recordState(key),
        this.#get({ pk: key.pk, sk: payloadSortKey(key.sk) }, 'pk'),
        firstOfDelivery
          ? this.#onBodyObjects(key, (objects, providerId, deliveryId) =>
              objects.countFor(providerId, deliveryId),
            )
          : 0,
      ]);
      if (payload !== undefined) survey.payloadCopies += 1;
      survey.bodyObjects += bodies;
      if (state === 'live') survey.recordsToErase += 1;
      else if (state === 'erased') survey.recordsAlreadyErased += 1;
      else survey.recordsNotFound += 1;
    });
    return survey;
  }

  /** Writes a receipt; conditional on its key being new: a receipt is never overwritten. */
  async writeReceipt(receipt: ErasureReceipt): Promise<void> {
    await putNewItem(this.#dynamodb, this.#tableName, toReceiptItem(receipt));
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

  /** `live`, `erased`, or `gone` (deleted, or not a record). */
  async #recordState(key: RecordKey): Promise<'live' | 'erased' | 'gone'> {
    const item = await this.#get(key, 'deliveryId, erasedAtMs');
    if (item?.deliveryId === undefined) return 'gone';
    return item.erasedAtMs === undefined ? 'live' : 'erased';
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
    const providerId = providerOf(key.pk);
    const deliveryId = deliveryIdOf(key.sk);
    if (this.#bodyObjects === undefined || providerId === unregisteredProviderId) return 0;
    // Not a record's key: the record is not found either, and no delivery is named.
    if (deliveryId === undefined) return 0;
    return act(this.#bodyObjects, providerId, deliveryId);
  }

  /** Whether the record had a payload copy, now deleted. */
  async #deletePayloadCopy(key: RecordKey): Promise<boolean> {
    try {
      await this.#dynamodb.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: itemKey({ pk: key.pk, sk: payloadSortKey(key.sk) }),
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

/** The provider of a record's partition key (`<providerId>#<shard>`). */
function providerOf(pk: string): string {
  return pk.slice(0, pk.lastIndexOf('#'));
}

/** One text per delivery (provider and id), for the records that share its bodies. */
function deliveryOf(key: RecordKey): string {
  return `${providerOf(key.pk)}\0${deliveryIdOf(key.sk) ?? key.sk}`;
}

/**
 * The delivery id of a record's sort key (`<ISO time>#<deliveryId>#<requestId>`): neither the
 * time nor a gateway's request id holds a `#`, so the id is what lies between the first and
 * the last.
 */
function deliveryIdOf(sk: string): string | undefined {
  const first = sk.indexOf('#');
  const last = sk.lastIndexOf('#');
  return first < last ? sk.slice(first + 1, last) : undefined;
}

type AuditIndexName = (typeof auditTable.globalSecondaryIndexes)[number]['indexName'];

/** An index of the audit table by name, checked against its definition at compile time. */
function indexName(name: AuditIndexName): AuditIndexName {
  return name;
}
