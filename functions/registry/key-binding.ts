/**
 * What a provider key's ciphertext is bound to: the provider's security settings, through the
 * KMS encryption context it is encrypted under. KMS authenticates the context with the
 * ciphertext, so a key decrypts only when the settings read back from the registry are the ones
 * it was registered with. A write to the registry table alone (no KMS permission) that changes
 * the scheme, a key's kind, the scheme options (header names, allowSha1…), the tolerance, the
 * dedup window, the retention class, the redaction rules or the subject path leaves every key
 * undecryptable: the provider's deliveries are answered 503 until an operator restores or
 * re-registers it (docs/security.md, "Registry-table writer without KMS").
 *
 * `enabled` is left out on purpose: `providers disable` must work in an emergency without KMS,
 * and a registry writer who enables a provider gains nothing a valid signature does not decide.
 */
import { createHash } from 'node:crypto';
import type { KeyKind, ProviderSettings } from './provider.ts';

/** The `purpose` in every provider key's encryption context. */
export const providerSecretPurpose = 'webhook-provider-secret';

/** The encryption context's keys, as the secrets key's policy allows them to the ingest role. */
export const providerKeyContextKeys = [
  'providerId',
  'purpose',
  'scheme',
  'keyKind',
  'settings',
] as const;

/** The settings a key is bound to: all but `enabled`. */
export type BoundSettings = Omit<ProviderSettings, 'enabled'>;

/** Prefixes the digest, so that a later change of what is bound can be told apart. */
const bindingVersion = 'v1';

/**
 * The bound settings as one digest: SHA-256 over a JSON array in a fixed order, options sorted by
 * name, so that the same settings always give the same text whatever order they were built in.
 * @example settingsDigest(config) // 'v1:4sD0…' (43 base64url characters after the colon)
 */
export function settingsDigest(settings: BoundSettings): string {
  const canonical = JSON.stringify([
    settings.providerId,
    settings.scheme,
    Object.entries(settings.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    settings.toleranceSeconds ?? null,
    settings.dedupWindowSeconds,
    settings.retentionClass,
    settings.redaction.map((rule) => [rule.path, rule.action]),
    settings.subjectKeyPath ?? null,
  ]);
  return `${bindingVersion}:${createHash('sha256').update(canonical).digest('base64url')}`;
}

/**
 * The encryption context of one of the provider's keys: its provider and purpose (which the key
 * policy conditions on), its scheme and kind in the clear (CloudTrail shows them on each
 * Decrypt), and the digest of the rest.
 */
export function providerKeyContext(
  settings: BoundSettings,
  keyKind: KeyKind,
): Record<(typeof providerKeyContextKeys)[number], string> {
  return {
    providerId: settings.providerId,
    purpose: providerSecretPurpose,
    scheme: settings.scheme,
    keyKind,
    settings: settingsDigest(settings),
  };
}

/**
 * The context keys were encrypted under before they were bound to settings: the provider and
 * purpose alone. Only `webhooks providers bind` reads it, to move such keys to the bound context.
 */
export function unboundProviderKeyContext(providerId: string): Record<string, string> {
  return { providerId, purpose: providerSecretPurpose };
}
