/**
 * `webhooks providers list`: every provider of a deployment, its scheme, keys, retention and
 * source allowlist, the age of its oldest key and its last accepted delivery. `--review` shows
 * only what the self-audit would flag (ops/review/: a key past the cryptoperiod, a key kept past
 * its rotation grace, an idle provider), with the reasons.
 */
import type { Command } from 'commander';
import type { ProviderConfig } from '../../../functions/registry/provider.ts';
import type { Clock } from '../../../functions/verify/types.ts';
import { oldestKeyAgeDays } from '../../../ops/review/key-cryptoperiod.ts';
import { lastAcceptedDeliveries } from '../../../ops/review/last-delivery.ts';
import { flaggedProviders, reviewProviders } from '../../../ops/review/provider-review.ts';
import { reportingPlainly } from '../../errors.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { providerView, sourcesSummary } from '../../provider-view.ts';
import { registryOf } from '../../registry.ts';
import { reviewOverrides, reviewSettingsOf } from '../../self-audit.ts';
import { alignedTable, iso } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface ListFlags extends TargetFlags {
  readonly json?: boolean;
  readonly review?: boolean;
  readonly cryptoperiodDays?: string;
  readonly idleDays?: string;
}

/** What `list` reaches outside itself; a test sets the clock. */
export interface ListDependencies {
  /** @default Date.now */
  readonly now?: Clock;
}

/** A provider as `list` shows it: its settings, its oldest key's age, its last delivery. */
export interface ListedProvider {
  readonly config: ProviderConfig;
  /** Whole days; undefined for a provider without keys. */
  readonly oldestKeyAgeDays: number | undefined;
  /** Epoch ms of the last accepted delivery; undefined when it has had none. */
  readonly lastAcceptedDeliveryMs: number | undefined;
}

/** `list`'s text form: an aligned table under a header row. */
export function formatProviderTable(providers: readonly ListedProvider[]): string {
  return alignedTable([
    ['PROVIDER', 'SCHEME', 'ENABLED', 'KEYS', 'RETENTION', 'SOURCES', 'KEY AGE', 'LAST DELIVERY'],
    ...providers.map(({ config, oldestKeyAgeDays: age, lastAcceptedDeliveryMs: last }) => [
      config.providerId,
      config.scheme,
      config.enabled ? 'yes' : 'no',
      config.keys.map((key) => `v${key.version}`).join(','),
      config.retentionClass,
      sourcesSummary(providerView(config).sources),
      age === undefined ? '-' : `${age}d`,
      last === undefined ? 'never' : iso(last).slice(0, 10),
    ]),
  ]);
}

export async function listProviders(
  flags: ListFlags,
  io: Io,
  dependencies: ListDependencies = {},
): Promise<ExitCode> {
  return reportingPlainly(io, [UsageError], () => list(flags, io, dependencies));
}

async function list(flags: ListFlags, io: Io, dependencies: ListDependencies): Promise<ExitCode> {
  const overrides = reviewOverrides(flags);
  if (!flags.review && Object.keys(overrides).length > 0) {
    throw new UsageError('--cryptoperiod-days and --idle-days go with --review');
  }
  return withTarget(flags, io, async (target) => {
    const { providers, malformed } = await registryOf(target).list();
    const sorted = [...providers].sort((a, b) => a.providerId.localeCompare(b.providerId));
    const nowMs = (dependencies.now ?? Date.now)();
    const last = await lastAcceptedDeliveries(
      { dynamodb: target.dynamodb, tableName: target.names.auditTableName },
      sorted.map((provider) => provider.providerId),
    );
    if (flags.review) {
      const settings = await reviewSettingsOf(target, overrides);
      const flagged = flaggedProviders(reviewProviders(sorted, last, settings, nowMs));
      io.stderr(
        `review: keys older than ${settings.cryptoperiodDays} days, keys past their rotation grace, enabled providers without an accepted delivery for more than ${settings.idleProviderDays} days (settings from ${settings.source})\n`,
      );
      const rows = [...flagged].flatMap(([providerId, reasons]) =>
        reasons.map(({ check, text }) => ({ providerId, check, reason: text })),
      );
      if (flags.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) io.stdout('no provider is flagged\n');
      else {
        io.stdout(
          alignedTable([
            ['PROVIDER', 'CHECK', 'REASON'],
            ...rows.map((row) => [row.providerId, row.check, row.reason]),
          ]),
        );
      }
    } else {
      const listed = sorted.map((config) => ({
        config,
        oldestKeyAgeDays: oldestKeyAgeDays(config, nowMs),
        lastAcceptedDeliveryMs: last.get(config.providerId),
      }));
      io.stdout(
        flags.json
          ? `${JSON.stringify(
              listed.map(({ config, oldestKeyAgeDays: age, lastAcceptedDeliveryMs: at }) => ({
                ...providerView(config),
                oldestKeyAgeDays: age ?? null,
                lastAcceptedDelivery: at === undefined ? null : iso(at),
              })),
              null,
              2,
            )}\n`
          : formatProviderTable(listed),
      );
    }
    for (const error of malformed) io.stderr(`warning: ${error.message}\n`);
    return exitCodes.ok;
  });
}

/** Registers `providers list` under `providers`. */
export function addProvidersListCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    providers
      .command('list')
      .description('list every provider, its oldest key and last accepted delivery')
      .option('--json', 'print JSON')
      .option(
        '--review',
        'only what the self-audit would flag: old keys, keys past their grace, idle providers',
      )
      .option(
        '--cryptoperiod-days <days>',
        "with --review: flag keys older than this (default: the last self-audit run's)",
      )
      .option(
        '--idle-days <days>',
        "with --review: flag providers idle longer (default: the last self-audit run's)",
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks providers list --json --local\n  $ webhooks providers list --review --local',
    )
    .action(async (flags: ListFlags) => finish(await listProviders(flags, io)));
}
