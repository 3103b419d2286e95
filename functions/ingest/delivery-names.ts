/**
 * How an accepted delivery is named: the id that decides whether it is new (the delivery item
 * `d#<deliveryId>`, the queue's deduplication id) and what its envelope tells consumers. Only
 * what the provider's signature covers may decide the id: a captured delivery replayed under
 * another unsigned id, or none, must still be its own duplicate (docs/architecture.md,
 * "Delivery ids and what is signed").
 */
import { auditFieldLimits } from '../audit/record.ts';
import { isText } from '../audit/text.ts';
import type { SignedField } from '../queue/envelope.ts';
import type { EventFields } from '../verify/event-fields.ts';
import type { SignedFields } from '../verify/scheme.ts';
import type { Accepted } from '../verify/types.ts';

/** A delivery's names, as its envelope and audit record carry them. */
export interface DeliveryNames {
  /** Keys deduplication: a signed id, else `sha256:<hex>` of the body. */
  readonly deliveryId: string;
  /** The provider's own id as it sent it, signed or not: information for consumers. */
  readonly eventId: string | undefined;
  /** The provider's event type as it sent it, signed or not. */
  readonly eventType: string | undefined;
  /** Which of the envelope's fields the provider's signature covers. */
  readonly signed: readonly SignedField[];
}

/**
 * Names a verified delivery. The header's id and type come first, as the provider meant them,
 * else the body's (`eventFields`); `signed` says whether the one used is covered. The delivery
 * id is the header's id only where the scheme signs it, else the body's event id where the
 * body's fields are signed, else the body's SHA-256: so an unsigned header id never keys
 * deduplication, and a replay of the same signed body is a duplicate whatever id it carries.
 *
 * @example
 * // GitHub: X-GitHub-Delivery is not signed
 * nameDelivery(verdict, {}, bodySigned, bodySha256)
 * // { deliveryId: 'sha256:<hex>', eventId: '<the GUID>', eventType: 'push', signed: ['body'] }
 */
export function nameDelivery(
  verdict: Accepted,
  body: EventFields,
  signs: Required<SignedFields>,
  bodySha256: string,
): DeliveryNames {
  const fromHeader = verdict.deliveryId !== undefined;
  const typeFromHeader = verdict.eventType !== undefined;
  const idSigned = fromHeader ? signs.deliveryId : body.id !== undefined && signs.eventFields;
  const typeSigned = typeFromHeader
    ? signs.eventType
    : body.type !== undefined && signs.eventFields;
  const signed: SignedField[] = [];
  if (signs.body) signed.push('body');
  if (idSigned) signed.push('eventId');
  if (typeSigned) signed.push('eventType');
  // A verdict's timestamp is one the scheme signed and checked (types.ts AcceptedDetails).
  if (verdict.timestamp !== undefined) signed.push('timestamp');
  const candidates = [
    signs.deliveryId ? verdict.deliveryId : undefined,
    signs.eventFields ? body.id : undefined,
  ];
  return {
    deliveryId: settleDeliveryId(candidates, bodySha256),
    eventId: verdict.deliveryId ?? body.id,
    eventType: verdict.eventType ?? body.type,
    signed,
  };
}

/**
 * The first signed candidate the audit record can hold (not too long, no control characters),
 * else the body's SHA-256, which still recognises an identical retry or replay.
 */
function settleDeliveryId(candidates: readonly (string | undefined)[], bodySha256: string): string {
  for (const candidate of candidates) {
    if (candidate !== undefined && isText(candidate, auditFieldLimits.deliveryId)) return candidate;
  }
  return `sha256:${bodySha256}`;
}
