/**
 * The delivery item: one item per accepted delivery that is both its dedup marker and its
 * accepted audit record, with every later attempt of the same delivery appended to it. It is
 * what lets an accepted delivery cost two round trips (docs/architecture.md, "Ingest path: two
 * round trips"): one conditional PutItem that claims the delivery, then the send. A repeat
 * finds the item in that PutItem's answer and is appended with an UpdateItem that touches
 * `attempts` only. Refused and failed attempts stay records of their own (record.ts).
 *
 * The ingest function writes it append-only (docs/audit-integrity.md, "Append-only writes"):
 * it never replaces an item but a void one, moved aside first, and its updates name only
 * `ingestUpdatedAttributes`, which its IAM policy enforces: never a record field, a seal, or
 * `expiresAt`.
 *
 * Item layout:
 *   pk            `d#<deliveryId>`: `audit show <deliveryId>` is a Query on it, any provider
 *   sk            `p#<providerId>`; an item moved aside when the delivery id came again after
 *                 its dedup window, or after its claim was released: `p#<providerId>#<requestId>`
 *                 (`archivedSortKey`)
 *   listPk/listSk the record's time keys (record.ts `auditPartitionKey`, `auditSortKey`): the
 *                 keys-only `byTime` index lists deliveries with the records by time
 *   attempts      every attempt, the accepted one first: {r: request id, t: received ms,
 *                 ip: source address, ua: user agent, k/s/sp: the attempt's seal}; erasure
 *                 removes `ip`, `ua` and `sp`. `k` names a blob the item holds (`sealKey_…`)
 *                 by its fingerprint, or, on a repeat sealed under a key the item does not
 *                 hold, is the blob itself: a repeat adds no attribute beside `attempts`
 *   sealKeyRef/seal/sealPersonal  the accepted record's seal (record-seal.ts)
 *   sealKey_<fingerprint>  each seal key's blob, once (seal-attributes.ts), written by the claim
 *   sendingUntil  Unix ms: until then a repeat is answered 503 `in_flight`, the send may still
 *                 be under way; after it, 200 `duplicate`
 *   dedupUntil    Unix ms: the provider's dedup window; a repeat after it is a new delivery
 *   releasedAtMs  Unix ms, set when the claim's send failed and it was released: the item is
 *                 void (its attempt is recorded `failed`, a record of its own), a retry claims
 *                 the delivery anew; absent on items written before releases were kept
 *   expiresAt     Unix seconds, the retention class's (DynamoDB TTL)
 * and the accepted record's other fields under their own names. It has no `deliveryId`
 * attribute, so it is not in the byDeliveryId index (which holds the other records).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidAuditRecordError, MalformedAuditItemError } from './errors.ts';
import {
  type AuditItem,
  type AuditRecord,
  auditExpiresAt,
  auditPartitionKey,
  auditRecordId,
  auditRecordProblems,
  auditShardOf,
  auditSortKey,
  auditTimeKey,
} from './record.ts';
import {
  attemptSealAttributes,
  deliverySealAttributes,
  type ErasureSeal,
  erasureSealOf,
  isSealKeyAttribute,
  type RecordSeal,
  type Seal,
  sealFromAttributes,
  sealKeyAttribute,
  sealKeyBlobAttribute,
  sealKeyFingerprint,
  sealToAttributes,
} from './seal-attributes.ts';
import { show } from './text.ts';

/** The attempts one item holds; a repeat past them is written as a record of its own. */
export const maxItemAttempts = 20;

const deliveryPrefix = 'd#';
const providerPrefix = 'p#';

/** The key of a delivery's current item. */
export function deliveryKey(providerId: string, deliveryId: string): AuditItem {
  return {
    pk: { S: `${deliveryPrefix}${deliveryId}` },
    sk: { S: `${providerPrefix}${providerId}` },
  };
}

/** The partition of every item of a delivery id, whatever the provider. */
export function deliveryPartitionKey(deliveryId: string): string {
  return `${deliveryPrefix}${deliveryId}`;
}

/** Where an item that a new delivery of the same id replaced is kept. */
export function archivedSortKey(providerId: string, requestId: string): string {
  return `${providerPrefix}${providerId}#${requestId}`;
}

