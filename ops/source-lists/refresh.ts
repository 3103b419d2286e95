/**
 * Keeps providers' published source ranges current: what the scheduled refresher
 * (scheduled/source-ranges.ts) runs daily and `webhooks providers refresh-sources` runs by hand.
 *
 * For each provider with `sources.published`, its list is fetched (once per list per run) and,
 * where the ranges differ from the stored ones, the provider is written back with the new ranges
 * and their time, conditional on the revision read (ProviderRegistryStore.put), and the change is
 * recorded in the admin trail (`provider.refresh-sources`, under the writer's identity).
 *
 * What it never does:
 * - widen or empty a provider's list on a failure: a list that cannot be fetched, is malformed,
 *   too wide somewhere or empty leaves every provider of it exactly as it was, and the run's
 *   summary names the list and why (the scheduled function then fails, so its alarm fires);
 * - rewrite an unchanged list: no write, no new revision, no admin record, so the trail records
 *   changes only. `fetchedAtMs` is therefore when the stored ranges were fetched, which may be
 *   long before the last run that found them unchanged;
 * - touch the operator's own ranges (`sources.ranges`) or anything else of the provider.
 */
import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { RevisionConflictError } from '../../functions/registry/errors.ts';
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import type { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import {
  type AdminDetail,
  type AdminRecord,
  adminFieldLimits,
} from '../admin-trail/admin-record.ts';
import type { AdminTrailStore } from '../admin-trail/admin-trail-store.ts';

/** Who the admin records name: the refresher's role (its STS ARN) or the operator. */
export interface RefreshWriter {
  readonly actor: string;
  readonly host: string;
}

export interface RefreshPublishedSourcesOptions {
  readonly registry: Pick<ProviderRegistryStore, 'list' | 'get' | 'put'>;
  readonly adminTrail: Pick<AdminTrailStore, 'writeAdminAction'>;
  /**
   * One list's ranges, validated (canonical, not empty): `fetchPublishedRanges`, or a saved copy
   * read with `readPublishedRanges`. A PublishedListError (or any error) keeps the list's
   * providers as they are.
   */
  readonly fetchRanges: (list: string) => Promise<{ readonly ranges: readonly string[] }>;
  /** Now, for each record's time and each list's `fetchedAtMs`. */
  readonly nowMs: () => number;
  readonly writer: RefreshWriter;
  /** @default crypto.randomUUID */
  readonly requestId?: () => string;
  /**
   * Only the providers of these lists (`refresh-sources --published-list`, from saved copies);
   * the others are left out of the run and its counts. @default - every list in use
   */
  readonly only?: readonly string[];
}

/** One provider whose published ranges were replaced. */
export interface RefreshedProvider {
  readonly providerId: string;
  readonly list: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The provider's revision after the write. */
  readonly revision: number;
}

/** A list that could not be used, or a provider that could not be written or recorded. */
export interface RefreshFailure {
  readonly list: string;
  /** A stable code: the PublishedListError's, or the registry's or trail's failure. */
  readonly code: string;
  readonly reason: string;
  /** The providers that keep their current ranges (or, for `admin_record_not_written`, that changed unrecorded). */
  readonly providers: readonly string[];
}

export interface RefreshSummary {
  /** Providers with a published list (of `only`'s lists, when given). */
  readonly checked: number;
  /** Providers whose ranges were replaced. */
  readonly changed: number;
  /** Providers whose list matched what they hold: nothing written. */
  readonly unchanged: number;
  readonly failed: readonly RefreshFailure[];
  readonly changes: readonly RefreshedProvider[];
}

/** Read-modify-write attempts on one provider when another writer got in between. */
const conflictAttempts = 3;

/** Refreshes every provider's published source ranges; see the module's comment. */
export async function refreshPublishedSources(
  options: RefreshPublishedSourcesOptions,
): Promise<RefreshSummary> {
  const listing = await options.registry.list();
  const providers = listing.providers.filter((provider) => {
    const list = provider.sources?.published?.list;
    return list !== undefined && (options.only === undefined || options.only.includes(list));
  });
  const byList = new Map<string, ProviderConfig[]>();
  for (const provider of providers) {
    const list = provider.sources?.published?.list;
    if (list !== undefined) byList.set(list, [...(byList.get(list) ?? []), provider]);
  }
  const lists = [...byList.keys()].sort();
  // Side by side: a list that does not answer costs the run one timeout, not one per list.
  const fetched = await Promise.all(lists.map((list) => fetchList(options, list)));
  const failed: RefreshFailure[] = [];
  const changes: RefreshedProvider[] = [];
  let unchanged = 0;
  for (const [index, list] of lists.entries()) {
    const members = byList.get(list) ?? [];
    const outcome = fetched[index];
    if (outcome === undefined || 'failure' in outcome) {
      const { code, reason } = outcome?.failure ?? { code: 'unknown', reason: 'not fetched' };
      failed.push({ list, code, reason, providers: members.map((p) => p.providerId) });
      continue;
    }
    for (const provider of members) {
      const result = await refreshProvider(options, provider, list, outcome.ranges);
      if (result.kind === 'unchanged') unchanged += 1;
      else if (result.kind === 'failed') failed.push(result.failure);
      else {
        changes.push(result.change);
        const recorded = await record(options, result.change);
        if (recorded !== undefined) failed.push(recorded);
      }
    }
  }
  return {
    checked: providers.length,
    changed: changes.length,
    unchanged,
    failed,
    changes,
  };
}

type Fetched =
  | { readonly ranges: readonly string[] }
  | { readonly failure: { readonly code: string; readonly reason: string } };

async function fetchList(options: RefreshPublishedSourcesOptions, list: string): Promise<Fetched> {
  try {
    const { ranges } = await options.fetchRanges(list);
    // Whatever supplied it: a list with nothing in it never replaces one with something.
    if (ranges.length === 0) {
      return { failure: { code: 'empty', reason: `published list '${list}': lists no address` } };
    }
    return { ranges };
  } catch (error) {
    return { failure: { code: codeOf(error), reason: messageOf(error) } };
  }
}

type ProviderOutcome =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'changed'; readonly change: RefreshedProvider }
  | { readonly kind: 'failed'; readonly failure: RefreshFailure };

