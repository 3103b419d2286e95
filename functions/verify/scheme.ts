import type { HeaderMap } from './headers.ts';
import type {
  AcceptedDetails,
  DeliveryRequest,
  KeyResolver,
  RejectionReason,
  SchemeVerdict,
  VerificationKey,
} from './types.ts';

/** What a scheme's `verify` receives: the request as received, normalised once by the core. */
export interface SchemeInput<Options> {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  /** At least one key, unless `resolveKey` is given; the core refuses neither before a scheme runs. */
  readonly keys: readonly VerificationKey[];
  readonly options: Options;
  readonly nowMs: number;
  readonly toleranceSeconds: number;
  readonly resolveKey?: KeyResolver;
}

/** How a scheme reads `--option key=value` pairs into its typed options. */
export type OptionParser<Options> = (raw: Readonly<Record<string, string>>) => Options;

/** The answer a provider requires to a verified handshake: a body and its media type. */
export interface HandshakeReply {
  /** e.g. `text/plain` for Twitch's challenge, `application/json` for Zoom's. */
  readonly contentType: string;
  readonly body: string;
}

/**
 * What a scheme's signature covers of what it reports. The delivery id keys deduplication
 * (functions/ingest/delivery-names.ts), so a value the signature does not cover must never
 * decide it: a replay of a captured delivery may carry any id or type in an unsigned header.
 * Each flag is a claim about the provider's signed bytes; a scheme opts in with a comment
 * citing why.
 */
export interface SignedFields {
  /**
   * The header value the verdict reports as `deliveryId` is among the signed bytes (Standard
   * Webhooks' `webhook-id`, Twitch's message id).
   * @default false - a replay may carry any id, or none
   */
  readonly deliveryId?: boolean;
  /**
   * The header value the verdict reports as `eventType` is among the signed bytes.
   * @default false - a replay may be relabelled
   */
  readonly eventType?: boolean;
  /**
   * The body's bytes are signed, and with them the `eventFields` read from it.
   * @default true - false where the scheme authenticates the sender but not the body
   */
  readonly body?: boolean;
  /**
   * The `eventFields` are signed though the body as a whole is not (Adyen signs each
   * notification item's pspReference and eventCode).
   * @default - as `body`
   */
  readonly eventFields?: boolean;
}

/** Only the body is signed: the common case, and every scheme's unless it declares otherwise. */
export const bodySigned: Required<SignedFields> = Object.freeze({
  deliveryId: false,
  eventType: false,
  body: true,
  eventFields: true,
});

/** Dotted paths into a JSON body, such as `data.id`. */
export interface EventFieldPaths {
  readonly id?: string | undefined;
  readonly type?: string | undefined;
}

/** Where a delivery's event type header and body fields are, under a scheme's options. */
export interface EventSources {
  readonly eventTypeHeader?: string | undefined;
  readonly eventFields?: EventFieldPaths | undefined;
}

