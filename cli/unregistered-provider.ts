/**
 * `audit list`, `stats` and `export` with `--provider`: a read that finds nothing for an id the
 * registry does not hold is most often a mistyped id, and says so on stderr. An id that is not
 * registered but has records (a removed provider's, kept until their retention ends) is read
 * without comment: that is a valid use.
 */
import { unregisteredProviderId } from '../functions/audit/record.ts';
import { registryOf } from './registry.ts';
import type { Target, TargetFlags } from './target.ts';

/**
 * True only when the registry answered that `providerId` is not registered. The hint is
 * advice: a registry the caller may not read leaves it out rather than failing a read that
 * succeeded.
 */
export async function isUnregistered(target: Target, providerId: string): Promise<boolean> {
  if (providerId === unregisteredProviderId) return false;
  const registry = registryOf(target);
  try {
    return (await registry.get(providerId)) === undefined;
  } catch {
    return false;
  }
}

/**
 * `--local`, or `--stack NAME [--instance I] [--region R]`: the flags that name the same
 * deployment again.
 */
export function targetArgs(flags: TargetFlags): string {
  if (flags.stack === undefined) return '--local';
  const instance = flags.instance === undefined ? '' : ` --instance ${flags.instance}`;
  return `--stack ${flags.stack}${instance}${flags.region === undefined ? '' : ` --region ${flags.region}`}`;
}

/** The range as the hints print it. */
const between = (range: { readonly sinceMs: number; readonly untilMs: number }) =>
  `${new Date(range.sinceMs).toISOString()} and ${new Date(range.untilMs).toISOString()}`;

/** `list` and `stats` found no records for an id that is not registered. */
export const noRecordsHint = (
  providerId: string,
  flags: TargetFlags,
  range: { readonly sinceMs: number; readonly untilMs: number },
) =>
  `warning: no provider '${providerId}' is registered (webhooks providers list ${targetArgs(flags)} shows them); no records found for it between ${between(range)}\n`;

/** `export` wrote an empty file for an id that is not registered. */
export const emptyExportHint = (
  providerId: string,
  range: { readonly sinceMs: number; readonly untilMs: number },
) =>
  `warning: exported 0 records: provider '${providerId}' is not registered and has no records between ${between(range)}\n`;
