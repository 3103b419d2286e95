/**
 * `webhooks audit verify`: the audit table and the digest bucket checked against each other
 * for a time range. The chain is checked first (chain.ts: signatures, links, periods), then
 * each digested period is read again exactly as the writer read it (period-reader.ts) and
 * compared entry by entry (compare.ts). Every finding is named; none is summarised away.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unregisteredProviderId } from '../../functions/audit/record.ts';
import { auditDigests, type DigestTiming } from '../../functions/config/audit-digests.ts';
import type { Clock } from '../../functions/verify/types.ts';
import {
  type ErasureReceipt,
  erasurePartitionKey,
  fromReceiptItem,
} from '../erasure/erasure-receipt.ts';
import { checkChain } from './chain.ts';
import { type CurrentEntry, compareEntries } from './compare.ts';
import {
  type DigestDocument,
  digestKey,
  isDigestKey,
  periodStartOfKey,
} from './digest-document.ts';
import type { DigestStore } from './digest-store.ts';
import { readPartitionItems, readPeriod } from './period-reader.ts';
import { coveredProviders } from './provider-ids.ts';

export interface TrailVerifierOptions {
  readonly dynamodb: DynamoDBClient;
  readonly auditTableName: string;
  readonly registryTableName: string;
  readonly store: DigestStore;
  /** @default Date.now */
  readonly now?: Clock;
  /** The timing the digests were written with. @default - auditDigests' own */
  readonly timing?: DigestTiming;
}

export interface VerifyQuery {
  /** Inclusive. */
  readonly sinceMs: number;
  /** Inclusive. */
  readonly untilMs: number;
  /** Only this provider's delivery partitions. @default - every partition */
  readonly providerId?: string;
}

export const trailFindingKinds = [
  'altered',
  'missing',
  'unexpected',
  'unreadable',
  'bad_signature',
  'broken_chain',
  'malformed_digest',
  'not_digested',
  'overwritten_digest',
] as const;

export interface TrailFinding {
  readonly kind: (typeof trailFindingKinds)[number];
  /** The record's entry id, or the digest's key. */
  readonly id: string;
  readonly detail: string;
}

export interface TrailVerification {
  /** Digests checked: those whose periods meet the range, and the one before them. */
  readonly digests: number;
  readonly signaturesValid: number;
  readonly chainIntact: boolean;
  /** The periods the digests in the range cover, when there are any. */
  readonly covered?: { readonly from: string; readonly to: string };
  readonly signingKey: string;
  readonly verified: number;
  readonly redacted: number;
  readonly expired: number;
  readonly findings: readonly TrailFinding[];
}

