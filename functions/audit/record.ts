/**
 * The audit record of one delivery attempt (accepted, duplicate, rejected or failed) and its
 * mapping to and from the audit table's item (functions/config/tables.ts `auditTable`).
 *
 * It holds what PCI DSS v4.0.1 10.2.2 asks of each audit log entry: who (provider, source IP,
 * user agent), what (event type, outcome, reason), when (received time), where (request id,
 * queue message id), which key matched, and the body's SHA-256. Headers and the redacted
 * payload copy arrive already encrypted by field-encryption.ts; this module only stores them.
 *
 * Both directions check the same rules: a record that breaks one is refused before it is
 * written (InvalidAuditRecordError), a stored item that breaks one is a typed error when read
 * (MalformedAuditItemError).
 *
 * Item layout:
 *   pk         `<providerId>#<shard>`, shard = first 4 bytes of SHA-256(deliveryId) mod auditShards
 *   sk         `<ISO-8601 receivedAt>#<deliveryId>#<requestId>`: time first, so a time range is a
 *              Query; the request id last, so attempts of one delivery never overwrite each other
 *   expiresAt  Unix seconds: receivedAt + the retention class's auditDays (DynamoDB TTL)
 *   deliveryId the byDeliveryId index's key; the other fields as attributes of their own name
 *
 * The redacted payload copy is an item of its own beside the record (sk + `#payload`), with
 * its own, shorter TTL (the class's payloadDays): DynamoDB expires whole items, and a copy
 * must not live as long as the record that it belongs to (GDPR Art. 5(1)(e)). It carries no
 * `deliveryId`, so the index holds records only.
 *
 * An erased record (`webhooks audit erase`, erasure-store.ts) keeps its skeleton: every field
 * but `erasedPersonalFields`, which are gone, with `erasedAtMs` and `erasureReceiptId` set;
 * its payload copy is deleted. The personal fields may be absent only when it is erased.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type RetentionClassName, retentionClasses } from '../config/retention.ts';
import { auditShards } from '../config/tables.ts';
import { isProviderId } from '../registry/provider.ts';
import { type SchemeName, schemes } from '../verify/schemes/index.ts';
import { InvalidAuditRecordError, MalformedAuditItemError } from './errors.ts';
import { type PayloadEncoding, payloadEncodings } from './payload-copy.ts';
import {
  erasureSealOf,
  type RecordSeal,
  recordSealAttributes,
  sealFromAttributes,
  sealToAttributes,
} from './seal-attributes.ts';
import { subjectHashPattern } from './subject-index.ts';
import { isText, show } from './text.ts';

/**
 * The partition owner of attempts for a provider id that is not registered. Unregistered ids
 * come from anyone's URL: filing them under their own id would let a caller create partitions
 * at will, so they share this one, which no provider id can equal (ids start with [a-z0-9]).
 */
export const unregisteredProviderId = '_unregistered';

/** A DynamoDB item in the low-level client's attribute-value form. */
export type AuditItem = Record<string, AttributeValue>;

export const auditOutcomes = ['accepted', 'duplicate', 'rejected', 'failed'] as const;

/**
 * `accepted`: queued and confirmed; `duplicate`: a delivery already accepted, nothing sent;
 * `rejected`: refused (signature, timestamp, size…); `failed`: ours to blame (queue or KMS down).
 */
export type AuditOutcome = (typeof auditOutcomes)[number];

