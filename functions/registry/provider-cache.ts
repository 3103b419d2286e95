/**
 * The handler's view of the registry: a provider's configuration and decrypted keys, kept per
 * container so that a warm request makes no DynamoDB or KMS call. The configuration (or that
 * there is none) is read again `configCacheSeconds` after the read that fetched it began;
 * each decrypted key is kept for `secretCacheSeconds`, by provider and key version, across
 * those reloads as long as its ciphertext is unchanged, but a key no longer in the
 * configuration is dropped at that reload. Callers that miss at the same time share one load.
 *
 * So every registry change (add, rotate, disable, enable, remove) holds for every request
 * resolved `configCacheSeconds` or more after the write: any copy in use was read (strongly
 * consistent) before the write, and a read still in flight is neither kept nor joined past
 * `configCacheSeconds` from its start. Until then a request may be answered by the settings
 * the write replaced; nothing can make a warm container drop them sooner, so the CLI says
 * when a change holds (cli/provider-change.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import {
  configCacheSeconds as defaultConfigCacheSeconds,
  secretCacheSeconds as defaultSecretCacheSeconds,
} from '../config/limits.ts';
import type { SchemeName, SchemeOptions } from '../verify/schemes/index.ts';
import type { Clock, VerificationKey } from '../verify/types.ts';
import { credentialHeadersOf } from '../verify/verify.ts';
import { ProviderDisabledError, ProviderNotFoundError, RegistryOptionsError } from './errors.ts';
import { settingsDigest } from './key-binding.ts';
import {
  allowedRanges,
  isProviderId,
  type ProviderConfig,
  type ProviderKey,
  parseProviderOptions,
} from './provider.ts';
import { ProviderRegistryStore } from './registry-store.ts';
import { decryptProviderKey } from './secrets.ts';
import { type SourceMatcher, sourceMatcher } from './source-ranges.ts';

export interface ProviderCacheOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** The registry table's name (`registryTable.nameVariable`). */
  readonly tableName: string;
  /** Created once per container. */
  readonly kms: KMSClient;
  /**
   * The secrets CMK; KMS then refuses a ciphertext under any other key.
   * @default - whichever key the ciphertext names, if the function may use it
   */
  readonly secretsKeyId?: string;
  /** @default configCacheSeconds (60, functions/config/limits.ts) */
  readonly configCacheSeconds?: number;
  /** @default secretCacheSeconds (300, functions/config/limits.ts) */
  readonly secretCacheSeconds?: number;
  /** Providers held at once; the one loaded longest ago is dropped first. @default 1_000 */
  readonly maxProviders?: number;
  /** @default Date.now */
  readonly now?: Clock;
}

/** What the handler needs to verify a provider's delivery. */
export interface ResolvedProvider {
  readonly config: ProviderConfig;
  /** The scheme's options, parsed once per load of the configuration. */
  readonly options: SchemeOptions<SchemeName>;
  /** The keys valid now, newest first, each with id `v<version>`; never logged. */
  readonly keys: readonly VerificationKey[];
  /**
   * The provider's source allowlist (`config.sources`), built once per load of the
   * configuration. @default - no allowlist: deliveries from any address are verified
   */
  readonly allowedSources?: SourceMatcher;
}

interface DecryptedKey {
  /** The ciphertext it came from: a provider removed and added again reuses versions. */
  readonly ciphertext: Uint8Array;
  /**
   * The settings digest and kind it was decrypted under: a value decrypted under the settings
   * it was bound to is never used once the registry holds other settings (key-binding.ts).
   */
  readonly binding: string;
  readonly decryptedAtMs: number;
  readonly value: Promise<string>;
}

