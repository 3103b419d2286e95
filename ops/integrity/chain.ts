/**
 * The digest chain's own checks, which need nothing but the digest files and the signing key's
 * public half: each signature is valid over the exact bytes stored, each digest names the one
 * before it by key and SHA-256, and the periods follow each other without a gap or an overlap.
 */
import { createPublicKey, verify } from 'node:crypto';
import { type DigestDocument, parseDigest, sha256Hex } from './digest-document.ts';
import { MalformedDigestError } from './errors.ts';

export interface StoredDigest {
  readonly key: string;
  readonly bytes: Uint8Array;
  /** The `.sig` object, else the signature in the digest's metadata; undefined when neither is. */
  readonly signature: Uint8Array | undefined;
  /** The `.sig` object is missing, but the digest carries its signature. @default false */
  readonly signatureFileMissing?: boolean;
}

export interface ChainFinding {
  readonly kind: 'bad_signature' | 'broken_chain' | 'malformed_digest';
  readonly key: string;
  readonly detail: string;
}

export interface CheckedChain {
  /** The digests that parsed, in period order, whatever their findings. */
  readonly digests: readonly { readonly key: string; readonly document: DigestDocument }[];
  readonly signaturesValid: number;
  /** The keys of the digests whose signature is valid: only those are evidence. */
  readonly signed: ReadonlySet<string>;
  readonly findings: readonly ChainFinding[];
}

/**
 * Checks `stored` (in any order) against `publicKeyDer` (SubjectPublicKeyInfo, as KMS
 * GetPublicKey returns it). The first digest's link to its predecessor is checked only when
 * `stored` holds that predecessor too: a caller checking a range fetches the digest before it.
 */
export function checkChain(
  stored: readonly StoredDigest[],
  publicKeyDer: Uint8Array,
): CheckedChain {
  const publicKey = createPublicKey({
    key: Buffer.from(publicKeyDer),
    format: 'der',
    type: 'spki',
  });
  const findings: ChainFinding[] = [];
  const signed = new Set<string>();
  const parsed: { key: string; document: DigestDocument; sha256: string }[] = [];
  for (const digest of stored) {
    if (digest.signature === undefined) {
      findings.push({
        kind: 'bad_signature',
        key: digest.key,
        detail: 'its signature is missing (no .sig object, none in its metadata)',
      });
    } else if (
      verify('sha256', digest.bytes, { key: publicKey, dsaEncoding: 'der' }, digest.signature)
    ) {
      signed.add(digest.key);
    } else {
      findings.push({
        kind: 'bad_signature',
        key: digest.key,
        detail: 'the signature does not match its bytes and the signing key',
      });
    }
    try {
      parsed.push({
        key: digest.key,
        document: parseDigest(digest.key, digest.bytes),
        sha256: sha256Hex(digest.bytes),
      });
    } catch (error) {
      if (!(error instanceof MalformedDigestError)) throw error;
      findings.push({ kind: 'malformed_digest', key: digest.key, detail: error.message });
    }
  }
  parsed.sort((a, b) => (a.document.periodStart < b.document.periodStart ? -1 : 1));
  for (let index = 1; index < parsed.length; index += 1) {
    const before = parsed[index - 1] as (typeof parsed)[number];
    const digest = parsed[index] as (typeof parsed)[number];
    const { previous, periodStart } = digest.document;
    if (previous === null) {
      findings.push({
        kind: 'broken_chain',
        key: digest.key,
        detail: 'it names no previous digest',
      });
    } else if (previous.key !== before.key) {
      findings.push({
        kind: 'broken_chain',
        key: digest.key,
        detail: `it names ${previous.key} as previous, but the digest before it is ${before.key}`,
      });
    } else if (previous.sha256 !== before.sha256) {
      findings.push({
        kind: 'broken_chain',
        key: digest.key,
        detail: `${before.key} is not the file it was chained to (its SHA-256 differs)`,
      });
    }
    if (periodStart !== before.document.periodEnd) {
      findings.push({
        kind: 'broken_chain',
        key: digest.key,
        detail: `its period starts at ${periodStart}, the previous one ends at ${before.document.periodEnd}`,
      });
    }
  }
  return {
    digests: parsed.map(({ key, document }) => ({ key, document })),
    signaturesValid: signed.size,
    signed,
    findings,
  };
}
