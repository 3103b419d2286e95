/**
 * A provider's source allowlist as `providers add` and `providers update` take it: the
 * operator's ranges (`--allow-source`, canonical: functions/registry/source-ranges.ts) and a
 * provider's published list (`--allow-published`, fetched, or read from a saved copy with
 * `--published-list`: ops/source-lists/), and the summary an admin record keeps of it.
 * Malformed or overly wide ranges, an unknown, unreachable or empty published list are refused
 * here, before anything is written (exit 2).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { PublishedSources, SourceAllowlist } from '../functions/registry/provider.ts';
import { canonicalRanges } from '../functions/registry/source-ranges.ts';
import {
  fetchPublishedRanges,
  PublishedListError,
  publishedListNames,
  publishedListsOf,
  readPublishedRanges,
} from '../ops/source-lists/index.ts';
import { UsageError } from './io.ts';
import { repeatable } from './parse.ts';

/** The flags `add` and `update` share. */
export interface SourceFlags {
  /** `--allow-source`, repeatable: ranges to allow. */
  readonly allowSource?: readonly string[];
  /** `--allow-published [name]`: `true` when given without a name. */
  readonly allowPublished?: string | boolean;
  /** `--published-list <file>`: a saved copy of the published list, read instead of fetched. */
  readonly publishedList?: string;
}

/** Adds `--allow-source`, `--allow-published` and `--published-list`. */
export const addSourceOptions = (command: Command, publishedDefault: string): Command =>
  command
    .option(
      '--allow-source <cidr>',
      'accept deliveries only from this IPv4 or IPv6 range (e.g. 203.0.113.0/24, 2001:db8::/32); repeatable',
      repeatable,
    )
    .option(
      '--allow-published [name]',
      `also accept the ranges the provider publishes (${publishedListNames.join(', ')}); default: ${publishedDefault}`,
    )
    .option(
      '--published-list <file>',
      'with --allow-published: read the published list from this saved copy instead of fetching it',
    );

/**
 * `texts` as canonical ranges, sorted and de-duplicated; UsageError naming `flag` and each
 * malformed or too wide range.
 */
export function rangesOf(texts: readonly string[], flag: string): string[] {
  const result = canonicalRanges(texts);
  if ('problems' in result) {
    throw new UsageError(result.problems.map((problem) => `${flag} ${problem}`).join('; '));
  }
  return result.ranges;
}

/**
 * The published list `--allow-published` names: its value, else `fallback` (`add`'s
 * `--provider`, `update`'s stored list); undefined without the flag. UsageError when neither
 * names one, or `--published-list` is given without it.
 */
export function publishedListName(
  flags: SourceFlags,
  fallback: string | undefined,
  missing: string,
): string | undefined {
  const { allowPublished, publishedList } = flags;
  if (allowPublished === undefined || allowPublished === false) {
    if (publishedList !== undefined) {
      throw new UsageError('--published-list is read only with --allow-published');
    }
    return undefined;
  }
  const name = typeof allowPublished === 'string' ? allowPublished : fallback;
  if (name === undefined) {
    throw new UsageError(
      `--allow-published needs a list name: ${missing} (known lists: ${publishedListNames.join(', ')})`,
    );
  }
  if (!publishedListNames.includes(name)) {
    const own = publishedListsOf(name).map((list) => list.name);
    throw new UsageError(
      own.length > 0
        ? `--allow-published: provider '${name}' publishes one list per region or environment: name one (${own.join(', ')})`
        : `--allow-published: no published list is known for '${name}' (known lists: ${publishedListNames.join(', ')}); give its ranges with --allow-source instead`,
    );
  }
  return name;
}

/**
 * The provider's published ranges, as of `nowMs`: fetched from where the provider publishes
 * them, or read from `file`. Canonical and never empty: an empty or unusable list is refused,
 * never stored as "allow everything".
 */
export async function readPublishedSources(
  name: string,
  file: string | undefined,
  nowMs: number,
): Promise<PublishedSources> {
  let ranges: readonly string[];
  try {
    ({ ranges } =
      file === undefined
        ? await fetchPublishedRanges(name)
        : readPublishedRanges(name, await readListFile(file)));
  } catch (error) {
    if (!(error instanceof PublishedListError)) throw error;
    throw new UsageError(`--allow-published: ${error.message}`, { cause: error });
  }
  const canonical = canonicalRanges(ranges);
  if ('problems' in canonical) {
    throw new UsageError(
      `--allow-published ${name}: the published list holds ranges that cannot be allowed: ${canonical.problems.join('; ')}`,
    );
  }
  if (canonical.ranges.length === 0) {
    throw new UsageError(
      `--allow-published ${name}: the published list is empty, and an empty list never allows everyone`,
    );
  }
  return { list: name, ranges: canonical.ranges, fetchedAtMs: nowMs };
}

async function readListFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --published-list '${path}' (${code})`, { cause: error });
  }
}

/**
 * What an admin record keeps of an allowlist: `ranges=3,published=github`, or `any` without
 * one. Counts and a name only: a published list can hold hundreds of ranges.
 */
export function sourcesDetail(sources: SourceAllowlist | undefined): string {
  if (sources === undefined) return 'any';
  const published = sources.published === undefined ? [] : [`published=${sources.published.list}`];
  return [`ranges=${sources.ranges.length}`, ...published].join(',');
}
