/**
 * The kinds of key the stand-in makes: symmetric encryption keys (SYMMETRIC_DEFAULT,
 * ENCRYPT_DECRYPT) and P-256 signing keys (ECC_NIST_P256, SIGN_VERIFY). CreateKey's answer to
 * any other request is the one KMS would give where KMS refuses it too (ValidationException),
 * and UnsupportedOperationException where KMS would create a key the stand-in cannot.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { UnsupportedOperationError, ValidationError } from './errors.ts';
import { optionalString, type RequestFields } from './wire-fields.ts';

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY';

/** KMS's KeySpec and KeyUsageType enums: a value outside them fails KMS's own validation. */
const kmsKeySpecs: ReadonlySet<string> = new Set([
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'ML_KEM_512',
  'ML_KEM_768',
  'ML_KEM_1024',
  'SM2',
]);
const kmsKeyUsages: ReadonlySet<string> = new Set([
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
  'ENCAPSULATE_DECAPSULATE',
]);

interface SpecRules {
  /** The usage the stand-in implements for this spec. */
  readonly usage: KeyUsage;
  /** Every usage KMS accepts for this spec (CreateKey's KeyUsage parameter). */
  readonly kmsUsages: readonly string[];
  readonly signingAlgorithms: readonly string[];
}

const specs: Readonly<Record<KeySpec, SpecRules>> = {
  SYMMETRIC_DEFAULT: {
    usage: 'ENCRYPT_DECRYPT',
    kmsUsages: ['ENCRYPT_DECRYPT'],
    signingAlgorithms: [],
  },
  // KMS also makes KEY_AGREEMENT keys of this spec; the stand-in has no DeriveSharedSecret.
  ECC_NIST_P256: {
    usage: 'SIGN_VERIFY',
    kmsUsages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    signingAlgorithms: ['ECDSA_SHA_256'],
  },
};

const symmetricKeyBytes = 32;

/**
 * The spec and usage CreateKey asks for. `CustomerMasterKeySpec` is KMS's older name for
 * `KeySpec`; either may be given, and both only if they agree. An omitted KeyUsage is
 * ENCRYPT_DECRYPT in KMS, so a signing key must ask for SIGN_VERIFY.
 */
export function requestedKeyType(fields: RequestFields): { keySpec: KeySpec; keyUsage: KeyUsage } {
  const keySpec = optionalString(fields, 'KeySpec');
  const legacySpec = optionalString(fields, 'CustomerMasterKeySpec');
  if (keySpec !== undefined && legacySpec !== undefined && keySpec !== legacySpec) {
    throw new ValidationError('KeySpec and CustomerMasterKeySpec must not differ');
  }
  const spec = keySpec ?? legacySpec ?? 'SYMMETRIC_DEFAULT';
  const usage = optionalString(fields, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
  if (!kmsKeySpecs.has(spec)) throw new ValidationError(`KeySpec '${spec}' is not a KMS key spec`);
  if (!kmsKeyUsages.has(usage))
    throw new ValidationError(`KeyUsage '${usage}' is not a KMS key usage`);
  if (!isKeySpec(spec)) {
    throw new UnsupportedOperationError(
      `KeySpec ${spec} is not supported by the KMS stand-in; only SYMMETRIC_DEFAULT and ECC_NIST_P256 are`,
    );
  }
  const rules = specs[spec];
  if (!rules.kmsUsages.includes(usage)) {
    throw new ValidationError(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  }
  if (usage !== rules.usage) {
    throw new UnsupportedOperationError(
      `KeyUsage ${usage} for KeySpec ${spec} is not supported by the KMS stand-in; only ${rules.usage} is`,
    );
  }
  return { keySpec: spec, keyUsage: rules.usage };
}

export function isKeySpec(value: unknown): value is KeySpec {
  return typeof value === 'string' && Object.hasOwn(specs, value);
}

/** The usage the stand-in gives every key of `spec`. */
export function usageOf(spec: KeySpec): KeyUsage {
  return specs[spec].usage;
}

/** A new key's secret, in the form `StoredKey.material` documents. */
export function newKeyMaterial(spec: KeySpec, randomBytes: (size: number) => Buffer): Buffer {
  if (spec === 'SYMMETRIC_DEFAULT') return randomBytes(symmetricKeyBytes);
  // Key generation draws on OpenSSL's generator: node:crypto takes no random source for it.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'der' });
}

/** Whether `material` is a secret of `spec`, for a state file that may have been edited. */
export function isKeyMaterial(spec: KeySpec, material: Buffer): boolean {
  if (spec === 'SYMMETRIC_DEFAULT') return material.length === symmetricKeyBytes;
  try {
    const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

export function signingAlgorithmsOf(spec: KeySpec): readonly string[] {
  return specs[spec].signingAlgorithms;
}

/** What DescribeKey and GetPublicKey say the key does: its encryption or signing algorithms. */
export function algorithmFields(spec: KeySpec): Record<string, unknown> {
  return usageOf(spec) === 'ENCRYPT_DECRYPT'
    ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }
    : { SigningAlgorithms: [...signingAlgorithmsOf(spec)] };
}
