/**
 * A provider's configuration as the registry holds it, the rules it must follow, and its
 * mapping to and from the registry table's item (functions/config/tables.ts `registryTable`).
 * Both directions check the same rules: a configuration that breaks one is refused before it
 * is stored (InvalidProviderConfigError), and a stored item that breaks one is a typed error
 * when read (MalformedProviderItemError), never a crash further on.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { defaultDedupWindowSeconds } from '../config/limits.ts';
import {
  defaultRetentionClass,
  type RetentionClassName,
  retentionClasses,
} from '../config/retention.ts';
import type { SchemeName, SchemeOptions } from '../verify/schemes/index.ts';
import { getScheme } from '../verify/verify.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
  MalformedProviderItemError,
} from './errors.ts';
import { sourceRangeProblems } from './source-ranges.ts';

/** A DynamoDB item in the low-level client's attribute-value form. */
export type RegistryItem = Record<string, AttributeValue>;

/** Whether a key is a shared secret or the provider's public key. */
export type KeyKind = 'secret' | 'public-key';

/** One of a provider's keys, as stored: the value only ever as a KMS ciphertext. */
export interface ProviderKey {
  /** 1 for the first key, one more at each rotation; offered to the verifier as id `v<version>`. */
  readonly version: number;
  readonly kind: KeyKind;
  /** KMS CiphertextBlob of the key's text, under the secrets CMK and the provider's context. */
  readonly ciphertext: Uint8Array;
  readonly createdAtMs: number;
  /** When a rotation's grace ends: the key is not offered from then on. @default - no end */
  readonly notAfterMs?: number;
}

/** `drop` removes the field from the payload copy; `mask` keeps the field with its value hidden. */
export type RedactionAction = 'drop' | 'mask';

/**
 * A field of the JSON payload copy to redact, as dot-separated field names where `*` matches
 * any one field or array element, e.g. `data.object.customer_email` or `events.*.card`.
 */
export interface RedactionRule {
  readonly path: string;
  readonly action: RedactionAction;
}

/**
 * The address ranges a provider's deliveries may come from (functions/registry/source-ranges.ts):
 * the operator's own and the provider's published ones, together. Not bound to the keys
 * (key-binding.ts): the published list changes without an operator, and a registry writer who
 * removes a list gains nothing a valid signature does not still decide.
 */
export interface SourceAllowlist {
  /** Ranges the operator gave (`--allow-source`), canonical. */
  readonly ranges: readonly string[];
  /** The provider's published ranges (`--allow-published`), which the refresher keeps current. */
  readonly published?: PublishedSources;
}

/** A provider's published source ranges, as last fetched and found valid. */
export interface PublishedSources {
  /**
   * The published list (ops/source-lists; `webhooks providers catalog` names each provider's),
   * e.g. `github`, or `pagerduty-eu` where a provider publishes one per region.
   */
  readonly list: string;
  /** Never empty: an empty published list must not turn into "allow everything". */
  readonly ranges: readonly string[];
  readonly fetchedAtMs: number;
}

/** Every range of `sources`, the operator's and the published ones. */
export function allowedRanges(sources: SourceAllowlist): string[] {
  return [...sources.ranges, ...(sources.published?.ranges ?? [])];
}

/** What an operator chooses for a provider: everything but its keys and bookkeeping. */
export interface ProviderSettings {
  readonly providerId: string;
  readonly scheme: SchemeName;
  /** Scheme options as text, exactly as the CLI takes them; checked by the scheme's parser. */
  readonly options: Readonly<Record<string, string>>;
  /** @default - the scheme's `defaultToleranceSeconds` */
  readonly toleranceSeconds?: number;
  readonly enabled: boolean;
  readonly retentionClass: RetentionClassName;
  readonly redaction: readonly RedactionRule[];
  readonly dedupWindowSeconds: number;
  /**
   * Where a verified JSON body names its data subject, as dot-separated field names (no `*`),
   * e.g. `data.object.customer`. Its value is indexed only as a keyed hash
   * (functions/audit/subject-index.ts), so that `webhooks audit erase --subject` finds the
   * subject's records. @default - no subject index for this provider
   */
  readonly subjectKeyPath?: string;
  /** @default - deliveries from any address are verified */
  readonly sources?: SourceAllowlist;
}

/** A provider as stored: its settings, its keys (several during a rotation) and a revision. */
export interface ProviderConfig extends ProviderSettings {
  readonly keys: readonly ProviderKey[];
  readonly updatedAtMs: number;
  /** 1 when created, one more at each change; writes are conditional on it. */
  readonly revision: number;
}