/** Whether an audit-table item is a delivery item. */
export function isDeliveryItem(item: AuditItem): boolean {
  return item.pk?.S?.startsWith(deliveryPrefix) === true;
}

/** One attempt as a delivery item keeps it. */
export interface ItemAttempt {
  readonly requestId: string;
  readonly receivedAtMs: number;
  /** Absent once erased. */
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** Absent on attempts written before seals. */
  readonly seal?: Seal;
}

/** What the claim writes besides the accepted record. */
export interface ClaimTimes {
  /** Until when a repeat waits (503) for this attempt's send. */
  readonly sendingUntilMs: number;
  /** Until when a repeat is a duplicate. */
  readonly dedupUntilMs: number;
}

/**
 * The earliest accepted time (as a `listSk` prefix) whose item a repeat at `receivedAtMs` may
 * still be appended to: the start of the digest period before the repeat's. A period's digest
 * lists the repeats appended to items accepted in the period before it (ops/integrity/
 * period-reader.ts); a repeat later than that gets a record of its own, filed under its own
 * time, so that its own period's digest lists it.
 */
export function appendableSince(receivedAtMs: number, digestPeriodMs: number): string {
  return auditTimeKey((Math.floor(receivedAtMs / digestPeriodMs) - 1) * digestPeriodMs);
}

/**
 * The top-level attributes the ingest function's UpdateItems name, keys included, in their
 * expressions and conditions alike: `attempts` (a repeat appended) and `releasedAtMs` (a
 * claim released). infra/ingest-function.ts allows UpdateItem on the audit table with these
 * only (`dynamodb:Attributes`); a record field, a seal, `expiresAt` are none of them.
 */
export const ingestUpdatedAttributes = ['pk', 'sk', 'attempts', 'releasedAtMs'] as const;

/**
 * The claim: the accepted record as a new delivery item, on condition that the delivery has
 * none. When it has, ALL_OLD returns the item there, which tells the caller what this attempt
 * is (`existingState`); nothing is written.
 */
