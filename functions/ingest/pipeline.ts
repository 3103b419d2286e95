/**
 * A delivery from a registered provider, as small named steps: verify the raw body, answer a
 * handshake or prepare the audit record, then the three round trips of docs/architecture.md
 * ("Ingest path: three round trips"): claim, send, confirm. No 2xx is answered unless both the
 * send and the confirm succeeded. Every step waits within the delivery's deadline; what an
 * abort at each step leaves is in docs/architecture.md ("Every wait bounded").
 */
import type { DedupMarker } from '../audit/dedup.ts';
import { type AuditRecord, auditFieldLimits } from '../audit/record.ts';
import { isText } from '../audit/text.ts';
import type { Deadline } from '../aws/deadline.ts';
import { DependencyUnavailableError, timedOut } from '../aws/errors.ts';
import { deliveryBudgetMs, settleBudgetMs } from '../config/limits.ts';
import type { EnvelopeInput } from '../queue/envelope.ts';
import type { SentMessage } from '../queue/sender.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import { readEventFields } from '../verify/event-fields.ts';
import type { Accepted, Verdict } from '../verify/types.ts';
import { getScheme } from '../verify/verify.ts';
import {
  type AuditTarget,
  attemptFields,
  type EncryptedPayloadCopy,
  encryptPayloadCopy,
  hashSubject,
  sha256Hex,
} from './audit-fields.ts';
import { type Decision, failureReason } from './decision.ts';
import type { Attempt, IngestPorts } from './ports.ts';
import { refuseAttempt, rejection } from './refusals.ts';

/** A verified delivery, its id settled and its audit record ready but for the outcome. */
interface PreparedDelivery {
  readonly deliveryId: string;
  readonly providerId: string;
  /** What the queue message is built from, once the delivery is claimed. */
  readonly envelope: EnvelopeInput;
  readonly record: Omit<AuditRecord, 'outcome'>;
  /** @default - no copy kept (retention policy, redaction not provable, or too large) */
  readonly payloadCopy: EncryptedPayloadCopy | undefined;
}

/** How long a delivery may wait on AWS (functions/config/limits.ts). */
export interface DeliveryBudget {
  /** From the start to the end of the confirm: `deliveryBudgetMs`. */
  readonly deliveryMs: number;
  /** For the steps that settle what was begun, past the budget if need be: `settleBudgetMs`. */
  readonly settleMs: number;
}

export const deliveryBudget: DeliveryBudget = {
  deliveryMs: deliveryBudgetMs,
  settleMs: settleBudgetMs,
};

/** The running delivery's deadline, and the settle allowance past it. */
export interface DeliveryTime {
  readonly deadline: Deadline;
  readonly settleMs: number;
}

/** Runs a delivery from a registered provider, filed at `target`, to its decision. */
export async function deliver(
  attempt: Attempt,
  provider: ResolvedProvider,
  target: AuditTarget,
  time: DeliveryTime,
): Promise<Decision> {
  const verdict = await verify(attempt, provider);
  if (!verdict.accepted) return refuseAttempt(attempt, target, rejection(verdict.reason));
  if (verdict.handshake !== undefined) {
    return answerHandshake(attempt, provider, verdict, verdict.handshake);
  }
  const delivery = await prepare(attempt, provider, verdict, target);
  const { ports } = attempt;
  await stopIfSpent(ports, delivery, time);
  // A claim that fails is not audited: its record would go to the DynamoDB that just failed.
  const claim = await ports.markers.claim(
    delivery.providerId,
    delivery.deliveryId,
    provider.config.dedupWindowSeconds,
  );
  if (claim.outcome === 'duplicate') return recordDuplicate(ports, delivery);
  if (claim.outcome === 'in_flight') {
    return { outcome: 'in_flight', reason: 'in_flight', ...labelsOf(delivery) };
  }
  await stopIfSpent(ports, delivery, time, claim.marker);
  const sent = await send(ports, delivery, claim.marker, time);
  // The message is on the queue: the confirm gets its attempt even past the budget, since a
  // confirm given up leaves the claim pending and a retry after its lease sends the event again.
  return time.deadline.settle(time.settleMs, () => confirm(ports, delivery, claim.marker, sent));
}

/** The verification core's verdict on the raw body, under the provider's keys and options. */
function verify({ request, clock, ports }: Attempt, provider: ResolvedProvider): Promise<Verdict> {
  const { config, keys, options } = provider;
  return ports.verify({
    scheme: config.scheme,
    request,
    keys,
    options,
    clock,
    ...(config.toleranceSeconds === undefined ? {} : { toleranceSeconds: config.toleranceSeconds }),
  });
}

/**
 * The scheme's reply to a verified handshake, with the secret of the key that verified it;
 * nothing is queued or audited: the audit record's outcomes (accepted, duplicate, rejected,
 * failed) have none that fits a challenge, so it reaches the logs and metrics only.
 */
function answerHandshake(
  { request }: Attempt,
  { config, keys }: ResolvedProvider,
  verdict: Accepted,
  kind: string,
): Decision {
  const { providerId } = config;
  const { handshake } = getScheme(config.scheme);
  if (handshake === undefined) {
    const reason = cut(kind, auditFieldLimits.reason);
    return { outcome: 'handshake_not_supported', reason, providerId };
  }
  // keyIndex is -1 only for a key a KeyResolver found; no scheme with a handshake has one.
  const key = keys[verdict.keyIndex];
  const reply = key === undefined ? undefined : handshake(request, key.value);
  const reason = reply === undefined ? `${kind}:malformed` : kind;
  return { outcome: 'handshake', reason, reply, providerId };
}

