import { AsyncSchemeError, UnknownSchemeError } from './errors.ts';
import { normalizeHeaders } from './headers.ts';
import type { Scheme } from './scheme.ts';
import { type SchemeName, type SchemeOptions, schemes } from './schemes/index.ts';
import type {
  Clock,
  DeliveryRequest,
  KeyResolver,
  SchemeVerdict,
  Verdict,
  VerificationKey,
} from './types.ts';

export interface VerifyDeliveryInput<Name extends SchemeName = SchemeName> {
  readonly scheme: Name;
  readonly request: DeliveryRequest;
  /** Every key currently valid for the provider; several during a rotation. */
  readonly keys: readonly VerificationKey[];
  /** @default - the scheme's defaults */
  readonly options?: SchemeOptions<Name>;
  /** @default - the scheme's `defaultToleranceSeconds` */
  readonly toleranceSeconds?: number;
  /** @default Date.now */
  readonly clock?: Clock;
  /** Required by schemes whose provider publishes keys by id (Plaid). */
  readonly resolveKey?: KeyResolver;
}

/** Looks a scheme up by name. */
export function getScheme(name: string): Scheme<unknown> {
  const scheme = (schemes as unknown as Record<string, Scheme<unknown>>)[name];
  if (scheme === undefined || !Object.hasOwn(schemes, name)) throw new UnknownSchemeError(name);
  return scheme;
}

/**
 * Decides whether a delivery really came from the provider, verifying the raw body bytes
 * before anything parses them.
 *
 * @example
 * const verdict = await verifyDelivery({ scheme: 'stripe', request, keys: [{ value: 'whsec_…' }] });
 * if (!verdict.accepted) console.warn(verdict.reason);
 */
export async function verifyDelivery<Name extends SchemeName>(
  input: VerifyDeliveryInput<Name>,
): Promise<Verdict> {
  return run(input);
}

/** As {@link verifyDelivery}, for every scheme that needs no asynchronous key lookup. */
export function verifyDeliverySync<Name extends SchemeName>(
  input: VerifyDeliveryInput<Name>,
): Verdict {
  const verdict = run(input);
  if (verdict instanceof Promise) throw new AsyncSchemeError(input.scheme);
  return verdict;
}

function run(input: VerifyDeliveryInput<SchemeName>): Verdict | Promise<Verdict> {
  const scheme = getScheme(input.scheme);
  const { keys } = input;
  if (keys.length === 0 && input.resolveKey === undefined) {
    return {
      accepted: false,
      scheme: scheme.name,
      reason: 'no_keys',
      detail: 'no keys configured',
    };
  }
  const { request } = input;
  const outcome = scheme.verify({
    method: request.method.toUpperCase(),
    url: request.url,
    headers: normalizeHeaders(request.headers),
    body: request.body,
    keys,
    options: input.options ?? scheme.parseOptions?.({}) ?? {},
    nowMs: (input.clock ?? Date.now)(),
    toleranceSeconds: input.toleranceSeconds ?? scheme.defaultToleranceSeconds ?? 0,
    ...(input.resolveKey === undefined ? {} : { resolveKey: input.resolveKey }),
  });
  return outcome instanceof Promise
    ? outcome.then((settled) => toVerdict(scheme.name, keys, settled))
    : toVerdict(scheme.name, keys, outcome);
}

function toVerdict(
  scheme: string,
  keys: readonly VerificationKey[],
  outcome: SchemeVerdict,
): Verdict {
  if (!outcome.accepted) return { ...outcome, scheme };
  return { ...outcome, scheme, keyId: keys[outcome.keyIndex]?.id ?? `#${outcome.keyIndex}` };
}