/** Defaults for the settings an operator may leave out when adding a provider. */
export const providerDefaults = {
  options: {},
  enabled: true,
  retentionClass: defaultRetentionClass,
  redaction: [],
  dedupWindowSeconds: defaultDedupWindowSeconds,
} as const satisfies Partial<ProviderSettings>;

/** What a provider to add will be stored with: `settings` over {@link providerDefaults}. */
export function withDefaults(
  settings: Pick<ProviderSettings, 'providerId' | 'scheme'> &
    Partial<Omit<ProviderSettings, 'providerId' | 'scheme'>>,
): ProviderSettings {
  return { ...providerDefaults, ...settings };
}

/** Provider ids appear in URL paths and table keys (`<providerId>#<shard>`): no `/`, `#`, `.`. */
const providerIdPattern = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;
const redactionSegment = /^(?:[A-Za-z0-9_$@-]+|\*)$/;
const subjectKeySegment = /^[A-Za-z0-9_$@-]+$/;
/**
 * Registry items that are not providers start with this, which no provider id can (ids start
 * with [a-z0-9]): e.g. the subject-index secret (functions/audit/subject-index-secret.ts).
 */
export const reservedRegistryIdPrefix = '_';
/** Item size stays far below DynamoDB's 400 KB with this many keys of KMS's largest blobs. */
export const maxKeysPerProvider = 10;
const maxRedactionRules = 50;
const maxRedactionDepth = 16;
const maxCiphertextBytes = 6144;
const maxToleranceSeconds = 86_400;
const dedupWindowRange = { min: 60, max: 366 * 86_400 } as const;

/** Whether `value` may name a provider. */
export function isProviderId(value: unknown): value is string {
  return typeof value === 'string' && providerIdPattern.test(value);
}

/** Returns `value` when it may name a provider, else throws InvalidProviderIdError. */
export function assertProviderId(value: unknown): string {
  if (!isProviderId(value)) throw new InvalidProviderIdError(value);
  return value;
}

/**
 * The scheme's typed options, parsed from the stored text. Throws the scheme's
 * SchemeOptionsError when they do not parse (never for a config that passed the rules).
 */
export function parseProviderOptions(config: ProviderSettings): SchemeOptions<SchemeName> {
  const scheme = getScheme(config.scheme);
  return (scheme.parseOptions?.(config.options) ?? {}) as SchemeOptions<SchemeName>;
}

/** Every rule `config` breaks, each naming the value received; empty when it is valid. */
export function providerProblems(config: ProviderConfig): string[] {
  const problems: string[] = [];
  const rule = (ok: boolean, problem: () => string) => {
    if (!ok) problems.push(problem());
  };
  rule(isProviderId(config.providerId), () => `providerId is not a valid id`);
  schemeProblems(config, problems);
  rule(
    config.toleranceSeconds === undefined ||
      isIntegerIn(config.toleranceSeconds, 1, maxToleranceSeconds),
    () =>
      `toleranceSeconds must be a whole number from 1 to ${maxToleranceSeconds}, got ${config.toleranceSeconds}`,
  );
  rule(typeof config.enabled === 'boolean', () => `enabled must be true or false`);
  rule(
    Object.hasOwn(retentionClasses, config.retentionClass),
    () =>
      `retentionClass must be one of ${Object.keys(retentionClasses).join(', ')}, got '${config.retentionClass}'`,
  );
  rule(
    isIntegerIn(config.dedupWindowSeconds, dedupWindowRange.min, dedupWindowRange.max),
    () =>
      `dedupWindowSeconds must be a whole number from ${dedupWindowRange.min} to ${dedupWindowRange.max}, got ${config.dedupWindowSeconds}`,
  );
  redactionProblems(config.redaction, problems);
  rule(
    config.subjectKeyPath === undefined || isSubjectKeyPath(config.subjectKeyPath),
    () =>
      `subjectKeyPath must be 1 to ${maxRedactionDepth} dot-separated field names (no '*'), got ${JSON.stringify(config.subjectKeyPath)}`,
  );
  if (config.sources !== undefined) sourceProblems(config.sources, problems);
  keyProblems(config, problems);
  rule(
    isIntegerIn(config.updatedAtMs, 0, Number.MAX_SAFE_INTEGER),
    () => `updatedAt is not a time`,
  );
  rule(
    isIntegerIn(config.revision, 1, Number.MAX_SAFE_INTEGER),
    () => `revision must be a positive whole number, got ${config.revision}`,
  );
  return problems;
}

