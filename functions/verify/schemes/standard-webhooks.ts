import { createSecretKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import { canonicalBase64 } from '../base64.ts';
import { BoundedCache } from '../bounded-cache.ts';
import { textEqual } from '../compare.ts';
import { ed25519PublicKey } from '../public-keys.ts';
import { accept, reject, type Scheme } from '../scheme.ts';
import { signatureBudgetRefusal } from '../signature-budget.ts';
import { hmac } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';

/**
 * The two spellings of the three headers. Svix (and so Clerk, Resend and others) sends the
 * `svix-` names; the spec's own are `webhook-`. One set is used whole, never mixed: the
 * `svix-` set when `svix-signature` is present (the precedence of the svix SDK's verify),
 * otherwise the `webhook-` set. A sender using both sends the same values in each.
 */
const HEADER_SETS = [
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
] as const;
/** The spec's own header names, which standard-webhooks.sign.ts writes. */
export const standardWebhooksHeaders = HEADER_SETS[1];

/**
 * How keys are written: `whsec_` before a base64 secret (optional), `whpk_` before a base64
 * Ed25519 public key, and `whsk_` before the sender's own signing key, which no receiver holds.
 */
export const standardWebhooksKeyPrefixes = {
  secret: 'whsec_',
  publicKey: 'whpk_',
  signingKey: 'whsk_',
} as const;

/** What every entry signs before the body: `<id>.<timestamp>.`, both as sent. */
export const standardWebhooksSignedPrefix = (id: string, timestamp: string): string =>
  `${id}.${timestamp}.`;

type ParsedKey =
  | { readonly kind: 'secret'; readonly key: KeyObject }
  | { readonly kind: 'public'; readonly key: KeyObject }
  | { readonly kind: 'invalid' };

/** Keys as issued: `whpk_` + base64 Ed25519 public key, else a secret, `whsec_` optional. */
function parseKey(value: string): ParsedKey {
  // Configured keys may have lost their base64 padding on the way; signatures may not.
  const padded = (text: string) => text.padEnd(Math.ceil(text.length / 4) * 4, '=');
  const { secret, publicKey, signingKey } = standardWebhooksKeyPrefixes;
  if (value.startsWith(publicKey)) {
    const raw = canonicalBase64(padded(value.slice(publicKey.length)));
    const key = raw && ed25519PublicKey(raw);
    return key ? { kind: 'public', key } : { kind: 'invalid' };
  }
  // A `whsk_` signing key belongs to the sender only; refuse it rather than misread it.
  if (value.startsWith(signingKey)) return { kind: 'invalid' };
  const text = value.startsWith(secret) ? value.slice(secret.length) : value;
  const bytes = canonicalBase64(padded(text));
  return bytes !== undefined && bytes.length > 0
    ? { kind: 'secret', key: createSecretKey(bytes) }
    : { kind: 'invalid' };
}

/** Parsed keys per container: decoding and checking a key costs more than the HMAC itself. */
const parsedKeys = new BoundedCache<ParsedKey>(256);

function ed25519Verifies(key: KeyObject, message: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature(null, message, key, signature);
  } catch {
    return false;
  }
}

/** The entries of a signature header this scheme checks, by kind. */
interface SignatureList {
  /** `v1` and `v1a` entries, whether or not their values could match anything. */
  readonly entries: number;
  /** `v1` values as sent, compared as text. */
  readonly hmac: readonly string[];
  /** `v1a` values decoded; one that is not canonical base64 of 64 bytes can match nothing. */
  readonly ed25519: readonly Buffer[];
}

/** Reads a space-separated list of `<version>,<signature>` entries; other versions are skipped. */
function readSignatureList(text: string): SignatureList {
  const hmacSignatures: string[] = [];
  const ed25519Signatures: Buffer[] = [];
  let entries = 0;
  for (const raw of text.split(' ')) {
    // A repeated header reaches us joined with ", ", leaving a comma on the earlier entry.
    const entry = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    const version = entry.slice(0, comma);
    const value = entry.slice(comma + 1);
    if (version === 'v1') {
      entries++;
      hmacSignatures.push(value);
    } else if (version === 'v1a') {
      entries++;
      const signature = canonicalBase64(value);
      if (signature?.length === 64) ed25519Signatures.push(signature);
    }
  }
  return { entries, hmac: hmacSignatures, ed25519: ed25519Signatures };
}