/** One delivery attempt, as the handler hands it to the audit store. */
export interface AuditRecord {
  readonly providerId: string;
  /**
   * The provider's delivery id; for an attempt that carries none (a rejected request without
   * the id header), the request id.
   */
  readonly deliveryId: string;
  /** The API Gateway / Lambda request id: unique per attempt, so it also names the attempt. */
  readonly requestId: string;
  readonly receivedAtMs: number;
  readonly outcome: AuditOutcome;
  /** Why: a verification failure code, or the dependency that failed. Required unless accepted. */
  readonly reason?: string;
  /** @default - the event type could not be read (e.g. a rejected body) */
  readonly eventType?: string;
  /**
   * The provider's own id for the delivery where it is not the `deliveryId`: an id the
   * provider does not sign (GitHub's X-GitHub-Delivery), kept as information; the delivery is
   * filed under its signed body instead (functions/ingest/delivery-names.ts).
   * @default - the delivery id is the provider's own, or it sent none
   */
  readonly eventId?: string;
  /** @default - the provider is not registered, or is disabled (outcome `rejected`) */
  readonly scheme?: SchemeName;
  /**
   * The provider id from the URL, for an attempt filed under `unregisteredProviderId`.
   * @default - the attempt named a registered provider, or an id the record could not hold
   */
  readonly requestedProviderId?: string;
  /**
   * Refused attempts from the same source that were counted but not written since the last
   * record written for it (functions/ingest/rejection-budget.ts). @default - none
   */
  readonly suppressedAttempts?: number;
  /** The verification key that matched (`v<version>`); required when accepted. */
  readonly keyId?: string;
  /** The caller's address; absent only once the record is erased. */
  readonly sourceIp?: string;
  /** @default - the request had no User-Agent, or the record is erased */
  readonly userAgent?: string;
  /**
   * The SQS MessageId, on accepted records written before the two-round-trip path (the
   * record is now written before the send; the queue's deduplication id is derived from the
   * provider and delivery id instead). @default - none
   */
  readonly queueMessageId?: string;
  /** SHA-256 of the raw body, lowercase hex. */
  readonly bodySha256: string;
  /**
   * The selected request headers, encrypted by field-encryption.ts.
   * @default - none: erased, a retention class that keeps no headers, or a repeat of an
   * accepted delivery (its item keeps the accepted attempt's headers only)
   */
  readonly encryptedHeaders?: Buffer;
  /**
   * The record's integrity value (record-seal.ts): written with it, read back with it.
   * @default - not sealed yet, or written before seals
   */
  readonly seal?: RecordSeal;
  /** The redacted payload copy, encrypted; only for classes that keep one. @default - none */
  readonly encryptedPayload?: Buffer;
  /**
   * How the payload copy's plaintext is encoded (payload-copy.ts).
   * @default - plain text (a copy written before compression)
   */
  readonly payloadEncoding?: PayloadEncoding;
  /** Decides `expiresAt`; stored so that a record says how long it is kept. */
  readonly retentionClass: RetentionClassName;
  /**
   * The keyed hash of the data subject the verified body names (subject-index.ts), the
   * `bySubject` index's key. Never on a rejected attempt: its body was not verified.
   * @default - the provider has no subject key, the body named no subject, or it is erased
   */
  readonly subjectHash?: string;
  /** When the record's personal fields were erased. @default - not erased */
  readonly erasedAtMs?: number;
  /** The erasure receipt that says why and at whose request; present exactly when erased. */
  readonly erasureReceiptId?: string;
}

/**
 * What erasure removes from a record (the payload copy, an item of its own, is deleted): the
 * caller's address and user agent, the request headers, and the subject's hash, which would
 * let the record be found again by the subject. `bodySha256` stays: see docs/gdpr-article-30.md.
 */
export const erasedPersonalFields = [
  'encryptedHeaders',
  'sourceIp',
  'userAgent',
  'subjectHash',
] as const satisfies readonly (keyof AuditRecord)[];

/** Longest accepted lengths, in characters; the sort key must stay under DynamoDB's 1 KiB. */
export const auditFieldLimits = {
  deliveryId: 256,
  requestId: 128,
  reason: 256,
  eventType: 256,
  eventId: 256,
  requestedProviderId: 128,
  keyId: 64,
  userAgent: 512,
  queueMessageId: 128,
  erasureReceiptId: 128,
} as const;

/** Request ids are ours (AWS UUIDs); no `#`, so the sort key splits one way only. */
const requestIdPattern = /^[A-Za-z0-9._:-]+$/;
const sha256HexPattern = /^[0-9a-f]{64}$/;
/** `toISOString` keeps its fixed 24-character, sortable form only within years 0 to 9999. */
const latestReceivedAtMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const secondsPerDay = 86_400;

