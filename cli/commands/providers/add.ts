/**
 * `webhooks providers add`: registers a provider with its first key, read from stdin or a
 * file (cli/provider-keys.ts) and sent straight to KMS Encrypt. The change leaves an admin
 * record under the caller's identity (cli/identity.ts). For a provider whose GET handshake
 * needs a token typed into the sender's settings (the `hmac` scheme's `challenge=meta`), it
 * prints that token, derived from the key; never the key. A provider that would read a credential
 * from a header the deployment does not treat as one (its WAF would log it in clear) is refused
 * before the key is read: the header must first be declared on the construct.
 */
import type { Command } from 'commander';
import { isCredentialHeader } from '../../../functions/config/headers.ts';
import {
  defaultRetentionClass,
  type RetentionClassName,
  retentionClasses,
} from '../../../functions/config/retention.ts';
import {
  assertProviderId,
  isSubjectKeyPath,
  type RedactionAction,
  type RedactionRule,
  type SourceAllowlist,
  withDefaults,
} from '../../../functions/registry/provider.ts';
import type { Scheme } from '../../../functions/verify/scheme.ts';
import type { SchemeName } from '../../../functions/verify/schemes/index.ts';
import { credentialHeadersOf } from '../../../functions/verify/verify.ts';
import { catalogCredentialHeaders } from '../../../infra/credential-headers.ts';
import { namedProvider } from '../../../ops/catalog/catalog.ts';
import type { NamedProvider } from '../../../ops/catalog/named-provider.ts';
import { handshakeTokenLine } from '../../handshake-token.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { parseOptionFlags, parseSeconds, repeatable } from '../../parse.ts';
import { addWaitOption, runProviderChange, type WaitFlags } from '../../provider-change.ts';
import { addKeySourceOptions, type KeySourceFlags, readNewKey } from '../../provider-keys.ts';
import {
  addSourceOptions,
  publishedListName,
  rangesOf,
  readPublishedSources,
  type SourceFlags,
  sourcesDetail,
} from '../../provider-sources.ts';
import { providerView, redactionRuleText, sourcesSummary } from '../../provider-view.ts';
import { encryptProviderKeyOf, registryOf, subjectIndexOf } from '../../registry.ts';
import { lookUpScheme } from '../../schemes.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../../target.ts';

export interface AddFlags extends WaitFlags, KeySourceFlags, SourceFlags {
  /** A named provider (`providers catalog`): its scheme, options and tolerance. */
  readonly provider?: string;
  readonly scheme?: string;
  readonly toleranceSeconds?: string;
  readonly retention?: string;
  readonly option?: readonly string[];
  readonly redact?: readonly string[];
  /** The JSON path of the data subject's key (`ProviderSettings.subjectKeyPath`). */
  readonly subjectKey?: string;
}

