/**
 * `webhooks providers show`: a provider's settings, source allowlist and key versions, never
 * its keys.
 */
import type { Command } from 'commander';
import { providerIdParameter } from '../../../functions/ingest/http-event.ts';
import { ProviderNotFoundError } from '../../../functions/registry/errors.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import {
  type ProviderView,
  providerView,
  redactionRuleText,
  type SourcesView,
} from '../../provider-view.ts';
import { registryOf } from '../../registry.ts';
import { fieldList } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface ShowFlags extends TargetFlags {
  readonly json?: boolean;
}

/**
 * `show`'s text form: one `name  value` line per setting, then one line per key; `url`, the
 * provider's webhook URL, when the target knows it.
 */
export function formatProvider(view: ProviderView, url?: string): string {
  const options = Object.entries(view.options).map(([name, value]) => `${name}=${value}`);
  const rows: [string, string][] = [
    ['provider', view.providerId],
    ...(url === undefined ? [] : [['url', url] as [string, string]]),
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
    ...sourceRows(view.sources),
    ['revision', String(view.revision)],
    ['updated', view.updatedAt],
  ];
  const keys = view.keys.map(
    (key) =>
      `  v${key.version}  ${key.kind}  created ${key.createdAt}${key.notAfter === null ? '' : `  not after ${key.notAfter}`}`,
  );
  return `${fieldList(rows, 12)}keys\n${keys.join('\n')}\n`;
}

/**
 * The allowlist's lines: `sources  any` without one; else the operator's ranges and the
 * published list by name, count and fetch time (its ranges are many: `--json` has the count).
 */
function sourceRows(sources: SourcesView | null): [string, string][] {
  if (sources === null) return [['sources', 'any address']];
  const { ranges, published } = sources;
  return [
    ['sources', ranges.length === 0 ? '-' : ranges.join(', ')],
    [
      'published',
      published === null
        ? '-'
        : `${published.list}: ${published.rangeCount} range${published.rangeCount === 1 ? '' : 's'}, fetched ${published.fetchedAt}`,
    ],
  ];
}

export async function showProvider(id: string, flags: ShowFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const config = await registryOf(target).get(id);
    if (config === undefined) throw new ProviderNotFoundError(id);
    const view = providerView(config);
    // The deployment's URL (the stack's WebhookUrlTemplate output: its custom domain when it has
    // one) or the local gateway's, as providers are given it; unknown without either.
    const url = target.webhookUrlTemplate?.replaceAll(`{${providerIdParameter}}`, id);
    const shown = url === undefined ? view : { ...view, url };
    io.stdout(flags.json ? `${JSON.stringify(shown, null, 2)}\n` : formatProvider(view, url));
    return exitCodes.ok;
  });
}

/** Registers `providers show` under `providers`. */
export function addProvidersShowCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    providers
      .command('show <id>')
      .description("a provider's settings and key versions (never the keys)")
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers show stripe-live --local')
    .action(async (id: string, flags: ShowFlags) => finish(await showProvider(id, flags, io)));
}