/** Writes `ranges` to the provider unless it holds them, reading it again after a conflict. */
async function refreshProvider(
  options: RefreshPublishedSourcesOptions,
  listed: ProviderConfig,
  list: string,
  ranges: readonly string[],
): Promise<ProviderOutcome> {
  let config: ProviderConfig | undefined = listed;
  for (let attempt = 1; ; attempt += 1) {
    const sources = config?.sources;
    const published = sources?.published;
    // Removed, or moved to another list, since it was read: nothing of ours to refresh.
    if (config === undefined || sources === undefined || published?.list !== list) {
      return { kind: 'unchanged' };
    }
    const held = new Set(published.ranges);
    const fresh = new Set(ranges);
    const added = ranges.filter((range) => !held.has(range));
    const removed = published.ranges.filter((range) => !fresh.has(range));
    if (added.length === 0 && removed.length === 0) return { kind: 'unchanged' };
    try {
      const next = await options.registry.put({
        ...config,
        sources: {
          ...sources,
          published: { list, ranges: [...ranges], fetchedAtMs: options.nowMs() },
        },
      });
      return {
        kind: 'changed',
        change: { providerId: config.providerId, list, added, removed, revision: next.revision },
      };
    } catch (error) {
      if (!(error instanceof RevisionConflictError) || attempt >= conflictAttempts) {
        return {
          kind: 'failed',
          failure: {
            list,
            code: codeOf(error),
            reason: `provider '${listed.providerId}' keeps its ranges: ${messageOf(error)}`,
            providers: [listed.providerId],
          },
        };
      }
      try {
        config = await options.registry.get(listed.providerId);
      } catch (readError) {
        return {
          kind: 'failed',
          failure: {
            list,
            code: codeOf(readError),
            reason: `provider '${listed.providerId}' keeps its ranges: ${messageOf(readError)}`,
            providers: [listed.providerId],
          },
        };
      }
    }
  }
}

/** Writes the change's admin record; the failure to report when it could not be written. */
async function record(
  options: RefreshPublishedSourcesOptions,
  change: RefreshedProvider,
): Promise<RefreshFailure | undefined> {
  const requestId = (options.requestId ?? randomUUID)();
  const detail: AdminDetail = {
    publishedList: change.list,
    rangesAdded: String(change.added.length),
    rangesRemoved: String(change.removed.length),
    rangeChanges: rangeChanges(change),
    revision: String(change.revision),
  };
  const adminRecord: AdminRecord = {
    requestId,
    actor: options.writer.actor,
    host: options.writer.host,
    action: 'provider.refresh-sources',
    target: change.providerId,
    atMs: options.nowMs(),
    outcome: 'succeeded',
    detail,
  };
  try {
    await options.adminTrail.writeAdminAction(adminRecord);
    return undefined;
  } catch (error) {
    return {
      list: change.list,
      code: 'admin_record_not_written',
      reason: `provider '${change.providerId}' was refreshed to revision ${change.revision}, but its admin record (request ${requestId}) could not be written: ${messageOf(error)}`,
      providers: [change.providerId],
    };
  }
}

/** `+range … -range …`, cut at the detail's limit with `…`. */
export function rangeChanges(change: Pick<RefreshedProvider, 'added' | 'removed'>): string {
  const text = [
    ...change.added.map((range) => `+${range}`),
    ...change.removed.map((range) => `-${range}`),
  ].join(' ');
  const limit = adminFieldLimits.detailValue;
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 2);
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf(' ')))} …`;
}

/** A stable code for an error: `<service>_unavailable`, its `code`, else its name. */
function codeOf(error: unknown): string {
  if (error instanceof DependencyUnavailableError) return `${error.dependency}_unavailable`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown_error';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