/** The registry item for `config`; throws InvalidProviderConfigError if it breaks a rule. */
export function toItem(config: ProviderConfig): RegistryItem {
  const problems = providerProblems(config);
  if (problems.length > 0)
    throw new InvalidProviderConfigError(String(config.providerId), problems);
  const item: RegistryItem = {
    providerId: { S: config.providerId },
    scheme: { S: config.scheme },
    options: { M: mapOf(config.options, (value) => ({ S: value })) },
    enabled: { BOOL: config.enabled },
    retentionClass: { S: config.retentionClass },
    redaction: {
      L: config.redaction.map((rule) => ({
        M: { path: { S: rule.path }, action: { S: rule.action } },
      })),
    },
    dedupWindowSeconds: { N: String(config.dedupWindowSeconds) },
    keys: { L: config.keys.map((key) => ({ M: keyItem(key) })) },
    updatedAt: { S: new Date(config.updatedAtMs).toISOString() },
    revision: { N: String(config.revision) },
  };
  if (config.toleranceSeconds !== undefined) {
    item.toleranceSeconds = { N: String(config.toleranceSeconds) };
  }
  if (config.subjectKeyPath !== undefined) item.subjectKeyPath = { S: config.subjectKeyPath };
  if (config.sources !== undefined) item.sources = { M: sourcesItem(config.sources) };
  return item;
}

const rangeList = (ranges: readonly string[]): AttributeValue => ({
  L: ranges.map((range) => ({ S: range })),
});

function sourcesItem({ ranges, published }: SourceAllowlist): RegistryItem {
  const item: RegistryItem = { ranges: rangeList(ranges) };
  if (published !== undefined) {
    item.published = {
      M: {
        list: { S: published.list },
        ranges: rangeList(published.ranges),
        fetchedAt: { S: new Date(published.fetchedAtMs).toISOString() },
      },
    };
  }
  return item;
}

function readSources(read: ItemReader, value: AttributeValue): SourceAllowlist {
  const item = read.map(value, 'sources') ?? {};
  const strings = (list: AttributeValue | undefined, at: string) =>
    (read.list(list, at) ?? []).map((entry, index) => read.string(entry, `${at}[${index}]`) ?? '');
  const ranges = strings(item.ranges, 'sources.ranges');
  if (item.published === undefined) return { ranges };
  const published = read.map(item.published, 'sources.published') ?? {};
  return {
    ranges,
    published: {
      list: read.string(published.list, 'sources.published.list') ?? '',
      ranges: strings(published.ranges, 'sources.published.ranges'),
      fetchedAtMs: read.time(published.fetchedAt, 'sources.published.fetchedAt') ?? 0,
    },
  };
}

const publishedListPattern = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

function sourceProblems(sources: SourceAllowlist, problems: string[]): void {
  if (!Array.isArray(sources.ranges)) {
    problems.push('sources.ranges must be a list');
    return;
  }
  problems.push(...sourceRangeProblems(sources.ranges, 'sources.ranges'));
  const { published } = sources;
  if (published !== undefined) {
    if (typeof published.list !== 'string' || !publishedListPattern.test(published.list)) {
      problems.push(
        `sources.published.list must name a provider, got ${JSON.stringify(published.list)}`,
      );
    }
    if (!Array.isArray(published.ranges) || published.ranges.length === 0) {
      problems.push(
        'sources.published.ranges must not be empty: an empty list never allows everyone',
      );
    } else {
      problems.push(...sourceRangeProblems(published.ranges, 'sources.published.ranges'));
    }
    if (!isIntegerIn(published.fetchedAtMs, 0, Number.MAX_SAFE_INTEGER)) {
      problems.push('sources.published.fetchedAt is not a time');
    }
  }
  if (Array.isArray(sources.ranges) && sources.ranges.length === 0 && published === undefined) {
    problems.push('sources must hold at least one range: leave it out to allow any address');
  }
}

