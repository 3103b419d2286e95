/**
 * `webhooks providers refresh-sources`: what the deployment's scheduled refresher does daily
 * (ops/source-lists/refresh.ts), run from the operator's machine: every provider registered with
 * `--allow-published` gets its list's current ranges, each change recorded in the admin trail
 * under the operator's identity. Useful where the stack cannot reach the internet, and locally.
 * `--published-list NAME=FILE` reads saved copies instead of fetching, and refreshes only those
 * lists. A list that cannot be used leaves its providers' ranges as they were (exit 1).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { AdminTrailStore } from '../../../ops/admin-trail/admin-trail-store.ts';
import {
  fetchPublishedRanges,
  publishedListNames,
  readPublishedRanges,
} from '../../../ops/source-lists/index.ts';
import { type RefreshSummary, refreshPublishedSources } from '../../../ops/source-lists/refresh.ts';
import { callerIdentity } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { repeatable } from '../../parse.ts';
import { changeHoldsAtMs, isoSeconds } from '../../provider-change.ts';
import { registryOf } from '../../registry.ts';
import {
  addTargetOptions,
  awsNow,
  operatorSealerOf,
  type TargetFlags,
  withTarget,
} from '../../target.ts';

export interface RefreshSourcesFlags extends TargetFlags {
  /** `NAME=FILE`, repeatable: a saved copy of published list NAME. */
  readonly publishedList?: readonly string[];
  readonly json?: boolean;
}

/** `--published-list NAME=FILE` flags, each list once and known; UsageError otherwise. */
export function parseSavedLists(texts: readonly string[]): Map<string, string> {
  const saved = new Map<string, string>();
  for (const text of texts) {
    const at = text.indexOf('=');
    const name = at < 0 ? '' : text.slice(0, at);
    const file = at < 0 ? '' : text.slice(at + 1);
    if (name === '' || file === '') {
      throw new UsageError(`--published-list '${text}': give NAME=FILE, e.g. github=meta.json`);
    }
    if (!publishedListNames.includes(name)) {
      throw new UsageError(
        `--published-list '${text}': no published list '${name}' (known: ${publishedListNames.join(', ')})`,
      );
    }
    if (saved.has(name)) throw new UsageError(`--published-list: '${name}' is given twice`);
    saved.set(name, file);
  }
  return saved;
}

/** The saved copies' texts, by list; UsageError for a file that cannot be read. */
async function readSavedLists(files: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const saved = new Map<string, string>();
  for (const [name, file] of files) {
    try {
      saved.set(name, await readFile(file, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`--published-list ${name}=${file}: cannot read the file (${code})`);
    }
  }
  return saved;
}

export function refreshSources(flags: RefreshSourcesFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    // Read before anything is done: a file that is not there is a mistake in the command.
    const saved = await readSavedLists(parseSavedLists(flags.publishedList ?? []));
    // Every change is recorded under the caller: one who cannot be named changes nothing.
    const actor = await callerIdentity(flags);
    const summary = await refreshPublishedSources({
      registry: registryOf(target),
      adminTrail: new AdminTrailStore({
        dynamodb: target.dynamodb,
        tableName: target.names.auditTableName,
        sealer: operatorSealerOf(target),
      }),
      fetchRanges: async (list) => {
        const text = saved.get(list);
        return text === undefined ? fetchPublishedRanges(list) : readPublishedRanges(list, text);
      },
      nowMs: () => awsNow(target),
      writer: { actor, host: hostname() },
      ...(saved.size === 0 ? {} : { only: [...saved.keys()] }),
    });
    const holdsAtMs = changeHoldsAtMs(Date.now(), target.configCacheSeconds);
    if (flags.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else io.stdout(summaryText(summary, holdsAtMs, target.configCacheSeconds));
    for (const failure of summary.failed) {
      io.stderr(
        `error: ${failure.reason} (${failure.code}); ${failure.code === 'admin_record_not_written' ? 'record the change by hand' : `kept as they were: ${failure.providers.join(', ')}`}\n`,
      );
    }
    return summary.failed.length === 0 ? exitCodes.ok : exitCodes.rejected;
  });
}

/** One line for the run, one per changed provider. */
function summaryText(summary: RefreshSummary, holdsAtMs: number, cacheSeconds: number): string {
  const lines = [
    `refreshed published source lists: ${summary.checked} provider(s) checked, ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.failed.length} failure(s)`,
    ...summary.changes.map(
      (change) =>
        `refreshed provider '${change.providerId}' from list ${change.list} to revision ${change.revision}: ${change.added.length} range(s) added, ${change.removed.length} removed; its deliveries may still be checked against the former ranges until ${isoSeconds(holdsAtMs)} (running ingest functions re-read provider settings every ${cacheSeconds} s)`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function addProvidersRefreshSourcesCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    providers
      .command('refresh-sources')
      .description(
        "refresh the published source ranges of providers added with --allow-published, as the deployment's daily refresher does",
      )
      .option(
        '--published-list <name=file>',
        `read published list NAME from a saved copy instead of fetching it, and refresh only the lists given (${publishedListNames.join(', ')}); repeatable`,
        repeatable,
      )
      .option('--json', 'print the run as JSON: counts, changes and failures'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks providers refresh-sources --stack webhook-ingestion\n  $ webhooks providers refresh-sources --published-list github=meta.json --local',
    )
    .action(async (flags: RefreshSourcesFlags) => finish(await refreshSources(flags, io)));
}
