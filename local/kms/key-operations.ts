/** CreateKey, DescribeKey and the key's lifecycle: enabling, disabling, rotation, deletion. */
import {
  accountId,
  assertNotPendingDeletion,
  type KeyStore,
  keyArn,
  resolveKey,
  type StoredKey,
  usableKey,
} from './key-store.ts';
import type { OperationContext, ResponseFields } from './operation-context.ts';
import {
  epochSeconds,
  onlyValue,
  optionalInteger,
  optionalString,
  type RequestFields,
  requiredString,
} from './wire-fields.ts';

const keyMaterialBytes = 32;
const symmetricDefault = 'SYMMETRIC_DEFAULT';
/** KMS's defaults and bounds for RotationPeriodInDays and PendingWindowInDays. */
const defaultRotationPeriodInDays = 365;
const defaultPendingWindowInDays = 30;
const dayMs = 24 * 60 * 60 * 1000;

/** Only symmetric encryption keys with KMS-generated material: all the project uses. */
export function createKey(context: OperationContext, fields: RequestFields) {
  onlyValue(fields, 'KeyUsage', 'ENCRYPT_DECRYPT');
  onlyValue(fields, 'KeySpec', symmetricDefault);
  onlyValue(fields, 'CustomerMasterKeySpec', symmetricDefault);
  onlyValue(fields, 'Origin', 'AWS_KMS');
  const key: StoredKey = {
    keyId: context.newKeyId(),
    material: context.randomBytes(keyMaterialBytes),
    createdAt: context.now(),
    description: optionalString(fields, 'Description') ?? '',
    state: 'Enabled',
    rotationEnabled: false,
    rotationPeriodInDays: defaultRotationPeriodInDays,
    deletionDate: undefined,
  };
  context.store.keys.set(key.keyId, key);
  return { KeyMetadata: keyMetadata(context.store, key) };
}

export function describeKey({ store }: OperationContext, fields: RequestFields) {
  return { KeyMetadata: keyMetadata(store, resolveKey(store, requiredString(fields, 'KeyId'))) };
}

export function enableKey({ store }: OperationContext, fields: RequestFields) {
  const key = resolveKey(store, requiredString(fields, 'KeyId'));
  assertNotPendingDeletion(store, key);
  key.state = 'Enabled';
  return {};
}

export function disableKey({ store }: OperationContext, fields: RequestFields) {
  const key = resolveKey(store, requiredString(fields, 'KeyId'));
  assertNotPendingDeletion(store, key);
  key.state = 'Disabled';
  return {};
}

/** Marks the key only: the stand-in never deletes it, so a test can still describe it. */
export function scheduleKeyDeletion({ store, now }: OperationContext, fields: RequestFields) {
  const key = resolveKey(store, requiredString(fields, 'KeyId'));
  assertNotPendingDeletion(store, key);
  const days = optionalInteger(fields, 'PendingWindowInDays', 7, 30) ?? defaultPendingWindowInDays;
  const deletionDate = new Date(now().getTime() + days * dayMs);
  key.state = 'PendingDeletion';
  key.deletionDate = deletionDate;
  return {
    KeyId: keyArn(store, key.keyId),
    DeletionDate: epochSeconds(deletionDate),
    KeyState: key.state,
    PendingWindowInDays: days,
  };
}

/** Rotation is a flag: the material never changes, so old ciphertexts need no old versions. */
export function enableKeyRotation({ store }: OperationContext, fields: RequestFields) {
  const key = usableKey(store, requiredString(fields, 'KeyId'));
  key.rotationEnabled = true;
  key.rotationPeriodInDays =
    optionalInteger(fields, 'RotationPeriodInDays', 90, 2560) ?? defaultRotationPeriodInDays;
  return {};
}

export function disableKeyRotation({ store }: OperationContext, fields: RequestFields) {
  usableKey(store, requiredString(fields, 'KeyId')).rotationEnabled = false;
  return {};
}

export function getKeyRotationStatus({ store }: OperationContext, fields: RequestFields) {
  const key = resolveKey(store, requiredString(fields, 'KeyId'));
  return {
    KeyId: keyArn(store, key.keyId),
    KeyRotationEnabled: key.rotationEnabled,
    ...(key.rotationEnabled && { RotationPeriodInDays: key.rotationPeriodInDays }),
  };
}

function keyMetadata(store: KeyStore, key: StoredKey): ResponseFields {
  return {
    AWSAccountId: accountId,
    KeyId: key.keyId,
    Arn: keyArn(store, key.keyId),
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.state,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: symmetricDefault,
    KeySpec: symmetricDefault,
    EncryptionAlgorithms: [symmetricDefault],
    MultiRegion: false,
    ...(key.deletionDate && { DeletionDate: epochSeconds(key.deletionDate) }),
  };
}