export async function verifyTrail(
  options: TrailVerifierOptions,
  query: VerifyQuery,
): Promise<TrailVerification> {
  const now = options.now ?? Date.now;
  const table = options.auditTableName;
  const listed = await options.store.listKeys(`digests/${table}/`);
  // Only keys the writer makes count; anything else put under the prefix is named.
  const keys = listed.filter((key) => isDigestKey(table, key));
  const findings: TrailFinding[] = listed
    .filter((key) => !keys.includes(key))
    .map((key) => ({
      kind: 'malformed_digest',
      id: key,
      detail: 'not a digest key this product writes',
    }));
  // The digests whose periods meet the range, and the one before them: the first link.
  const timing = options.timing ?? auditDigests;
  const periodMs = timing.periodSeconds * 1000;
  const firstIndex = keys.findIndex((key) => periodStartOfKey(key) + periodMs > query.sinceMs);
  const from = Math.max(0, (firstIndex === -1 ? keys.length : firstIndex) - 1);
  const wanted = keys.slice(from).filter((key) => periodStartOfKey(key) <= query.untilMs);
  const stored = await mapInTurn(wanted, (key) => options.store.read(key));
  const { keyArn, der } = await options.store.publicKey();
  const chain = checkChain(stored, der);
  findings.push(...chain.findings.map(({ kind, key, detail }) => ({ kind, id: key, detail })));
  // Only a signed digest of a whole period, named for it, is evidence to compare against.
  const inRange = chain.digests.filter(({ key, document }) => {
    const startMs = Date.parse(document.periodStart);
    const endMs = Date.parse(document.periodEnd);
    if (endMs <= query.sinceMs || startMs > query.untilMs || !chain.signed.has(key)) return false;
    if (
      key === digestKey(table, startMs) &&
      document.table === table &&
      endMs - startMs === periodMs
    ) {
      return true;
    }
    findings.push({
      kind: 'malformed_digest',
      id: key,
      detail: 'its table or period does not match its key',
    });
    return false;
  });
  const receipts = await readReceipts(options, now);
  const firstStart = inRange[0]?.document.periodStart;
  const providers =
    query.providerId !== undefined || firstStart === undefined
      ? new Set(query.providerId === undefined ? [] : [query.providerId])
      : await coveredProviders(
          { dynamodb: options.dynamodb, tableName: table, now },
          options.registryTableName,
          Date.parse(firstStart),
        );
  let verified = 0;
  let redacted = 0;
  let expired = 0;
  for (const span of spans(
    inRange.map(({ document }) => document),
    periodMs,
  )) {
    const result = await compareSpan(options, span, receipts, providers, query.providerId);
    verified += result.verified;
    redacted += result.redacted;
    expired += result.expired;
    findings.push(...result.findings);
  }
  findings.push(...coverageFindings(keys, query, now(), timing));
  let overwritten = false;
  for (const [key, history] of await options.store.overwrittenKeys(`digests/${table}/`)) {
    const start = periodStartOfKey(key.replace(/\.sig$/, ''));
    if (start + periodMs <= query.sinceMs || start > query.untilMs) continue;
    overwritten = true;
    findings.push({
      kind: 'overwritten_digest',
      id: key,
      detail: `${history.versions} versions and ${history.deleteMarkers} delete markers: the object lock keeps the first; read it with its version id`,
    });
  }
  const first = inRange[0]?.document;
  const last = inRange.at(-1)?.document;
  return {
    digests: stored.length,
    signaturesValid: chain.signaturesValid,
    chainIntact:
      !overwritten && !chain.findings.some((finding) => finding.kind !== 'bad_signature'),
    ...(first === undefined || last === undefined
      ? {}
      : { covered: { from: first.periodStart, to: last.periodEnd } }),
    signingKey: keyArn,
    verified,
    redacted,
    expired,
    findings,
  };
}

/**
 * Consecutive periods, `periodsPerRead` at most: the table is read once per span rather than
 * once per period (a Query per provider shard each time), and no more than a span is held.
 */
function spans(documents: readonly DigestDocument[], periodMs: number): DigestDocument[][] {
  const result: DigestDocument[][] = [];
  for (const document of documents) {
    const current = result.at(-1);
    const previous = current?.at(-1);
    if (
      current !== undefined &&
      previous !== undefined &&
      current.length < periodsPerRead &&
      Date.parse(previous.periodEnd) === Date.parse(document.periodStart) &&
      Date.parse(document.periodEnd) - Date.parse(document.periodStart) === periodMs
    ) {
      current.push(document);
    } else {
      result.push([document]);
    }
  }
  return result;
}

/** Two hours of 15-minute periods. */
const periodsPerRead = 8;