/** The write shard of a delivery: stable across containers and deployments. */
export function auditShardOf(deliveryId: string): number {
  return createHash('sha256').update(deliveryId, 'utf8').digest().readUInt32BE(0) % auditShards;
}

/** The partition key of one of a provider's shards. */
export function auditPartitionKey(providerId: string, shard: number): string {
  return `${providerId}#${shard}`;
}

/** The sort key's time prefix: sorts as the time does. */
export function auditTimeKey(ms: number): string {
  return new Date(ms).toISOString();
}

/** The payload copy's sort key: its record's, suffixed, so it sorts right after it. */
export function payloadSortKey(recordSortKey: string): string {
  return `${recordSortKey}${payloadSuffix}`;
}

/** Whether an item of the audit table is a payload copy rather than a record. */
export function isPayloadItem(item: AuditItem): boolean {
  return item.sk?.S?.endsWith(payloadSuffix) === true;
}

const payloadSuffix = '#payload';

/** When DynamoDB's TTL may delete the record, in Unix seconds. */
export function auditExpiresAt(record: Pick<AuditRecord, 'receivedAtMs' | 'retentionClass'>) {
  const { auditDays } = retentionClasses[record.retentionClass];
  return Math.floor(record.receivedAtMs / 1000) + auditDays * secondsPerDay;
}

