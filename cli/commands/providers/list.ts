/**
 * `webhooks providers list`: every provider of a deployment, its scheme, keys, retention and
 * source allowlist.
 */
import type { Command } from 'commander';
import type { ProviderConfig } from '../../../functions/registry/provider.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { providerView, sourcesSummary } from '../../provider-view.ts';
import { registryOf } from '../../registry.ts';
import { alignedTable } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface ListFlags extends TargetFlags {
  readonly json?: boolean;
}

/** `list`'s text form: an aligned table under a header row. */
export function formatProviderTable(configs: readonly ProviderConfig[]): string {
  return alignedTable([
    ['PROVIDER', 'SCHEME', 'ENABLED', 'KEYS', 'RETENTION', 'SOURCES'],
    ...configs.map((config) => [
      config.providerId,
      config.scheme,
      config.enabled ? 'yes' : 'no',
      config.keys.map((key) => `v${key.version}`).join(','),
      config.retentionClass,
      sourcesSummary(providerView(config).sources),
    ]),
  ]);
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

/** Registers `providers list` under `providers`. */
export function addProvidersListCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    providers.command('list').description('list every provider').option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers list --json --local')
    .action(async (flags: ListFlags) => finish(await listProviders(flags, io)));
}
