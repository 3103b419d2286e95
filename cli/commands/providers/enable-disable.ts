/**
 * `webhooks providers enable` and `webhooks providers disable`: a provider's deliveries
 * accepted again, or refused. The change leaves an admin record under the caller's identity.
 */
import type { Command } from 'commander';
import type { ExitCode, Io } from '../../io.ts';
import { addWaitOption, runProviderChange, type WaitFlags } from '../../provider-change.ts';
import { registryOf } from '../../registry.ts';
import { addTargetOptions, withTarget } from '../../target.ts';

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

/** Registers `providers enable` and `providers disable` under `providers`. */
export function addProvidersEnableDisableCommands(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
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
}
