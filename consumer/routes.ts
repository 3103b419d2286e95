/**
 * The user's code: one function for every delivery, or a map by provider and then event type,
 * with `*` for any. A delivery no route takes is done without running anything (it is not
 * retried, and is counted as `unrouted`): a consumer subscribed to a few event types should not
 * send the rest to the dead-letter queue.
 */
import type { DeliveryEvent } from './delivery-event.ts';

/**
 * The user's code for one delivery; it throws to have the delivery retried. What it returns is
 * ignored, so any function of the event fits, e.g. `(event) => save(event.json())`.
 */
export type DeliveryHandler = (event: DeliveryEvent) => unknown;

/**
 * Handlers by provider id, then by event type; `*` at either level takes what nothing more
 * specific takes.
 * @example { 'stripe-live': { 'invoice.paid': onInvoicePaid, '*': onOtherStripe }, '*': { '*': audit } }
 */
export type HandlerRoutes = Readonly<
  Record<string, DeliveryHandler | Readonly<Record<string, DeliveryHandler>>>
>;

/** The handler for `event`, or undefined when no route takes it. */
export function routeOf(
  handlers: DeliveryHandler | HandlerRoutes,
  event: Pick<DeliveryEvent, 'providerId' | 'eventType'>,
): DeliveryHandler | undefined {
  if (typeof handlers === 'function') return handlers;
  const byProvider = own(handlers, event.providerId) ?? own(handlers, '*');
  if (byProvider === undefined) return undefined;
  if (typeof byProvider === 'function') return byProvider;
  return (
    (event.eventType === undefined ? undefined : own(byProvider, event.eventType)) ??
    own(byProvider, '*')
  );
}

/** Own properties only: a provider named `constructor` must not find Object.prototype's. */
function own<Value>(record: Readonly<Record<string, Value>>, key: string): Value | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
