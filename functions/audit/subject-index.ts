/**
 * The subject index: which audit records are about one data subject, found without storing
 * who the subject is. A provider names where its JSON bodies carry the subject
 * (`subjectKeyPath`, e.g. `data.object.customer`); the value there is kept only as
 * HMAC-SHA256(secret, `<providerId>\0<value>`), the record's `subjectHash`, which the
 * `bySubject` index serves to `webhooks audit erase --subject`.
 *
 * Keyed rather than a plain SHA-256: e-mail addresses and customer ids are guessable, and a
 * plain hash would let anyone who can read the table test guesses offline (GDPR Art. 4(5)
 * pseudonymisation needs the additional information kept separately). The secret is one per
 * deployment, under KMS (subject-index-secret.ts), so the Lambda hashes with no KMS call per
 * delivery. The provider id is in the message so that one value sent by two providers gives
 * two unrelated hashes; `\0` cannot occur in a provider id, so the message splits one way.
 *
 * The secret has versions (a rotation adds one: subject-index-versions.ts), and a hash says
 * which made it: the first version's is the bare 64 hex digits, as every hash from before
 * rotations was, a later one's `v<n>:` before them (`v2:3c1f…`). Erasure looks a subject up
 * under every version still held, so a record indexed before a rotation is still found.
 *
 * Pure: bytes and a path in, text out; no AWS SDK.
 */
import { createHmac } from 'node:crypto';
import type { KmsEncryptionContext } from './data-key-cache.ts';

/** The KMS encryption context of the subject-index secret; key policies name this purpose. */
export const subjectIndexKmsContext: KmsEncryptionContext = { purpose: 'webhook-subject-index' };

/** HMAC-SHA256 takes a key of any length; 32 bytes is SHA-256's own strength. */
export const subjectIndexSecretBytes = 32;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const arrayIndex = /^(?:0|[1-9][0-9]*)$/;

/**
 * The subject's value at `path` in a JSON body, as text, or `undefined` when the body is not
 * JSON or the path reaches nothing usable. A string is taken as it is (no case folding or
 * trimming: erase with the value exactly as the provider sends it); a number as JavaScript
 * writes it (`1.50` → `1.5`), except an integer beyond 2^53, which JSON.parse cannot read
 * exactly. Objects are walked by their own fields, arrays by decimal index, as redaction
 * rules are (redaction.ts). An empty string names nobody.
 * @example
 * readSubjectValue(body, 'data.object.customer') // 'cus_9s6XKzkNRiz8i3'
 */
export function readSubjectValue(body: Uint8Array, path: string): string | undefined {
  let node: unknown;
  try {
    node = JSON.parse(utf8Decoder.decode(body));
  } catch {
    return undefined;
  }
  for (const segment of path.split('.')) {
    if (Array.isArray(node)) {
      node = arrayIndex.test(segment) ? node[Number(segment)] : undefined;
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  if (typeof node === 'string') return node === '' ? undefined : node;
  if (typeof node === 'number') {
    return Number.isInteger(node) && !Number.isSafeInteger(node) ? undefined : String(node);
  }
  return undefined;
}

/** The version a deployment's secret starts at; its hashes carry no version tag. */
export const firstSubjectIndexVersion = 1;

/** A stored subject hash: 64 lowercase hex digits, after `v<n>:` for a version after the first. */
export const subjectHashPattern = /^(?:v(?:[2-9]|[1-9][0-9]+):)?[0-9a-f]{64}$/;

/**
 * The keyed hash of a provider's subject value under one version of the secret: what a
 * record's `subjectHash` holds and what erasure by subject looks up. Lowercase hex, tagged
 * with the version unless it is the first (module comment).
 * @example
 * subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3') // '3c1f…' (64 hex digits)
 * subjectHashOf(secret, 'shop', 'cus_9s6XKzkNRiz8i3', 2) // 'v2:9ab0…'
 */
export function subjectHashOf(
  secret: Uint8Array,
  providerId: string,
  value: string,
  version: number = firstSubjectIndexVersion,
): string {
  if (!Number.isSafeInteger(version) || version < firstSubjectIndexVersion) {
    throw new RangeError(`a subject-index version is a whole number from 1, got ${version}`);
  }
  const hex = createHmac('sha256', secret).update(`${providerId}\0${value}`, 'utf8').digest('hex');
  return version === firstSubjectIndexVersion ? hex : `v${version}:${hex}`;
}

/** The version of the secret that made a stored hash; undefined when it is no subject hash. */
export function subjectHashVersion(hash: string): number | undefined {
  if (!subjectHashPattern.test(hash)) return undefined;
  return hash.startsWith('v') ? Number(hash.slice(1, hash.indexOf(':'))) : firstSubjectIndexVersion;
}
