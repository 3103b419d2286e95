/**
 * A provider as `providers show` and `providers list --json` print it: settings and key
 * versions, never key material, not even ciphertext.
 */
import type {
  KeyKind,
  ProviderConfig,
  RedactionRule,
  SourceAllowlist,
} from '../functions/registry/provider.ts';
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
  /** `null`: no source allowlist, deliveries from any address are verified. */
  readonly sources: SourcesView | null;
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

/** A source allowlist as `show --json` prints it: the published list by name and count. */
export interface SourcesView {
  /** The operator's ranges (`--allow-source`), canonical. */
  readonly ranges: readonly string[];
  /** `null`: no published list (`--allow-published`). */
  readonly published: {
    readonly list: string;
    readonly rangeCount: number;
    readonly fetchedAt: string;
  } | null;
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
    sources: config.sources === undefined ? null : sourcesView(config.sources),
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

function sourcesView({ ranges, published }: SourceAllowlist): SourcesView {
  return {
    ranges,
    published:
      published === undefined
        ? null
        : {
            list: published.list,
            rangeCount: published.ranges.length,
            fetchedAt: iso(published.fetchedAtMs),
          },
  };
}

/**
 * An allowlist in a few words, as `list` prints it: `any`, `3 ranges`, `github (12)` (a
 * published list and its range count) or `1 range + github (12)`.
 */
export function sourcesSummary(sources: SourcesView | null): string {
  if (sources === null) return 'any';
  const { ranges, published } = sources;
  return [
    ...(ranges.length === 0 ? [] : [`${ranges.length} range${ranges.length === 1 ? '' : 's'}`]),
    ...(published === null ? [] : [`${published.list} (${published.rangeCount})`]),
  ].join(' + ');
}
