/**
 * The audit table's adapter for delivery items (delivery-item.ts): the claim that is step 1 of
 * the ingest path, the replacement of an item whose dedup window has passed, and the release
 * of a claim whose send failed. A failed condition becomes a domain result here, at the edge;
 * any other SDK failure a DependencyUnavailableError.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamodbUnavailable } from '../aws/errors.ts';
import { auditDigests } from '../config/audit-digests.ts';
import {
  type ClaimTimes,
  claimUpdate,
  deliveryKey,
  existingState,
  fromDeliveryItem,
  toArchivedItem,
  toDeliveryItem,
} from './delivery-item.ts';
import { type AuditItem, type AuditRecord, auditSortKey } from './record.ts';
import type { Sealer } from './record-seal.ts';

/**
 * `claimed`: go on and send. `duplicate`: accepted before, answer 200. `in_flight`: another
 * attempt may still be sending, answer 503. `recorded` says whether this attempt was appended
 * to the item; when not (the item is full or erased, or was accepted too long before for a
 * digest to list the repeat with it: `appendableSince`), it needs a record of its own.
 * `window_passed`: the delivery id came again after its dedup window: a new delivery, which
 * `replace` claims.
 */
export type ClaimResult =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'duplicate' | 'in_flight'; readonly recorded: boolean }
  | { readonly outcome: 'window_passed'; readonly previous: AuditItem };

export interface DeliveryClaimsOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** Seals the accepted record and each attempt (record-seal.ts), under the ingest function's keys. */
  readonly sealer: Sealer;
  /**
   * The audit digests' period (functions/config/audit-digests.ts): a repeat more than a period
   * after its delivery's period gets a record of its own (`appendableSince`).
   * @default auditDigests.periodSeconds, in ms
   */
  readonly digestPeriodMs?: number;
}

/**
 * Claims deliveries.
 * @example
 * const claims = new DeliveryClaims({ dynamodb, tableName: process.env.AUDIT_TABLE_NAME });
 * const claim = await claims.claim(acceptedRecord, { sendingUntilMs, dedupUntilMs });
 */
export class DeliveryClaims {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #sealer: Sealer;
  readonly #digestPeriodMs: number;

  constructor(options: DeliveryClaimsOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#sealer = options.sealer;
    this.#digestPeriodMs = options.digestPeriodMs ?? auditDigests.periodSeconds * 1000;
  }

  /** The record with its seal, and its attempt's: both under one cached data key. */
  async #seal(record: AuditRecord) {
    const [sealed, attemptSeal] = await Promise.all([
      this.#sealer.sealRecord(record),
      this.#sealer.sealAttempt(record),
    ]);
    return { sealed, attemptSeal };
  }

  /**
   * One UpdateItem: writes the accepted record as a new delivery item, or appends this
   * attempt to the item that is there. What was there (ALL_OLD) decides the outcome.
   */
  async claim(record: AuditRecord, times: ClaimTimes): Promise<ClaimResult> {
    const { sealed, attemptSeal } = await this.#seal(record);
    // Built before the call: a record that breaks a rule is a bug (500), not DynamoDB's (503).
    const command = new UpdateItemCommand(
      claimUpdate(this.#tableName, sealed, times, attemptSeal, this.#digestPeriodMs),
    );
    let previous: AuditItem | undefined;
    let recorded = true;
    try {
      const output = await this.#dynamodb.send(command);
      previous = output.Attributes;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw dynamodbUnavailable('UpdateItem', error);
      }
      previous = error.Item;
      recorded = false;
    }
    if (previous === undefined || Object.keys(previous).length === 0) return { outcome: 'claimed' };
    // The SDK retried this very claim after its first try was applied (a timeout, a lost
    // answer): the item is this attempt's own, so it goes on and sends.
    if (previous.listSk?.S === auditSortKey(record)) return { outcome: 'claimed' };
    const existing = existingState(previous, record.receivedAtMs);
    if (existing.state === 'window_passed') return { outcome: 'window_passed', previous };
    return { outcome: existing.state === 'sending' ? 'in_flight' : 'duplicate', recorded };
  }

  /**
   * Claims a delivery whose previous item's dedup window has passed: in one transaction, moves
   * that item aside (its own sort key, still listed by time) and puts the new one in its place,
   * on condition that the item is still the one read: no other attempt replaced it, and no
   * erasure changed it since (else the copy moved aside would bring erased fields back). A
   * repeat appended in between is not in the copy moved aside. `lost`:
   * it changed; the attempt answers 503 and the provider's retry reads it again. A rare path
   * (an id reused after its window), so a transaction's double write cost is no concern here.
   */
  async replace(
    previous: AuditItem,
    record: AuditRecord,
    times: ClaimTimes,
  ): Promise<'claimed' | 'lost'> {
    const erasedAt = previous.erasedAtMs;
    const { sealed, attemptSeal } = await this.#seal(record);
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.#tableName,
            Item: toDeliveryItem(sealed, times, attemptSeal),
            ConditionExpression: `listSk = :previous AND ${
              erasedAt === undefined ? 'attribute_not_exists(erasedAtMs)' : 'erasedAtMs = :erasedAt'
            }`,
            ExpressionAttributeValues: {
              ':previous': previous.listSk ?? { S: '' },
              ...(erasedAt === undefined ? {} : { ':erasedAt': erasedAt }),
            },
          },
        },
        { Put: { TableName: this.#tableName, Item: toArchivedItem(previous) } },
      ],
    });
    try {
      await this.#dynamodb.send(command);
      return 'claimed';
    } catch (error) {
      const reasons =
        error instanceof TransactionCanceledException ? error.CancellationReasons : [];
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'lost';
      throw dynamodbUnavailable('TransactWriteItems', error);
    }
  }

  /**
   * Deletes the item this attempt claimed (after a failed send, so that the provider's retry
   * claims the delivery again), if it is still this attempt's. Returns the repeats appended to
   * it meanwhile, which were answered 503 and are recorded by the caller; `not_held` when the
   * item is another attempt's or gone.
   */
  async release(record: AuditRecord): Promise<readonly AuditRecord[] | 'not_held'> {
    try {
      const output = await this.#dynamodb.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: deliveryKey(record.providerId, record.deliveryId),
          ConditionExpression: 'listSk = :mine',
          ExpressionAttributeValues: { ':mine': { S: auditSortKey(record) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = output.Attributes;
      return old === undefined ? [] : repeatsOf(old);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'not_held';
      throw dynamodbUnavailable('DeleteItem', error);
    }
  }
}

/** The repeats an item holds; none readable from an item that is not a valid one. */
function repeatsOf(item: AuditItem): readonly AuditRecord[] {
  try {
    return fromDeliveryItem(item).slice(1);
  } catch {
    return [];
  }
}