interface ProviderEntry {
  readonly config: ProviderConfig;
  readonly options: SchemeOptions<SchemeName>;
  /** `sourceMatcher` over `config.sources`, once per load; undefined without an allowlist. */
  readonly allowedSources: SourceMatcher | undefined;
  readonly loadedAtMs: number;
  /** `settingsDigest(config)`, once per load rather than on every request (key-binding.ts). */
  readonly settingsDigest: string;
  /** By key version; the same map is carried from one load of the configuration to the next. */
  readonly keys: Map<number, DecryptedKey>;
}

/** A read of the registry not yet answered. */
interface LoadInFlight {
  readonly startedAtMs: number;
  readonly entry: Promise<ProviderEntry>;
}

/** @default 1_000 providers */
export const defaultMaxProviders = 1_000;

/**
 * Provider configurations and decrypted keys for the handler, cached per container.
 * @example
 * const providers = new ProviderCache({ dynamodb, kms, tableName: process.env.REGISTRY_TABLE_NAME });
 * const { config, options, keys } = await providers.resolveProvider('stripe-live');
 */
export class ProviderCache {
  readonly #store: ProviderRegistryStore;
  readonly #kms: KMSClient;
  readonly #secretsKeyId: string | undefined;
  readonly #configTtlMs: number;
  readonly #secretTtlMs: number;
  readonly #maxProviders: number;
  readonly #now: Clock;
  /** In load order, the oldest first. */
  readonly #entries = new Map<string, ProviderEntry>();
  readonly #loading = new Map<string, LoadInFlight>();
  /**
   * Ids found unregistered, with when: a flood of requests for an invented (well-formed) id
   * costs one read per `configCacheSeconds`, not one per request. The price is that a newly
   * added provider that was asked for shortly before is seen up to `configCacheSeconds` late.
   */
  readonly #absent = new Map<string, number>();

