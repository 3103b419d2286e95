/** Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt, on the blob format of ciphertext.ts. */
import { blobKeyId, type EncryptionContext, ivBytes, openBlob, sealBlob } from './ciphertext.ts';
import { IncorrectKeyError, InvalidCiphertextError, ValidationError } from './errors.ts';
import {
  assertKeyUsage,
  assertUsable,
  type KeyStore,
  keyArn,
  resolveKey,
  type StoredKey,
  usableKey,
} from './key-store.ts';
import type { OperationContext } from './operation-context.ts';
import {
  encryptionContext,
  onlyValue,
  optionalInteger,
  optionalString,
  type RequestFields,
  requiredBlob,
  requiredString,
} from './wire-fields.ts';

/** KMS's limits: Encrypt takes up to 4096 bytes of plaintext; a ciphertext blob is up to 6144. */
const maxPlaintextBytes = 4096;
const maxCiphertextBytes = 6144;
const dataKeyBytes: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };
const symmetricDefault = 'SYMMETRIC_DEFAULT';

export function encrypt(context: OperationContext, fields: RequestFields) {
  onlyValue(fields, 'EncryptionAlgorithm', symmetricDefault);
  const key = encryptionKey(context.store, requiredString(fields, 'KeyId'));
  const plaintext = requiredBlob(fields, 'Plaintext', maxPlaintextBytes);
  return {
    CiphertextBlob: seal(context, key, plaintext, encryptionContext(fields, 'EncryptionContext')),
    KeyId: keyArn(context.store, key.keyId),
    EncryptionAlgorithm: symmetricDefault,
  };
}

export function decrypt({ store }: OperationContext, fields: RequestFields) {
  onlyValue(fields, 'EncryptionAlgorithm', symmetricDefault);
  const { key, plaintext } = open(
    store,
    requiredBlob(fields, 'CiphertextBlob', maxCiphertextBytes),
    encryptionContext(fields, 'EncryptionContext'),
    optionalString(fields, 'KeyId'),
  );
  return {
    KeyId: keyArn(store, key.keyId),
    Plaintext: plaintext.toString('base64'),
    EncryptionAlgorithm: symmetricDefault,
  };
}

export function generateDataKey(context: OperationContext, fields: RequestFields) {
  const key = encryptionKey(context.store, requiredString(fields, 'KeyId'));
  const plaintext = context.randomBytes(dataKeySize(fields));
  return {
    CiphertextBlob: seal(context, key, plaintext, encryptionContext(fields, 'EncryptionContext')),
    Plaintext: plaintext.toString('base64'),
    KeyId: keyArn(context.store, key.keyId),
  };
}

export function generateDataKeyWithoutPlaintext(context: OperationContext, fields: RequestFields) {
  const { CiphertextBlob, KeyId } = generateDataKey(context, fields);
  return { CiphertextBlob, KeyId };
}

export function reEncrypt(context: OperationContext, fields: RequestFields) {
  onlyValue(fields, 'SourceEncryptionAlgorithm', symmetricDefault);
  onlyValue(fields, 'DestinationEncryptionAlgorithm', symmetricDefault);
  const { store } = context;
  const source = open(
    store,
    requiredBlob(fields, 'CiphertextBlob', maxCiphertextBytes),
    encryptionContext(fields, 'SourceEncryptionContext'),
    optionalString(fields, 'SourceKeyId'),
  );
  const destination = encryptionKey(store, requiredString(fields, 'DestinationKeyId'));
  const destinationContext = encryptionContext(fields, 'DestinationEncryptionContext');
  return {
    CiphertextBlob: seal(context, destination, source.plaintext, destinationContext),
    SourceKeyId: keyArn(store, source.key.keyId),
    KeyId: keyArn(store, destination.keyId),
    SourceEncryptionAlgorithm: symmetricDefault,
    DestinationEncryptionAlgorithm: symmetricDefault,
  };
}

/** The key `keyIdInput` names, if it is enabled and made for encryption. */
function encryptionKey(store: KeyStore, keyIdInput: string): StoredKey {
  const key = usableKey(store, keyIdInput);
  assertKeyUsage(store, key, 'ENCRYPT_DECRYPT');
  return key;
}

/** The base64 blob of `plaintext` under `key`, with a fresh random IV. */
function seal(
  { randomBytes }: OperationContext,
  key: StoredKey,
  plaintext: Buffer,
  context: EncryptionContext,
): string {
  const iv = randomBytes(ivBytes);
  const blob = sealBlob({ keyId: key.keyId, keyMaterial: key.material, plaintext, context, iv });
  return blob.toString('base64');
}

/**
 * Finds the key from the blob itself, as KMS does for symmetric keys. A `keyIdInput` naming a
 * signing key is InvalidKeyUsageException, naming another key IncorrectKeyException; a blob
 * naming a key we do not hold is, like a blob from another region, InvalidCiphertextException.
 */
function open(
  store: KeyStore,
  blob: Buffer,
  context: EncryptionContext,
  keyIdInput: string | undefined,
): { key: StoredKey; plaintext: Buffer } {
  const named = keyIdInput === undefined ? undefined : resolveKey(store, keyIdInput);
  if (named) assertKeyUsage(store, named, 'ENCRYPT_DECRYPT');
  const key = store.keys.get(blobKeyId(blob));
  // A signing key never seals a blob, so a blob naming one was not made here.
  if (key?.keyUsage !== 'ENCRYPT_DECRYPT') throw new InvalidCiphertextError();
  if (named && named !== key) {
    throw new IncorrectKeyError(`the ciphertext was not made by '${keyIdInput}'`);
  }
  assertUsable(store, key);
  return { key, plaintext: openBlob(blob, key.material, context) };
}

/** GenerateDataKey takes exactly one of KeySpec and NumberOfBytes. */
function dataKeySize(fields: RequestFields): number {
  const keySpec = optionalString(fields, 'KeySpec');
  const numberOfBytes = optionalInteger(fields, 'NumberOfBytes', 1, 1024);
  if (keySpec !== undefined && numberOfBytes === undefined) {
    const bytes = Object.hasOwn(dataKeyBytes, keySpec) ? dataKeyBytes[keySpec] : undefined;
    if (bytes === undefined)
      throw new ValidationError(`KeySpec '${keySpec}' is not AES_256 or AES_128`);
    return bytes;
  }
  if (numberOfBytes !== undefined && keySpec === undefined) return numberOfBytes;
  throw new ValidationError('Please specify either number of bytes or key spec.');
}
