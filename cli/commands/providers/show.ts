/** `webhooks providers show`: a provider's settings and key versions, never its keys. */
import type { Command } from 'commander';
import { ProviderNotFoundError } from '../../../functions/registry/errors.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { type ProviderView, providerView, redactionRuleText } from '../../provider-view.ts';
import { registryOf } from '../../registry.ts';
import { fieldList } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface ShowFlags extends TargetFlags {
  readonly json?: boolean;
}

/** `show`'s text form: one `name  value` line per setting, then one line per key. */
export function formatProvider(view: ProviderView): string {
  const options = Object.entries(view.options).map(([name, value]) => `${name}=${value}`);
  const rows: [string, string][] = [
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
  return `${fieldList(rows, 12)}keys\n${keys.join('\n')}\n`;
}

export async function showProvider(id: string, flags: ShowFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const config = await registryOf(target).get(id);
    if (config === undefined) throw new ProviderNotFoundError(id);
    const view = providerView(config);
    io.stdout(flags.json ? `${JSON.stringify(view, null, 2)}\n` : formatProvider(view));
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