export async function addProvider(id: string, flags: AddFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    assertProviderId(id); // before reading the key, and before KMS sees the id
    const named = namedProviderOf(flags);
    const schemeName = named?.scheme ?? flags.scheme;
    if (schemeName === undefined) {
      throw new UsageError(
        '--scheme or --provider is required (`webhooks schemes` and `webhooks providers catalog` list them)',
      );
    }
    const scheme = lookUpScheme(schemeName);
    const options = { ...named?.options, ...parseOptionFlags(flags.option ?? []) };
    const toleranceSeconds =
      flags.toleranceSeconds === undefined
        ? named?.toleranceSeconds
        : parseSeconds(flags.toleranceSeconds, '--tolerance-seconds');
    const retentionClass = retentionClassOf(flags.retention);
    const redaction = parseRedactFlags(flags.redact ?? []);
    const { subjectKey } = flags;
    if (subjectKey !== undefined && !isSubjectKeyPath(subjectKey)) {
      throw new UsageError(
        `--subject-key '${subjectKey}' must be dot-separated field names of A-Z, a-z, 0-9, '_', '$', '@' and '-' (no '*')`,
      );
    }
    const ranges = rangesOf(flags.allowSource ?? [], '--allow-source');
    const publishedName = publishedListName(
      flags,
      named?.name,
      'give one, or add the provider with --provider NAME',
    );
    const refusal = credentialHeaderRefusal({ id, schemeName, scheme, options, target, flags });
    if (refusal !== undefined) {
      io.stderr(`error: ${refusal}\n`);
      return exitCodes.rejected;
    }
    // Before the key is read: a list that cannot be had leaves nothing half done.
    const published =
      publishedName === undefined
        ? undefined
        : await readPublishedSources(publishedName, flags.publishedList, Date.now());
    const sources: SourceAllowlist | undefined =
      ranges.length === 0 && published === undefined
        ? undefined
        : { ranges, ...(published === undefined ? {} : { published }) };
    const key = await readNewKey(flags, io, schemeName, scheme);
    const code = await runProviderChange(
      { target, flags, io },
      'provider.add',
      id,
      async (detail) => {
        Object.assign(detail, {
          ...(named === undefined ? {} : { namedProvider: named.name }),
          scheme: schemeName,
          keyKind: key.kind,
          keyVersion: '1',
          retentionClass: retentionClass ?? defaultRetentionClass,
          ...(toleranceSeconds === undefined ? {} : { toleranceSeconds: String(toleranceSeconds) }),
          ...(Object.keys(options).length === 0 ? {} : { options: Object.keys(options).join(',') }),
          ...(redaction.length === 0
            ? {}
            : { redaction: redaction.map(redactionRuleText).join(',') }),
          ...(subjectKey === undefined ? {} : { subjectKeyPath: subjectKey }),
          ...(sources === undefined ? {} : { sources: sourcesDetail(sources) }),
        });
        // Before the provider exists: its first delivery must find the secret to hash with.
        if (subjectKey !== undefined) await subjectIndexOf(target).ensureCreated();
        // The key is bound to the very settings stored with it (functions/registry/key-binding.ts),
        // the source allowlist aside: it is not bound, so that it can change without the keys.
        const settings = withDefaults({
          providerId: id,
          scheme: schemeName as SchemeName,
          options,
          redaction,
          ...(subjectKey === undefined ? {} : { subjectKeyPath: subjectKey }),
          ...(sources === undefined ? {} : { sources }),
          ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
          ...(retentionClass === undefined ? {} : { retentionClass }),
        });
        const ciphertext = await encryptProviderKeyOf(
          target,
          { settings, keyKind: key.kind },
          key.value,
        );
        const config = await registryOf(target).create({
          ...settings,
          keys: [{ kind: key.kind, ciphertext }],
        });
        detail.revision = String(config.revision);
        // A function asked for the id before it existed remembers that it had none.
        const allowed =
          sources === undefined ? '' : `, sources ${sourcesSummary(providerView(config).sources)}`;
        return () => ({
          done: `added provider '${id}' (scheme ${config.scheme}, key v1${allowed})`,
          meanwhile: 'its deliveries may still be refused as unknown',
          held: `provider '${id}' is known everywhere now: its deliveries are accepted`,
        });
      },
    );
    const token = code === exitCodes.ok ? handshakeTokenLine(schemeName, options, key) : undefined;
    if (token !== undefined) io.stdout(token);
    return code;
  });
}

/**
 * Why the deployment refuses this provider, or undefined: its scheme would read a credential
 * from a header the deployment does not treat as one, so its WAF would log the credential in
 * clear. The headers are the scheme's own that carry a credential and the one its options name
 * (static's and hmac's `header`). Options the scheme cannot read are left to the registry, which
 * refuses them naming the option.
 */
