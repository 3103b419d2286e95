/**
 * The dedup marker of a delivery, in the audit table beside the records: steps 1 and 3 of the
 * ingest path (docs/architecture.md, "Ingest path: three round trips").
 *
 *   pk          `dedup#<providerId>#<deliveryId>` (an audit record's pk has exactly one `#`)
 *   sk          'marker'
 *   state       'pending' while an attempt holds the claim, 'done' once confirmed
 *   claimToken  random per claim: only its holder may release or confirm
 *   leaseUntil  Unix milliseconds; a pending marker past it may be claimed again
 *   expiresAt   Unix seconds: now + the provider's dedup window (DynamoDB TTL)
 *
 * A marker has no `deliveryId` attribute, so it never appears in the byDeliveryId index.
 */

import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { dynamodbUnavailable } from '../aws/errors.ts';
import { retryAfterSeconds } from '../config/limits.ts';
import type { Clock } from '../verify/types.ts';
import type { AuditItem } from './record.ts';

/**
 * How long a claim holds off other attempts of the same delivery: 30 s, longer than the ingest
 * function's timeout (assumed at most 15 s), so a live attempt never loses its claim, and equal
 * to the Retry-After of the 503 an `in_flight` answer gets, so the provider's retry finds the
 * lease of a crashed attempt run out.
 */
export const dedupLeaseSeconds = retryAfterSeconds;

export const markerSortKey = 'marker';

/** A claim this attempt holds: what `release` and the confirm transaction need. */
export interface DedupMarker {
  readonly providerId: string;
  readonly deliveryId: string;
  readonly claimToken: string;
  readonly leaseUntilMs: number;
  /** The provider's window, applied again from the time of the confirm. */
  readonly dedupWindowSeconds: number;
}

/** `claimed`: go on and send; `duplicate`: already accepted; `in_flight`: another attempt holds it. */
export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly marker: DedupMarker }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'in_flight'; readonly leaseUntilMs: number };

/** `not_held`: the marker is gone, done, or claimed by another attempt since. */
export type ReleaseResult = 'released' | 'not_held';

export interface DedupMarkersOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The audit table's name (`auditTable.nameVariable`). */
  readonly tableName: string;
  /** @default dedupLeaseSeconds (30) */
  readonly leaseSeconds?: number;
  /** @default Date.now */
  readonly now?: Clock;
}

/** The marker's key. */
export function markerKey(providerId: string, deliveryId: string): AuditItem {
  return { pk: { S: `dedup#${providerId}#${deliveryId}` }, sk: { S: markerSortKey } };
}

/**
 * Claims and releases delivery markers.
 * @example
 * const markers = new DedupMarkers({ dynamodb, tableName: process.env.AUDIT_TABLE_NAME });
 * const claim = await markers.claim('stripe-live', 'evt_1', config.dedupWindowSeconds);
 */
export class DedupMarkers {
  readonly #dynamodb: DynamoDBClient;
  readonly #tableName: string;
  readonly #leaseMs: number;
  readonly #now: Clock;

  constructor(options: DedupMarkersOptions) {
    this.#dynamodb = options.dynamodb;
    this.#tableName = options.tableName;
    this.#leaseMs = (options.leaseSeconds ?? dedupLeaseSeconds) * 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Claims the delivery with a conditional put: it succeeds when no marker exists, when the
   * pending one's lease has run out, or when the marker is past its TTL but not yet deleted
   * (DynamoDB's TTL deletes lazily).
   */
  async claim(
    providerId: string,
    deliveryId: string,
    dedupWindowSeconds: number,
  ): Promise<ClaimResult> {
    const nowMs = this.#now();
    const marker: DedupMarker = {
      providerId,
      deliveryId,
      claimToken: randomUUID(),
      leaseUntilMs: nowMs + this.#leaseMs,
      dedupWindowSeconds,
    };
    try {
      await this.#dynamodb.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            ...markerKey(providerId, deliveryId),
            state: { S: 'pending' },
            claimToken: { S: marker.claimToken },
            leaseUntil: { N: String(marker.leaseUntilMs) },
            expiresAt: { N: String(expiresAt(nowMs, dedupWindowSeconds)) },
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state = :pending AND leaseUntil < :nowMs) OR expiresAt <= :nowSeconds',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':pending': { S: 'pending' },
            ':nowMs': { N: String(nowMs) },
            ':nowSeconds': { N: String(Math.floor(nowMs / 1000)) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'claimed', marker };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw dynamodbUnavailable('PutItem', error);
      if (error.Item?.state?.S === 'done') return { outcome: 'duplicate' };
      return { outcome: 'in_flight', leaseUntilMs: Number(error.Item?.leaseUntil?.N) };
    }
  }

  /** Deletes the marker if this attempt still holds it (after a failed send, so a retry may claim). */
  async release(marker: DedupMarker): Promise<ReleaseResult> {
    try {
      await this.#dynamodb.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: markerKey(marker.providerId, marker.deliveryId),
          ...heldCondition(marker),
        }),
      );
      return 'released';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'not_held';
      throw dynamodbUnavailable('DeleteItem', error);
    }
  }
}

/**
 * The TransactWriteItems entries of the confirm (step 3): the marker set `done` if this
 * attempt still holds it (entry 0), and the accepted attempt's audit record put (entry 1). The
 * record's put needs no condition: its sort key ends with this attempt's request id.
 */
export function confirmInTransaction(
  tableName: string,
  marker: DedupMarker,
  recordItem: AuditItem,
  nowMs: number,
): TransactWriteItem[] {
  const held = heldCondition(marker);
  return [
    {
      Update: {
        TableName: tableName,
        Key: markerKey(marker.providerId, marker.deliveryId),
        UpdateExpression:
          'SET #state = :done, doneAt = :nowMs, expiresAt = :expiresAt REMOVE leaseUntil',
        ConditionExpression: held.ConditionExpression,
        ExpressionAttributeNames: held.ExpressionAttributeNames,
        ExpressionAttributeValues: {
          ...held.ExpressionAttributeValues,
          ':done': { S: 'done' },
          ':nowMs': { N: String(nowMs) },
          ':expiresAt': { N: String(expiresAt(nowMs, marker.dedupWindowSeconds)) },
        },
      },
    },
    { Put: { TableName: tableName, Item: recordItem } },
  ];
}

/** Index of the marker's entry in `confirmInTransaction`'s list. */
export const markerEntryIndex = 0;

function heldCondition(marker: DedupMarker) {
  return {
    ConditionExpression: 'claimToken = :claimToken AND #state = :pending',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':claimToken': { S: marker.claimToken },
      ':pending': { S: 'pending' },
    },
  };
}

function expiresAt(nowMs: number, windowSeconds: number): number {
  return Math.floor(nowMs / 1000) + windowSeconds;
}
