/**
 * `webhooks providers`: the provider registry of a deployment (`--local` or `--stack`). Keys
 * are read from stdin or a file only, never from argv (argv shows in `ps` and shell history),
 * go straight to KMS Encrypt, and are never printed: `show` gives versions, kinds and dates.
 * Each change leaves an admin record under the caller's identity (../identity.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SubjectIndexSecret } from '../../functions/audit/subject-index-secret.ts';
import {
  defaultRetentionClass,
  type RetentionClassName,
  retentionClasses,
} from '../../functions/config/retention.ts';
import { ProviderNotFoundError } from '../../functions/registry/errors.ts';
import {
  assertProviderId,
  isSubjectKeyPath,
  type KeyKind,
  type ProviderConfig,
  type RedactionAction,
  type RedactionRule,
} from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { UnknownSchemeError } from '../../functions/verify/errors.ts';
import type { Scheme } from '../../functions/verify/scheme.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { getScheme } from '../../functions/verify/verify.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import { keyFromFile, parseDuration, parseOptionFlags, parseSeconds } from '../parse.ts';
import {
  addWaitOption,
  isoSeconds,
  runProviderChange,
  type WaitFlags,
} from '../provider-change.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../target.ts';

/** Where a new key comes from: exactly one of these. */
export interface KeySourceFlags {
  readonly secretStdin?: boolean;
  readonly secretFile?: string;
  readonly publicKeyFile?: string;
}

export interface AddFlags extends WaitFlags, KeySourceFlags {
  readonly scheme?: string;
  readonly toleranceSeconds?: string;
  readonly retention?: string;
  readonly option?: readonly string[];
  readonly redact?: readonly string[];
  /** The JSON path of the data subject's key (`ProviderSettings.subjectKeyPath`). */
  readonly subjectKey?: string;
}

export interface RotateFlags extends WaitFlags, KeySourceFlags {
  readonly grace?: string;
}

export interface ListFlags extends TargetFlags {
  readonly json?: boolean;
}

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

/** `show`'s text form: one `name  value` line per setting, then one line per key. */
export function formatProvider(view: ProviderView): string {
  const options = Object.entries(view.options).map(([name, value]) => `${name}=${value}`);
  const rows = [
    ['provider', view.providerId],
    ['scheme', view.scheme],
    ['enabled', view.enabled ? 'yes' : 'no'],
    [
      'tolerance',
      view.toleranceSeconds === null ? "scheme's default" : `${view.toleranceSeconds}s`,
    ],
    ['retention', view.retentionClass],
    ['options', options.length === 0 ? '-' : options.join(', ')],
    ['dedup window', `${view.dedupWindowSeconds}s`],
    [
      'redaction',
      view.redaction.length === 0 ? '-' : view.redaction.map(redactionRuleText).join(', '),
    ],
    ['subject key', view.subjectKeyPath ?? '-'],
    ['revision', String(view.revision)],
    ['updated', view.updatedAt],
  ];
  const keys = view.keys.map(
    (key) =>
      `  v${key.version}  ${key.kind}  created ${key.createdAt}${key.notAfter === null ? '' : `  not after ${key.notAfter}`}`,
  );
  return `${rows.map(([name, value]) => `${name?.padEnd(13)}${value}`).join('\n')}\nkeys\n${keys.join('\n')}\n`;
}