async function compareSpan(
  options: TrailVerifierOptions,
  span: readonly DigestDocument[],
  receipts: ReadonlyMap<string, ErasureReceipt>,
  covered: ReadonlySet<string>,
  providerId: string | undefined,
) {
  const source = {
    dynamodb: options.dynamodb,
    tableName: options.auditTableName,
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  const first = span[0] as DigestDocument;
  const last = span.at(-1) as DigestDocument;
  const named = span.flatMap((document) =>
    document.partitions.map(({ partition }) => partition.split('#')[0] ?? ''),
  );
  const providers =
    providerId === undefined
      ? new Set([
          ...covered,
          ...named.filter((name) => !name.startsWith('_') || name === unregisteredProviderId),
        ])
      : [providerId];
  const contents = await readPeriod(
    source,
    providers,
    Date.parse(first.periodStart),
    Date.parse(last.periodEnd),
  );
  const wanted = (partition: string) =>
    providerId === undefined || partition.startsWith(`${providerId}#`);
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const context = { nowSeconds, receipt: (id: string) => receipts.get(id) };
  let verified = 0;
  let redacted = 0;
  let expired = 0;
  const findings: TrailFinding[] = contents.malformed.map((error) => ({
    kind: 'unreadable',
    id: `${first.periodStart} to ${last.periodEnd}`,
    detail: error.message,
  }));
  for (const document of span) {
    const startMs = Date.parse(document.periodStart);
    const endMs = Date.parse(document.periodEnd);
    const digested = new Map(
      document.partitions
        .filter(({ partition }) => wanted(partition))
        .map((part) => [part.partition, part.entries]),
    );
    const current = new Map<string, CurrentEntry[]>();
    for (const [partition, entries] of contents.partitions) {
      if (!wanted(partition)) continue;
      const inPeriod = entries.filter(({ atMs }) => atMs >= startMs && atMs < endMs);
      if (inPeriod.length > 0) current.set(partition, inPeriod);
    }
    const names = new Set([...digested.keys(), ...current.keys()]);
    for (const name of [...names].sort()) {
      const result = compareEntries(digested.get(name) ?? [], current.get(name) ?? [], context);
      verified += result.verified;
      redacted += result.redacted;
      expired += result.expired;
      findings.push(...result.findings);
    }
  }
  return { verified, redacted, expired, findings };
}

async function readReceipts(options: TrailVerifierOptions, now: Clock) {
  const items = await readPartitionItems(
    { dynamodb: options.dynamodb, tableName: options.auditTableName, now },
    erasurePartitionKey,
    0,
    now() + 1,
  );
  const receipts = new Map<string, ErasureReceipt>();
  for (const item of items) {
    try {
      const receipt = fromReceiptItem(item);
      receipts.set(receipt.receiptId, receipt);
    } catch {
      // An unreadable receipt covers nothing; its own digest entry names it if it was altered.
    }
  }
  return receipts;
}

/**
 * Time in the range that no digest covers although it should: after the last digest, once two
 * periods and the settle time have passed (the writer stopped), or a range with no digest.
 * Time before the first digest ever written is not claimed: digests begin with the deployment.
 */
function coverageFindings(
  keys: readonly string[],
  query: VerifyQuery,
  nowMs: number,
  timing: DigestTiming,
): TrailFinding[] {
  const lastKey = keys.at(-1);
  if (lastKey === undefined) {
    return [{ kind: 'not_digested', id: 'digests', detail: 'the digest bucket holds no digest' }];
  }
  const periodMs = timing.periodSeconds * 1000;
  // Before the first digest nothing is claimed.
  if (query.untilMs < periodStartOfKey(keys[0] as string)) return [];
  const lastEndMs = periodStartOfKey(lastKey) + periodMs;
  // The writer runs once a period and writes what has settled: the last digest may end up to
  // two periods and the settle time before now without anything being wrong.
  const lagMs = 2 * periodMs + timing.settleSeconds * 1000;
  if (Math.min(query.untilMs, nowMs - lagMs) > lastEndMs) {
    return [
      {
        kind: 'not_digested',
        id: lastKey,
        detail: `no digest after ${new Date(lastEndMs).toISOString()}: the digest writer has not run since`,
      },
    ];
  }
  return [];
}

/** `map` one at a time: a long range reads its digests in turn, not all at once. */
async function mapInTurn<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await map(item));
  return results;
}
