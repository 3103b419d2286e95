/**
 * A delivery from a registered provider, as small named steps: refuse a sender outside the
 * provider's source allowlist, verify the raw body, answer a handshake or prepare the audit
 * record, then the two round trips of docs/architecture.md ("Ingest path: two round trips"):
 * the claim, which writes the accepted record as the delivery's item, then the send. No 2xx is
 * answered unless both succeeded. Every step waits within the delivery's deadline; what an abort
 * at each step leaves is in docs/architecture.md ("Every wait bounded").
 */
import type { ClaimResult } from '../audit/delivery-claims.ts';
import type { ClaimTimes } from '../audit/delivery-item.ts';
import { type AuditRecord, auditFieldLimits } from '../audit/record.ts';
import { isText } from '../audit/text.ts';
import type { Deadline } from '../aws/deadline.ts';
import { timedOut } from '../aws/errors.ts';
import { deliveryBudgetMs, settleBudgetMs } from '../config/limits.ts';
import type { EnvelopeInput } from '../queue/envelope.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import { readEventFields } from '../verify/event-fields.ts';
import { signedFieldsOf } from '../verify/scheme.ts';
import type { Accepted, Verdict } from '../verify/types.ts';
import { getScheme } from '../verify/verify.ts';
import {
  type AuditTarget,
  attemptFields,
  encryptPayloadCopy,
  hashSubject,
  sha256Hex,
} from './audit-fields.ts';
import { type Decision, failureReason } from './decision.ts';
import { nameDelivery } from './delivery-names.ts';
import type { Attempt, IngestPorts } from './ports.ts';
import {
  methodNotAllowed,
  methodsAnswered,
  outsideAllowlist,
  refuseAttempt,
  rejection,
  sourceNotAllowed,
} from './refusals.ts';

