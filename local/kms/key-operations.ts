/** CreateKey, DescribeKey and the key's lifecycle: enabling, disabling, rotation, deletion. */
import { UnsupportedOperationError } from './errors.ts';
import { algorithmFields, newKeyMaterial, requestedKeyType } from './key-specs.ts';
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

/** KMS's defaults and bounds for RotationPeriodInDays and PendingWindowInDays. */
const defaultRotationPeriodInDays = 365;
const defaultPendingWindowInDays = 30;
const dayMs = 24 * 60 * 60 * 1000;

/** Symmetric encryption keys and P-256 signing keys (key-specs.ts), with KMS-made material. */
export function createKey(context: OperationContext, fields: RequestFields) {
  onlyValue(fields, 'Origin', 'AWS_KMS');
  const { keySpec, keyUsage } = requestedKeyType(fields);
  const key: StoredKey = {
    keyId: context.newKeyId(),
    keySpec,
    keyUsage,
    material: newKeyMaterial(keySpec, context.randomBytes),
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
  const key = rotatableKey(store, requiredString(fields, 'KeyId'));
  key.rotationEnabled = true;
  key.rotationPeriodInDays =
    optionalInteger(fields, 'RotationPeriodInDays', 90, 2560) ?? defaultRotationPeriodInDays;
  return {};
}

export function disableKeyRotation({ store }: OperationContext, fields: RequestFields) {
  rotatableKey(store, requiredString(fields, 'KeyId')).rotationEnabled = false;
  return {};
}

export function getKeyRotationStatus({ store }: OperationContext, fields: RequestFields) {
  const key = resolveKey(store, requiredString(fields, 'KeyId'));
  assertSymmetric(store, key);
  return {
    KeyId: keyArn(store, key.keyId),
    KeyRotationEnabled: key.rotationEnabled,
    ...(key.rotationEnabled && { RotationPeriodInDays: key.rotationPeriodInDays }),
  };
}

/** KMS rotates only symmetric encryption keys; for others the rotation operations are refused. */
function rotatableKey(store: KeyStore, keyIdInput: string): StoredKey {
  const key = usableKey(store, keyIdInput);
  assertSymmetric(store, key);
  return key;
}

function assertSymmetric(store: KeyStore, key: StoredKey): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationError(
      `${keyArn(store, key.keyId)} is a ${key.keySpec} key; KMS does not rotate asymmetric keys.`,
    );
  }
}

function keyMetadata(store: KeyStore, key: StoredKey): ResponseFields {
  return {
    AWSAccountId: accountId,
    KeyId: key.keyId,
    Arn: keyArn(store, key.keyId),
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithmFields(key.keySpec),
    MultiRegion: false,
    ...(key.deletionDate && { DeletionDate: epochSeconds(key.deletionDate) }),
  };
}
