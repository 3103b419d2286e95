/**
 * A provider as `providers show` and `providers list --json` print it: settings and key
 * versions, never key material, not even ciphertext.
 */
import type { KeyKind, ProviderConfig, RedactionRule } from '../functions/registry/provider.ts';
import { iso } from './table.ts';

/** A provider as `show --json` and `list --json` print it: no key material, not even ciphertext. */
export interface ProviderView {
  readonly providerId: string;
  readonly scheme: string;
  readonly enabled: boolean;
  readonly options: Readonly<Record<string, string>>;
  /** `null`: the scheme's default. */
  readonly toleranceSeconds: number | null;
  readonly retentionClass: string;
  readonly dedupWindowSeconds: number;
  readonly redaction: ProviderConfig['redaction'];
  /** `null`: no subject index. */
  readonly subjectKeyPath: string | null;
  readonly revision: number;
  readonly updatedAt: string;
  readonly keys: ReadonlyArray<{
    readonly version: number;
    readonly kind: KeyKind;
    readonly createdAt: string;
    /** `null`: no end. */
    readonly notAfter: string | null;
  }>;
}

/** What `show` and `list --json` print for a provider. */
export function providerView(config: ProviderConfig): ProviderView {
  return {
    providerId: config.providerId,
    scheme: config.scheme,
    enabled: config.enabled,
    options: config.options,
    toleranceSeconds: config.toleranceSeconds ?? null,
    retentionClass: config.retentionClass,
    dedupWindowSeconds: config.dedupWindowSeconds,
    redaction: config.redaction,
    subjectKeyPath: config.subjectKeyPath ?? null,
    revision: config.revision,
    updatedAt: iso(config.updatedAtMs),
    keys: config.keys.map((key) => ({
      version: key.version,
      kind: key.kind,
      createdAt: iso(key.createdAtMs),
      notAfter: key.notAfterMs === undefined ? null : iso(key.notAfterMs),
    })),
  };
}

/** A rule as `show` prints it and admin records keep it: `path=action`, as `--redact` takes it. */
export const redactionRuleText = (rule: RedactionRule) => `${rule.path}=${rule.action}`;
