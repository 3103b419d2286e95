/**
 * The stand-in's ciphertext blob: AES-256-GCM under the key's 32 bytes, with the key id in
 * a clear header so Decrypt can find the key without a `KeyId`, as KMS does for symmetric keys.
 *
 *   offset  0  version     1 byte  (0x01)
 *   offset  1  key id     16 bytes (the key's UUID, binary)
 *   offset 17  IV         12 bytes (random per blob; GCM's recommended nonce length)
 *   offset 29  tag        16 bytes
 *   offset 45  ciphertext  as long as the plaintext
 *
 * The additional authenticated data is the header (version + key id) followed by the
 * canonical encryption context, so changing the header, the context or any byte of the
 * body makes the tag check fail. The format is ours, not KMS's: real blobs are opaque too.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { InvalidCiphertextError } from './errors.ts';

/** A KMS encryption context: string keys to string values. */
export type EncryptionContext = Readonly<Record<string, string>>;

const blobVersion = 0x01;
const keyIdBytes = 16;
export const ivBytes = 12;
const tagBytes = 16;
const headerBytes = 1 + keyIdBytes;
const bodyOffset = headerBytes + ivBytes + tagBytes;

export interface SealInput {
  /** The key's UUID. */
  readonly keyId: string;
  /** The key's 32 bytes. */
  readonly keyMaterial: Buffer;
  readonly plaintext: Buffer;
  readonly context: EncryptionContext;
  /** Fresh random bytes for this blob; never reuse an IV with the same key under GCM. */
  readonly iv: Buffer;
}

/** Encrypts `plaintext` into a blob that names its key and binds `context`. */
export function sealBlob({ keyId, keyMaterial, plaintext, context, iv }: SealInput): Buffer {
  const header = Buffer.concat([Buffer.of(blobVersion), uuidToBytes(keyId)]);
  const cipher = createCipheriv('aes-256-gcm', keyMaterial, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** The UUID of the key that made `blob`; InvalidCiphertextError when it is not our format. */
export function blobKeyId(blob: Buffer): string {
  if (blob.length < bodyOffset || blob[0] !== blobVersion) throw new InvalidCiphertextError();
  return bytesToUuid(blob.subarray(1, headerBytes));
}

/** Decrypts `blob`; InvalidCiphertextError when the key, the context or any byte disagrees. */
export function openBlob(blob: Buffer, keyMaterial: Buffer, context: EncryptionContext): Buffer {
  blobKeyId(blob);
  const header = blob.subarray(0, headerBytes);
  const iv = blob.subarray(headerBytes, headerBytes + ivBytes);
  const tag = blob.subarray(headerBytes + ivBytes, bodyOffset);
  const decipher = createDecipheriv('aes-256-gcm', keyMaterial, iv, { authTagLength: tagBytes });
  decipher.setAuthTag(tag);
  decipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  try {
    return Buffer.concat([decipher.update(blob.subarray(bodyOffset)), decipher.final()]);
  } catch {
    // Node says only "Unsupported state or unable to authenticate data"; KMS says nothing either.
    throw new InvalidCiphertextError();
  }
}

/**
 * The context as bytes that do not depend on the order the caller wrote its keys in: the
 * pairs sorted by key, as JSON. An empty context and no context are the same, as in KMS.
 */
export function canonicalContext(context: EncryptionContext): Buffer {
  const pairs = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
