import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { SubjectIndexSecret } from '../../functions/audit/subject-index-secret.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { registryTable } from '../../functions/config/tables.ts';
import { type ProviderSettings, withDefaults } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey, type KeyBinding } from '../../functions/registry/secrets.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { getScheme } from '../../functions/verify/verify.ts';

/**
 * What a key of a provider added with `settings` (the defaults for the rest) is bound to, as
 * `webhooks providers add` binds it (functions/registry/key-binding.ts).
 */
export function bindingOf(
  providerId: string,
  scheme: SchemeName = 'stripe',
  settings: Partial<Omit<ProviderSettings, 'providerId' | 'scheme'>> = {},
): KeyBinding {
  return {
    settings: withDefaults({ ...settings, providerId, scheme }),
    keyKind: getScheme(scheme).keyKind,
  };
}

/**
 * Registers a provider with one secret, encrypted under the secrets key, as the CLI does; with
 * a subject key, the subject-index secret first, as `providers add --subject-key` does.
 */
export async function registerProvider(
  stack: { readonly dynamodb: DynamoDBClient; readonly kms: KMSClient },
  providerId: string,
  secret: string,
  scheme: SchemeName = 'stripe',
  settings: Partial<Omit<ProviderSettings, 'providerId' | 'scheme'>> = {},
): Promise<void> {
  const registry = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: registryTable.localName,
  });
  const binding = bindingOf(providerId, scheme, settings);
  const ciphertext = await encryptProviderKey({
    kms: stack.kms,
    keyId: kmsKeys.secrets.alias,
    ...binding,
    value: secret,
  });
  if (settings.subjectKeyPath !== undefined) {
    await new SubjectIndexSecret({
      dynamodb: stack.dynamodb,
      kms: stack.kms,
      registryTableName: registryTable.localName,
      auditKeyId: kmsKeys.audit.alias,
    }).ensureCreated();
  }
  await registry.create({ ...binding.settings, keys: [{ kind: binding.keyKind, ciphertext }] });
}
