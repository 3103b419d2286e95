/**
 * The stand-in's keys and aliases, in memory, and the one place a `KeyId` from a request is
 * turned into a key. KMS accepts four spellings wherever it takes a KeyId: the key's UUID, its
 * ARN, an alias name and an alias ARN (see the KeyId parameter of any KMS operation).
 */
import {
  DisabledError,
  InvalidKeyUsageError,
  KmsInvalidStateError,
  NotFoundError,
} from './errors.ts';
import type { KeySpec, KeyUsage } from './key-specs.ts';

/** Every key's ARN names this account, as LocalStack and the AWS docs' examples do. */
export const accountId = '000000000000';

/** The states the stand-in models; KMS has more (Creating, PendingImport, Unavailable, ...). */
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface StoredKey {
  /** A UUID, as KMS key ids are. */
  readonly keyId: string;
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsage;
  /**
   * The secret: for SYMMETRIC_DEFAULT 32 random bytes, the AES-256-GCM key; for ECC_NIST_P256
   * the private key as PKCS#8 DER. Never logged, never returned.
   */
  readonly material: Buffer;
  readonly createdAt: Date;
  readonly description: string;
  state: KeyState;
  /** Only a flag: the stand-in never rotates the material. */
  rotationEnabled: boolean;
  rotationPeriodInDays: number;
  deletionDate: Date | undefined;
}

export interface StoredAlias {
  /** Including the `alias/` prefix, as KMS spells alias names. */
  readonly name: string;
  targetKeyId: string;
  readonly createdAt: Date;
  updatedAt: Date;
}

export interface KeyStore {
  readonly region: string;
  readonly keys: Map<string, StoredKey>;
  /** By alias name. */
  readonly aliases: Map<string, StoredAlias>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An empty store whose ARNs name `region`. */
export function createKeyStore(region: string): KeyStore {
  return { region, keys: new Map(), aliases: new Map() };
}

/** Whether `value` is spelled as a KMS key id (a lower-case UUID). */
export function isKeyId(value: string): boolean {
  return uuidPattern.test(value);
}

export function keyArn(store: KeyStore, keyId: string): string {
  return `arn:aws:kms:${store.region}:${accountId}:key/${keyId}`;
}

/** `aliasName` includes `alias/`, as in `arn:aws:kms:us-east-1:000000000000:alias/audit`. */
export function aliasArn(store: KeyStore, aliasName: string): string {
  return `arn:aws:kms:${store.region}:${accountId}:${aliasName}`;
}

/** The key a request's KeyId names, by UUID, key ARN, alias name or alias ARN. */
export function resolveKey(store: KeyStore, keyIdInput: string): StoredKey {
  const resource = keyIdInput.startsWith('arn:') ? arnResource(store, keyIdInput) : keyIdInput;
  if (resource.startsWith('alias/')) {
    const alias = store.aliases.get(resource);
    const key = alias && store.keys.get(alias.targetKeyId);
    if (!key) throw new NotFoundError(`Alias '${aliasArn(store, resource)}' is not found.`);
    return key;
  }
  const keyId = resource.startsWith('key/') ? resource.slice('key/'.length) : resource;
  if (!isKeyId(keyId)) throw new NotFoundError(`Invalid keyId '${keyIdInput}'`);
  const key = store.keys.get(keyId);
  if (!key) throw new NotFoundError(`Key '${keyArn(store, keyId)}' does not exist`);
  return key;
}

/** `key/<id>` or `alias/<name>` from an ARN; NotFoundError for another region or account. */
function arnResource(store: KeyStore, arn: string): string {
  const prefix = `arn:aws:kms:${store.region}:${accountId}:`;
  if (!arn.startsWith(prefix)) {
    throw new NotFoundError(`'${arn}' is not in region ${store.region} of account ${accountId}`);
  }
  const resource = arn.slice(prefix.length);
  // A bare UUID after the prefix is no ARN KMS would accept; demand the `key/` or `alias/` type.
  if (!resource.startsWith('key/') && !resource.startsWith('alias/')) {
    throw new NotFoundError(`Invalid keyId '${arn}'`);
  }
  return resource;
}

/** The key `keyIdInput` names, if its state allows cryptographic use. */
export function usableKey(store: KeyStore, keyIdInput: string): StoredKey {
  const key = resolveKey(store, keyIdInput);
  assertUsable(store, key);
  return key;
}

/** DisabledException or KMSInvalidStateException when `key` may not encrypt or decrypt. */
export function assertUsable(store: KeyStore, key: StoredKey): void {
  if (key.state === 'Disabled') throw new DisabledError(`${keyArn(store, key.keyId)} is disabled.`);
  assertNotPendingDeletion(store, key);
}

/** InvalidKeyUsageException when `key` was not created for `usage` (KMS never converts one). */
export function assertKeyUsage(store: KeyStore, key: StoredKey, usage: KeyUsage): void {
  if (key.keyUsage !== usage) {
    throw new InvalidKeyUsageError(
      `${keyArn(store, key.keyId)} key usage is ${key.keyUsage} which is not valid for this operation; it needs ${usage}.`,
    );
  }
}

/** KMS refuses almost everything for a key pending deletion except describing or cancelling. */
export function assertNotPendingDeletion(store: KeyStore, key: StoredKey): void {
  if (key.state === 'PendingDeletion') {
    throw new KmsInvalidStateError(`${keyArn(store, key.keyId)} is pending deletion.`);
  }
}
