/**
 * `webhooks providers rotate`: adds a provider's new key; the current ones stay valid for the
 * grace. The key is read from stdin or a file (cli/provider-keys.ts) and sent straight to KMS
 * Encrypt; the change leaves an admin record under the caller's identity (cli/identity.ts).
 */
import type { Command } from 'commander';
import { ProviderNotFoundError } from '../../../functions/registry/errors.ts';
import { handshakeTokenLine } from '../../handshake-token.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { parseDuration } from '../../parse.ts';
import {
  addWaitOption,
  isoSeconds,
  runProviderChange,
  type WaitFlags,
} from '../../provider-change.ts';
import { addKeySourceOptions, type KeySourceFlags, readNewKey } from '../../provider-keys.ts';
import { encryptProviderKeyOf, registryOf } from '../../registry.ts';
import { lookUpScheme } from '../../schemes.ts';
import { confirmStoredSettings } from '../../settings-binding.ts';
import { iso } from '../../table.ts';
import { addTargetOptions, withTarget } from '../../target.ts';

export interface RotateFlags extends WaitFlags, KeySourceFlags {
  readonly grace?: string;
}

export async function rotateProvider(id: string, flags: RotateFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const graceSeconds = flags.grace === undefined ? 0 : parseDuration(flags.grace, '--grace');
    let tokenLine: string | undefined;
    const code = await runProviderChange(
      { target, flags, io },
      'provider.rotate',
      id,
      async (detail) => {
        detail.graceSeconds = String(graceSeconds);
        const registry = registryOf(target);
        const current = await registry.get(id);
        if (current === undefined) throw new ProviderNotFoundError(id);
        const key = await readNewKey(flags, io, current.scheme, lookUpScheme(current.scheme));
        detail.keyKind = key.kind;
        // The new key has a verify token of its own; the old one passes while its key does.
        tokenLine = handshakeTokenLine(current.scheme, current.options, key);
        // A new key is bound to the stored settings: first prove they are the registered ones.
        await confirmStoredSettings(target, current);
        const ciphertext = await encryptProviderKeyOf(
          target,
          { settings: current, keyKind: key.kind },
          key.value,
        );
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
      },
    );
    if (code === exitCodes.ok && tokenLine !== undefined) io.stdout(tokenLine);
    return code;
  });
}

/** `v1, v2`, as the messages name keys. */
const versionList = (keys: ReadonlyArray<{ readonly version: number }>) =>
  keys.map((key) => `v${key.version}`).join(', ');

/** Registers `providers rotate` under `providers`. */
export function addProvidersRotateCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    addKeySourceOptions(
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
}
