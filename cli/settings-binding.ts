/**
 * The operator's side of key binding (functions/registry/key-binding.ts), done with KMS
 * ReEncrypt so that the operator never sees a key's text: proving that a provider's stored
 * settings are the ones its keys were bound to before another key is bound to them (`rotate`,
 * `send --register-test-key`), and binding keys registered before binding existed (`bind`).
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { SecretRejectedError } from '../functions/registry/errors.ts';
import {
  providerKeyContext,
  unboundProviderKeyContext,
} from '../functions/registry/key-binding.ts';
import type { ProviderConfig, ProviderKey } from '../functions/registry/provider.ts';
import { reEncryptProviderKey } from '../functions/registry/secrets.ts';

/** What binding needs of a deployment (a Target has it): its KMS client and secrets key. */
export interface SecretsKeyAccess {
  readonly kms: KMSClient;
  readonly names: { readonly secretsKeyId: string };
}

/**
 * A provider's stored settings are not those its keys were bound to: the registry item was
 * changed without KMS, or its keys predate binding.
 */
export class UnboundSettingsError extends Error {
  override readonly name = 'UnboundSettingsError';
  readonly code = 'settings_not_bound';
  constructor(
    readonly providerId: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `provider '${providerId}': ${detail}. Compare \`webhooks providers show ${providerId}\` with what was registered: a provider whose settings were changed must be removed and added again (or its registry item restored); keys registered before settings binding are bound with \`webhooks providers bind ${providerId}\``,
      options,
    );
  }
}

/** Whether KMS opens `key` under `from`, re-encrypting it under `to`; undefined if it does not. */
async function reEncrypted(
  target: SecretsKeyAccess,
  config: ProviderConfig,
  key: ProviderKey,
  from: Readonly<Record<string, string>>,
  to: Readonly<Record<string, string>>,
): Promise<Uint8Array | undefined> {
  try {
    return await reEncryptProviderKey({
      kms: target.kms,
      keyId: target.names.secretsKeyId,
      providerId: config.providerId,
      ciphertext: key.ciphertext,
      from,
      to,
    });
  } catch (error) {
    if (error instanceof SecretRejectedError) return undefined;
    throw error;
  }
}

/**
 * Proves, before a key is added beside them, that the provider's stored settings are those its
 * newest key was bound to: KMS re-encrypts the key from that context to itself. Throws
 * UnboundSettingsError when KMS refuses.
 */
export async function confirmStoredSettings(
  target: SecretsKeyAccess,
  config: ProviderConfig,
): Promise<void> {
  const newest = [...config.keys].sort((a, b) => b.version - a.version)[0];
  if (newest === undefined) return;
  const context = providerKeyContext(config, newest.kind);
  if ((await reEncrypted(target, config, newest, context, context)) === undefined) {
    throw new UnboundSettingsError(
      config.providerId,
      `its stored settings are not the ones key v${newest.version} was registered with`,
    );
  }
}

/** What `bindProviderKeys` did to each key. */
export interface KeyBindingResult {
  readonly version: number;
  readonly outcome: 'already_bound' | 'bound';
}

/**
 * The provider's keys, each bound to its stored settings: a key already bound to them is kept
 * as it is; a key under the context from before binding is moved to them. A key that opens under
 * neither was bound to other settings, which is what a registry write without KMS leaves:
 * UnboundSettingsError, and nothing is changed.
 */
export async function bindProviderKeys(
  target: SecretsKeyAccess,
  config: ProviderConfig,
): Promise<{ readonly keys: ProviderKey[]; readonly results: KeyBindingResult[] }> {
  const keys: ProviderKey[] = [];
  const results: KeyBindingResult[] = [];
  for (const key of config.keys) {
    const bound = providerKeyContext(config, key.kind);
    if ((await reEncrypted(target, config, key, bound, bound)) !== undefined) {
      keys.push(key);
      results.push({ version: key.version, outcome: 'already_bound' });
      continue;
    }
    const unbound = unboundProviderKeyContext(config.providerId);
    const ciphertext = await reEncrypted(target, config, key, unbound, bound);
    if (ciphertext === undefined) {
      throw new UnboundSettingsError(
        config.providerId,
        `key v${key.version} was bound to other settings than the ones stored now`,
      );
    }
    keys.push({ ...key, ciphertext });
    results.push({ version: key.version, outcome: 'bound' });
  }
  return { keys, results };
}
