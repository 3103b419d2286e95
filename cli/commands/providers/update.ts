/**
 * `webhooks providers update`: changes a provider's source allowlist, the address ranges its
 * deliveries may come from (functions/registry/source-ranges.ts): ranges added or removed, its
 * published list fetched again, added or dropped, or the allowlist removed. The write is
 * conditional on the revision read, and leaves an admin record under the caller's identity. The
 * keys stay as they are: the allowlist is not among the settings a key is bound to
 * (functions/registry/key-binding.ts).
 */
import type { Command } from 'commander';
import { ProviderNotFoundError } from '../../../functions/registry/errors.ts';
import type { ProviderConfig, SourceAllowlist } from '../../../functions/registry/provider.ts';
import { type ExitCode, type Io, UsageError } from '../../io.ts';
import { repeatable } from '../../parse.ts';
import { addWaitOption, runProviderChange, type WaitFlags } from '../../provider-change.ts';
import {
  addSourceOptions,
  publishedListName,
  rangesOf,
  readPublishedSources,
  type SourceFlags,
  sourcesDetail,
} from '../../provider-sources.ts';
import { providerView, sourcesSummary } from '../../provider-view.ts';
import { registryOf } from '../../registry.ts';
import { addTargetOptions, withTarget } from '../../target.ts';

export interface UpdateFlags extends WaitFlags, SourceFlags {
  /** `--remove-source`, repeatable: ranges to take out of the operator's list. */
  readonly removeSource?: readonly string[];
  /** `false` with `--no-published`: the published list dropped. */
  readonly published?: boolean;
  /** `--allow-any-source`: the allowlist removed, deliveries from any address verified. */
  readonly allowAnySource?: boolean;
}

export async function updateProvider(id: string, flags: UpdateFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const change = changeOf(flags);
    return runProviderChange({ target, flags, io }, 'provider.update', id, async (detail) => {
      const registry = registryOf(target);
      const current = await registry.get(id);
      if (current === undefined) throw new ProviderNotFoundError(id);
      const sources = await updatedSources(current, change, flags);
      detail.sources = sourcesDetail(sources);
      const before = sourcesSummary(providerView(current).sources);
      if (sameSources(current.sources, sources)) {
        detail.revision = String(current.revision);
        return () => ({
          done:
            current.sources === undefined
              ? `provider '${id}' has no source allowlist, nothing changed`
              : `provider '${id}': its source allowlist is already ${before}, nothing changed`,
          meanwhile: 'its deliveries are answered as before',
          held: `provider '${id}' is unchanged`,
        });
      }
      const { sources: _replaced, ...rest } = current;
      // Conditional on the revision read: a change in between is refused, not overwritten.
      const config = await registry.put(sources === undefined ? rest : { ...rest, sources });
      detail.revision = String(config.revision);
      const after = sourcesSummary(providerView(config).sources);
      const meanwhile =
        current.sources === undefined
          ? 'its deliveries may still be accepted from any address'
          : `its deliveries may still be checked against the previous allowlist (${before})`;
      if (sources === undefined) {
        return () => ({
          done: `removed the source allowlist of provider '${id}'`,
          meanwhile,
          held: `provider '${id}' accepts deliveries from any address everywhere now`,
        });
      }
      return () => ({
        done: `updated the source allowlist of provider '${id}' (${changesOf(current.sources, sources)}): now ${after}`,
        meanwhile,
        held: `provider '${id}' accepts deliveries from ${after} everywhere now`,
      });
    });
  });
}

/** What the flags ask for, checked before the deployment is read. */
interface SourceChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly dropPublished: boolean;
  readonly anySource: boolean;
}

function changeOf(flags: UpdateFlags): SourceChange {
  const add = rangesOf(flags.allowSource ?? [], '--allow-source');
  const remove = rangesOf(flags.removeSource ?? [], '--remove-source');
  const dropPublished = flags.published === false;
  const fetchPublished = flags.allowPublished !== undefined && flags.allowPublished !== false;
  const anySource = flags.allowAnySource === true;
  const others = [
    ...(add.length > 0 ? ['--allow-source'] : []),
    ...(remove.length > 0 ? ['--remove-source'] : []),
    ...(fetchPublished ? ['--allow-published'] : []),
    ...(dropPublished ? ['--no-published'] : []),
  ];
  if (anySource && others.length > 0) {
    throw new UsageError(
      `--allow-any-source removes the allowlist: it cannot be given with ${others.join(', ')}`,
    );
  }
  if (!anySource && others.length === 0) {
    throw new UsageError(
      'nothing to change: give --allow-source, --remove-source, --allow-published, --no-published or --allow-any-source',
    );
  }
  if (flags.publishedList !== undefined && !fetchPublished) {
    throw new UsageError('--published-list is read only with --allow-published');
  }
  if (fetchPublished && dropPublished) {
    throw new UsageError('--allow-published and --no-published cannot be given together');
  }
  const both = add.filter((range) => remove.includes(range));
  if (both.length > 0) {
    throw new UsageError(`${both.join(', ')}: given to both --allow-source and --remove-source`);
  }
  return { add, remove, dropPublished, anySource };
}