/** A verified delivery, its id settled and its audit record ready but for the outcome. */
interface PreparedDelivery {
  readonly deliveryId: string;
  readonly providerId: string;
  /** What the queue message is built from, once the delivery is claimed. */
  readonly envelope: EnvelopeInput;
  readonly record: Omit<AuditRecord, 'outcome'>;
  /** The record as its delivery item keeps it, with the payload copy if one is kept. */
  readonly accepted: AuditRecord;
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
  // Before the signature: a sender outside the allowlist costs no verification, and a GET
  // handshake from there is refused too.
  if (outsideAllowlist(attempt, provider)) {
    return refuseAttempt(attempt, target, rejection(sourceNotAllowed));
  }
  const verdict = await verify(attempt, provider);
  if (!verdict.accepted) return refuseAttempt(attempt, target, rejection(verdict.reason));
  if (verdict.handshake !== undefined) {
    return answerHandshake(attempt, provider, verdict, verdict.handshake);
  }
  // Only a POST is an event: a method a scheme lets through beside it (a GET handshake) is
  // answered as a handshake or refused, never queued, whatever the scheme's verdict.
  if (attempt.request.method.toUpperCase() !== 'POST') {
    return refuseAttempt(attempt, target, methodNotAllowed(methodsAnswered(provider)));
  }
  const delivery = await prepare(attempt, provider, verdict, target);
  const { ports } = attempt;
  await stopIfSpent(ports, delivery, time);
  const times = claimTimes(attempt, provider, time);
  let claim: ClaimResult;
  try {
    claim = await ports.claims.claim(delivery.accepted, times);
  } catch (error) {
    return settleFailedClaim(ports, delivery, time, error);
  }
  if (claim.outcome === 'window_passed') {
    await stopIfSpent(ports, delivery, time);
    const replaced = await ports.claims.replace(claim.previous, delivery.accepted, times);
    claim =
      replaced === 'claimed' ? { outcome: 'claimed' } : { outcome: 'in_flight', recorded: false };
  }
  if (claim.outcome !== 'claimed') return answerRepeat(ports, delivery, claim);
  return (await stopIfSpent(ports, delivery, time, true)) ?? send(ports, delivery, time);
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
 * The scheme's reply to a verified handshake, with the secret of the key that verified it and
 * the provider's options (which GET handshake the `hmac` scheme answers); nothing is queued or
 * audited: the audit record's outcomes (accepted, duplicate, rejected, failed) have none that
 * fits a challenge, so it reaches the logs and metrics only.
 */
function answerHandshake(
  { request }: Attempt,
  { config, keys, options }: ResolvedProvider,
  verdict: Accepted,
  kind: string,
): Decision {
  const { providerId } = config;
  const scheme = getScheme(config.scheme);
  if (scheme.handshake === undefined) {
    const reason = cut(kind, auditFieldLimits.reason);
    return { outcome: 'handshake_not_supported', reason, providerId };
  }
  // keyIndex is -1 only for a key a KeyResolver found; no scheme with a handshake has one.
  const key = keys[verdict.keyIndex];
  const reply = key === undefined ? undefined : scheme.handshake(request, key.value, options);
  const reason = reply === undefined ? `${kind}:malformed` : kind;
  return { outcome: 'handshake', reason, reply, providerId };
}

/**
 * Settles the delivery id from what the signature covers (delivery-names.ts) and fills the
 * audit record. Before the claim: a KMS failure here must not come after the message is sent.
 */
async function prepare(
  attempt: Attempt,
  { config, options }: ResolvedProvider,
  verdict: Accepted,
  target: AuditTarget,
): Promise<PreparedDelivery> {
  const { request, receivedAtMs } = attempt;
  const bodySha256 = sha256Hex(request.body);
  const scheme = getScheme(config.scheme);
  const fields = readEventFields(scheme, request.body, options);
  const names = nameDelivery(verdict, fields, signedFieldsOf(scheme, options), bodySha256);
  const { deliveryId, eventId, eventType, signed } = names;
  const attempted = await attemptFields(attempt, target, deliveryId, bodySha256);
  const payloadCopy = await encryptPayloadCopy(attempt, attempted, config.redaction);
  // On every record of the delivery, duplicates included, so that erasure by subject finds
  // each of them.
  const subjectHash = await hashSubject(attempt.ports, config, request.body);
  const record = {
    ...attempted,
    keyId: verdict.keyId,
    ...(eventType === undefined ? {} : { eventType: cut(eventType, auditFieldLimits.eventType) }),
    // The provider's own id, where the delivery is filed under another: found by `audit list`.
    ...(eventId !== undefined && eventId !== deliveryId && isText(eventId, auditFieldLimits.eventId)
      ? { eventId }
      : {}),
    ...(subjectHash === undefined ? {} : { subjectHash }),
  };
  return {
    deliveryId,
    providerId: config.providerId,
    envelope: {
      deliveryId,
      providerId: config.providerId,
      scheme: config.scheme,
      eventId,
      eventType,
      signed,
      receivedAtMs,
      headers: request.headers,
      body: request.body,
    },
    record,
    accepted: { ...record, outcome: 'accepted', ...payloadCopy },
  };
}

/** How long the claim holds off repeats (503), and how long they are duplicates (200). */
function claimTimes(
  { receivedAtMs }: Attempt,
  { config }: ResolvedProvider,
  { deadline, settleMs }: DeliveryTime,
): ClaimTimes {
  return {
    // Past the budget and the settle allowance, this attempt can no longer be sending.
    sendingUntilMs: receivedAtMs + deadline.budgetMs + settleMs,
    dedupUntilMs: receivedAtMs + config.dedupWindowSeconds * 1000,
  };
}

/**
 * A claim that failed. One that timed out may have been applied, leaving an item that reads as
 * accepted once its sending window ends though nothing was sent: it is released (the release
 * marks only this attempt's own claim). One that DynamoDB answered with an error was not
 * applied. Either way the `failed` record is best effort: it goes to the DynamoDB that failed.
 */
async function settleFailedClaim(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  time: DeliveryTime,
  error: unknown,
): Promise<Decision> {
  const reason = failureReason(error);
  if (reason === undefined) throw error;
  const released = await giveUp(ports, time, delivery, reason, timedOut(error));
  if (!released) return notReleased(delivery);
  throw error;
}

/**
 * A repeat of a delivery already claimed: answered `duplicate` (200) once the claim's send is
 * over, `in_flight` (503) while it may still be under way. The claim appended it to the
 * delivery item; when it could not (the item is full or erased), it gets a record of its own.
 */
async function answerRepeat(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  claim: { readonly outcome: 'duplicate' | 'in_flight'; readonly recorded: boolean },
): Promise<Decision> {
  const reason = claim.outcome === 'duplicate' ? 'already_accepted' : 'in_flight';
  if (!claim.recorded) {
    await ports.audit.writeAttempt({ ...delivery.record, outcome: 'duplicate', reason });
  }
  if (claim.outcome === 'in_flight') return { outcome: 'in_flight', reason, ...labelsOf(delivery) };
  return { outcome: 'duplicate', ...labelsOf(delivery) };
}

/**
 * Before a step that writes: once the budget is spent, gives up with nothing sent, so the claim
 * (if taken) is released for the provider's retry, and the attempt is audited `failed`. Throws
 * the deadline's error, or answers `claim_not_released` when the claim could not be released.
 */
async function stopIfSpent(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  time: DeliveryTime,
  claimed = false,
): Promise<Decision | undefined> {
  if (!time.deadline.expired) return undefined;
  const released = await giveUp(ports, time, delivery, 'deadline_exceeded', claimed);
  if (!released) return notReleased(delivery);
  throw time.deadline.exceeded();
}

/**
 * A 503 whose claim stayed: the one case where a retry after `sendingUntil` is answered
 * `duplicate` though nothing was queued. Its own reason, so that logs and the metric's
 * `reason` dimension single it out for an alarm.
 */
function notReleased(delivery: PreparedDelivery): Decision {
  return { outcome: 'unavailable', reason: 'claim_not_released', ...labelsOf(delivery) };
}

/**
 * Step 2: queues the delivery and writes its payload copy, side by side. Accepted once the
 * send succeeded: the record was written by the claim. A send that failed releases the claim,
 * so that the provider's retry claims the delivery again; one that timed out may have left a
 * message on the queue, which the queue's deduplication id (provider and delivery id) keeps
 * the retry from doubling within SQS's five-minute window.
 */
async function send(
  ports: IngestPorts,
  delivery: PreparedDelivery,
  time: DeliveryTime,
): Promise<Decision> {
  const [sent, copied] = await Promise.allSettled([
    ports.queue.send(delivery.envelope),
    ports.audit.writePayloadCopy(delivery.accepted),
  ]);
  if (sent.status === 'rejected') {
    const reason = failureReason(sent.reason) ?? 'internal_error';
    const released = await giveUp(ports, time, delivery, reason, true);
    if (!released) return notReleased(delivery);
    throw sent.reason;
  }
  // The event is queued and its record written: the copy is an extra, not worth a retry
  // that the dedup would answer `duplicate` without writing it anyway.
  if (copied.status === 'rejected') {
    return { outcome: 'accepted', reason: 'payload_copy_not_written', ...labelsOf(delivery) };
  }
  return { outcome: 'accepted', ...labelsOf(delivery) };
}

/**
 * Settles a delivery given up: releases its claim (if taken) and writes the `failed` record,
 * both best effort within the settle allowance: the 503 is the answer either way. The repeats
 * answered 503 meanwhile stay in the released item, which reads them as `failed`; a payload
 * copy written for it stays beside the `failed` record until its TTL (the class's payloadDays):
 * the ingest function deletes nothing of the audit table (docs/audit-integrity.md). False when
 * the claim was taken and could not be released: it stays, and after its `sendingUntil` the
 * delivery reads as accepted though nothing was queued.
 */
async function giveUp(
  ports: IngestPorts,
  { deadline, settleMs }: DeliveryTime,
  delivery: PreparedDelivery,
  reason: string,
  claimed: boolean,
): Promise<boolean> {
  const failed: AuditRecord = { ...delivery.record, outcome: 'failed', reason };
  let released = !claimed;
  const release = async () => {
    released = await releaseQuietly(ports, delivery.accepted);
  };
  await deadline
    .settle(settleMs, () =>
      Promise.all([writeQuietly(ports, failed), claimed ? release() : undefined]),
    )
    .catch(() => undefined);
  return released;
}

function labelsOf({ deliveryId, providerId }: PreparedDelivery) {
  return { deliveryId, providerId };
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

/**
 * Whether the claim no longer stands: released, or not this attempt's any more. False when the
 * release failed: the item stays, and after its `sendingUntil` the provider's retries are
 * answered `duplicate` though nothing was queued (docs/architecture.md, "What a retry can cause").
 */
async function releaseQuietly(ports: IngestPorts, record: AuditRecord): Promise<boolean> {
  try {
    await ports.claims.release(record);
    return true;
  } catch {
    return false;
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