export function claimPut(
  tableName: string,
  record: AuditRecord,
  times: ClaimTimes,
  attemptSeal: Seal,
) {
  return {
    TableName: tableName,
    Item: toDeliveryItem(record, times, attemptSeal),
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/**
 * Whether a repeat at `receivedAtMs` may be appended to `item`, as read: it is not void (not
 * released, still in its dedup window), not erased (an erased item must not get personal
 * fields back), holds fewer than `maxItemAttempts`, and was accepted no earlier than
 * `appendableSince`. `appendUpdate`'s condition checks again what may change meanwhile.
 */
export function isAppendable(item: AuditItem, receivedAtMs: number, digestPeriodMs: number) {
  return (
    existingState(item, receivedAtMs).state !== 'void' &&
    item.erasedAtMs === undefined &&
    attemptCount(item) < maxItemAttempts &&
    (item.listSk?.S ?? '') >= appendableSince(receivedAtMs, digestPeriodMs)
  );
}

/**
 * The one UpdateItem of a repeat: appended to the item whose claim `claimedBy` made (the
 * request id of its first attempt), naming `attempts` and `releasedAtMs` only
 * (`ingestUpdatedAttributes`). Its condition pins the item by that first attempt (a replaced
 * item has another) and checks what may
 * have changed since it was read: not released, not full, not erased (erasure removes every
 * attempt's address, the accepted attempt's included, which is never absent otherwise).
 * `sealKeys` are the `sealKey_…` attributes the item holds: a seal under another key keeps
 * its blob in the attempt itself.
 */
export function appendUpdate(
  tableName: string,
  record: AuditRecord,
  attemptSeal: Seal,
  claimedBy: string,
  sealKeys: ReadonlySet<string>,
) {
  const byReference = sealKeys.has(sealKeyAttribute(sealKeyFingerprint(attemptSeal.key)));
  return {
    TableName: tableName,
    Key: deliveryKey(record.providerId, record.deliveryId),
    UpdateExpression: 'SET attempts = list_append(attempts, :attempt)',
    ConditionExpression:
      'attempts[0].r = :claimedBy AND size(attempts) < :max AND ' +
      'attribute_exists(attempts[0].ip) AND attribute_not_exists(releasedAtMs)',
    ExpressionAttributeValues: {
      ':attempt': { L: [attemptValue(record, attemptSeal, byReference)] },
      ':claimedBy': { S: claimedBy },
      ':max': { N: String(maxItemAttempts) },
    },
  };
}

/**
 * The release of the claim `record` took (after a failed send): `releasedAtMs` set, if the
 * item is still that claim's and not released yet. Nothing else of the item changes: the
 * item stays, void, and the provider's retry replaces it (moved aside, as after a dedup
 * window).
 */
export function releaseUpdate(tableName: string, record: AuditRecord, releasedAtMs: number) {
  return {
    TableName: tableName,
    Key: deliveryKey(record.providerId, record.deliveryId),
    UpdateExpression: 'SET releasedAtMs = :at',
    ConditionExpression: 'attempts[0].r = :mine AND attribute_not_exists(releasedAtMs)',
    ExpressionAttributeValues: {
      ':at': { N: String(releasedAtMs) },
      ':mine': { S: record.requestId },
    },
  };
}

/**
 * The condition of a replacement: the item there is still the void one read (its claim, its
 * attempts, its erasure and release as read), so that the copy moved aside holds all of it.
 */
export function pinnedCondition(previous: AuditItem) {
  const values: Record<string, AttributeValue> = {
    ':previous': previous.listSk ?? { S: '' },
    ':count': { N: String(attemptCount(previous)) },
  };
  const pins = ['listSk = :previous', 'size(attempts) = :count'];
  for (const name of ['erasedAtMs', 'releasedAtMs'] as const) {
    const value = previous[name];
    if (value === undefined) {
      pins.push(`attribute_not_exists(${name})`);
    } else {
      pins.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  return { ConditionExpression: pins.join(' AND '), ExpressionAttributeValues: values };
}

/** The accepted record as a whole delivery item: the claim's, or a void item's replacement. */
export function toDeliveryItem(
  record: AuditRecord,
  times: ClaimTimes,
  attemptSeal: Seal,
): AuditItem {
  return {
    ...deliveryKey(record.providerId, record.deliveryId),
    ...deliveryFields(record, times),
    ...sealKeyBlobAttribute(attemptSeal),
    attempts: { L: [attemptValue(record, attemptSeal, true)] },
  };
}

/**
 * A delivery item moved aside, at `archivedSortKey`: the same fields, no longer claimed. It
 * keeps `sendingUntil`, from which its repeats read as `in_flight` or `already_accepted`, so
 * that they read as they did (and as the digests and seals of their periods have them).
 */
export function toArchivedItem(item: AuditItem): AuditItem {
  const { providerId, requestId } = deliveryIdentity(item);
  const { dedupUntil: _dedup, ...rest } = item;
  return { ...rest, sk: { S: archivedSortKey(providerId, requestId) } };
}

function deliveryFields(record: AuditRecord, times: ClaimTimes): AuditItem {
  const problems = auditRecordProblems(record);
  if (record.outcome !== 'accepted') problems.push('a delivery item holds an accepted record');
  if (record.seal?.scope !== 'record')
    problems.push("a delivery item's record must carry a record seal");
  if (problems.length > 0) throw new InvalidAuditRecordError(problems);
  const optional = (name: string, value: string | undefined): AuditItem =>
    value === undefined ? {} : { [name]: { S: value } };
  return {
    listPk: { S: auditPartitionKey(record.providerId, auditShardOf(record.deliveryId)) },
    listSk: { S: auditSortKey(record) },
    expiresAt: { N: String(auditExpiresAt(record)) },
    sendingUntil: { N: String(times.sendingUntilMs) },
    dedupUntil: { N: String(times.dedupUntilMs) },
    bodySha256: { S: record.bodySha256 },
    retentionClass: { S: record.retentionClass },
    ...optional('scheme', record.scheme),
    ...optional('keyId', record.keyId),
    ...optional('eventType', record.eventType),
    ...optional('eventId', record.eventId),
    ...optional('subjectHash', record.subjectHash),
    ...(record.encryptedHeaders === undefined
      ? {}
      : { encryptedHeaders: { B: record.encryptedHeaders } }),
    ...(record.seal === undefined
      ? {}
      : {
          ...sealToAttributes(record.seal, deliverySealAttributes, true),
          ...sealKeyBlobAttribute(record.seal),
        }),
  };
}

/** An attempt as `attempts` keeps it; its seal's key by fingerprint, or the blob itself. */
function attemptValue(record: AuditRecord, seal: Seal, byReference: boolean): AttributeValue {
  return {
    M: {
      r: { S: record.requestId },
      t: { N: String(record.receivedAtMs) },
      ...(record.sourceIp === undefined ? {} : { ip: { S: record.sourceIp } }),
      ...(record.userAgent === undefined ? {} : { ua: { S: record.userAgent } }),
      ...sealToAttributes(seal, { ...attemptSealAttributes, byReference }, true),
    },
  };
}

/**
 * The claim's state as the item returned by ALL_OLD tells it. `void`: its dedup window has
 * passed, or its claim was released after a failed send; either way a new attempt is a new
 * delivery, which replaces the item (moved aside).
 */
export type ExistingDelivery =
  | { readonly state: 'sending'; readonly sendingUntilMs: number }
  | { readonly state: 'accepted' }
  | { readonly state: 'void' };

/** What an existing item means for a new attempt at `nowMs`. */
export function existingState(item: AuditItem, nowMs: number): ExistingDelivery {
  if (isReleased(item)) return { state: 'void' };
  const sendingUntilMs = Number(item.sendingUntil?.N);
  const dedupUntilMs = Number(item.dedupUntil?.N);
  if (Number.isFinite(dedupUntilMs) && dedupUntilMs <= nowMs) return { state: 'void' };
  if (Number.isFinite(sendingUntilMs) && sendingUntilMs > nowMs) {
    return { state: 'sending', sendingUntilMs };
  }
  return { state: 'accepted' };
}

/** Whether the item's claim was released: no accepted record, only the repeats it holds. */
export function isReleased(item: AuditItem): boolean {
  return item.releasedAtMs !== undefined;
}

/** The `sealKey_…` attributes an item holds. */
export function sealKeysOf(item: AuditItem): ReadonlySet<string> {
  return new Set(Object.keys(item).filter(isSealKeyAttribute));
}

/** The number of attempts an item holds. */
export function attemptCount(item: AuditItem): number {
  return item.attempts?.L?.length ?? 0;
}

/**
 * Every attempt a delivery item holds, as records: the accepted one, then each repeat as a
 * `duplicate` (reason `in_flight` when it came while the send could still be under way, and
 * was answered 503), oldest first. Repeats carry no headers: only the accepted attempt's are
 * kept. A released item (`isReleased`) holds no accepted record: only its repeats, each
 * `failed` with reason `in_flight`, as they were answered. MalformedAuditItemError if the item
 * is not a valid delivery item.
 */
export function fromDeliveryItem(item: AuditItem): AuditRecord[] {
  const problems: string[] = [];
  const { providerId, deliveryId, requestId } = deliveryIdentity(item);
  const attempts = readAttempts(item, problems);
  const first = attempts.find((attempt) => attempt.requestId === requestId);
  if (first === undefined) problems.push('no attempt matches the accepted request id');
  const string = (name: string): string | undefined => {
    const value = item[name];
    if (value !== undefined && value.S === undefined) problems.push(`${name} is not a string`);
    return value?.S;
  };
  const erasedAt = item.erasedAtMs?.N;
  const headers = item.encryptedHeaders?.B;
  const recordSeal = sealFromAttributes(item, deliverySealAttributes);
  // One erasure erases the item: its seal names the item by the accepted record's keys.
  const erasure = erasureSealOf(item, auditRecordId(providerId, item.listSk?.S ?? ''));
  const shared = {
    providerId,
    deliveryId,
    bodySha256: string('bodySha256'),
    retentionClass: string('retentionClass'),
    scheme: string('scheme'),
    eventType: string('eventType'),
    eventId: string('eventId'),
    subjectHash: string('subjectHash'),
    erasureReceiptId: string('erasureReceiptId'),
    erasedAtMs: erasedAt === undefined ? undefined : Number(erasedAt),
  };
  const accepted = present({
    ...shared,
    ...attemptFields(first),
    requestId,
    outcome: 'accepted',
    keyId: string('keyId'),
    encryptedHeaders:
      headers === undefined
        ? undefined
        : Buffer.from(headers.buffer, headers.byteOffset, headers.byteLength),
    seal: scoped(recordSeal, 'record', erasure),
  });
  problems.push(...auditRecordProblems(accepted));
  const expectedList = auditPartitionKey(providerId, auditShardOf(deliveryId));
  if (item.listPk?.S !== expectedList) {
    problems.push(`listPk should be ${show(expectedList)}, got ${show(item.listPk?.S)}`);
  }
  if (problems.length === 0 && item.listSk?.S !== auditSortKey(accepted)) {
    problems.push('listSk does not match the record it holds');
  }
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  const sendingUntilMs = Number(item.sendingUntil?.N);
  const released = isReleased(item);
  const repeats = attempts
    .filter((attempt) => attempt.requestId !== requestId)
    .map((attempt) =>
      present({
        ...shared,
        ...attemptFields(attempt),
        // Answered 503 while a send was under way that then failed: nothing was accepted.
        outcome: released ? 'failed' : 'duplicate',
        reason:
          released || attempt.receivedAtMs < sendingUntilMs ? 'in_flight' : 'already_accepted',
        seal: scoped(attempt.seal, 'attempt', erasure),
      }),
    );
  // A released claim is no accepted record: its attempt is recorded `failed`, an item of its own.
  return released ? repeats : [accepted, ...repeats];
}

/** The provider, delivery and accepted request a delivery item's keys (and `listSk`) name. */
export function deliveryIdentity(item: AuditItem) {
  const pk = item.pk?.S ?? '';
  const sk = item.sk?.S ?? '';
  const listSk = item.listSk?.S ?? '';
  const deliveryId = pk.slice(deliveryPrefix.length);
  // Provider ids hold no `#` (provider.ts); request ids none either (record.ts).
  const providerId = sk.slice(providerPrefix.length).split('#')[0] ?? '';
  const requestId = listSk.slice(listSk.lastIndexOf('#') + 1);
  return { providerId, deliveryId, requestId };
}

function readAttempts(item: AuditItem, problems: string[]): ItemAttempt[] {
  const list = item.attempts?.L;
  if (list === undefined) {
    problems.push('attempts is not a list');
    return [];
  }
  const seen = new Set<string>();
  const erased = item.erasedAtMs !== undefined || item.erasureReceiptId !== undefined;
  return list.flatMap((value, index) => {
    const entry = value.M;
    const requestId = entry?.r?.S;
    const receivedAtMs = Number(entry?.t?.N);
    // `k` is a fingerprint of a blob the item holds, or (a repeat's) the blob itself.
    const inline = entry?.k?.B !== undefined;
    const seal =
      entry === undefined
        ? undefined
        : sealFromAttributes(entry, { ...attemptSealAttributes, byReference: !inline }, item);
    if (requestId === undefined || !Number.isSafeInteger(receivedAtMs)) {
      problems.push(`attempts[${index}] lacks its request id or time`);
      return [];
    }
    if (erased && (entry?.ip !== undefined || entry?.ua !== undefined || entry?.sp !== undefined)) {
      problems.push(`attempts[${index}] of an erased item keeps an address, agent or their seal`);
    }
    // An attempt the SDK retried after its first try was appended: one attempt, listed twice.
    if (seen.has(requestId)) return [];
    seen.add(requestId);
    return [
      {
        requestId,
        receivedAtMs,
        ...(entry?.ip?.S === undefined ? {} : { sourceIp: entry.ip.S }),
        ...(entry?.ua?.S === undefined ? {} : { userAgent: entry.ua.S }),
        ...(seal === undefined ? {} : { seal }),
      },
    ];
  });
}

function attemptFields(attempt: ItemAttempt | undefined) {
  return {
    requestId: attempt?.requestId,
    receivedAtMs: attempt?.receivedAtMs ?? Number.NaN,
    sourceIp: attempt?.sourceIp,
    userAgent: attempt?.userAgent,
  };
}

function scoped(
  seal: Seal | undefined,
  scope: RecordSeal['scope'],
  erasure: ErasureSeal | undefined,
): RecordSeal | undefined {
  if (seal === undefined) return undefined;
  return { scope, ...seal, ...(erasure === undefined ? {} : { erasure }) };
}

function present(record: Record<string, unknown>): AuditRecord {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as unknown as AuditRecord;
}
