/**
 * Sign, Verify and GetPublicKey for ECC_NIST_P256 signing keys. A signature is DER-encoded
 * ECDSA over SHA-256, as KMS returns it, so a caller can check it offline with the public key
 * GetPublicKey exports (DER SubjectPublicKeyInfo), e.g. `openssl dgst -sha256 -verify`.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as signRaw,
  verify as verifyRaw,
} from 'node:crypto';
import { signDigest, verifyDigest } from './ecdsa-p256.ts';
import {
  InvalidKeyUsageError,
  KmsInvalidSignatureError,
  UnsupportedOperationError,
  ValidationError,
} from './errors.ts';
import { algorithmFields, signingAlgorithmsOf } from './key-specs.ts';
import { assertKeyUsage, type KeyStore, keyArn, type StoredKey, usableKey } from './key-store.ts';
import type { OperationContext } from './operation-context.ts';
import { optionalString, type RequestFields, requiredBlob, requiredString } from './wire-fields.ts';

/** KMS's limits: a message of up to 4096 bytes; a signature blob of up to 6144. */
const maxMessageBytes = 4096;
const maxSignatureBytes = 6144;
/** The digest length of each algorithm the stand-in signs with (key-specs.ts). */
const digestBytes: Readonly<Record<string, number>> = { ECDSA_SHA_256: 32 };
/** KMS's SigningAlgorithmSpec enum: a value outside it fails KMS's own validation. */
const kmsSigningAlgorithms: ReadonlySet<string> = new Set([
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
  'ML_DSA_SHAKE_256',
  'SM2DSA',
]);

/** What to sign or verify: the message itself (RAW) or its SHA-256 digest (DIGEST). */
type SignedInput = { readonly raw: Buffer } | { readonly digest: Buffer };

export function sign({ store, randomBytes }: OperationContext, fields: RequestFields) {
  const key = signingKey(store, requiredString(fields, 'KeyId'));
  const algorithm = signingAlgorithm(store, key, fields);
  const input = signedInput(fields, algorithm);
  const privateKey = createPrivateKey({ key: key.material, format: 'der', type: 'pkcs8' });
  const signature =
    'raw' in input
      ? signRaw('sha256', input.raw, { key: privateKey, dsaEncoding: 'der' })
      : signDigest(privateKey, input.digest, randomBytes);
  return {
    KeyId: keyArn(store, key.keyId),
    Signature: signature.toString('base64'),
    SigningAlgorithm: algorithm,
  };
}

export function verify({ store }: OperationContext, fields: RequestFields) {
  const key = signingKey(store, requiredString(fields, 'KeyId'));
  const algorithm = signingAlgorithm(store, key, fields);
  const input = signedInput(fields, algorithm);
  const signature = requiredBlob(fields, 'Signature', maxSignatureBytes);
  if (!isValidSignature(publicKeyOf(key), input, signature)) throw new KmsInvalidSignatureError();
  return { KeyId: keyArn(store, key.keyId), SignatureValid: true, SigningAlgorithm: algorithm };
}

/** KMS exports only the public half of asymmetric keys; a symmetric key has none. */
export function getPublicKey({ store }: OperationContext, fields: RequestFields) {
  const key = usableKey(store, requiredString(fields, 'KeyId'));
  if (key.keySpec === 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationError(
      `${keyArn(store, key.keyId)} is a symmetric key; it has no public key.`,
    );
  }
  return {
    KeyId: keyArn(store, key.keyId),
    PublicKey: publicKeyOf(key).export({ type: 'spki', format: 'der' }).toString('base64'),
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...algorithmFields(key.keySpec),
  };
}

function signingKey(store: KeyStore, keyIdInput: string): StoredKey {
  const key = usableKey(store, keyIdInput);
  assertKeyUsage(store, key, 'SIGN_VERIFY');
  return key;
}

/** The requested algorithm, if the key's spec signs with it (InvalidKeyUsageException if not). */
function signingAlgorithm(store: KeyStore, key: StoredKey, fields: RequestFields): string {
  const algorithm = requiredString(fields, 'SigningAlgorithm');
  if (!kmsSigningAlgorithms.has(algorithm)) {
    throw new ValidationError(`SigningAlgorithm '${algorithm}' is not a KMS signing algorithm`);
  }
  if (!signingAlgorithmsOf(key.keySpec).includes(algorithm)) {
    throw new InvalidKeyUsageError(
      `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec} of ${keyArn(store, key.keyId)}.`,
    );
  }
  return algorithm;
}

/** The Message as MessageType says to read it; a digest must be as long as the algorithm's. */
function signedInput(fields: RequestFields, algorithm: string): SignedInput {
  const message = requiredBlob(fields, 'Message', maxMessageBytes);
  const messageType = optionalString(fields, 'MessageType') ?? 'RAW';
  if (messageType === 'RAW') return { raw: message };
  if (messageType !== 'DIGEST') {
    // EXTERNAL_MU exists in KMS only for ML-DSA keys.
    throw new ValidationError(`MessageType ${messageType} is not valid for ${algorithm}`);
  }
  const expected = digestBytes[algorithm];
  if (message.length !== expected) {
    throw new ValidationError(
      `Digest is invalid length for algorithm ${algorithm}: expected ${expected} bytes`,
    );
  }
  return { digest: message };
}

function isValidSignature(publicKey: KeyObject, input: SignedInput, signature: Buffer): boolean {
  if ('digest' in input) return verifyDigest(publicKey, input.digest, signature);
  try {
    return verifyRaw('sha256', input.raw, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    // OpenSSL may throw rather than answer false for bytes that are not a signature at all.
    return false;
  }
}

function publicKeyOf(key: StoredKey): KeyObject {
  return createPublicKey(createPrivateKey({ key: key.material, format: 'der', type: 'pkcs8' }));
}
