/**
 * The audit table's adapter for delivery items (delivery-item.ts): the claim that is step 1 of
 * the ingest path (one conditional PutItem), the appending of a repeat to the item it found,
 * the replacement of a void item (its dedup window passed, or its claim released), and the
 * release of a claim whose send failed. None of them deletes an item or changes what one
 * holds (docs/audit-integrity.md, "Append-only writes"). A failed condition becomes a domain
 * result here, at the edge; any other SDK failure a DependencyUnavailableError.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamodbUnavailable } from '../aws/errors.ts';
import { auditDigests } from '../config/audit-digests.ts';
import {
  appendUpdate,
  type ClaimTimes,
  claimPut,
  existingState,
  isAppendable,
  pinnedCondition,
  releaseUpdate,
  sealKeysOf,
  toArchivedItem,
  toDeliveryItem,
} from './delivery-item.ts';
import { type AuditItem, type AuditRecord, auditSortKey } from './record.ts';
import type { Sealer } from './record-seal.ts';
import type { Seal } from './seal-attributes.ts';

/**
 * `claimed`: go on and send. `duplicate`: accepted before, answer 200. `in_flight`: another
 * attempt may still be sending, answer 503. `recorded` says whether this attempt was appended
 * to the item; when not (the item is full or erased, or was accepted too long before for a
 * digest to list the repeat with it: `appendableSince`), it needs a record of its own.
 * `window_passed`: the item there is void (the delivery id came again after its dedup window,
 * or the claim that wrote it was released after a failed send): this is a new delivery, which
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
   * One PutItem on condition that the delivery has no item: a first attempt is claimed with
   * that write alone. When it has one, the PutItem writes nothing and answers with the item
   * (ALL_OLD), which decides the outcome; a repeat is then appended to it by one UpdateItem.
   */
  async claim(record: AuditRecord, times: ClaimTimes): Promise<ClaimResult> {
    const { sealed, attemptSeal } = await this.#seal(record);
    // Built before the call: a record that breaks a rule is a bug (500), not DynamoDB's (503).
    const command = new PutItemCommand(claimPut(this.#tableName, sealed, times, attemptSeal));
    let previous: AuditItem | undefined;
    try {
      await this.#dynamodb.send(command);
      return { outcome: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw dynamodbUnavailable('PutItem', error);
      }
      previous = error.Item;
    }
    // Answered without the item: none to read the state from, so wait as for a send (503).
    if (previous === undefined) return { outcome: 'in_flight', recorded: false };
    // The SDK retried this very claim after its first try was applied (a timeout, a lost
    // answer): the item is this attempt's own, so it goes on and sends.
    if (previous.listSk?.S === auditSortKey(record)) return { outcome: 'claimed' };
    const existing = existingState(previous, record.receivedAtMs);
    if (existing.state === 'void') return { outcome: 'window_passed', previous };
    const outcome = existing.state === 'sending' ? 'in_flight' : 'duplicate';
    const recorded =
      isAppendable(previous, record.receivedAtMs, this.#digestPeriodMs) &&
      (await this.#append(previous, record, attemptSeal));
    return { outcome, recorded };
  }

  /** Appends the repeat to the item read; false when the item changed so that it may not. */
  async #append(previous: AuditItem, record: AuditRecord, attemptSeal: Seal): Promise<boolean> {
    const claimedBy = previous.attempts?.L?.[0]?.M?.r?.S;
    if (claimedBy === undefined) return false;
    const update = appendUpdate(
      this.#tableName,
      record,
      attemptSeal,
      claimedBy,
      sealKeysOf(previous),
    );
    try {
      await this.#dynamodb.send(new UpdateItemCommand(update));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw dynamodbUnavailable('UpdateItem', error);
    }
  }

  /**
   * Claims a delivery whose item is void (its dedup window passed, or its claim was released):
   * in one transaction, copies that item aside (its own sort key, still listed by time, a key
   * never written before) and puts the new one in its place, on condition that the item is
   * still the one read: no other attempt replaced it, no repeat was appended, no erasure or
   * release changed it since (else the copy moved aside would miss it, or bring erased fields
   * back). So nothing written is lost. `lost`: it changed; the attempt answers 503 and the
   * provider's retry reads it again. A rare path (an id reused after its window, a retry after
   * a failed send), so a transaction's double write cost is no concern here.
   */
  async replace(
    previous: AuditItem,
    record: AuditRecord,
    times: ClaimTimes,
  ): Promise<'claimed' | 'lost'> {
    const { sealed, attemptSeal } = await this.#seal(record);
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.#tableName,
            Item: toDeliveryItem(sealed, times, attemptSeal),
            ...pinnedCondition(previous),
          },
        },
        {
          Put: {
            TableName: this.#tableName,
            Item: toArchivedItem(previous),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    try {
      await this.#dynamodb.send(command);
      return 'claimed';
    } catch (error) {
      const reasons =
        error instanceof TransactionCanceledException ? error.CancellationReasons : [];
      if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return 'lost';
      throw dynamodbUnavailable('TransactWriteItems', error);
    }
  }

  /**
   * Releases the claim this attempt took (after a failed send, so that the provider's retry
   * claims the delivery again), if the item is still this attempt's: marks it released, and
   * changes nothing else. The item stays, void: readers take only its repeats from it, which
   * were answered 503 (delivery-item.ts `fromDeliveryItem`); the attempt itself is recorded
   * `failed` by the caller. `not_held` when the item is another attempt's, released or gone.
   */
  async release(record: AuditRecord, releasedAtMs = Date.now()): Promise<'released' | 'not_held'> {
    try {
      await this.#dynamodb.send(
        new UpdateItemCommand(releaseUpdate(this.#tableName, record, releasedAtMs)),
      );
      return 'released';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'not_held';
      throw dynamodbUnavailable('UpdateItem', error);
    }
  }
}
