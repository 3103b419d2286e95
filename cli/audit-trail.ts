/**
 * What the `audit` commands and `replay` share about a deployment's delivery records: the
 * reader of its trail, the `--provider` check, how a record prints, and the warning for each
 * item a read could not parse.
 */
import { type AuditRecord, unregisteredProviderId } from '../functions/audit/record.ts';
import { isProviderId } from '../functions/registry/provider.ts';
import { type AuditListing, AuditReader } from '../ops/audit/audit-reader.ts';
import { UsageError } from './io.ts';
import { registryOf } from './registry.ts';
import type { Target } from './target.ts';

/** How far back `list` and `stats` read without `--since`. */
export const defaultSince = '24h';

/** The delivery records of the target's audit table. */
export const auditReaderOf = (target: Target) =>
  new AuditReader({ dynamodb: target.dynamodb, tableName: target.names.auditTableName });

/** Refuses what is neither a provider id nor the partition of attempts at unregistered ids. */
export function checkAuditProvider(providerId: string): string {
  if (!isProviderId(providerId) && providerId !== unregisteredProviderId) {
    throw new UsageError(`--provider '${providerId}' is not a provider id`);
  }
  return providerId;
}

/** Every registered provider, and the partition of attempts at ids nobody registered. */
export async function registeredProviders(target: Target): Promise<string[]> {
  const { providers } = await registryOf(target).list();
  // Attempts at ids nobody registered are filed apart; a full listing shows them too.
  return [...providers.map((provider) => provider.providerId), unregisteredProviderId];
}

/**
 * A record as printed: times as ISO text, encrypted fields (and how the copy is encoded) left
 * out (`show` adds them), and its seal, which only `audit verify` reads.
 */
export function recordView(record: AuditRecord) {
  const {
    seal: _seal,
    encryptedHeaders: _headers,
    encryptedPayload: _payload,
    payloadEncoding: _encoding,
    receivedAtMs,
    erasedAtMs,
    ...rest
  } = record;
  return {
    receivedAt: new Date(receivedAtMs).toISOString(),
    ...rest,
    ...(erasedAtMs === undefined ? {} : { erasedAt: new Date(erasedAtMs).toISOString() }),
  };
}

/** One warning line per item a listing could not read. */
export function malformedWarnings(
  listings: ReadonlyArray<Pick<AuditListing, 'malformed'>>,
): string {
  return listings
    .flatMap((listing) => listing.malformed)
    .map((error) => `warning: ${error.message}\n`)
    .join('');
}
