/**
 * `webhooks providers remove`: a provider and its keys removed from the registry; its audit
 * records stay until their retention ends. The change leaves an admin record.
 */
import type { Command } from 'commander';
import type { ExitCode, Io } from '../../io.ts';
import { addWaitOption, runProviderChange, type WaitFlags } from '../../provider-change.ts';
import { registryOf } from '../../registry.ts';
import { addTargetOptions, withTarget } from '../../target.ts';

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

/** Registers `providers remove` under `providers`. */
export function addProvidersRemoveCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    addWaitOption(providers.command('remove <id>')).description('remove a provider and its keys'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers remove stripe-live --local')
    .action(async (id: string, flags: WaitFlags) => finish(await removeProvider(id, flags, io)));
}