/** Every rule the record breaks, each naming the value received; empty when valid. */
export function auditRecordProblems(record: AuditRecord): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(
    isProviderId(record.providerId) || record.providerId === unregisteredProviderId,
    `providerId is not a provider id, got ${show(record.providerId)}`,
  );
  check(
    isText(record.deliveryId, auditFieldLimits.deliveryId),
    `deliveryId must be 1 to ${auditFieldLimits.deliveryId} characters without control characters, got ${show(record.deliveryId)}`,
  );
  check(
    isText(record.requestId, auditFieldLimits.requestId) && requestIdPattern.test(record.requestId),
    `requestId must be 1 to ${auditFieldLimits.requestId} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-', got ${show(record.requestId)}`,
  );
  check(
    Number.isSafeInteger(record.receivedAtMs) &&
      record.receivedAtMs >= 0 &&
      record.receivedAtMs <= latestReceivedAtMs,
    `receivedAtMs must be a whole number of milliseconds from 1970 to 9999, got ${record.receivedAtMs}`,
  );
  check(
    (auditOutcomes as readonly unknown[]).includes(record.outcome),
    `outcome must be one of ${auditOutcomes.join(', ')}, got ${show(record.outcome)}`,
  );
  check(
    record.outcome === 'accepted' || record.reason !== undefined,
    `reason is required when the outcome is ${show(record.outcome)}`,
  );
  const textFields = [
    'reason',
    'eventType',
    'eventId',
    'requestedProviderId',
    'keyId',
    'userAgent',
    'queueMessageId',
  ] as const;
  for (const name of textFields) {
    const value = record[name];
    check(
      value === undefined || isText(value, auditFieldLimits[name]),
      `${name} must be 1 to ${auditFieldLimits[name]} characters without control characters, got ${show(value)}`,
    );
  }
  check(
    record.scheme === undefined
      ? record.outcome === 'rejected'
      : typeof record.scheme === 'string' && Object.hasOwn(schemes, record.scheme),
    `scheme must be a known scheme (it may be left out of a rejected attempt only), got ${show(record.scheme)}`,
  );
  check(
    record.providerId !== unregisteredProviderId ||
      (record.outcome === 'rejected' && record.scheme === undefined),
    `an attempt filed under ${unregisteredProviderId} is rejected and has no scheme`,
  );
  check(
    record.requestedProviderId === undefined || record.providerId === unregisteredProviderId,
    `requestedProviderId is only for attempts filed under ${unregisteredProviderId}`,
  );
  check(
    record.suppressedAttempts === undefined ||
      (Number.isSafeInteger(record.suppressedAttempts) &&
        record.suppressedAttempts > 0 &&
        record.outcome === 'rejected'),
    `suppressedAttempts must be a positive whole number on a rejected attempt, got ${record.suppressedAttempts}`,
  );
  check(
    record.outcome !== 'accepted' || record.keyId !== undefined,
    'keyId is required when the outcome is accepted',
  );
  check(
    record.queueMessageId === undefined || record.outcome === 'accepted',
    `queueMessageId is only for an accepted attempt (outcome ${show(record.outcome)})`,
  );
  const erased = record.erasedAtMs !== undefined || record.erasureReceiptId !== undefined;
  if (erased) {
    problems.push(...erasureProblems(record));
  } else {
    check(
      typeof record.sourceIp === 'string' && isIP(record.sourceIp) !== 0,
      `sourceIp must be an IPv4 or IPv6 address, got ${show(record.sourceIp)}`,
    );
    check(
      record.encryptedHeaders === undefined ||
        (record.encryptedHeaders instanceof Uint8Array && record.encryptedHeaders.byteLength > 0),
      'encryptedHeaders must be non-empty bytes when given',
    );
  }
  check(
    typeof record.bodySha256 === 'string' && sha256HexPattern.test(record.bodySha256),
    `bodySha256 must be 64 lowercase hex digits, got ${show(record.bodySha256)}`,
  );
  check(
    record.subjectHash === undefined ||
      (typeof record.subjectHash === 'string' && subjectHashPattern.test(record.subjectHash)),
    `subjectHash must be 64 lowercase hex digits, after v<version>: for a version after the first, got ${show(record.subjectHash)}`,
  );
  check(
    record.subjectHash === undefined || record.outcome !== 'rejected',
    'a rejected attempt has no subjectHash: its body was not verified',
  );
  const retention = Object.hasOwn(retentionClasses, record.retentionClass)
    ? retentionClasses[record.retentionClass]
    : undefined;
  check(
    retention !== undefined,
    `retentionClass must be one of ${Object.keys(retentionClasses).join(', ')}, got ${show(record.retentionClass)}`,
  );
  if (record.encryptedPayload !== undefined) {
    check(
      record.encryptedPayload instanceof Uint8Array && record.encryptedPayload.byteLength > 0,
      'encryptedPayload must be non-empty bytes when given',
    );
    check(
      retention === undefined || retention.payloadDays > 0,
      `retention class ${show(record.retentionClass)} keeps no payload copy, but one was given`,
    );
    check(
      record.payloadEncoding === undefined || payloadEncodings.includes(record.payloadEncoding),
      `payloadEncoding must be one of ${payloadEncodings.join(', ')} when given, got ${show(record.payloadEncoding)}`,
    );
    check(
      record.outcome === 'accepted',
      `only an accepted delivery keeps a payload copy (outcome ${show(record.outcome)})`,
    );
  }
  return problems;
}

/** The rules of an erased record: both markers, and none of its personal fields left. */
function erasureProblems(record: AuditRecord): string[] {
  const problems: string[] = [];
  if (
    !Number.isSafeInteger(record.erasedAtMs) ||
    (record.erasedAtMs as number) < 0 ||
    (record.erasedAtMs as number) > latestReceivedAtMs
  ) {
    problems.push(
      `erasedAtMs must be a whole number of milliseconds from 1970 to 9999 on an erased record, got ${record.erasedAtMs}`,
    );
  }
  if (
    !isText(record.erasureReceiptId, auditFieldLimits.erasureReceiptId) ||
    !requestIdPattern.test(record.erasureReceiptId)
  ) {
    problems.push(
      `erasureReceiptId must be 1 to ${auditFieldLimits.erasureReceiptId} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-' on an erased record, got ${show(record.erasureReceiptId)}`,
    );
  }
  for (const name of [...erasedPersonalFields, 'encryptedPayload', 'payloadEncoding'] as const) {
    if (record[name] !== undefined) problems.push(`an erased record keeps no ${name}`);
  }
  return problems;
}