/**
 * Settles the delivery id and fills the audit record. Before the claim: a KMS failure here must
 * not come after the message is already sent.
 */
async function prepare(
  attempt: Attempt,
  { config }: ResolvedProvider,
  verdict: Accepted,
  target: AuditTarget,
): Promise<PreparedDelivery> {
  const { request, receivedAtMs } = attempt;
  const bodySha256 = sha256Hex(request.body);
  const fields = readEventFields(getScheme(config.scheme), request.body);
  const deliveryId = settleDeliveryId(verdict, fields.id, bodySha256);
  const eventType = verdict.eventType ?? fields.type;
  const attempted = await attemptFields(attempt, target, deliveryId, bodySha256);
  const payloadCopy = await encryptPayloadCopy(attempt, attempted, config.redaction);
  // On every record of the delivery, duplicates included, so that erasure by subject finds
  // each of them.
  const subjectHash = await hashSubject(attempt.ports, config, request.body);
  return {
    deliveryId,
    providerId: config.providerId,
    envelope: {
      deliveryId,
      providerId: config.providerId,
      scheme: config.scheme,
      eventId: verdict.deliveryId ?? fields.id,
      eventType,
      receivedAtMs,
      headers: request.headers,
      body: request.body,
    },
    record: {
      ...attempted,
      keyId: verdict.keyId,
      ...(eventType === undefined ? {} : { eventType: cut(eventType, auditFieldLimits.eventType) }),
      ...(subjectHash === undefined ? {} : { subjectHash }),
    },
    payloadCopy,
  };
}

/** A delivery already accepted: recorded again, and nothing sent. */
async function recordDuplicate(ports: IngestPorts, delivery: PreparedDelivery): Promise<Decision> {
  const record = { ...delivery.record, outcome: 'duplicate', reason: 'already_accepted' } as const;
  await ports.audit.writeAttempt(record);
  return { outcome: 'duplicate', ...labelsOf(delivery) };
}

/**
 * Before a step that writes: once the budget is spent, gives up with nothing sent, so the claim
 * (if taken) is released for the provider's retry, and the attempt is audited `failed`.
 */
async function stopIfSpent(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  time: DeliveryTime,
  marker?: DedupMarker,
): Promise<void> {
  if (!time.deadline.expired) return;
  await giveUp(ports, time, marker, failedRecord(delivery, 'deadline_exceeded'));
  throw time.deadline.exceeded();
}

/**
 * Queues the delivery. A send that failed with an answer releases the claim (failure path
 * only), so that the provider's retry claims the delivery at once. An SQS send that timed out
 * or was aborted keeps it: SQS may hold the message, and the claim's lease then holds off a
 * second send, as after a failed confirm. Either is audited `failed` with its reason when a
 * dependency is at fault.
 */
async function send(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  marker: DedupMarker,
  time: DeliveryTime,
): Promise<SentMessage> {
  try {
    return await ports.queue.send(delivery.envelope);
  } catch (error) {
    const reason = failureReason(error);
    await giveUp(
      ports,
      time,
      mayHaveBeenSent(error) ? undefined : marker,
      reason === undefined ? undefined : failedRecord(delivery, reason),
    );
    throw error;
  }
}

/** An SQS send given up without an answer; other failures came before any message existed. */
function mayHaveBeenSent(error: unknown): boolean {
  return (
    error instanceof DependencyUnavailableError && error.dependency === 'sqs' && timedOut(error)
  );
}

/**
 * Releases the claim and writes the `failed` record, each when given, side by side within the
 * settle allowance: both are best effort, and the 503 is the answer either way.
 */
function giveUp(
  ports: IngestPorts,
  { deadline, settleMs }: DeliveryTime,
  marker: DedupMarker | undefined,
  record: AuditRecord | undefined,
): Promise<unknown> {
  return deadline.settle(settleMs, () =>
    Promise.all([
      marker === undefined ? undefined : releaseQuietly(ports, marker),
      record === undefined ? undefined : writeQuietly(ports, record),
    ]),
  );
}

function failedRecord(delivery: PreparedDelivery, reason: string): AuditRecord {
  return { ...delivery.record, outcome: 'failed', reason };
}

/** Marks the claim done and writes the accepted record, in one transaction. */
async function confirm(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  marker: DedupMarker,
  sent: SentMessage,
): Promise<Decision> {
  const confirmed = await ports.audit.confirmAccepted(marker, {
    ...delivery.record,
    outcome: 'accepted',
    queueMessageId: sent.messageId,
    ...delivery.payloadCopy,
  });
  if (confirmed === 'claim_lost') {
    // Another attempt took the claim after our lease ran out; its outcome decides the retry.
    return { outcome: 'unavailable', reason: 'claim_lost', ...labelsOf(delivery) };
  }
  return { outcome: 'accepted', ...labelsOf(delivery) };
}

function labelsOf({ deliveryId, providerId }: PreparedDelivery) {
  return { deliveryId, providerId };
}

/**
 * The provider's delivery id from a header, else the event id from the body, else the body's
 * SHA-256 (so that an identical retry is still recognised). An id the audit record could not
 * hold (too long, control characters) falls back to the hash as well.
 */
function settleDeliveryId(verdict: Accepted, eventId: string | undefined, bodySha256: string) {
  for (const candidate of [verdict.deliveryId, eventId]) {
    if (candidate !== undefined && isText(candidate, auditFieldLimits.deliveryId)) return candidate;
  }
  return `sha256:${bodySha256}`;
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars);
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
