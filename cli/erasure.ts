/**
 * What `audit erase` and `audit receipts` share: the target's erasure store
 * (ops/erasure/erasure-store.ts), the selection of a subject's records under every version of
 * the subject-index secret, a receipt and its request as printed, and the naming of a table
 * whose call AWS denied the caller.
 */

import type { VersionedHash } from '../functions/audit/subject-index-secret.ts';
import { BodyObjectErasure } from '../ops/erasure/body-object-erasure.ts';
import type { ErasureReceipt, ErasureRequest } from '../ops/erasure/erasure-receipt.ts';
import { ErasureStore, type RecordKey } from '../ops/erasure/erasure-store.ts';
import { namingDeniedAccess } from './errors.ts';
import { iso } from './table.ts';
import { operatorSealerOf, type Target } from './target.ts';

export const erasureStoreOf = (target: Target) =>
  new ErasureStore({
    dynamodb: target.dynamodb,
    tableName: target.names.auditTableName,
    sealer: operatorSealerOf(target),
    ...(target.payloadBucketName === undefined
      ? {}
      : {
          bodyObjects: new BodyObjectErasure({
            s3: target.s3,
            bucketName: target.payloadBucketName,
          }),
        }),
  });

/**
 * A subject's request under each version's hash, the current version's first: a record holds
 * the hash of the version that indexed it (functions/audit/subject-index.ts), so a subject
 * indexed before a rotation is found only under an older version's.
 */
export function subjectRequests(
  providerId: string,
  hashes: readonly VersionedHash[],
): Extract<ErasureRequest, { kind: 'subject' }>[] {
  return hashes.map(({ hash }) => ({ kind: 'subject', providerId, subjectHash: hash }));
}

/** The records any of `requests` selects, each once, in the requests' order. */
export async function selectRecordsOfEach(
  store: Pick<ErasureStore, 'selectRecords'>,
  requests: readonly ErasureRequest[],
): Promise<RecordKey[]> {
  const seen = new Set<string>();
  const keys: RecordKey[] = [];
  for (const request of requests) {
    for (const key of await store.selectRecords(request)) {
      const id = `${key.pk}\u0000${key.sk}`;
      if (seen.has(id)) continue;
      seen.add(id);
      keys.push(key);
    }
  }
  return keys;
}

/** Runs a call, naming the table (and the action) when AWS denied it. */
export async function denialNamed<Result>(
  target: Target,
  call: () => Promise<Result>,
  table = target.names.auditTableName,
): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    throw namingDeniedAccess(error, `the table ${table}`);
  }
}

/** A receipt as printed: times as ISO text, a subject only by its hash. */
export function receiptView(receipt: ErasureReceipt) {
  const { receiptId, requestedAtMs, respondedAtMs, request, retained, ...rest } = receipt;
  return {
    receiptId,
    requestedAt: iso(requestedAtMs),
    respondedAt: iso(respondedAtMs),
    ...rest,
    request: requestView(request),
    retained: retained.map(({ keptUntilMs, ...entry }) => ({
      ...entry,
      keptUntil: iso(keptUntilMs),
    })),
  };
}

/** An erasure request as printed: a range's ends as ISO text. */
export function requestView(request: ErasureRequest) {
  if (request.kind !== 'range') return request;
  const { sinceMs, untilMs, ...rest } = request;
  return { ...rest, since: iso(sinceMs), until: iso(untilMs) };
}

/** What was asked, in words: `delivery evt_1`, `stripe-live 2024-05-01… to …`, `subject of shop`. */
export function requestText(request: ErasureRequest): string {
  switch (request.kind) {
    case 'delivery':
      return `delivery ${request.deliveryId}${request.providerId === undefined ? '' : ` of ${request.providerId}`}`;
    case 'range':
      return `records of ${request.providerId} received ${iso(request.sinceMs)} to ${iso(request.untilMs)}`;
    case 'subject':
      return `records of ${request.providerId} about a data subject (keyed hash ${request.subjectHash})`;
  }
}
