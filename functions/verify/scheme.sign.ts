/**
 * What a signer is: the sender's half of a scheme (scheme.ts), kept in `<name>.sign.ts` beside
 * the scheme's verifier and written from the same signing shape. Given a body, a key and a
 * clock it produces the request the provider would send, so that `webhooks send` can check a
 * deployment end to end. Pure: no I/O; the clock and ids are inputs.
 */
import type { KeyObject } from 'node:crypto';
import { SigningBodyError, SigningKeyError } from './errors.sign.ts';
import type { SchemeName } from './schemes/index.ts';

/**
 * The key a delivery is signed with: a shared secret as its text, or the private half of a
 * test key pair whose public half is registered with the provider.
 */
export type SigningKey =
  | { readonly kind: 'secret'; readonly value: string }
  | {
      readonly kind: 'test-key';
      readonly privateKey: KeyObject;
      /** The key id the signature names, for schemes that look keys up by id (Plaid's `kid`). */
      readonly keyId?: string;
    };

/** One delivery to sign. */
export interface SignInput<Options = unknown> {
  /** The URL as the receiver rebuilds it, for schemes that sign it. */
  readonly url: string;
  readonly method: string;
  /** The payload as the operator wrote it. */
  readonly body: Uint8Array;
  /** The `Content-Type` the request is sent with. */
  readonly contentType: string;
  readonly key: SigningKey;
  /** The provider's options as its scheme parses them (`parseProviderOptions`). */
  readonly options: Options;
  readonly nowMs: number;
  /** The delivery id, for schemes that carry one in a header; others ignore it. */
  readonly deliveryId: string;
  /** For schemes that carry the event type in a header. @default - no event type header */
  readonly eventType?: string | undefined;
}

/** The request to send. */
export interface SignedDelivery {
  /** The input URL, with any query the scheme adds (Twilio's `bodySHA256`). */
  readonly url: string;
  /** The scheme's headers only; the caller adds `Content-Type`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The input body, or the body with the signature fields the scheme writes into it. */
  readonly body: Uint8Array;
}

/** A new test key pair: the private half to sign with, the public half as the scheme reads it. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  /** The key's text exactly as the scheme's verifier reads it (hex, `whpk_…`, base64 DER, JWK). */
  readonly publicKeyText: string;
  /** @default - the scheme names no key id */
  readonly keyId?: string;
}

/** The sender's half of one scheme. */
export interface Signer<Options = unknown> {
  readonly scheme: SchemeName;
  /** What it signs with: the provider's secret, a registered test key, or either. */
  readonly signsWith: 'secret' | 'test-key' | 'secret-or-test-key';
  /**
   * The header `--event-type` fills. @default - the scheme carries the type in the body, or
   * not at all
   */
  readonly eventTypeHeader?: string;
  /**
   * Whether a registered secret can sign (a Standard Webhooks provider may also hold `whpk_`
   * public keys, stored as secrets). @default - every secret can
   */
  canSignWith?(secret: string): boolean;
  /** A new key pair, for the schemes that sign with a test key. */
  generateTestKey?(): TestKeyPair;
  sign(input: SignInput<Options>): SignedDelivery;
}

/** The secret of a secret-signed delivery, or SigningKeyError naming what was given instead. */
export function secretOf(scheme: SchemeName, key: SigningKey): string {
  if (key.kind === 'secret') return key.value;
  throw new SigningKeyError(scheme, 'signs with a shared secret, not a test key');
}

/** The private key of a test-key delivery, or SigningKeyError. */
export function privateKeyOf(scheme: SchemeName, key: SigningKey): KeyObject {
  if (key.kind === 'test-key') return key.privateKey;
  throw new SigningKeyError(
    scheme,
    "verifies with a public key: sign with a test key's private half",
  );
}

/** `name: value` pairs whose value is known, so optional headers are simply left out. */
export function presentHeaders(
  pairs: readonly (readonly [string, string | undefined])[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) if (value !== undefined) headers[name] = value;
  return headers;
}

/** The body as a JSON object, for schemes that write into it; SigningBodyError otherwise. */
export function jsonObjectOf(scheme: SchemeName, body: Uint8Array): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    document = undefined;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new SigningBodyError(scheme, 'writes into the body, which must be a UTF-8 JSON object');
  }
  return document as Record<string, unknown>;
}

/** A JSON document as the body bytes. */
export const jsonBytes = (document: unknown): Uint8Array => Buffer.from(JSON.stringify(document));
