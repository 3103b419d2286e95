/**
 * The GET handshakes with which some senders of the generic `hmac` scheme check an endpoint
 * before they deliver to it, chosen by its option `challenge`. Pure: the URL the sender called
 * and the provider's secrets in, a verdict or a reply out; node:crypto only.
 *
 * - `meta` (WhatsApp, Instagram, Messenger):
 *   `GET ?hub.mode=subscribe&hub.challenge=<c>&hub.verify_token=<token>`, answered `<c>` when
 *   the token is the one typed into the app's webhook settings, refused otherwise.
 *   https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 * - `nylas` (v3): `GET ?challenge=<c>`, answered with exactly `<c>` within 10 s; no token.
 *   https://developer.nylas.com/docs/v3/notifications/webhooks/
 * - `dropbox`: `GET ?challenge=<c>`, answered `<c>` as `text/plain` with
 *   `X-Content-Type-Options: nosniff` (the HTTP edge adds it to every handshake reply).
 *   https://www.dropbox.com/developers/reference/webhooks
 *
 * Meta's token is no second secret: it is derived from each registered key
 * ({@link metaVerifyToken}), so the registry and the options (which are not secret) hold
 * nothing more, and a rotation derives the new key's token with it.
 */
import { createHmac } from 'node:crypto';
import { accept, type HandshakeReply, reject } from './scheme.ts';
import { findMatchingKey } from './signatures.ts';
import type { SchemeVerdict, VerificationKey } from './types.ts';

/** The GET handshakes the `hmac` scheme's option `challenge` names. */
export const challengeKinds = ['meta', 'nylas', 'dropbox'] as const;

export type ChallengeKind = (typeof challengeKinds)[number];

export const isChallengeKind = (text: unknown): text is ChallengeKind =>
  (challengeKinds as readonly unknown[]).includes(text);

/**
 * The longest challenge echoed. Meta's is an integer, Nylas's and Dropbox's short random
 * strings; anything longer is not theirs.
 */
export const maxChallengeChars = 256;

/**
 * What an echoed challenge may hold: URL-unreserved characters and base64's `+`, `/` and `=`.
 * Nothing that markup, a header or a script needs (no `<`, `"`, `'`, space, `%` or line break),
 * so the echo is plain text whatever a browser would make of it.
 */
const CHALLENGE_TEXT = /^[A-Za-z0-9._~+/=-]+$/;

/** The label the verify token's HMAC is taken over: fixed, so the token is too. */
const META_TOKEN_LABEL = 'webhook-ingestion/meta-verify-token';

/** The verify token's length: 32 base64url characters, 192 bits of the HMAC. */
export const metaVerifyTokenChars = 32;

/**
 * The verify token to type into Meta's webhook settings for a provider registered with
 * `secret`: the base64url HMAC-SHA256 of a fixed label under the secret, its first 32
 * characters. Deterministic, so `webhooks providers add` prints what the ingest path expects;
 * one-way, so the token tells nothing of the secret.
 * @example metaVerifyToken('meta-app-secret-example') // 32 characters of [A-Za-z0-9_-]
 */
export function metaVerifyToken(secret: string): string {
  return createHmac('sha256', secret)
    .update(META_TOKEN_LABEL)
    .digest('base64url')
    .slice(0, metaVerifyTokenChars);
}

/** The label a verdict's `handshake` carries for each kind, in logs and metrics. */
export const challengeHandshakes: Readonly<Record<ChallengeKind, string>> = {
  meta: 'meta_verification',
  nylas: 'nylas_challenge',
  dropbox: 'dropbox_challenge',
};

/** The query parameter each kind's challenge travels in. */
const challengeParameters: Readonly<Record<ChallengeKind, string>> = {
  meta: 'hub.challenge',
  nylas: 'challenge',
  dropbox: 'challenge',
};

/**
 * Meta's verification GET: accepted when `hub.verify_token` is the token of one of `keys`
 * (compared in constant time against each key's, a length mismatch aside) and `hub.mode` is
 * `subscribe`; the accepted key's index names the key. The query parameters play the part a
 * signature header plays for a POST, and are refused as one would be: missing, given twice, or
 * matching no key.
 */
export function checkMetaVerification(
  url: string,
  keys: readonly VerificationKey[],
): SchemeVerdict {
  const query = queryOf(url);
  const token = single(query, 'hub.verify_token');
  if (token.rejection) return token.rejection;
  const keyIndex = findMatchingKey(keys, [token.value], (key) => metaVerifyToken(key.value));
  if (keyIndex < 0) return reject('signature_mismatch', 'hub.verify_token matches no key');
  const mode = single(query, 'hub.mode');
  if (mode.rejection) return mode.rejection;
  if (mode.value !== 'subscribe') return reject('malformed_header', 'hub.mode is not subscribe');
  return accept(keyIndex, { handshake: challengeHandshakes.meta });
}

/**
 * Nylas's challenge GET. It carries no credential, so it is accepted as it comes: all it can
 * obtain is its own bounded, plain-text challenge back ({@link challengeReply}). The first key
 * is named only because a verdict names one; it proved nothing.
 */
export function checkNylasChallenge(): SchemeVerdict {
  return accept(0, { handshake: challengeHandshakes.nylas });
}

/** Dropbox's challenge GET: as Nylas's, no credential, so accepted as it comes. */
export function checkDropboxChallenge(): SchemeVerdict {
  return accept(0, { handshake: challengeHandshakes.dropbox });
}

/** Each kind's check of a GET, before any reply is built. */
export function checkChallenge(
  kind: ChallengeKind,
  url: string,
  keys: readonly VerificationKey[],
): SchemeVerdict {
  switch (kind) {
    case 'meta':
      return checkMetaVerification(url, keys);
    case 'nylas':
      return checkNylasChallenge();
    case 'dropbox':
      return checkDropboxChallenge();
  }
}

/**
 * The reply to a checked GET of `kind`: its challenge, as `text/plain`. `undefined` when the
 * challenge is missing, given twice, longer than {@link maxChallengeChars} or holds a
 * character outside the safe set: the HTTP edge answers 400 `malformed_handshake`, echoing
 * nothing.
 */
export function challengeReply(kind: ChallengeKind, url: string): HandshakeReply | undefined {
  const challenge = single(queryOf(url), challengeParameters[kind]).value;
  if (challenge === undefined || !isSafeChallenge(challenge)) return undefined;
  return { contentType: 'text/plain', body: challenge };
}

/** Whether `text` may be echoed: 1 to 256 characters of the safe set. */
export function isSafeChallenge(text: string): boolean {
  return text.length <= maxChallengeChars && CHALLENGE_TEXT.test(text);
}

/** The decoded query of the URL called; empty for a URL that does not parse. */
function queryOf(url: string): URLSearchParams {
  return URL.parse(url)?.searchParams ?? new URLSearchParams();
}

/** A parameter given exactly once and not empty; twice is ambiguous, as a repeated header. */
function single(
  query: URLSearchParams,
  name: string,
): { value: string; rejection?: never } | { value?: never; rejection: SchemeVerdict } {
  const values = query.getAll(name);
  if (values.length > 1) return { rejection: reject('malformed_header', `${name} is given twice`) };
  const value = values[0];
  if (value === undefined || value === '') {
    return { rejection: reject('missing_header', `${name} query parameter is missing`) };
  }
  return { value };
}