function credentialHeaderRefusal(provider: {
  readonly id: string;
  readonly schemeName: string;
  readonly scheme: Scheme<unknown>;
  readonly options: Readonly<Record<string, string>>;
  readonly target: Target;
  readonly flags: TargetFlags;
}): string | undefined {
  const { id, schemeName, scheme, options, target, flags } = provider;
  let parsed: unknown;
  try {
    parsed = scheme.parseOptions === undefined ? {} : scheme.parseOptions(options);
  } catch {
    return undefined;
  }
  const catalog = catalogCredentialHeaders();
  const known = new Set(target.credentialHeaders ?? catalog);
  const read = [
    ...scheme.headers.filter(isCredentialHeader),
    ...credentialHeadersOf(schemeName, parsed),
  ];
  const header = read.find((name) => !known.has(name.toLowerCase()));
  if (header === undefined) return undefined;
  const deployment = flags.stack === undefined ? 'the local stack' : `stack '${flags.stack}'`;
  const reads = `provider '${id}' (scheme ${schemeName}) would read a credential from header ${header}, which ${deployment} does not treat as a credential header`;
  if (catalog.includes(header.toLowerCase())) {
    return `${reads}: the stack was deployed from a version whose catalog lacks it, so its WAF would log it in clear. Deploy the stack with this version first, then add the provider again`;
  }
  const declare = `declare it on the construct (new WebhookIngestion(scope, id, { credentialHeaders: ['${header}'] })), deploy, then add the provider again`;
  return flags.stack === undefined
    ? `${reads}: it declares none beyond the catalog's (docs/cli.md, "Credential headers"). On a deployed stack, ${declare}`
    : `${reads}, so its WAF would log it in clear: ${declare}`;
}

/**
 * The named provider `--provider` names, or undefined without it. With `--scheme` it must name
 * the same scheme: `--option` and `--tolerance-seconds` may still adjust what it fills in.
 */
function namedProviderOf(flags: AddFlags): NamedProvider | undefined {
  if (flags.provider === undefined) return undefined;
  const named = namedProvider(flags.provider);
  if (named === undefined) {
    throw new UsageError(
      `unknown provider '${flags.provider}' (\`webhooks providers catalog\` lists them; or give --scheme)`,
    );
  }
  if (flags.scheme !== undefined && flags.scheme !== named.scheme) {
    throw new UsageError(
      `--provider ${named.name} signs with scheme ${named.scheme}, not ${flags.scheme}`,
    );
  }
  return named;
}

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

function retentionClassOf(name: string | undefined): RetentionClassName | undefined {
  if (name === undefined || Object.hasOwn(retentionClasses, name)) {
    return name as RetentionClassName | undefined;
  }
  const known = Object.keys(retentionClasses).join(', ');
  throw new UsageError(`--retention must be one of ${known}, got '${name}'`);
}

/** Registers `providers add` under `providers`. */
export function addProvidersAddCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    addKeySourceOptions(
      addSourceOptions(
        addWaitOption(providers.command('add <id>'))
          .description('register a provider with its first key')
          .option(
            '--provider <name>',
            'a named provider: sets its scheme, options and tolerance (`webhooks providers catalog` lists them)',
          )
          .option('--scheme <name>', 'the signing scheme (`webhooks schemes` lists them)')
          .option('--tolerance-seconds <n>', "timestamp tolerance (default: the scheme's)")
          .option(
            '--retention <class>',
            `retention class: ${Object.keys(retentionClasses).join(', ')} (default: standard)`,
          )
          .option('--option <key=value>', 'a scheme option; repeatable', repeatable)
          .option(
            '--redact <path[=drop|mask]>',
            'a field of the payload copy to redact, e.g. data.object.email=drop (default: mask); repeatable',
            repeatable,
          )
          .option(
            '--subject-key <path>',
            "where a JSON body names its data subject, e.g. data.object.customer; indexed only as a keyed hash, for 'audit erase --subject'",
          ),
        'the --provider name',
      ),
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks providers add stripe-live --scheme stripe --secret-stdin --local < stripe.secret\n  $ webhooks providers add wa --provider whatsapp --secret-stdin --local < app.secret\n  $ webhooks providers add gh --provider github --allow-published --secret-stdin --local < gh.secret\n  $ webhooks providers add discord-app --scheme discord --public-key-file discord.pub --stack webhook-ingestion',
    )
    .action(async (id: string, flags: AddFlags) => finish(await addProvider(id, flags, io)));
}
