/**
 * A deployment's provider registry as the commands reach it: the registry table, the
 * encryption of a provider's new key, and the subject-index secret stored beside the providers.
 */
import { SubjectIndexSecret } from '../functions/audit/subject-index-secret.ts';
import { ProviderRegistryStore } from '../functions/registry/registry-store.ts';
import { encryptProviderKey, type KeyBinding } from '../functions/registry/secrets.ts';
import type { Target } from './target.ts';

/** The target's registry table. */
export const registryOf = (target: Target) =>
  new ProviderRegistryStore({
    dynamodb: target.dynamodb,
    tableName: target.names.registryTableName,
  });

/**
 * A provider's new key, encrypted under the target's secrets key and bound to the provider's
 * settings and the key's kind (functions/registry/key-binding.ts).
 */
export const encryptProviderKeyOf = (target: Target, binding: KeyBinding, value: string) =>
  encryptProviderKey({ kms: target.kms, keyId: target.names.secretsKeyId, ...binding, value });

/** The deployment's subject-index secret, under the audit key (functions/audit/subject-index-secret.ts). */
export const subjectIndexOf = (target: Target) =>
  new SubjectIndexSecret({
    dynamodb: target.dynamodb,
    kms: target.kms,
    registryTableName: target.names.registryTableName,
    auditKeyId: target.names.auditKeyId,
  });