/** `list`'s text form: an aligned table under a header row. */
export function formatProviderTable(configs: readonly ProviderConfig[]): string {
  const table = [
    ['PROVIDER', 'SCHEME', 'ENABLED', 'KEYS', 'RETENTION'],
    ...configs.map((config) => [
      config.providerId,
      config.scheme,
      config.enabled ? 'yes' : 'no',
      config.keys.map((key) => `v${key.version}`).join(','),
      config.retentionClass,
    ]),
  ];
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((cells) => cells[column]?.length ?? 0)),
  );
  return `${table
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export async function addProvider(id: string, flags: AddFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    assertProviderId(id); // before reading the key, and before KMS sees the id
    if (flags.scheme === undefined) {
      throw new UsageError('--scheme is required (`webhooks schemes` lists them)');
    }
    const scheme = lookUpScheme(flags.scheme);
    const options = parseOptionFlags(flags.option ?? []);
    const toleranceSeconds =
      flags.toleranceSeconds === undefined
        ? undefined
        : parseSeconds(flags.toleranceSeconds, '--tolerance-seconds');
    const retentionClass = retentionClassOf(flags.retention);
    const redaction = parseRedactFlags(flags.redact ?? []);
    const { subjectKey } = flags;
    if (subjectKey !== undefined && !isSubjectKeyPath(subjectKey)) {
      throw new UsageError(
        `--subject-key '${subjectKey}' must be dot-separated field names of A-Z, a-z, 0-9, '_', '$', '@' and '-' (no '*')`,
      );
    }
    const key = await readNewKey(flags, io, flags.scheme, scheme);
    return runProviderChange({ target, flags, io }, 'provider.add', id, async (detail) => {
      Object.assign(detail, {
        scheme: flags.scheme,
        keyKind: key.kind,
        keyVersion: '1',
        retentionClass: retentionClass ?? defaultRetentionClass,
        ...(toleranceSeconds === undefined ? {} : { toleranceSeconds: String(toleranceSeconds) }),
        ...(Object.keys(options).length === 0 ? {} : { options: Object.keys(options).join(',') }),
        ...(redaction.length === 0
          ? {}
          : { redaction: redaction.map(redactionRuleText).join(',') }),
        ...(subjectKey === undefined ? {} : { subjectKeyPath: subjectKey }),
      });
      // Before the provider exists: its first delivery must find the secret to hash with.
      if (subjectKey !== undefined) await subjectIndexOf(target).ensureCreated();
      const config = await registryOf(target).create({
        providerId: id,
        scheme: flags.scheme as SchemeName,
        options,
        redaction,
        ...(subjectKey === undefined ? {} : { subjectKeyPath: subjectKey }),
        ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
        ...(retentionClass === undefined ? {} : { retentionClass }),
        keys: [{ kind: key.kind, ciphertext: await encrypt(target, id, key.value) }],
      });
      detail.revision = String(config.revision);
      // A function asked for the id before it existed remembers that it had none.
      return () => ({
        done: `added provider '${id}' (scheme ${config.scheme}, key v1)`,
        meanwhile: 'its deliveries may still be refused as unknown',
        held: `provider '${id}' is known everywhere now: its deliveries are accepted`,
      });
    });
  });
}

export async function listProviders(flags: ListFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const { providers, malformed } = await registryOf(target).list();
    const sorted = [...providers].sort((a, b) => a.providerId.localeCompare(b.providerId));
    io.stdout(
      flags.json
        ? `${JSON.stringify(sorted.map(providerView), null, 2)}\n`
        : formatProviderTable(sorted),
    );
    for (const error of malformed) io.stderr(`warning: ${error.message}\n`);
    return exitCodes.ok;
  });
}

export async function showProvider(id: string, flags: ListFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const config = await registryOf(target).get(id);
    if (config === undefined) throw new ProviderNotFoundError(id);
    const view = providerView(config);
    io.stdout(flags.json ? `${JSON.stringify(view, null, 2)}\n` : formatProvider(view));
    return exitCodes.ok;
  });
}

export async function rotateProvider(id: string, flags: RotateFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const graceSeconds = flags.grace === undefined ? 0 : parseDuration(flags.grace, '--grace');
    return runProviderChange({ target, flags, io }, 'provider.rotate', id, async (detail) => {
      detail.graceSeconds = String(graceSeconds);
      const registry = registryOf(target);
      const current = await registry.get(id);
      if (current === undefined) throw new ProviderNotFoundError(id);
      const key = await readNewKey(flags, io, current.scheme, lookUpScheme(current.scheme));
      detail.keyKind = key.kind;
      const ciphertext = await encrypt(target, id, key.value);
      const config = await registry.rotate(id, { kind: key.kind, ciphertext }, { graceSeconds });
      const older = config.keys.slice(0, -1);
      const newest = config.keys.at(-1)?.version;
      // Every older key ends with the same grace (rotatedKeys caps them all at now + grace).
      const until = Math.max(...older.map((old) => old.notAfterMs ?? 0));
      detail.keyVersion = String(newest);
      if (older.length > 0) detail.olderKeysNotAfter = iso(until);
      detail.revision = String(config.revision);
      const rotated = `rotated provider '${id}' to key v${newest}`;
      const everywhere = `provider '${id}' verifies with key v${newest} everywhere now`;
      if (older.length === 0) {
        // Dropped from the registry now, but still in the settings running functions hold.
        const retired = versionList(current.keys);
        return () => ({
          done: rotated,
          meanwhile: `${retired} may still be accepted, and v${newest} refused,`,
          held: `${everywhere}; ${retired} no longer accepted`,
        });
      }
      const kept = versionList(older);
      // A function still holding the settings from before the rotation knows no end for them.
      return (holdsAtMs) => ({
        done: `${rotated}; ${kept} accepted until ${until > holdsAtMs ? iso(until) : isoSeconds(holdsAtMs)}`,
        meanwhile: `v${newest} may still be refused`,
        held: `${everywhere}; ${kept} ${until > holdsAtMs ? `accepted until ${iso(until)}` : 'no longer accepted'}`,
      });
    });
  });
}

export async function setProviderEnabled(
  id: string,
  enabled: boolean,
  flags: WaitFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, async (target) =>
    runProviderChange(
      { target, flags, io },
      enabled ? 'provider.enable' : 'provider.disable',
      id,
      async (detail) => {
        const config = await registryOf(target).setEnabled(id, enabled);
        detail.revision = String(config.revision);
        const [state, before, after] = enabled
          ? (['enabled', 'refused', 'accepted'] as const)
          : (['disabled', 'accepted', 'refused'] as const);
        return () => ({
          done: `${state} provider '${id}'`,
          meanwhile: `its deliveries may still be ${before}`,
          held: `provider '${id}' is ${state} everywhere now: its deliveries are ${after}`,
        });
      },
    ),
  );
}

export async function removeProvider(id: string, flags: WaitFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) =>
    runProviderChange({ target, flags, io }, 'provider.remove', id, async () => {
      await registryOf(target).remove(id);
      return () => ({
        done: `removed provider '${id}'`,
        meanwhile: 'its deliveries may still be accepted',
        held: `provider '${id}' is removed everywhere now: its deliveries are refused`,
      });
    }),
  );
}

const registryOf = (target: Target) =>
  new ProviderRegistryStore({
    dynamodb: target.dynamodb,
    tableName: target.names.registryTableName,
  });

/** The deployment's subject-index secret, under the audit key (functions/audit/subject-index-secret.ts). */
export const subjectIndexOf = (target: Target) =>
  new SubjectIndexSecret({
    dynamodb: target.dynamodb,
    kms: target.kms,
    registryTableName: target.names.registryTableName,
    auditKeyId: target.names.auditKeyId,
  });

const encrypt = (target: Target, providerId: string, value: string) =>
  encryptProviderKey({ kms: target.kms, keyId: target.names.secretsKeyId, providerId, value });

const iso = (ms: number) => new Date(ms).toISOString();

/** `v1, v2`, as the messages name keys. */
const versionList = (keys: ReadonlyArray<{ readonly version: number }>) =>
  keys.map((key) => `v${key.version}`).join(', ');

/** A rule as `show` prints it and admin records keep it: `path=action`, as `--redact` takes it. */
const redactionRuleText = (rule: RedactionRule) => `${rule.path}=${rule.action}`;

/**
 * `--redact PATH[=drop|mask]` flags as redaction rules, `mask` unless said otherwise. A path
 * has no `=` (its field names are `[A-Za-z0-9_$@-]` or `*`), so the last one splits; the path
 * itself is checked with the rest of the provider (`providerProblems`).
 */
function parseRedactFlags(texts: readonly string[]): RedactionRule[] {
  const rules = new Map<string, RedactionAction>();
  for (const text of texts) {
    const equals = text.lastIndexOf('=');
    const path = equals < 0 ? text : text.slice(0, equals);
    const action = equals < 0 ? 'mask' : text.slice(equals + 1);
    if (action !== 'drop' && action !== 'mask') {
      throw new UsageError(`--redact '${text}': the action after '=' must be drop or mask`);
    }
    if (rules.has(path)) throw new UsageError(`--redact '${path}' is given twice`);
    rules.set(path, action);
  }
  return [...rules].map(([path, action]) => ({ path, action }));
}

function lookUpScheme(name: string): Scheme<unknown> {
  try {
    return getScheme(name);
  } catch (error) {
    if (!(error instanceof UnknownSchemeError)) throw error;
    throw new UsageError(`unknown scheme '${name}' (\`webhooks schemes\` lists them)`);
  }
}

