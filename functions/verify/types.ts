/** The shapes the verification core speaks: a delivery as received, keys, and the verdict. */

import type { JsonWebKey } from 'node:crypto';

/** Header values as an HTTP stack hands them over: any letter case, possibly repeated. */
export type HeaderInput = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One delivery exactly as it reached us. The body is the raw bytes, never a parsed object. */
export interface DeliveryRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The full URL the provider called, scheme, host, path and query included. */
  readonly url: string;
  readonly headers: HeaderInput;
  readonly body: Uint8Array;
}

/**
 * A secret or public key, as text exactly as the provider issues it
 * (e.g. Stripe's `whsec_…`, Discord's hex public key, SendGrid's base64 DER key).
 */
export interface VerificationKey {
  /** Caller's name for the key, reported back when it matches. @default - its index */
  readonly id?: string;
  readonly value: string;
}

/** Looks up a provider's public key by key id, for schemes that publish keys (Plaid). */
export type KeyResolver = (keyId: string) => Promise<JsonWebKey | undefined>;

/** Milliseconds since the Unix epoch, like `Date.now`. */
export type Clock = () => number;

/** Stable, machine-readable reasons for refusing a delivery. */
export type RejectionReason =
  | 'no_keys'
  | 'invalid_key'
  | 'invalid_options'
  | 'missing_header'
  | 'malformed_header'
  | 'malformed_body'
  | 'unsupported_version'
  | 'signature_mismatch'
  /** More signature entries, or entry × key checks, than any genuine rotation needs. */
  | 'too_many_signatures'
  | 'body_hash_mismatch'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'key_not_found';

/** What an accepted delivery tells us, beyond "it is genuine". */
export interface AcceptedDetails {
  /** Index into the keys that were offered; -1 for a key found by a {@link KeyResolver}. */
  readonly keyIndex: number;
  /** The provider's own name for the key, where it has one (Plaid's `kid`). */
  readonly keyId?: string;
  /** The provider's delivery or event id, where the scheme carries one in a header. */
  readonly deliveryId?: string;
  /** The provider's event type, where the scheme carries one in a header. */
  readonly eventType?: string;
  /** The signed timestamp, in Unix seconds, where the scheme signs one. */
  readonly timestamp?: number;
  /**
   * Set when the delivery is a handshake rather than an event (Twitch's
   * `webhook_callback_verification`, Zoom's `endpoint.url_validation`).
   */
  readonly handshake?: string;
}

export interface Accepted extends AcceptedDetails {
  readonly accepted: true;
  readonly scheme: string;
  /** The matching key's configured id, else the provider's name for it, else `#<index>`. */
  readonly keyId: string;
}

export interface Rejected {
  readonly accepted: false;
  readonly scheme: string;
  readonly reason: RejectionReason;
  /** A short explanation naming headers or fields, never a secret, signature or body. */
  readonly detail: string;
}

export type Verdict = Accepted | Rejected;

/** A scheme's own answer, before the core adds the scheme name and key id. */
export type SchemeVerdict =
  | ({ readonly accepted: true } & AcceptedDetails)
  | { readonly accepted: false; readonly reason: RejectionReason; readonly detail: string };
