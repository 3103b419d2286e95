/**
 * `webhooks providers bind`: binds a provider's keys registered before settings binding to the
 * settings its registry item holds now (functions/registry/key-binding.ts), with KMS ReEncrypt,
 * so that its deliveries verify again. A key bound to other settings than the stored ones is
 * refused, never re-bound: that is a registry item changed without KMS. The change leaves an
 * admin record under the caller's identity.
 */
import type { Command } from 'commander';
import { ProviderNotFoundError } from '../../../functions/registry/errors.ts';
import type { ExitCode, Io } from '../../io.ts';
import { addWaitOption, runProviderChange, type WaitFlags } from '../../provider-change.ts';
import { registryOf } from '../../registry.ts';
import { bindProviderKeys } from '../../settings-binding.ts';
import { addTargetOptions, withTarget } from '../../target.ts';

export async function bindProvider(id: string, flags: WaitFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) =>
    runProviderChange({ target, flags, io }, 'provider.bind', id, async (detail) => {
      const registry = registryOf(target);
      const current = await registry.get(id);
      if (current === undefined) throw new ProviderNotFoundError(id);
      const { keys, results } = await bindProviderKeys(target, current);
      const bound = results.filter((result) => result.outcome === 'bound');
      detail.keysBound = bound.map((result) => `v${result.version}`).join(',') || 'none';
      if (bound.length === 0) {
        detail.revision = String(current.revision);
        return () => ({
          done: `provider '${id}': every key was already bound to its settings, nothing changed`,
          meanwhile: 'its deliveries are answered as before',
          held: `provider '${id}' is unchanged`,
        });
      }
      // Conditional on the revision read: a change in between is refused, not overwritten.
      const config = await registry.put({ ...current, keys });
      detail.revision = String(config.revision);
      const versions = bound.map((result) => `v${result.version}`).join(', ');
      return () => ({
        done: `bound ${versions} of provider '${id}' to its settings`,
        meanwhile: `its deliveries may still be answered 503 (provider_keys_rejected)`,
        held: `provider '${id}' verifies with its bound keys everywhere now`,
      });
    }),
  );
}

/** Registers `providers bind` under `providers`. */
export function addProvidersBindCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    addWaitOption(providers.command('bind <id>')).description(
      "bind keys registered before settings binding to the provider's stored settings",
    ),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks providers bind stripe-live --wait --local')
    .action(async (id: string, flags: WaitFlags) => finish(await bindProvider(id, flags, io)));
}