/** The configuration an item holds; throws MalformedProviderItemError if it breaks a rule. */
export function fromItem(item: RegistryItem): ProviderConfig {
  const read = new ItemReader();
  const providerId = read.string(item.providerId, 'providerId') ?? '';
  const decoded = {
    providerId,
    scheme: read.string(item.scheme, 'scheme') as SchemeName,
    options: mapOf(read.map(item.options, 'options') ?? {}, (value, name) =>
      read.string(value, `options.${name}`),
    ) as Record<string, string>,
    enabled: read.boolean(item.enabled, 'enabled') as boolean,
    retentionClass: read.string(item.retentionClass, 'retentionClass') as RetentionClassName,
    redaction: (read.list(item.redaction, 'redaction') ?? []).map((value, index) => {
      const rule = read.map(value, `redaction[${index}]`) ?? {};
      return {
        path: read.string(rule.path, `redaction[${index}].path`),
        action: read.string(rule.action, `redaction[${index}].action`),
      } as RedactionRule;
    }),
    dedupWindowSeconds: read.number(item.dedupWindowSeconds, 'dedupWindowSeconds') as number,
    keys: (read.list(item.keys, 'keys') ?? []).map((value, index) =>
      readKey(read, read.map(value, `keys[${index}]`) ?? {}, `keys[${index}]`),
    ),
    updatedAtMs: read.time(item.updatedAt, 'updatedAt') as number,
    revision: read.number(item.revision, 'revision') as number,
    ...(item.toleranceSeconds === undefined
      ? {}
      : { toleranceSeconds: read.number(item.toleranceSeconds, 'toleranceSeconds') as number }),
    ...(item.subjectKeyPath === undefined
      ? {}
      : { subjectKeyPath: read.string(item.subjectKeyPath, 'subjectKeyPath') as string }),
    ...(item.sources === undefined ? {} : { sources: readSources(read, item.sources) }),
  } satisfies ProviderConfig;
  const problems = read.problems.length > 0 ? read.problems : providerProblems(decoded);
  if (problems.length > 0) throw new MalformedProviderItemError(providerId, problems);
  return decoded;
}

function keyItem(key: ProviderKey): RegistryItem {
  const item: RegistryItem = {
    version: { N: String(key.version) },
    kind: { S: key.kind },
    ciphertext: { B: key.ciphertext },
    createdAt: { S: new Date(key.createdAtMs).toISOString() },
  };
  if (key.notAfterMs !== undefined) item.notAfter = { S: new Date(key.notAfterMs).toISOString() };
  return item;
}

function readKey(read: ItemReader, item: RegistryItem, at: string): ProviderKey {
  return {
    version: read.number(item.version, `${at}.version`) as number,
    kind: read.string(item.kind, `${at}.kind`) as KeyKind,
    ciphertext: read.binary(item.ciphertext, `${at}.ciphertext`) as Uint8Array,
    createdAtMs: read.time(item.createdAt, `${at}.createdAt`) as number,
    ...(item.notAfter === undefined
      ? {}
      : { notAfterMs: read.time(item.notAfter, `${at}.notAfter`) as number }),
  };
}

function schemeProblems(config: ProviderSettings, problems: string[]): void {
  let scheme: ReturnType<typeof getScheme>;
  try {
    scheme = getScheme(config.scheme);
  } catch {
    problems.push(`scheme '${config.scheme}' is not a known scheme`);
    return;
  }
  if (typeof config.options !== 'object' || config.options === null) {
    problems.push('options must be a map of option names to text');
    return;
  }
  try {
    scheme.parseOptions?.(config.options);
  } catch (error) {
    // The scheme's SchemeOptionsError names the option, never a secret value.
    problems.push(error instanceof Error ? error.message : 'options do not parse');
  }
}

/** Whether `path` names one field of a JSON body: dot-separated field names, no wildcard. */
export function isSubjectKeyPath(path: unknown): path is string {
  if (typeof path !== 'string') return false;
  const segments = path.split('.');
  return (
    segments.length <= maxRedactionDepth &&
    segments.every((segment) => subjectKeySegment.test(segment))
  );
}

function redactionProblems(rules: readonly RedactionRule[], problems: string[]): void {
  if (rules.length > maxRedactionRules) {
    problems.push(`at most ${maxRedactionRules} redaction rules, got ${rules.length}`);
  }
  rules.forEach((rule, index) => {
    const segments = typeof rule.path === 'string' ? rule.path.split('.') : [];
    if (
      segments.length === 0 ||
      segments.length > maxRedactionDepth ||
      !segments.every((segment) => redactionSegment.test(segment))
    ) {
      problems.push(
        `redaction[${index}].path must be 1 to ${maxRedactionDepth} dot-separated field names or '*', got ${JSON.stringify(rule.path)}`,
      );
    }
    if (rule.action !== 'drop' && rule.action !== 'mask') {
      problems.push(`redaction[${index}].action must be drop or mask, got '${rule.action}'`);
    }
  });
}