/** When DynamoDB's TTL may delete the record's payload copy, in Unix seconds. */
export function payloadExpiresAt(record: Pick<AuditRecord, 'receivedAtMs' | 'retentionClass'>) {
  const { payloadDays } = retentionClasses[record.retentionClass];
  return Math.floor(record.receivedAtMs / 1000) + payloadDays * secondsPerDay;
}

/**
 * A record's identity across the audit trail: its provider and sort key (a delivery item's
 * `listSk`). Digest entries, seals and erasure seals name a record by it.
 */
export function auditRecordId(providerId: string, sortKey: string): string {
  return `${providerId}#${sortKey}`;
}

/** The record's sort key. */
export function auditSortKey(
  record: Pick<AuditRecord, 'receivedAtMs' | 'deliveryId' | 'requestId'>,
) {
  return `${auditTimeKey(record.receivedAtMs)}#${record.deliveryId}#${record.requestId}`;
}

/**
 * The record's payload copy as an item of its own, or `undefined` when it has none;
 * InvalidAuditRecordError if the record breaks a rule.
 */
export function toPayloadItem(record: AuditRecord): AuditItem | undefined {
  const problems = auditRecordProblems(record);
  if (problems.length > 0) throw new InvalidAuditRecordError(problems);
  if (record.encryptedPayload === undefined) return undefined;
  return {
    pk: { S: auditPartitionKey(record.providerId, auditShardOf(record.deliveryId)) },
    sk: { S: payloadSortKey(auditSortKey(record)) },
    expiresAt: { N: String(payloadExpiresAt(record)) },
    encryptedPayload: { B: record.encryptedPayload },
    ...(record.payloadEncoding === undefined
      ? {}
      : { payloadEncoding: { S: record.payloadEncoding } }),
  };
}

/** The record with the payload copy a payload item holds; MalformedAuditItemError if none. */
export function withPayload(record: AuditRecord, item: AuditItem): AuditRecord {
  const payload = item.encryptedPayload?.B;
  if (!isPayloadItem(item) || payload === undefined || payload.byteLength === 0) {
    throw new MalformedAuditItemError(['the payload item holds no encryptedPayload']);
  }
  const encoding = item.payloadEncoding?.S;
  if (encoding !== undefined && !(payloadEncodings as readonly string[]).includes(encoding)) {
    throw new MalformedAuditItemError([
      `the payload item's payloadEncoding ${show(encoding)} is unknown`,
    ]);
  }
  return {
    ...record,
    encryptedPayload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    ...(encoding === undefined ? {} : { payloadEncoding: encoding as PayloadEncoding }),
  };
}

/**
 * The record as an audit-table item, without its payload copy (`toPayloadItem`);
 * InvalidAuditRecordError if it breaks a rule.
 */
export function toAuditItem(record: AuditRecord): AuditItem {
  const problems = auditRecordProblems(record);
  if (record.seal !== undefined && record.seal.scope !== 'record') {
    problems.push(`a record item holds a record's own seal, got one of scope ${record.seal.scope}`);
  }
  if (problems.length > 0) throw new InvalidAuditRecordError(problems);
  const optional = (name: string, value: string | undefined): AuditItem =>
    value === undefined ? {} : { [name]: { S: value } };
  return {
    pk: { S: auditPartitionKey(record.providerId, auditShardOf(record.deliveryId)) },
    sk: { S: auditSortKey(record) },
    expiresAt: { N: String(auditExpiresAt(record)) },
    providerId: { S: record.providerId },
    deliveryId: { S: record.deliveryId },
    requestId: { S: record.requestId },
    receivedAtMs: { N: String(record.receivedAtMs) },
    outcome: { S: record.outcome },
    bodySha256: { S: record.bodySha256 },
    retentionClass: { S: record.retentionClass },
    ...optional('sourceIp', record.sourceIp),
    ...(record.encryptedHeaders === undefined
      ? {}
      : { encryptedHeaders: { B: record.encryptedHeaders } }),
    ...optional('subjectHash', record.subjectHash),
    ...(record.erasedAtMs === undefined ? {} : { erasedAtMs: { N: String(record.erasedAtMs) } }),
    ...optional('erasureReceiptId', record.erasureReceiptId),
    ...optional('scheme', record.scheme),
    ...optional('requestedProviderId', record.requestedProviderId),
    ...(record.suppressedAttempts === undefined
      ? {}
      : { suppressedAttempts: { N: String(record.suppressedAttempts) } }),
    ...optional('reason', record.reason),
    ...optional('eventType', record.eventType),
    ...optional('eventId', record.eventId),
    ...optional('keyId', record.keyId),
    ...optional('userAgent', record.userAgent),
    ...optional('queueMessageId', record.queueMessageId),
    ...(record.seal === undefined
      ? {}
      : sealToAttributes(record.seal, recordSealAttributes, record.erasedAtMs === undefined)),
  };
}

