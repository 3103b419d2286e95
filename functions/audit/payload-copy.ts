/**
 * How a redacted payload copy is stored: gzip-compressed, then encrypted under a field name that
 * says so, so that a copy can only be opened as what it is (the field name is part of the
 * encryption's binding). JSON and form bodies shrink to a quarter or less, and the copy is the
 * largest write of an accepted delivery: DynamoDB bills a write by the kilobyte.
 *
 * Copies written before compression have no `payloadEncoding` and are plain text under the
 * `redactedPayload` field; readers open both.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { auditEncryptedFields } from './field-encryption.ts';

export const payloadEncodings = ['gzip'] as const;

/** How a payload copy's plaintext is encoded; absent on copies stored as plain text. */
export type PayloadEncoding = (typeof payloadEncodings)[number];

/** What new copies are stored as. */
export const currentPayloadEncoding: PayloadEncoding = 'gzip';

/** The encrypted field a copy in `encoding` is bound to. */
export function payloadCopyField(encoding: PayloadEncoding | undefined): string {
  return encoding === 'gzip' ? auditEncryptedFields.payloadGzip : auditEncryptedFields.payload;
}

/** The redacted copy as it is encrypted: compressed. Level 6 is zlib's balance of time and size. */
export function encodePayloadCopy(redacted: Uint8Array): Buffer {
  return gzipSync(redacted, { level: 6 });
}

/** The redacted copy from its decrypted plaintext, as the record's encoding says. */
export function decodePayloadCopy(
  record: { readonly payloadEncoding?: PayloadEncoding },
  plaintext: Buffer,
): Buffer {
  return record.payloadEncoding === 'gzip' ? gunzipSync(plaintext) : plaintext;
}