function keyProblems(config: ProviderConfig, problems: string[]): void {
  const { keys } = config;
  if (keys.length > maxKeysPerProvider) {
    problems.push(`at most ${maxKeysPerProvider} keys, got ${keys.length}`);
  }
  const versions = new Set<number>();
  const kind = schemeKeyKind(config.scheme);
  keys.forEach((key, index) => {
    const at = `keys[${index}]`;
    if (!isIntegerIn(key.version, 1, Number.MAX_SAFE_INTEGER) || versions.has(key.version)) {
      problems.push(`${at}.version must be a positive whole number used once, got ${key.version}`);
    }
    versions.add(key.version);
    if (key.kind !== 'secret' && key.kind !== 'public-key') {
      problems.push(`${at}.kind must be secret or public-key, got '${key.kind}'`);
    } else if (kind !== undefined && key.kind !== kind) {
      // Both ways: a public key offered as a shared secret is a secret anyone knows.
      problems.push(
        `${at}.kind must be ${kind}: scheme '${config.scheme}' ${kind === 'public-key' ? 'verifies signatures with public keys' : 'takes shared secrets'}`,
      );
    }
    const size = key.ciphertext instanceof Uint8Array ? key.ciphertext.byteLength : 0;
    if (size < 1 || size > maxCiphertextBytes) {
      problems.push(`${at}.ciphertext must be 1 to ${maxCiphertextBytes} bytes, got ${size}`);
    }
    if (!isIntegerIn(key.createdAtMs, 0, Number.MAX_SAFE_INTEGER)) {
      problems.push(`${at}.createdAt is not a time`);
    }
    if (key.notAfterMs !== undefined && !isIntegerIn(key.notAfterMs, 0, Number.MAX_SAFE_INTEGER)) {
      problems.push(`${at}.notAfter is not a time`);
    }
  });
}

/** The kind of key the scheme takes; undefined for an unknown scheme (a problem of its own). */
function schemeKeyKind(name: string): KeyKind | undefined {
  try {
    return getScheme(name).keyKind;
  } catch {
    return undefined;
  }
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function mapOf<From, To>(
  record: Readonly<Record<string, From>>,
  convert: (value: From, name: string) => To,
): Record<string, To> {
  const result: Record<string, To> = {};
  for (const [name, value] of Object.entries(record)) result[name] = convert(value, name);
  return result;
}

/** Reads typed attribute values, noting each one missing or of the wrong type by its path. */
class ItemReader {
  readonly problems: string[] = [];

  string(value: AttributeValue | undefined, at: string): string | undefined {
    return this.#expect(value?.S, at, 'a string (S)');
  }

  boolean(value: AttributeValue | undefined, at: string): boolean | undefined {
    return this.#expect(value?.BOOL, at, 'a boolean (BOOL)');
  }

  binary(value: AttributeValue | undefined, at: string): Uint8Array | undefined {
    return this.#expect(value?.B, at, 'binary (B)');
  }

  map(value: AttributeValue | undefined, at: string): RegistryItem | undefined {
    return this.#expect(value?.M, at, 'a map (M)');
  }

  list(value: AttributeValue | undefined, at: string): AttributeValue[] | undefined {
    return this.#expect(value?.L, at, 'a list (L)');
  }

  number(value: AttributeValue | undefined, at: string): number | undefined {
    const text = this.#expect(value?.N, at, 'a number (N)');
    return text === undefined ? undefined : Number(text);
  }

  /** An ISO 8601 UTC time, as `Date.prototype.toISOString` writes it, in epoch milliseconds. */
  time(value: AttributeValue | undefined, at: string): number | undefined {
    const text = this.#expect(value?.S, at, 'an ISO 8601 time (S)');
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) {
      this.problems.push(`${at} must be an ISO 8601 UTC time, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return ms;
  }

  #expect<Value>(value: Value | undefined, at: string, what: string): Value | undefined {
    if (value === undefined) this.problems.push(`${at} must be ${what}`);
    return value;
  }
}

/** A key to add: the registry numbers it and dates it. */
export interface NewProviderKey {
  readonly kind: KeyKind;
  readonly ciphertext: Uint8Array;
}

/**
 * The keys after a rotation at `nowMs`: keys whose grace has ended are dropped, the others
 * stay valid until `nowMs + graceMs` at the latest (a grace of 0 drops them at once), and the
 * new key is added as the next version.
 */
export function rotatedKeys(
  keys: readonly ProviderKey[],
  newKey: NewProviderKey,
  nowMs: number,
  graceMs: number,
): ProviderKey[] {
  const notAfterMs = nowMs + graceMs;
  const kept = keys
    .filter((key) => graceMs > 0 && (key.notAfterMs === undefined || key.notAfterMs > nowMs))
    .map((key) => ({ ...key, notAfterMs: Math.min(key.notAfterMs ?? notAfterMs, notAfterMs) }));
  const version = Math.max(0, ...keys.map((key) => key.version)) + 1;
  return [
    ...kept,
    { version, kind: newKey.kind, ciphertext: newKey.ciphertext, createdAtMs: nowMs },
  ];
}
