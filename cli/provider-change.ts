/**
 * When a provider change holds. The registry write is immediate, but every running ingest
 * function keeps a provider's settings (and that it has none) for `configCacheSeconds`
 * (functions/registry/provider-cache.ts), and AWS offers no way to make a warm container drop
 * them. So `providers add|rotate|disable|enable|remove` say what may still happen, and until
 * when, and `--wait` returns only once the change holds everywhere.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AdminAction, AdminDetail } from '../ops/admin-trail/admin-record.ts';
import { type AdminContext, runAudited } from './identity.ts';
import { type ExitCode, exitCodes } from './io.ts';
import type { TargetFlags } from './target.ts';

export interface WaitFlags extends TargetFlags {
  /** Return only once every running ingest function acts on the change. */
  readonly wait?: boolean;
}

/** A change just written to the registry, in words. */
export interface ProviderChange {
  /** What was done, e.g. `disabled provider 'stripe-live'`. */
  readonly done: string;
  /** What running functions may still do until the change holds, e.g. `its deliveries may still be accepted`. */
  readonly meanwhile: string;
  /** What holds once it does, printed after `--wait`. */
  readonly held: string;
}

/** Adds `--wait` to a command that changes a provider. */
export const addWaitOption = (command: Command): Command =>
  command.option(
    '--wait',
    'return only once every running ingest function acts on the change (at most the cache time the command prints)',
  );

/**
 * The moment a change written at `writtenAtMs` holds in every running ingest function: any
 * cached copy was read before the write and is dropped `configCacheSeconds` after that read
 * (provider-cache.ts stamps a load when it starts). Rounded up to a whole second, as printed.
 */
export function changeHoldsAtMs(writtenAtMs: number, configCacheSeconds: number): number {
  return Math.ceil((writtenAtMs + configCacheSeconds * 1000) / 1000) * 1000;
}

/** `2026-12-05T14:31:07Z`: whole seconds, as changeHoldsAtMs rounds. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Runs an audited provider change (cli/identity.ts), prints it with the moment it holds
 * everywhere and, with `--wait`, waits for that moment and says so. `change` writes, then
 * returns its words given that moment (a rotation's grace may end before it).
 */
export async function runProviderChange(
  context: AdminContext & { readonly flags: WaitFlags },
  action: AdminAction,
  subject: string,
  change: (detail: AdminDetail) => Promise<(holdsAtMs: number) => ProviderChange>,
): Promise<ExitCode> {
  const { target, flags, io } = context;
  // Set inside the audited action; an object, since a closure's assignment is not narrowed.
  const written: { holdsAtMs?: number; held?: string } = {};
  const code = await runAudited(context, action, subject, async (detail) => {
    const describe = await change(detail);
    // Taken once the write has returned, so never before the write itself.
    const holdsAtMs = changeHoldsAtMs(Date.now(), target.configCacheSeconds);
    const { done, meanwhile, held } = describe(holdsAtMs);
    Object.assign(written, { holdsAtMs, held });
    const waitHint = flags.wait ? '' : '; --wait returns only then';
    return {
      code: exitCodes.ok,
      stdout: `${done}; ${meanwhile} until ${isoSeconds(holdsAtMs)} (running ingest functions re-read provider settings every ${target.configCacheSeconds} s${waitHint})\n`,
    };
  });
  if (code !== exitCodes.ok || !flags.wait || written.holdsAtMs === undefined) return code;
  io.stderr(
    `waiting until ${isoSeconds(written.holdsAtMs)} for running ingest functions to re-read provider settings…\n`,
  );
  await waitUntil(written.holdsAtMs);
  io.stdout(`${written.held}\n`);
  return code;
}

/** A timer may fire a little early by the wall clock: sleep until the clock agrees. */
async function waitUntil(ms: number): Promise<void> {
  for (let left = ms - Date.now(); left > 0; left = ms - Date.now()) await sleep(left);
}