/**
 * The allowlist after the change; undefined when it is removed. Refused (UsageError): a range to
 * remove that is not in the list, and a list left empty, which would refuse every delivery.
 */
async function updatedSources(
  current: ProviderConfig,
  change: SourceChange,
  flags: UpdateFlags,
): Promise<SourceAllowlist | undefined> {
  if (change.anySource) return undefined;
  const stored = current.sources;
  const kept = stored?.ranges ?? [];
  const absent = change.remove.filter((range) => !kept.includes(range));
  if (absent.length > 0) {
    throw new UsageError(
      `--remove-source ${absent.join(', ')}: not among the own ranges of provider '${current.providerId}' (\`webhooks providers show ${current.providerId}\` lists them; a published list is dropped whole, with --no-published)`,
    );
  }
  const ranges = rangesOf(
    [...kept.filter((range) => !change.remove.includes(range)), ...change.add],
    '--allow-source',
  );
  const name = publishedListName(
    flags,
    stored?.published?.list,
    `provider '${current.providerId}' has no published list stored; give one`,
  );
  const published =
    name !== undefined
      ? await readPublishedSources(name, flags.publishedList, Date.now())
      : change.dropPublished
        ? undefined
        : stored?.published;
  if (ranges.length === 0 && published === undefined) {
    throw new UsageError(
      `this would leave provider '${current.providerId}' with an empty source allowlist, which would refuse every delivery: to accept deliveries from any address, remove the allowlist with --allow-any-source`,
    );
  }
  return { ranges, ...(published === undefined ? {} : { published }) };
}

/**
 * What changed, in words: `added 203.0.113.0/24; removed 198.51.100.0/24; read published list
 * github (6)`.
 */
function changesOf(before: SourceAllowlist | undefined, after: SourceAllowlist): string {
  const was = before?.ranges ?? [];
  const added = after.ranges.filter((range) => !was.includes(range));
  const removed = was.filter((range) => !after.ranges.includes(range));
  const published = after.published;
  const dropped = before?.published !== undefined && published === undefined;
  return [
    ...(added.length > 0 ? [`added ${rangeList(added)}`] : []),
    ...(removed.length > 0 ? [`removed ${rangeList(removed)}`] : []),
    ...(published !== undefined && published !== before?.published
      ? [`read published list ${published.list} (${published.ranges.length})`]
      : []),
    ...(dropped ? [`dropped published list ${before?.published?.list}`] : []),
  ].join('; ');
}

/** Up to three ranges, then how many more: an update may add many. */
function rangeList(ranges: readonly string[]): string {
  const shown = ranges.slice(0, 3).join(', ');
  return ranges.length > 3 ? `${shown} and ${ranges.length - 3} more` : shown;
}

function sameSources(a: SourceAllowlist | undefined, b: SourceAllowlist | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((range, index) => range === y[index]);
  const [pa, pb] = [a.published, b.published];
  return (
    same(a.ranges, b.ranges) &&
    (pa === undefined || pb === undefined
      ? pa === pb
      : pa.list === pb.list && pa.fetchedAtMs === pb.fetchedAtMs && same(pa.ranges, pb.ranges))
  );
}

/** Registers `providers update` under `providers`. */
export function addProvidersUpdateCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    addSourceOptions(
      addWaitOption(providers.command('update <id>'))
        .description(
          "change a provider's source allowlist: the address ranges its deliveries may come from",
        )
        .option(
          '--remove-source <cidr>',
          "take a range out of the provider's own ranges; repeatable",
          repeatable,
        )
        .option('--no-published', "drop the provider's published list")
        .option(
          '--allow-any-source',
          'remove the allowlist: deliveries from any address are verified (alone only)',
        ),
      "the provider's stored list",
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks providers update stripe-live --allow-source 203.0.113.0/24 --remove-source 198.51.100.0/24 --local\n  $ webhooks providers update stripe-live --allow-any-source --wait --local',
    )
    .action(async (id: string, flags: UpdateFlags) => finish(await updateProvider(id, flags, io)));
}
