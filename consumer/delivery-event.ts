/**
 * What the user's handler receives for one accepted delivery: the envelope's facts, which of
 * them the provider's signature covers, the body as the exact bytes received, and a JSON reader
 * that parses them once, on demand (a form post or a binary body never needs it).
 */
import type { Envelope, SignedField } from '../functions/queue/envelope.ts';

/** How the delivery came to be on the queue a second time, when `webhooks replay` put it there. */
export interface Replay {
  /** When the replay was queued, ISO 8601. */
  readonly replayedAt: string;
}

/** One accepted delivery, as the handler sees it. */
export interface DeliveryEvent {
  readonly providerId: string;
  /** The receiver's id for the delivery: the handler runs once per provider and delivery id. */
  readonly deliveryId: string;
  /** The provider's own id, signed or not (`signed` says). @default - the provider sent none */
  readonly eventId?: string;
  /** The provider's event type, signed or not (`signed` says). @default - none named */
  readonly eventType?: string;
  /** The scheme that verified the delivery, e.g. `stripe`. */
  readonly scheme: string;
  /** When the receiver accepted it, ISO 8601. */
  readonly receivedAt: string;
  /**
   * Which of these fields the provider's signature covers: route on `eventType` as the
   * provider's word only when it is listed. @default - absent on a message that does not say
   */
  readonly signed?: readonly SignedField[];
  /** The headers the envelope carries, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as received. */
  readonly body: Buffer;
  /** The body parsed as JSON (once; a SyntaxError when it is not JSON). */
  json<T = unknown>(): T;
  /** @default - absent: the delivery as first queued */
  readonly replay?: Replay;
}

/** The event for an opened envelope; `replay` from the message's attributes. */
export function deliveryEvent(envelope: Envelope, replay?: Replay): DeliveryEvent {
  let parsed: { value: unknown } | undefined;
  const { providerId, deliveryId, eventId, eventType, scheme, receivedAt, signed, headers, body } =
    envelope;
  return {
    providerId,
    deliveryId,
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventType === undefined ? {} : { eventType }),
    scheme,
    receivedAt,
    ...(signed === undefined ? {} : { signed }),
    headers,
    body,
    json<T>(): T {
      parsed ??= { value: JSON.parse(body.toString('utf8')) };
      return parsed.value as T;
    },
    ...(replay === undefined ? {} : { replay }),
  };
}
