/**
 * Client-side encryption of sensitive audit-record fields (the request headers, the redacted
 * payload copy): AES-256-GCM under a cached KMS data key (data-key-cache.ts), each field bound
 * to its provider, delivery and field name so that it cannot be moved to another record.
 *
 * An encrypted field (version 1), ready for a DynamoDB binary attribute (base64 it for a string):
 *
 *   offset     0  version               1 byte   0x01
 *   offset     1  key blob length n     2 bytes  unsigned big-endian (KMS blobs are <= 6144)
 *   offset     3  encrypted data key    n bytes  GenerateDataKey's CiphertextBlob, opaque
 *   offset   3+n  IV                   12 bytes  random per field
 *   offset  15+n  tag                  16 bytes
 *   offset  31+n  ciphertext            as long as the plaintext
 *
 * The additional authenticated data is the version byte followed by the canonical binding:
 * UTF-8 JSON of its pairs sorted by name, `[["deliveryId",…],["field",…],["providerId",…]]`.
 * JSON quotes and escapes every string, so no two bindings encode alike. A reader years later
 * needs only KMS Decrypt on the blob with the same KMS context (`auditFieldsKmsContext`) and
 * the record's own provider and delivery id.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKeyCache, DecryptedDataKeyCache } from './data-key-cache.ts';
import {
  FieldAuthenticationError,
  InvalidFieldBindingError,
  MalformedEncryptedFieldError,
} from './errors.ts';

/** The encrypted fields of an audit record, as their bindings name them. */
export const auditEncryptedFields = {
  headers: 'headers',
  /** A payload copy stored as plain text (copies written before compression). */
  payload: 'redactedPayload',
  /** A payload copy stored gzip-compressed (payload-copy.ts). */
  payloadGzip: 'redactedPayload.gzip',
} as const;

/** Where an encrypted field belongs; decryption fails for any other. */
export interface FieldBinding {
  readonly providerId: string;
  readonly deliveryId: string;
  /** The audit-record attribute, e.g. `headers` or `redactedPayload`. */
  readonly field: string;
}

const layoutVersion = 0x01;
const headerBytes = 3;
/** GCM's recommended nonce length (NIST SP 800-38D §5.2.1.1); random, so fresh per field. */
const ivBytes = 12;
const tagBytes = 16;
const cipherName = 'aes-256-gcm';

/**
 * Encrypts one audit field under the cached data key; no KMS call when the cache is warm.
 * @example
 * const headers = await encryptField(dataKeys, { providerId, deliveryId, field: 'headers' }, bytes);
 */
export async function encryptField(
  dataKeys: DataKeyCache,
  binding: FieldBinding,
  plaintext: Uint8Array,
): Promise<Buffer> {
  const aad = additionalData(binding);
  return dataKeys.withDataKey(plaintext.byteLength, ({ plaintextKey, encryptedKey }) => {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv(cipherName, plaintextKey, iv, { authTagLength: tagBytes });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.alloc(headerBytes);
    header.writeUInt8(layoutVersion, 0);
    header.writeUInt16BE(encryptedKey.byteLength, 1);
    return Buffer.concat([header, encryptedKey, iv, cipher.getAuthTag(), ciphertext]);
  });
}

/**
 * Decrypts a field made by `encryptField` for the same binding. Throws
 * MalformedEncryptedFieldError, DataKeyRejectedError, FieldAuthenticationError or
 * KeyServiceUnavailableError.
 */
export async function decryptField(
  dataKeys: DecryptedDataKeyCache,
  binding: FieldBinding,
  encrypted: Uint8Array,
): Promise<Buffer> {
  const aad = additionalData(binding);
  const { encryptedKey, iv, tag, ciphertext } = parseField(encrypted);
  return dataKeys.withPlaintextKey(encryptedKey, (plaintextKey) => {
    const decipher = createDecipheriv(cipherName, plaintextKey, iv, { authTagLength: tagBytes });
    decipher.setAuthTag(tag);
    decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch (error) {
      // Unauthenticated plaintext must not outlive the failure.
      plaintext.fill(0);
      throw new FieldAuthenticationError(binding.field, { cause: error });
    }
    return plaintext;
  });
}

/** The version byte and the canonical binding (see the layout above). */
function additionalData({ providerId, deliveryId, field }: FieldBinding): Buffer {
  const pairs = [
    ['deliveryId', deliveryId],
    ['field', field],
    ['providerId', providerId],
  ] as const;
  for (const [name, value] of pairs) {
    if (typeof value !== 'string' || value === '') throw new InvalidFieldBindingError(name);
  }
  return Buffer.concat([Buffer.of(layoutVersion), Buffer.from(JSON.stringify(pairs), 'utf8')]);
}

function parseField(encrypted: Uint8Array) {
  const bytes = Buffer.from(encrypted.buffer, encrypted.byteOffset, encrypted.byteLength);
  if (bytes.length < headerBytes) throw new MalformedEncryptedFieldError('shorter than a header');
  const version = bytes.readUInt8(0);
  if (version !== layoutVersion) {
    throw new MalformedEncryptedFieldError(`unknown layout version ${version}`);
  }
  const keyEnd = headerBytes + bytes.readUInt16BE(1);
  const ivEnd = keyEnd + ivBytes;
  const tagEnd = ivEnd + tagBytes;
  if (keyEnd === headerBytes || bytes.length < tagEnd) {
    throw new MalformedEncryptedFieldError('shorter than its key blob, IV and tag');
  }
  return {
    encryptedKey: bytes.subarray(headerBytes, keyEnd),
    iv: bytes.subarray(keyEnd, ivEnd),
    tag: bytes.subarray(ivEnd, tagEnd),
    ciphertext: bytes.subarray(tagEnd),
  };
}
