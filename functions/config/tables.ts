/**
 * The DynamoDB tables, as data: the CDK construct and the local stack both create them from
 * these definitions, and the adapters read the attribute names from here.
 */

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface TableDefinition {
  /** The environment variable that carries the deployed table's name to the Lambda and CLI. */
  readonly nameVariable: string;
  /** The table's name in the local stack. */
  readonly localName: string;
  readonly partitionKey: KeyAttribute;
  /** @default - no sort key */
  readonly sortKey?: KeyAttribute;
  /** The attribute DynamoDB's TTL reads (Unix seconds). @default - no TTL */
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: ReadonlyArray<{
    readonly indexName: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey?: KeyAttribute;
    /** The index's copy holds the table's and index's keys only. */
    readonly projection: 'KEYS_ONLY';
  }>;
}

/**
 * Provider registry: one item per provider holding its scheme, options, tolerance, flags,
 * retention class, redaction rules and its secrets as KMS ciphertexts. One item, so that a
 * cold container needs one GetItem and one Decrypt per provider.
 */
export const registryTable = {
  nameVariable: 'REGISTRY_TABLE_NAME',
  localName: 'webhook-ingestion-registry',
  partitionKey: { name: 'providerId', type: 'S' },
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

/**
 * The consumer's record of each delivery its handler ran (consumer/, Powertools Idempotency's
 * DynamoDB layer and its attribute names): `id` is the delivery's key, `status` in progress or
 * completed, `expiration` (Unix seconds) when DynamoDB's TTL removes it, and
 * `in_progress_expiration` (Unix milliseconds) when a run that never finished may be retried.
 */
export const consumerTable = {
  nameVariable: 'CONSUMER_TABLE_NAME',
  localName: 'webhook-ingestion-consumer',
  partitionKey: { name: 'id', type: 'S' },
  timeToLiveAttribute: 'expiration',
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

/**
 * The name the consumer's records are kept under, which `addConsumer` sets to the wiring's
 * construct path: unlike the function's physical name, it survives the function's replacement,
 * so copies in flight then are not run again.
 */
export const consumerNameVariable = 'CONSUMER_NAME';

/**
 * Audit trail: one item per accepted delivery (with its repeats), one per other attempt. A
 * record's partition key is the provider and a shard (`<providerId>#<0..auditShards-1>`, the
 * shard from the delivery id) so that one busy provider spreads its writes; the sort key
 * starts with the time, so a provider's attempts in a time range are a Query per shard (on
 * the table, and on byTime for accepted deliveries), never a Scan.
 */
export const auditTable = {
  nameVariable: 'AUDIT_TABLE_NAME',
  localName: 'webhook-ingestion-audit',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      // Delivery items (functions/audit/delivery-item.ts) live under their delivery id, so
      // that one conditional write claims a delivery; this index lists them by provider and
      // time beside the other records, under the same keys a record has in the table.
      indexName: 'byTime',
      partitionKey: { name: 'listPk', type: 'S' },
      sortKey: { name: 'listSk', type: 'S' },
      // Keys only, for the reason below: one write unit per delivery, whatever its size.
      projection: 'KEYS_ONLY',
    },
    {
      // `webhooks audit show <deliveryId>` finds the other records of a delivery (refused,
      // failed) without knowing its provider; its delivery items are a Query on their pk.
      indexName: 'byDeliveryId',
      partitionKey: { name: 'deliveryId', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      // Keys only: every record is written once more into the index, and a copy of its
      // encrypted headers there would double the write and storage cost of the whole trail
      // for a lookup (`audit show`) that a follow-up BatchGetItem serves as well.
      projection: 'KEYS_ONLY',
    },
    {
      // `webhooks audit erase --subject` finds a data subject's records by the keyed hash of
      // the provider's subject key (functions/audit/subject-index.ts), never by the value.
      // Only records that carry `subjectHash` are in it: payload copies, markers, admin
      // records and erasure receipts never do, and erasure removes it from a record.
      indexName: 'bySubject',
      partitionKey: { name: 'subjectHash', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      // Keys only, for the reason above; erasure needs nothing but the record's key.
      projection: 'KEYS_ONLY',
    },
  ],
} as const satisfies TableDefinition;

/** Write shards per provider in the audit table. */
export const auditShards = 8;

/**
 * How far back point-in-time recovery can restore both tables: DynamoDB's longest (and
 * default). It is also how long an erased field lives on in the backups (docs/gdpr-article-30.md).
 */
export const pointInTimeRecoveryDays = 35;
