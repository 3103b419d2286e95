import { repeatedCredentialHeader } from './ambiguous-headers.ts';
import { AsyncSchemeError, UnknownSchemeError } from './errors.ts';
import { HeaderMap } from './headers.ts';
import type { Scheme, SchemeInput } from './scheme.ts';
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
 * The headers `scheme` reads a credential from under `options` beyond the name pattern's
 * (Scheme.credentialHeaders); none for a scheme that declares none.
 * @example credentialHeadersOf('static', { mode: 'header', header: 'X-Webhook-Key' }) // ['X-Webhook-Key']
 */
export function credentialHeadersOf(scheme: string, options: unknown): readonly string[] {
  return getScheme(scheme).credentialHeaders?.(options) ?? [];
}

/**
 * Decides whether a delivery really came from the provider, verifying the raw body bytes
 * before anything parses them. A credential header that came more than once (repeated, or in
 * two letter cases) is refused as `malformed_header` before the scheme reads it.
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

/** Each scheme's parsed default options: parsing no options gives the same answer every time. */
const defaultOptionsCache = new WeakMap<Scheme<unknown>, unknown>();

/**
 * `parseOptions({})`, parsed once per scheme rather than once per request, and frozen since
 * every request shares it. A parser that throws (a required option) is not cached, so it
 * throws on every request as before.
 */
function defaultOptions(scheme: Scheme<unknown>): unknown {
  if (scheme.parseOptions === undefined) return {};
  let options = defaultOptionsCache.get(scheme);
  if (options === undefined) {
    options = scheme.parseOptions({}) ?? {};
    if (typeof options === 'object' && options !== null) Object.freeze(options);
    defaultOptionsCache.set(scheme, options);
  }
  return options;
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
  // Built property by property, not with a spread: a spread after other properties in an
  // object literal takes a slow generic copy in V8, and this runs once per request.
  const schemeInput: {
    -readonly [Key in keyof SchemeInput<unknown>]: SchemeInput<unknown>[Key];
  } = {
    method: request.method.toUpperCase(),
    url: request.url,
    headers: new HeaderMap(request.headers),
    body: request.body,
    keys,
    options: input.options ?? defaultOptions(scheme),
    nowMs: (input.clock ?? Date.now)(),
    toleranceSeconds: input.toleranceSeconds ?? scheme.defaultToleranceSeconds ?? 0,
  };
  // Before the scheme reads it: a credential header with two values is ambiguous.
  const repeated = repeatedCredentialHeader(scheme, schemeInput.options, schemeInput.headers);
  if (repeated !== undefined) return toVerdict(scheme.name, keys, repeated);
  if (input.resolveKey !== undefined) schemeInput.resolveKey = input.resolveKey;
  const outcome = scheme.verify(schemeInput);
  return outcome instanceof Promise
    ? outcome.then((settled) => toVerdict(scheme.name, keys, settled))
    : toVerdict(scheme.name, keys, outcome);
}

function toVerdict(
  scheme: string,
  keys: readonly VerificationKey[],
  outcome: SchemeVerdict,
): Verdict {
  // Completed in place rather than copied: `accept` and `reject` hand every call a fresh
  // object, and this runs once per request.
  const verdict = outcome as SchemeVerdict & { scheme?: string; keyId?: string };
  verdict.scheme = scheme;
  if (outcome.accepted) {
    verdict.keyId = keys[outcome.keyIndex]?.id ?? outcome.keyId ?? `#${outcome.keyIndex}`;
  }
  return verdict as Verdict;
}