  constructor(options: ProviderCacheOptions) {
    this.#now = options.now ?? Date.now;
    this.#store = new ProviderRegistryStore({
      dynamodb: options.dynamodb,
      tableName: options.tableName,
      now: this.#now,
    });
    this.#kms = options.kms;
    this.#secretsKeyId = options.secretsKeyId;
    this.#configTtlMs =
      positiveInteger(
        'configCacheSeconds',
        options.configCacheSeconds ?? defaultConfigCacheSeconds,
      ) * 1000;
    this.#secretTtlMs =
      positiveInteger(
        'secretCacheSeconds',
        options.secretCacheSeconds ?? defaultSecretCacheSeconds,
      ) * 1000;
    this.#maxProviders = positiveInteger(
      'maxProviders',
      options.maxProviders ?? defaultMaxProviders,
    );
  }

  /**
   * The provider's configuration and the keys valid now. Throws ProviderNotFoundError or
   * ProviderDisabledError (the handler answers 401), DependencyUnavailableError when DynamoDB
   * or KMS fails (503), MalformedProviderItemError or SecretRejectedError when the stored item
   * is at fault (500).
   */
  async resolveProvider(providerId: string): Promise<ResolvedProvider> {
    // An id that could never be registered costs no DynamoDB read.
    if (!isProviderId(providerId)) throw new ProviderNotFoundError(providerId);
    const nowMs = this.#now();
    const absentSince = this.#absent.get(providerId);
    if (absentSince !== undefined && nowMs - absentSince < this.#configTtlMs) {
      throw new ProviderNotFoundError(providerId);
    }
    let entry = this.#entries.get(providerId);
    if (entry === undefined || nowMs - entry.loadedAtMs >= this.#configTtlMs) {
      entry = await this.#load(providerId, nowMs);
    }
    const { config } = entry;
    if (!config.enabled) {
      throw new ProviderDisabledError(providerId, {
        retentionClass: config.retentionClass,
        credentialHeaders: credentialHeadersOf(config.scheme, entry.options),
      });
    }
    const valid = config.keys
      .filter((key) => key.notAfterMs === undefined || key.notAfterMs > nowMs)
      .sort((a, b) => b.version - a.version);
    const values = await Promise.all(valid.map((key) => this.#decrypted(entry, key, nowMs)));
    return {
      config,
      options: entry.options,
      keys: valid.map((key, index) => ({ id: `v${key.version}`, value: values[index] as string })),
      ...(entry.allowedSources === undefined ? {} : { allowedSources: entry.allowedSources }),
    };
  }

  /** Forgets every provider and key; the next request for each loads it again. */
  clear(): void {
    this.#entries.clear();
    this.#absent.clear();
  }

  /**
   * One load per provider at a time, however many requests missed; a load that began
   * `configCacheSeconds` ago or more is not joined, as its answer may predate a change.
   */
  #load(providerId: string, nowMs: number): Promise<ProviderEntry> {
    const loading = this.#loading.get(providerId);
    if (loading !== undefined && nowMs - loading.startedAtMs < this.#configTtlMs) {
      return loading.entry;
    }
    const started: LoadInFlight = { startedAtMs: nowMs, entry: this.#read(providerId, nowMs) };
    this.#loading.set(providerId, started);
    const forget = () => {
      if (this.#loading.get(providerId) === started) this.#loading.delete(providerId);
    };
    started.entry.then(forget, forget);
    return started.entry;
  }

  /**
   * Stamped with `startedAtMs`, when the read began, not when it answered: a change written
   * while it was in flight must still hold `configCacheSeconds` after its write.
   */
  async #read(providerId: string, startedAtMs: number): Promise<ProviderEntry> {
    const config = await this.#store.get(providerId);
    const previous = this.#entries.get(providerId);
    this.#entries.delete(providerId);
    this.#absent.delete(providerId);
    if (config === undefined) {
      if (this.#absent.size >= this.#maxProviders) {
        this.#absent.delete(this.#absent.keys().next().value as string);
      }
      this.#absent.set(providerId, startedAtMs);
      throw new ProviderNotFoundError(providerId);
    }
    const keys = previous?.keys ?? new Map<number, DecryptedKey>();
    for (const version of keys.keys()) {
      if (!config.keys.some((key) => key.version === version)) keys.delete(version);
    }
    const entry: ProviderEntry = {
      config,
      options: parseProviderOptions(config),
      allowedSources:
        config.sources === undefined ? undefined : sourceMatcher(allowedRanges(config.sources)),
      loadedAtMs: startedAtMs,
      settingsDigest: settingsDigest(config),
      keys,
    };
    const oldest = this.#entries.keys().next();
    if (!oldest.done && this.#entries.size >= this.#maxProviders)
      this.#entries.delete(oldest.value);
    this.#entries.set(providerId, entry);
    return entry;
  }

  /**
   * The key's text: from the cache while fresh, from the same ciphertext and under the same
   * settings, else from KMS.
   */
  #decrypted(entry: ProviderEntry, key: ProviderKey, nowMs: number): Promise<string> {
    const cached = entry.keys.get(key.version);
    const binding = `${key.kind} ${entry.settingsDigest}`;
    if (
      cached !== undefined &&
      nowMs - cached.decryptedAtMs < this.#secretTtlMs &&
      cached.binding === binding &&
      Buffer.compare(cached.ciphertext, key.ciphertext) === 0
    ) {
      return cached.value;
    }
    const decrypted: DecryptedKey = {
      ciphertext: key.ciphertext,
      binding,
      decryptedAtMs: nowMs,
      value: decryptProviderKey({
        kms: this.#kms,
        settings: entry.config,
        keyKind: key.kind,
        ciphertext: key.ciphertext,
        ...(this.#secretsKeyId === undefined ? {} : { keyId: this.#secretsKeyId }),
      }),
    };
    entry.keys.set(key.version, decrypted);
    // A failed decryption is not kept: the next request asks KMS again.
    decrypted.value.catch(() => {
      if (entry.keys.get(key.version) === decrypted) entry.keys.delete(key.version);
    });
    return decrypted.value;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RegistryOptionsError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