/** One provider's signing scheme: a little data and one verification function. */
export interface Scheme<Options = Record<string, never>> {
  readonly name: string;
  readonly summary: string;
  /** The provider's documentation of the scheme. */
  readonly docs: string;
  /** Headers the scheme reads, as the provider spells them. */
  readonly headers: readonly string[];
  /** Whether keys are shared secrets or the provider's public keys. */
  readonly keyKind: 'secret' | 'public-key';
  /**
   * How far a signed timestamp may be from our clock, either way.
   * @default - the scheme signs no timestamp
   */
  readonly defaultToleranceSeconds?: number;
  /**
   * The header the verdict's `eventType` is read from, for schemes that read it from one
   * (`signedFields` says whether it is signed); shown by `webhooks providers catalog`.
   * @default - the type comes from the body (`eventFields`), or nowhere
   */
  readonly eventTypeHeader?: string;
  /**
   * Where the event id and type sit in a JSON body, for schemes that carry them only there;
   * read by {@link readEventFields} after verification, so verification never parses.
   * @default - ids come from headers only
   */
  readonly eventFields?: EventFieldPaths;
  /**
   * Where the event id and type are under these options, for a scheme whose options name them
   * (the generic hmac's `idField`, `typeField` and `typeHeader`). A method, as `signedFields` is.
   * @default - `eventTypeHeader` and `eventFields` as declared
   */
  eventSources?(options: Options): EventSources;
  /**
   * What the signature covers of the reported id, event type and body, under these options
   * (the generic hmac's template decides it, and Adyen's variant). A method, as
   * `credentialHeaders` is, so that every scheme still reads as a `Scheme<unknown>`.
   * @default - {@link bodySigned}: the body and its eventFields are signed, no header id or type
   */
  signedFields?(options: Options): SignedFields;
  /**
   * The headers that carry a credential under these options, beyond those the name pattern of
   * functions/config/headers.ts catches: a header name the provider configured (static's and
   * hmac's `header`). Never stored, whatever its name.
   * @default - none beyond the pattern's
   */
  credentialHeaders?(options: Options): readonly string[];
  /**
   * The HTTP methods the ingest path lets through to `verify` under these options, in upper
   * case: another method is refused 405 with these in `Allow`. A method beside POST is for a
   * handshake only (the `hmac` scheme's `challenge` GETs): `verify` must accept it only as a
   * `handshake`, and the ingest path never queues one. A method, as `signedFields` is.
   * @default - {@link postOnly}
   */
  methods?(options: Options): readonly string[];
  /** Reads and validates option strings. @default - the scheme takes no options */
  readonly parseOptions?: OptionParser<Options>;
  verify(input: SchemeInput<Options>): SchemeVerdict | Promise<SchemeVerdict>;
  /**
   * The reply the provider documents for a delivery `verify` accepted as a `handshake`, given
   * the secret of the key that verified it and the provider's options; `undefined` when the
   * request lacks what the reply must echo, or holds what may not be echoed. Called only
   * after verification, so it may trust what the verification covered. A method, as
   * `signedFields` is.
   * @default - the scheme answers no handshake
   */
  handshake?(
    delivery: DeliveryRequest,
    secret: string,
    options: Options,
  ): HandshakeReply | undefined;
}

/** The methods every scheme answers unless it says otherwise: deliveries are POSTs. */
export const postOnly: readonly string[] = Object.freeze(['POST']);

/** The methods `scheme` answers under `options` ({@link Scheme.methods}). */
export function methodsOf(scheme: Scheme<unknown>, options: unknown): readonly string[] {
  return scheme.methods?.(options) ?? postOnly;
}

/** Where `scheme` finds the event id and type under `options` ({@link Scheme.eventSources}). */
export function eventSourcesOf(scheme: Scheme<unknown>, options: unknown): EventSources {
  return (
    scheme.eventSources?.(options) ?? {
      eventTypeHeader: scheme.eventTypeHeader,
      eventFields: scheme.eventFields,
    }
  );
}

/** What `scheme` signs under `options`, each flag it leaves out at its default. */
export function signedFieldsOf(scheme: Scheme<unknown>, options: unknown): Required<SignedFields> {
  const declared = scheme.signedFields?.(options);
  if (declared === undefined) return bodySigned;
  const body = declared.body ?? bodySigned.body;
  return {
    deliveryId: declared.deliveryId ?? bodySigned.deliveryId,
    eventType: declared.eventType ?? bodySigned.eventType,
    body,
    eventFields: declared.eventFields ?? body,
  };
}

/** A refusal with its reason; `detail` must never quote a secret, signature or body. */
export function reject(reason: RejectionReason, detail: string): SchemeVerdict {
  return { accepted: false, reason, detail };
}

type Details = {
  readonly [Key in keyof Omit<AcceptedDetails, 'keyIndex'>]?: AcceptedDetails[Key] | undefined;
};

/** An acceptance, keeping only the details the request actually carried. */
export function accept(keyIndex: number, details: Details = {}): SchemeVerdict {
  const verdict: Record<string, unknown> = { accepted: true, keyIndex };
  // A for-in over own keys visits what Object.entries would, without its per-call arrays.
  for (const name in details) {
    if (!Object.hasOwn(details, name)) continue;
    const value = details[name as keyof Details];
    if (value !== undefined) verdict[name] = value;
  }
  return verdict as unknown as SchemeVerdict;
}

/** Reads a required header, or explains which one is missing. */
export function requireHeader(
  headers: HeaderMap,
  name: string,
): { value: string; rejection?: never } | { value?: never; rejection: SchemeVerdict } {
  const value = headers.get(name);
  if (value === undefined || value === '') {
    return { rejection: reject('missing_header', `${name} header is missing`) };
  }
  return { value };
}
