/**
 * The ingest path of `POST /v1/webhooks/{providerId}` as a pure orchestration over injected
 * ports: resolve the provider, verify the raw body, then the three round trips of
 * docs/architecture.md ("Ingest path: three round trips"): claim, send, confirm. No 2xx is
 * answered unless both the send and the confirm succeeded.
 *
 * Handshakes (Twitch `webhook_callback_verification`, Zoom `endpoint.url_validation`) are
 * answered as each provider documents, only after verification succeeded, and never queued
 * or audited: the audit record's outcomes (accepted, duplicate, rejected, failed) have none
 * that fits a challenge, so the `handshake` outcome reaches the logs and metrics only.
 *
 * Every refused attempt (401, 405, 413) is audited too, within a budget per source address
 * (rejection-budget.ts): an unknown provider id is filed under `unregisteredProviderId`, so
 * that no caller chooses the partitions it writes to.
 */
import { createHash } from 'node:crypto';
import type { ConfirmResult } from '../audit/audit-store.ts';
import type { ClaimResult, DedupMarker } from '../audit/dedup.ts';
import { KeyServiceUnavailableError, SubjectIndexSecretMissingError } from '../audit/errors.ts';
import { auditEncryptedFields, type FieldBinding } from '../audit/field-encryption.ts';
import { type AuditRecord, auditFieldLimits, unregisteredProviderId } from '../audit/record.ts';
import { redactPayload } from '../audit/redaction.ts';
import { readSubjectValue } from '../audit/subject-index.ts';
import { isText } from '../audit/text.ts';
import { maxBodySizeBytes, retryAfterSeconds } from '../config/limits.ts';
import {
  defaultRetentionClass,
  type RetentionClassName,
  retentionClasses,
} from '../config/retention.ts';
import { buildEnvelope, isCredentialHeader, type QueueMessage } from '../queue/envelope.ts';
import type { SentMessage } from '../queue/sender.ts';
import {
  DependencyUnavailableError,
  ProviderDisabledError,
  ProviderNotFoundError,
} from '../registry/errors.ts';
import type { ProviderConfig, RedactionRule } from '../registry/provider.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import { readEventFields } from '../verify/event-fields.ts';
import type { SchemeName } from '../verify/schemes/index.ts';
import { twitchChallengeResponse } from '../verify/schemes/twitch.ts';
import { zoomUrlValidationResponse } from '../verify/schemes/zoom.ts';
import type { Accepted, Clock, Verdict, VerificationKey } from '../verify/types.ts';
import type { VerifyDeliveryInput } from '../verify/verify.ts';
import { getScheme } from '../verify/verify.ts';
import type { IngestRequest } from './http-event.ts';
import type { RejectionTicket } from './rejection-budget.ts';