function retentionClassOf(name: string | undefined): RetentionClassName | undefined {
  if (name === undefined || Object.hasOwn(retentionClasses, name)) {
    return name as RetentionClassName | undefined;
  }
  const known = Object.keys(retentionClasses).join(', ');
  throw new UsageError(`--retention must be one of ${known}, got '${name}'`);
}

/** The one key source given, checked against the scheme's key kind, then read. */
async function readNewKey(
  flags: KeySourceFlags,
  io: Io,
  schemeName: string,
  scheme: Scheme<unknown>,
): Promise<{ kind: KeyKind; value: string }> {
  const given = [
    ...(flags.secretStdin ? ['--secret-stdin'] : []),
    ...(flags.secretFile === undefined ? [] : ['--secret-file']),
    ...(flags.publicKeyFile === undefined ? [] : ['--public-key-file']),
  ];
  if (given.length !== 1) {
    throw new UsageError(
      'give exactly one of --secret-stdin, --secret-file <file>, --public-key-file <file>',
    );
  }
  const kind: KeyKind = flags.publicKeyFile === undefined ? 'secret' : 'public-key';
  if (kind !== scheme.keyKind) {
    throw new UsageError(
      scheme.keyKind === 'secret'
        ? `scheme '${schemeName}' verifies with a shared secret: use --secret-stdin or --secret-file`
        : `scheme '${schemeName}' verifies with a public key: use --public-key-file`,
    );
  }
  const path = flags.secretFile ?? flags.publicKeyFile;
  const value = keyFromFile(
    path === undefined
      ? await io.readSecret(`secret for scheme '${schemeName}' (input hidden): `)
      : await readKeyFile(path),
  );
  if (value === '') throw new UsageError(`the key from ${given[0]} is empty`);
  return { kind, value };
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read key file '${path}' (${code})`);
  }
}

export function addProvidersCommand(
  program: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  const collect = (value: string, previous: readonly string[] = []) => [...previous, value];
  const providers = program
    .command('providers')
    .description("manage a deployment's providers (--local or --stack NAME)")
    .addHelpText('after', '\nExample:\n  $ webhooks providers list --local');
  const keySources = (command: Command) =>
    command
      .option('--secret-stdin', 'read the shared secret from standard input')
      .option('--secret-file <file>', 'read the shared secret from a file')
      .option('--public-key-file <file>', "read the provider's public key from a file");
  addTargetOptions(
    keySources(
      addWaitOption(providers.command('add <id>'))
        .description('register a provider with its first key')
        .option('--scheme <name>', 'the signing scheme (`webhooks schemes` lists them)')
        .option('--tolerance-seconds <n>', "timestamp tolerance (default: the scheme's)")
        .option(
          '--retention <class>',
          `retention class: ${Object.keys(retentionClasses).join(', ')} (default: standard)`,
        )
        .option('--option <key=value>', 'a scheme option; repeatable', collect)
        .option(
          '--redact <path[=drop|mask]>',
          'a field of the payload copy to redact, e.g. data.object.email=drop (default: mask); repeatable',
          collect,
        )
        .option(
          '--subject-key <path>',
          "where a JSON body names its data subject, e.g. data.object.customer; indexed only as a keyed hash, for 'audit erase --subject'",
        ),
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks providers add stripe-live --scheme stripe --secret-stdin --local < stripe.secret\n  $ webhooks providers add discord-app --scheme discord --public-key-file discord.pub --stack webhook-ingestion',
    )
    .action(async (id: string, flags: AddFlags) => finish(await addProvider(id, flags, io)));
  addTargetOptions(
    providers.command('list').description('list every provider').option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers list --json --local')
    .action(async (flags: ListFlags) => finish(await listProviders(flags, io)));
  addTargetOptions(
    providers
      .command('show <id>')
      .description("a provider's settings and key versions (never the keys)")
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers show stripe-live --local')
    .action(async (id: string, flags: ListFlags) => finish(await showProvider(id, flags, io)));
  addTargetOptions(
    keySources(
      addWaitOption(providers.command('rotate <id>'))
        .description('add a new key; the current ones stay valid for the grace')
        .option(
          '--grace <duration>',
          'how long the current keys stay valid, e.g. 30m, 24h, 7d (default: 0, retired once running functions re-read the settings)',
        ),
    ),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ webhooks providers rotate stripe-live --secret-file new.secret --grace 24h --local',
    )
    .action(async (id: string, flags: RotateFlags) => finish(await rotateProvider(id, flags, io)));
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    addTargetOptions(
      addWaitOption(providers.command(`${name} <id>`)).description(
        enabled ? 'accept deliveries again' : "refuse the provider's deliveries",
      ),
    )
      .addHelpText('after', `\nExample:\n  $ webhooks providers ${name} stripe-live --wait --local`)
      .action(async (id: string, flags: WaitFlags) =>
        finish(await setProviderEnabled(id, enabled, flags, io)),
      );
  }
  addTargetOptions(
    addWaitOption(providers.command('remove <id>')).description('remove a provider and its keys'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers remove stripe-live --local')
    .action(async (id: string, flags: WaitFlags) => finish(await removeProvider(id, flags, io)));
}
