/**
 * The ingest path of `POST /v1/webhooks/{providerId}` as a pure orchestration over injected
 * ports: look the provider up (provider-lookup.ts), refuse what must be refused
 * (refusals.ts), run a delivery through verify, claim, send and confirm (pipeline.ts), and
 * answer (http-response.ts, the one place that picks status codes and bodies).
 *
 * This module is the ingest path's public face: the local gateway, the CDK dashboard and the
 * tests import `ingest` and the types of its signature and result from here.
 */
import { withDeadline } from '../aws/deadline.ts';
import type { Clock } from '../verify/types.ts';
import type { Decision } from './decision.ts';
import type { IngestRequest } from './http-event.ts';
import { answerFailure, type IngestResult, respond } from './http-response.ts';
import { type DeliveryBudget, type DeliveryTime, deliver, deliveryBudget } from './pipeline.ts';
import type { Attempt, IngestPorts } from './ports.ts';
import { type Lookup, lookUpProvider } from './provider-lookup.ts';
import { methodsAnswered, refuseAttempt, refuseEarly } from './refusals.ts';

export type { IngestOutcome } from './decision.ts';
export type { HttpResponse, IngestResult } from './http-response.ts';
export type { DeliveryBudget } from './pipeline.ts';
export type { IngestPorts } from './ports.ts';

/**
 * Runs one delivery through the ingest path and says what to answer, within `budget`: every
 * SDK call still waiting when its delivery time is spent is aborted, and the answer is a 503
 * (docs/architecture.md, "Every wait bounded").
 * Errors other than a dependency being unavailable or late (a malformed registry item, a
 * record that breaks the rules) are thrown: the handler answers 500.
 * @param budget @default deliveryBudget (functions/config/limits.ts: 6 s, and 1.5 s to settle)
 * @example
 * const { response } = await ingest(readHttpEvent(event), ports, Date.now);
 */
export function ingest(
  request: IngestRequest,
  ports: IngestPorts,
  clock: Clock,
  budget: DeliveryBudget = deliveryBudget,
): Promise<IngestResult> {
  const attempt: Attempt = { request, receivedAtMs: clock(), clock, ports };
  return withDeadline(budget.deliveryMs, async (deadline) => {
    let lookup: Lookup;
    try {
      lookup = await lookUpProvider(ports, request.providerId);
    } catch (error) {
      return answerFailure(error);
    }
    try {
      const time = { deadline, settleMs: budget.settleMs };
      return respond(await settle(attempt, lookup, time));
    } catch (error) {
      return answerFailure(error, lookup.providerId);
    }
  });
}

/**
 * Size and method first, then the registry's refusal, then the delivery itself. A method
 * beside POST is let through only for a provider whose scheme answers it (a GET handshake).
 */
function settle(attempt: Attempt, lookup: Lookup, time: DeliveryTime): Promise<Decision> {
  if ('refusal' in lookup) {
    return refuseAttempt(attempt, lookup.target, refuseEarly(attempt.request) ?? lookup.refusal);
  }
  const early = refuseEarly(attempt.request, methodsAnswered(lookup.provider));
  if (early !== undefined) return refuseAttempt(attempt, lookup.target, early);
  return deliver(attempt, lookup.provider, lookup.target, time);
}
