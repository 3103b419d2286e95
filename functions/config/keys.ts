/**
 * The KMS keys, one per data class so that each key policy grants only what its class needs.
 * The CDK construct creates them; the local stack creates stand-in keys under the same aliases.
 */
export const kmsKeys = {
  /** Provider secrets and public keys in the registry table. */
  secrets: { alias: 'alias/webhook-ingestion/secrets', idVariable: 'SECRETS_KEY_ID' },
  /** Audit records (table encryption and client-side field encryption) and logs. */
  audit: { alias: 'alias/webhook-ingestion/audit', idVariable: 'AUDIT_KEY_ID' },
  /** The delivery queue and its dead-letter queue. */
  queue: { alias: 'alias/webhook-ingestion/queue', idVariable: 'QUEUE_KEY_ID' },
} as const;