/** The record an audit-table item holds; MalformedAuditItemError if it is not one. */
export function fromAuditItem(item: AuditItem): AuditRecord {
  const problems: string[] = [];
  const string = (name: string): string | undefined => {
    const value = item[name];
    if (value === undefined) return undefined;
    if (value.S === undefined) problems.push(`${name} is not a string`);
    return value.S;
  };
  const bytes = (name: string): Buffer | undefined => {
    const value = item[name];
    if (value === undefined) return undefined;
    if (value.B === undefined) problems.push(`${name} is not binary`);
    return value.B && Buffer.from(value.B.buffer, value.B.byteOffset, value.B.byteLength);
  };
  const number = (name: string): number | undefined => {
    const value = item[name];
    if (value === undefined) return undefined;
    if (value.N === undefined) problems.push(`${name} is not a number`);
    return value.N === undefined ? Number.NaN : Number(value.N);
  };
  const receivedAt = item.receivedAtMs?.N;
  const record = {
    providerId: string('providerId'),
    deliveryId: string('deliveryId'),
    requestId: string('requestId'),
    receivedAtMs: receivedAt === undefined ? Number.NaN : Number(receivedAt),
    outcome: string('outcome'),
    reason: string('reason'),
    eventType: string('eventType'),
    eventId: string('eventId'),
    scheme: string('scheme'),
    requestedProviderId: string('requestedProviderId'),
    suppressedAttempts: number('suppressedAttempts'),
    keyId: string('keyId'),
    sourceIp: string('sourceIp'),
    userAgent: string('userAgent'),
    queueMessageId: string('queueMessageId'),
    bodySha256: string('bodySha256'),
    encryptedHeaders: bytes('encryptedHeaders'),
    retentionClass: string('retentionClass'),
    subjectHash: string('subjectHash'),
    erasedAtMs: number('erasedAtMs'),
    erasureReceiptId: string('erasureReceiptId'),
    seal: sealOfItem(item),
  };
  const present = Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as unknown as AuditRecord;
  problems.push(...auditRecordProblems(present));
  if (problems.length === 0) {
    const expectedPk = auditPartitionKey(present.providerId, auditShardOf(present.deliveryId));
    const expectedSk = auditSortKey(present);
    if (item.pk?.S !== expectedPk)
      problems.push(`pk should be ${show(expectedPk)}, got ${show(item.pk?.S)}`);
    if (item.sk?.S !== expectedSk) problems.push('sk does not match the record it holds');
  }
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  return present;
}

function sealOfItem(item: AuditItem): RecordSeal | undefined {
  const seal = sealFromAttributes(item, recordSealAttributes);
  const providerId = item.pk?.S?.split('#')[0] ?? '';
  const erasure = erasureSealOf(item, auditRecordId(providerId, item.sk?.S ?? ''));
  return seal === undefined
    ? undefined
    : { scope: 'record', ...seal, ...(erasure === undefined ? {} : { erasure }) };
}

/** The item's TTL in Unix seconds, or `undefined` when it has none readable. */
export function itemExpiresAt(item: AuditItem): number | undefined {
  const value = Number(item.expiresAt?.N);
  return Number.isFinite(value) ? value : undefined;
}