/** The (entry × key) checks `list` costs: `v1` entries against secrets, `v1a` against public keys. */
function checksFor(list: SignatureList, keys: readonly ParsedKey[]): number {
  let checks = 0;
  for (const key of keys) {
    if (key.kind === 'secret') checks += list.hmac.length;
    else if (key.kind === 'public') checks += list.ed25519.length;
  }
  return checks;
}

/**
 * Standard Webhooks (and Svix): `webhook-signature` is a space-separated list of
 * `v1,<base64 HMAC-SHA256>` (keyed with the base64-decoded `whsec_` secret) and
 * `v1a,<base64 Ed25519>` (checked with a `whpk_` public key) entries, all over
 * `<webhook-id>.<webhook-timestamp>.<body>`. Several entries appear during a key rotation;
 * unknown versions are skipped. A list longer than a rotation writes, or one whose checks
 * against the keys would pass the budget, is refused before any check (signature-budget.ts):
 * each `v1a` entry costs an Ed25519 verification per public key. Secrets and public keys may
 * be configured side by side (the spec lets a consumer switch between them); `keyKind` is
 * `secret` because any configured value may be one and must be stored as such.
 */
export const standardWebhooks: Scheme = {
  name: 'standard-webhooks',
  summary: 'Standard Webhooks / Svix (v1 HMAC-SHA256 or v1a Ed25519 over id, timestamp, body)',
  docs: 'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md',
  headers: [
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'svix-id',
    'svix-timestamp',
    'svix-signature',
  ],
  keyKind: 'secret',
  // Five minutes either way: WEBHOOK_TOLERANCE_IN_SECONDS in the reference libraries
  // (standard-webhooks libraries/javascript/src/index.ts, and the Go, Python ones alike).
  defaultToleranceSeconds: 300,
  // The spec's payload carries the event type in `type`; the id travels in a header.
  eventFields: { type: 'type' },
  // Every entry signs `<webhook-id>.<webhook-timestamp>.<body>` (standardWebhooksSignedPrefix):
  // the id is among the signed bytes, so a replay under another id fails verification.
  signedFields: () => ({ deliveryId: true }),
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const names =
      HEADER_SETS.find((set) => headers.get(set.signature) !== undefined) ??
      standardWebhooksHeaders;
    for (const name of [names.signature, names.id, names.timestamp]) {
      if (!headers.get(name)) return reject('missing_header', `${name} header is missing`);
    }
    const signatureList = headers.get(names.signature) as string;
    const id = headers.get(names.id) as string;
    const timestampText = headers.get(names.timestamp) as string;
    const timestamp = parseUnixTimestamp(timestampText);
    if (timestamp === undefined) {
      return reject('malformed_header', `${names.timestamp} must be whole Unix seconds`);
    }

    const list = readSignatureList(signatureList);
    if (list.entries === 0) {
      return reject('unsupported_version', `${names.signature} carries no v1 or v1a signature`);
    }
    const parsed = keys.map((key) => parsedKeys.get(key.value, parseKey));
    const overBudget = signatureBudgetRefusal(
      names.signature,
      list.entries,
      checksFor(list, parsed),
    );
    if (overBudget) return overBudget;

    const prefix = standardWebhooksSignedPrefix(id, timestampText);
    let message: Buffer | undefined;
    let invalidKeys = 0;
    let keyIndex = -1;
    for (let index = 0; index < parsed.length && keyIndex < 0; index++) {
      const key = parsed[index] as ParsedKey;
      if (key.kind === 'invalid') {
        invalidKeys++;
      } else if (key.kind === 'secret' && list.hmac.length > 0) {
        const expected = hmac('sha256', 'base64', key.key, prefix, body);
        if (list.hmac.some((candidate) => textEqual(expected, candidate))) keyIndex = index;
      } else if (key.kind === 'public' && list.ed25519.length > 0) {
        message ??= Buffer.concat([Buffer.from(prefix), body]);
        const signed = message;
        if (list.ed25519.some((signature) => ed25519Verifies(key.key, signed, signature))) {
          keyIndex = index;
        }
      }
    }
    if (keyIndex < 0) {
      // A key we could not read may be the one that signed: say so rather than "forged".
      if (invalidKeys > 0) {
        return reject(
          'invalid_key',
          `${invalidKeys} configured key(s) are neither a base64 (whsec_) secret nor a whpk_ Ed25519 public key`,
        );
      }
      return reject(
        'signature_mismatch',
        'no v1 signature matches a secret and no v1a signature matches a public key',
      );
    }
    return (
      checkTimestamp(timestamp, nowMs, toleranceSeconds) ??
      accept(keyIndex, { deliveryId: id, timestamp })
    );
  },
};