/** What the ingest path reads and writes, each an adapter created once per container. */
export interface IngestPorts {
  /** `ProviderCache.resolveProvider`. */
  readonly resolveProvider: (providerId: string) => Promise<ResolvedProvider>;
  /** `verifyDelivery`. */
  readonly verify: (input: VerifyDeliveryInput<SchemeName>) => Promise<Verdict>;
  /** `DedupMarkers`. */
  readonly markers: {
    claim(providerId: string, deliveryId: string, windowSeconds: number): Promise<ClaimResult>;
    release(marker: DedupMarker): Promise<unknown>;
  };
  /** `QueueSender`. */
  readonly queue: { send(message: QueueMessage): Promise<SentMessage> };
  /** `AuditStore`. */
  readonly audit: {
    writeAttempt(record: AuditRecord): Promise<void>;
    confirmAccepted(marker: DedupMarker, record: AuditRecord): Promise<ConfirmResult>;
  };
  /** `encryptField` bound to the audit `DataKeyCache`. */
  readonly encryptField: (binding: FieldBinding, plaintext: Uint8Array) => Promise<Buffer>;
  /**
   * `SubjectIndexSecret`: the keyed hash of a data subject's value, for providers with a
   * `subjectKeyPath`. @default - none: such a provider's verified deliveries fail (500) with
   * SubjectIndexSecretMissingError rather than go unindexed, unfindable for erasure
   */
  readonly subjectIndex?: { hash(providerId: string, value: string): Promise<string> };
  /** `RejectionBudget`: bounds the audit writes of refused attempts per source. */
  readonly rejections: {
    take(source: string, nowMs: number): RejectionTicket;
    restore(source: string, suppressedBefore: number): void;
  };
  /**
   * The retention class whose audit days every record keeps at least, set by the deployment's
   * compliance profiles (`RETENTION_FLOOR`); a provider's own class applies when it keeps
   * records longer. @default - each provider's own class
   */
  readonly retentionFloor?: RetentionClassName;
  /**
   * The retention class whose `payloadDays` bound every payload copy (`PAYLOAD_COPY_CEILING`):
   * no copy is kept where it keeps less than the provider's class would.
   * @default - each provider's own class decides
   */
  readonly payloadCopyCeiling?: RetentionClassName;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Low-cardinality labels for logs and metrics: never an id, a header or a body. */
export type IngestOutcome =
  | 'accepted'
  | 'duplicate'
  | 'rejected'
  | 'unavailable'
  | 'in_flight'
  | 'too_large'
  | 'method_not_allowed'
  | 'handshake'
  | 'handshake_not_supported';

export interface IngestResult {
  readonly response: HttpResponse;
  readonly outcome: IngestOutcome;
  /** A stable code: a rejection reason or the dependency that failed. @default - none */
  readonly reason?: string;
  /** @default - no delivery id was settled (rejected before verification) */
  readonly deliveryId?: string;
  /** The provider, once found in the registry; never the unchecked path parameter. */
  readonly providerId?: string;
  /** The refused attempt was counted but not written: its source is over its budget. */
  readonly auditSuppressed?: boolean;
}

/**
 * Runs one delivery through the ingest path and says what to answer.
 * Errors other than a dependency being unavailable (a malformed registry item, a record
 * that breaks the rules) are thrown: the handler answers 500.
 * @example
 * const { response } = await ingest(readHttpEvent(event), ports, Date.now);
 */
export async function ingest(
  request: IngestRequest,
  ports: IngestPorts,
  clock: Clock,
): Promise<IngestResult> {
  const found: { providerId?: string } = {};
  try {
    return await ingestDelivery(request, ports, clock, found);
  } catch (error) {
    const reason =
      error instanceof DependencyUnavailableError
        ? `${error.dependency}_unavailable`
        : error instanceof KeyServiceUnavailableError
          ? 'kms_unavailable'
          : undefined;
    if (reason === undefined) throw error;
    return { ...unavailable(reason), ...found };
  }
}

async function ingestDelivery(
  request: IngestRequest,
  ports: IngestPorts,
  clock: Clock,
  found: { providerId?: string },
): Promise<IngestResult> {
  const receivedAtMs = clock();
  const refuse = (target: RefusalTarget, refusal: Refusal) =>
    refuseAttempt(request, ports, receivedAtMs, target, refusal);
  // Size and method first: the provider's id decides only where the refusal is filed.
  const early: Refusal | undefined =
    request.body.byteLength > maxBodySizeBytes
      ? {
          response: json(413, { error: 'payload_too_large' }),
          outcome: 'too_large',
          reason: 'payload_too_large',
        }
      : request.method.toUpperCase() !== 'POST'
        ? {
            response: json(405, { error: 'method_not_allowed' }, { allow: 'POST' }),
            outcome: 'method_not_allowed',
            reason: 'method_not_allowed',
          }
        : undefined;
  let provider: ResolvedProvider;
  try {
    provider = await ports.resolveProvider(request.providerId);
  } catch (error) {
    const rejected = { response: unauthorized(), outcome: 'rejected' } as const;
    if (error instanceof ProviderNotFoundError) {
      return refuse(
        unregisteredTarget(request.providerId, ports.retentionFloor),
        early ?? { ...rejected, reason: error.code },
      );
    }
    if (error instanceof ProviderDisabledError) {
      found.providerId = error.providerId;
      const retentionClass = strongerRetention(
        error.retentionClass ?? defaultRetentionClass,
        ports.retentionFloor,
      );
      return refuse(
        { providerId: error.providerId, retentionClass },
        early ?? { ...rejected, reason: error.code },
      );
    }
    throw error;
  }
  const { config } = provider;
  found.providerId = config.providerId;
  const { providerId } = config;
  const retentionClass = strongerRetention(config.retentionClass, ports.retentionFloor);
  const target: RefusalTarget = { providerId, scheme: config.scheme, retentionClass };
  if (early !== undefined) return refuse(target, early);
  const verdict = await ports.verify({
    scheme: config.scheme,
    request,
    keys: provider.keys,
    options: provider.options,
    clock,
    ...(config.toleranceSeconds === undefined ? {} : { toleranceSeconds: config.toleranceSeconds }),
  });
  if (!verdict.accepted) {
    return refuse(target, {
      response: unauthorized(),
      outcome: 'rejected',
      reason: verdict.reason,
    });
  }
  const bodySha256 = sha256Hex(request.body);
  const attempt = (deliveryId: string, encryptedHeaders: Buffer) => ({
    providerId,
    deliveryId,
    requestId: request.requestId,
    receivedAtMs,
    scheme: config.scheme,
    sourceIp: request.sourceIp,
    ...(request.userAgent === undefined ? {} : { userAgent: request.userAgent }),
    bodySha256,
    encryptedHeaders,
    retentionClass,
  });

  if (verdict.handshake !== undefined) {
    return { ...answerHandshake(verdict, provider.keys, request.body), providerId };
  }

  const fields = readEventFields(getScheme(config.scheme), request.body);
  const deliveryId = settleDeliveryId(verdict, fields.id, bodySha256);
  const eventType = verdict.eventType ?? fields.type;
  const headers = await encryptHeaders(ports, config.providerId, deliveryId, request);
  // Before the claim: a KMS failure here must not come after the message is already sent.
  const payload = await encryptPayloadCopy(
    ports,
    deliveryId,
    request,
    config.redaction,
    retentionClass,
    providerId,
  );
  // Before the claim too, for the same reason; on every record of the delivery, duplicates
  // included, so that erasure by subject finds each of them.
  const subjectHash = await hashSubject(ports, config, request.body);
  const base = {
    ...attempt(deliveryId, headers),
    keyId: verdict.keyId,
    ...(eventType === undefined ? {} : { eventType: cut(eventType, auditFieldLimits.eventType) }),
    ...(subjectHash === undefined ? {} : { subjectHash }),
  };

  const claim = await ports.markers.claim(config.providerId, deliveryId, config.dedupWindowSeconds);
  if (claim.outcome === 'duplicate') {
    await ports.audit.writeAttempt({ ...base, outcome: 'duplicate', reason: 'already_accepted' });
    return { response: json(200, { deliveryId }), outcome: 'duplicate', deliveryId, providerId };
  }
  if (claim.outcome === 'in_flight') {
    return { ...unavailable('in_flight'), outcome: 'in_flight', deliveryId, providerId };
  }

  let sent: SentMessage;
  try {
    const message = buildEnvelope({
      deliveryId,
      providerId: config.providerId,
      scheme: config.scheme,
      eventId: verdict.deliveryId ?? fields.id,
      eventType,
      receivedAtMs,
      headers: request.headers,
      body: request.body,
    });
    sent = await ports.queue.send(message);
  } catch (error) {
    // Failure path only: let the provider's retry claim the delivery at once.
    await releaseQuietly(ports, claim.marker);
    if (error instanceof DependencyUnavailableError) {
      await writeQuietly(ports, { ...base, outcome: 'failed', reason: 'sqs_unavailable' });
    }
    throw error;
  }

  const confirmed = await ports.audit.confirmAccepted(claim.marker, {
    ...base,
    outcome: 'accepted',
    queueMessageId: sent.messageId,
    ...(payload === undefined ? {} : { encryptedPayload: payload }),
  });
  if (confirmed === 'claim_lost') {
    // Another attempt took the claim after our lease ran out; its outcome decides the retry.
    return { ...unavailable('claim_lost'), deliveryId, providerId };
  }
  return { response: json(202, { deliveryId }), outcome: 'accepted', deliveryId, providerId };
}

/**
 * The documented reply to a verified handshake; nothing is queued or audited. A challenge
 * whose body lacks the token to echo is answered 400; a handshake of another kind, 501.
 */
function answerHandshake(
  verdict: Accepted,
  keys: readonly VerificationKey[],
  body: Uint8Array,
): IngestResult {
  const handshake = verdict.handshake as string;
  if (handshake === 'webhook_callback_verification') {
    const reply = twitchChallengeResponse(body);
    if (reply === undefined) return malformedHandshake(handshake);
    return {
      response: {
        statusCode: 200,
        headers: { 'content-type': reply.contentType },
        body: reply.body,
      },
      outcome: 'handshake',
      reason: handshake,
    };
  }
  if (handshake === 'endpoint.url_validation') {
    const plainToken = readZoomPlainToken(body);
    // The key that verified the challenge encrypts the token (keyIndex indexes `keys`).
    const key = keys[verdict.keyIndex];
    if (plainToken === undefined || key === undefined) return malformedHandshake(handshake);
    return {
      response: json(200, zoomUrlValidationResponse(plainToken, key.value)),
      outcome: 'handshake',
      reason: handshake,
    };
  }
  return {
    response: json(501, { error: 'handshake_not_supported' }),
    outcome: 'handshake_not_supported',
    reason: cut(handshake, auditFieldLimits.reason),
  };
}

/** Where a refused attempt is filed: a provider's partitions, or the unregistered one. */
interface RefusalTarget {
  readonly providerId: string;
  /** @default - not registered, or disabled */
  readonly scheme?: SchemeName;
  readonly retentionClass: RetentionClassName;
  /** @default - a registered provider */
  readonly requestedProviderId?: string;
}

interface Refusal {
  readonly response: HttpResponse;
  readonly outcome: IngestOutcome;
  readonly reason: string;
}

/**
 * Audits a refused attempt, within its source's budget, then answers it. An attempt has no
 * trusted delivery id, so it is filed under the request id. A failed write is a 503, as for
 * any delivery: the audit trail must not silently miss attempts it was meant to hold.
 */
async function refuseAttempt(
  request: IngestRequest,
  ports: IngestPorts,
  receivedAtMs: number,
  target: RefusalTarget,
  refusal: Refusal,
): Promise<IngestResult> {
  const registered =
    target.requestedProviderId === undefined ? { providerId: target.providerId } : {};
  const result = { ...refusal, ...registered };
  const ticket = ports.rejections.take(request.sourceIp, receivedAtMs);
  if (!ticket.write) return { ...result, auditSuppressed: true };
  try {
    const headers = await encryptHeaders(ports, target.providerId, request.requestId, request);
    await ports.audit.writeAttempt({
      providerId: target.providerId,
      deliveryId: request.requestId,
      requestId: request.requestId,
      receivedAtMs,
      ...(target.scheme === undefined ? {} : { scheme: target.scheme }),
      ...(target.requestedProviderId === undefined
        ? {}
        : { requestedProviderId: target.requestedProviderId }),
      sourceIp: request.sourceIp,
      ...(request.userAgent === undefined ? {} : { userAgent: request.userAgent }),
      bodySha256: sha256Hex(request.body),
      encryptedHeaders: headers,
      retentionClass: target.retentionClass,
      outcome: 'rejected',
      reason: refusal.reason,
      ...(ticket.suppressedBefore > 0 ? { suppressedAttempts: ticket.suppressedBefore } : {}),
    });
  } catch (error) {
    ports.rejections.restore(request.sourceIp, ticket.suppressedBefore);
    throw error;
  }
  return result;
}

/** The unregistered partition, keeping the requested id only when the record can hold it. */
function unregisteredTarget(
  requested: string,
  floor: RetentionClassName | undefined,
): RefusalTarget {
  return {
    providerId: unregisteredProviderId,
    retentionClass: floor ?? defaultRetentionClass,
    ...(isText(requested, auditFieldLimits.requestedProviderId)
      ? { requestedProviderId: requested }
      : {}),
  };
}

/** The class that keeps audit records longer; the provider's own on a tie. */
function strongerRetention(
  own: RetentionClassName,
  floor: RetentionClassName | undefined,
): RetentionClassName {
  if (floor === undefined) return own;
  return retentionClasses[floor].auditDays > retentionClasses[own].auditDays ? floor : own;
}

/**
 * The redacted copy of an accepted body, encrypted, where the retention class keeps one.
 * None when redaction cannot be proved to have applied (redaction.ts says why).
 */
async function encryptPayloadCopy(
  ports: IngestPorts,
  deliveryId: string,
  request: IngestRequest,
  rules: readonly RedactionRule[],
  retentionClass: RetentionClassName,
  providerId: string,
): Promise<Buffer | undefined> {
  const { payloadDays } = retentionClasses[retentionClass];
  const ceiling = ports.payloadCopyCeiling;
  // A copy's TTL comes from the record's class; a ceiling below it keeps none rather than one
  // that would outlive what the deployment allows.
  if (payloadDays === 0) return undefined;
  if (ceiling !== undefined && retentionClasses[ceiling].payloadDays < payloadDays)
    return undefined;
  const redacted = redactPayload(request.body, rules, headerValue(request.headers, 'content-type'));
  if (!redacted.kept) return undefined;
  return ports.encryptField(
    { providerId, deliveryId, field: auditEncryptedFields.payload },
    redacted.bytes,
  );
}

/**
 * The keyed hash of the data subject a verified body names at the provider's subject key, or
 * `undefined` when the provider has none or the body names nobody there. The value itself is
 * never stored.
 */
async function hashSubject(
  ports: IngestPorts,
  config: ProviderConfig,
  body: Uint8Array,
): Promise<string | undefined> {
  if (config.subjectKeyPath === undefined) return undefined;
  const value = readSubjectValue(body, config.subjectKeyPath);
  if (value === undefined) return undefined;
  if (ports.subjectIndex === undefined) throw new SubjectIndexSecretMissingError();
  return ports.subjectIndex.hash(config.providerId, value);
}

function headerValue(headers: IngestRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function malformedHandshake(handshake: string): IngestResult {
  return {
    response: json(400, { error: 'malformed_handshake' }),
    outcome: 'handshake',
    reason: `${handshake}:malformed`,
  };
}

/** `payload.plainToken` of a verified Zoom `endpoint.url_validation` body, if a string. */
function readZoomPlainToken(body: Uint8Array): string | undefined {
  try {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    const token = (JSON.parse(text) as { payload?: { plainToken?: unknown } } | null)?.payload
      ?.plainToken;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The provider's delivery id from a header, else the event id from the body, else the body's
 * SHA-256 (so that an identical retry is still recognised). An id the audit record could not
 * hold (too long, control characters) falls back to the hash as well.
 */
function settleDeliveryId(verdict: Accepted, eventId: string | undefined, bodySha256: string) {
  for (const candidate of [verdict.deliveryId, eventId]) {
    if (candidate !== undefined && isStorableId(candidate)) return candidate;
  }
  return `sha256:${bodySha256}`;
}

function isStorableId(id: string): boolean {
  return isText(id, auditFieldLimits.deliveryId);
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

/**
 * The request headers as JSON, encrypted for the audit record. Credentials (signatures,
 * tokens) are left out, as in the queue envelope: the verdict is recorded instead.
 */
function encryptHeaders(
  ports: IngestPorts,
  providerId: string,
  deliveryId: string,
  request: IngestRequest,
): Promise<Buffer> {
  const kept = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !isCredentialHeader(name)),
  );
  const plaintext = Buffer.from(JSON.stringify(kept), 'utf8');
  return ports.encryptField(
    { providerId, deliveryId, field: auditEncryptedFields.headers },
    plaintext,
  );
}

/** The claim's lease runs out anyway; a failed release must not hide the send's failure. */
async function releaseQuietly(ports: IngestPorts, marker: DedupMarker): Promise<void> {
  try {
    await ports.markers.release(marker);
  } catch {
    // The lease (dedupLeaseSeconds) frees the claim instead.
  }
}

/** The `failed` record is best effort: the 503 is the answer whether or not it is written. */
async function writeQuietly(ports: IngestPorts, record: AuditRecord): Promise<void> {
  try {
    await ports.audit.writeAttempt(record);
  } catch {
    // DynamoDB is down too; the 503 and the metric still report the failure.
  }
}

function unavailable(reason: string): IngestResult {
  return {
    response: json(
      503,
      { error: 'service_unavailable' },
      { 'retry-after': String(retryAfterSeconds) },
    ),
    outcome: 'unavailable',
    reason,
  };
}

/** The same body whatever the reason: the precise reason goes to the audit trail only. */
function unauthorized(): HttpResponse {
  return json(401, { error: 'unauthorized' });
}

function json(
  statusCode: number,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
