import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { SubjectIndexSecret } from '../../functions/audit/subject-index-secret.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { registryTable } from '../../functions/config/tables.ts';
import type { ProviderSettings } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';

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
  const ciphertext = await encryptProviderKey({
    kms: stack.kms,
    keyId: kmsKeys.secrets.alias,
    providerId,
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
  await registry.create({
    ...settings,
    providerId,
    scheme,
    keys: [{ kind: 'secret', ciphertext }],
  });
}
