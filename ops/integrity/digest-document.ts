/**
 * The digest file: what the audit table received in one period, partition by partition,
 * chained to the digest before it by that file's SHA-256 and signed as a whole. It follows
 * CloudTrail's digest files: the signature covers the exact bytes stored, so an auditor checks
 * it with `openssl dgst -sha256 -verify` and the exported public key, without our code.
 *
 * Stored in the digest bucket as two objects:
 *   digests/<table>/<YYYY>/<MM>/<DD>/<periodStart>.json      this document, UTF-8 JSON
 *   digests/<table>/<YYYY>/<MM>/<DD>/<periodStart>.json.sig  ECDSA P-256 / SHA-256, DER
 * The key sorts by period, so listing a prefix returns the chain in order.
 */
import { createHash } from 'node:crypto';
import type { DigestEntry } from './digest-entry.ts';
import { MalformedDigestError } from './errors.ts';

export const digestFormat = 'webhook-ingestion-audit-digest/1';

export interface DigestPartition {
  /** A delivery partition (`<provider>#<shard>`), `_admin` or `_erasure`. */
  readonly partition: string;
  /** Sorted by id. */
  readonly entries: readonly DigestEntry[];
}

export interface DigestDocument {
  readonly format: typeof digestFormat;
  /** The audit table's name. */
  readonly table: string;
  /** Inclusive, ISO-8601 UTC. */
  readonly periodStart: string;
  /** Exclusive, ISO-8601 UTC; the next digest's `periodStart`. */
  readonly periodEnd: string;
  readonly writtenAt: string;
  /** The KMS key that signed it (ARN). */
  readonly signingKey: string;
  /** The previous digest's object key and the SHA-256 (hex) of its bytes; null for the first. */
  readonly previous: { readonly key: string; readonly sha256: string } | null;
  /** Every partition that received a record in the period, sorted by name. */
  readonly partitions: readonly DigestPartition[];
}

/** The stored bytes of a digest: one canonical form, so its hash is stable. */
export function digestBytes(document: DigestDocument): Buffer {
  const partitions = [...document.partitions]
    .sort((a, b) => compare(a.partition, b.partition))
    .map((part) => ({
      partition: part.partition,
      // Arrays rather than objects: a period may list many thousand records.
      entries: [...part.entries]
        .sort((a, b) => compare(a.id, b.id))
        .map((entry) => [entry.id, entry.fields, entry.personal, entry.expiresAt]),
    }));
  return Buffer.from(`${JSON.stringify({ ...document, partitions }, null, 1)}\n`, 'utf8');
}

/** The object key of the digest of the period that starts at `periodStartMs`. */
export function digestKey(table: string, periodStartMs: number): string {
  const start = new Date(periodStartMs).toISOString();
  const day = start.slice(0, 10).replaceAll('-', '/');
  return `digests/${table}/${day}/${start}.json`;
}

/** The start of the period a digest key names (its file name), in ms; NaN for another key. */
export function periodStartOfKey(key: string): number {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.endsWith('.json') ? Date.parse(name.slice(0, -'.json'.length)) : Number.NaN;
}

/** Whether `key` is a digest key of `table` exactly as `digestKey` makes them. */
export function isDigestKey(table: string, key: string): boolean {
  const start = periodStartOfKey(key);
  return Number.isFinite(start) && key === digestKey(table, start);
}

/** The signature object beside a digest. */
export function signatureKey(digestKey: string): string {
  return `${digestKey}.sig`;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Parses stored digest bytes; MalformedDigestError names what is wrong. */
export function parseDigest(key: string, bytes: Uint8Array): DigestDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new MalformedDigestError(key, ['it is not JSON']);
  }
  const problems: string[] = [];
  const doc = (raw ?? {}) as Record<string, unknown>;
  if (doc.format !== digestFormat) problems.push(`format is not ${digestFormat}`);
  for (const name of ['table', 'periodStart', 'periodEnd', 'writtenAt', 'signingKey']) {
    if (typeof doc[name] !== 'string') problems.push(`${name} is not a string`);
  }
  const previous = doc.previous as { key?: unknown; sha256?: unknown } | null | undefined;
  if (
    previous !== null &&
    (typeof previous?.key !== 'string' || typeof previous.sha256 !== 'string')
  ) {
    problems.push('previous is neither null nor a key and a hash');
  }
  const partitions = Array.isArray(doc.partitions) ? doc.partitions : [];
  if (!Array.isArray(doc.partitions)) problems.push('partitions is not a list');
  const parsed = partitions.map((part: { partition?: unknown; entries?: unknown }, index) => {
    if (typeof part?.partition !== 'string') problems.push(`partitions[${index}] has no name`);
    const entries = Array.isArray(part?.entries) ? part.entries : [];
    return {
      partition: String(part?.partition),
      entries: entries.flatMap((entry: unknown) => {
        const [id, fields, personal, expiresAt] = Array.isArray(entry) ? entry : [];
        if (
          typeof id !== 'string' ||
          typeof fields !== 'string' ||
          typeof personal !== 'string' ||
          typeof expiresAt !== 'number'
        ) {
          problems.push(`partitions[${index}] holds an entry that is not [id, hash, hash, time]`);
          return [];
        }
        return [{ id, fields, personal, expiresAt }];
      }),
    };
  });
  if (problems.length > 0) throw new MalformedDigestError(key, problems);
  return { ...(doc as unknown as DigestDocument), partitions: parsed };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
