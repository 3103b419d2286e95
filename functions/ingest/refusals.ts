/**
 * The refusals of the ingest path and their audit. A body over the limit (413) is refused
 * whatever the provider, and a method other than POST (405) unless the provider's scheme
 * answers it under its options (a GET handshake); an unknown or disabled provider, a delivery
 * from outside its provider's source allowlist and one that fails verification, with the same
 * 401. Every refused attempt is audited, within a budget per source address
 * (rejection-budget.ts).
 */
import { maxBodySizeBytes } from '../config/limits.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import { methodsOf, postOnly } from '../verify/scheme.ts';
import { getScheme } from '../verify/verify.ts';
import { type AuditTarget, attemptFields, sha256Hex } from './audit-fields.ts';
import type { Decision } from './decision.ts';
import type { IngestRequest } from './http-event.ts';
import type { Attempt } from './ports.ts';

/** Why an attempt is refused: its outcome, and the reason its audit record keeps. */
export interface Refusal {
  readonly outcome: 'rejected' | 'too_large' | 'method_not_allowed';
  readonly reason: string;
  /** For `method_not_allowed`: the methods answered, for `Allow`. @default - {@link postOnly} */
  readonly allow?: readonly string[];
}

/**
 * A body over `maxBodySizeBytes`, or a method other than those `allowed`, decided before the
 * delivery is verified. Only POST unless the provider was found and its scheme answers more
 * under its options ({@link methodsAnswered}): an unknown or disabled provider's GET is a 405,
 * as a provider's without a GET handshake is, so the answer tells neither apart.
 */
export function refuseEarly(
  request: IngestRequest,
  allowed: readonly string[] = postOnly,
): Refusal | undefined {
  if (request.body.byteLength > maxBodySizeBytes) {
    return { outcome: 'too_large', reason: 'payload_too_large' };
  }
  if (!allowed.includes(request.method.toUpperCase())) return methodNotAllowed(allowed);
  return undefined;
}

/** The methods a registered provider's scheme answers under its options: POST, or more. */
export function methodsAnswered({ config, options }: ResolvedProvider): readonly string[] {
  return methodsOf(getScheme(config.scheme), options);
}

/** A 405 naming the methods that are answered. */
export function methodNotAllowed(allowed: readonly string[]): Refusal {
  return { outcome: 'method_not_allowed', reason: 'method_not_allowed', allow: allowed };
}

/** A 401, for a registry code (`provider_not_found`…) or a verification failure's reason. */
export function rejection(reason: string): Refusal {
  return { outcome: 'rejected', reason };
}

/**
 * The reason of a delivery refused by its provider's source allowlist (`sources`), before its
 * signature is checked: the audit record's, the log line's and the metric's `reason` dimension
 * (the dashboard graphs it per provider). The caller gets the 401 of every refusal.
 */
export const sourceNotAllowed = 'source_not_allowed';

/**
 * Whether the provider's source allowlist refuses the attempt: the address is API Gateway's
 * `sourceIp` (http-event.ts), the TCP peer it saw, never a header the client sent.
 */
export function outsideAllowlist({ request }: Attempt, provider: ResolvedProvider): boolean {
  return provider.allowedSources !== undefined && !provider.allowedSources.allows(request.sourceIp);
}

/**
 * Audits a refused attempt, within its source's budget, then decides to refuse it. An attempt
 * has no trusted delivery id, so it is filed under the request id. A failed write is a 503, as
 * for any delivery: the audit trail must not silently miss attempts it was meant to hold.
 */
export async function refuseAttempt(
  attempt: Attempt,
  target: AuditTarget,
  refusal: Refusal,
): Promise<Decision> {
  const { request, ports, receivedAtMs } = attempt;
  // Reports the partition it is filed under, but for an unregistered one naming the id asked for.
  const filed = target.requestedProviderId === undefined ? { providerId: target.providerId } : {};
  const decision = { ...refusal, ...filed };
  const ticket = ports.rejections.take(request.sourceIp, receivedAtMs);
  if (!ticket.write) return { ...decision, auditSuppressed: true };
  try {
    const fields = await attemptFields(attempt, target, request.requestId, sha256Hex(request.body));
    await ports.audit.writeAttempt({
      ...fields,
      outcome: 'rejected',
      reason: refusal.reason,
      ...(ticket.suppressedBefore > 0 ? { suppressedAttempts: ticket.suppressedBefore } : {}),
    });
  } catch (error) {
    ports.rejections.restore(request.sourceIp, ticket.suppressedBefore);
    throw error;
  }
  return decision;
}
