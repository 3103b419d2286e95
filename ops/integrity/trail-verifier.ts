/**
 * `webhooks audit verify`: the audit table and the digest bucket checked against each other
 * for a time range. The chain is checked first (chain.ts: signatures, links, periods), then
 * each digested period is read again exactly as the writer read it (period-reader.ts) and
 * compared entry by entry (compare.ts). Every record read, digested or not yet, has its seal
 * checked too (seal-check.ts), and so has every erasure receipt a redaction rests on. Every
 * finding is named; none is summarised away.
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
import {
  type CompareContext,
  type CurrentEntry,
  compareEntries,
  erasureRefusal,
  indexEntries,
} from './compare.ts';
import {
  type DigestDocument,
  digestKey,
  isDigestKey,
  periodStartOfKey,
} from './digest-document.ts';
import type { DigestStore } from './digest-store.ts';
import { readPartitionItems, readPeriod } from './period-reader.ts';
import { coveredProviders } from './provider-ids.ts';
import type { SealChecker } from './seal-check.ts';

export interface TrailVerifierOptions {
  readonly dynamodb: DynamoDBClient;
  readonly auditTableName: string;
  readonly registryTableName: string;
  readonly store: DigestStore;
  /** Checks each item's seal: KMS Decrypt of seal keys under the audit key. */
  readonly seals: SealChecker;
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
  'unsealed',
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
  /** Records and items read whose seals match them, digested or not. */
  readonly sealsValid: number;
  /** Of the records and items read, those no digest covers yet: checked by their seals alone. */
  readonly undigested: number;
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
    query.providerId !== undefined
      ? new Set([query.providerId])
      : await coveredProviders(
          { dynamodb: options.dynamodb, tableName: table, now },
          options.registryTableName,
          Math.min(
            query.sinceMs,
            firstStart === undefined ? query.sinceMs : Date.parse(firstStart),
          ),
        );
  const context: CompareContext = {
    nowSeconds: Math.floor(now() / 1000),
    receipt: (id) => receipts.valid.get(id),
    receiptProblem: (id) => receipts.problems.get(id),
  };
  let verified = 0;
  let redacted = 0;
  let expired = 0;
  let sealsValid = 0;
  for (const span of spans(
    inRange.map(({ document }) => document),
    periodMs,
  )) {
    const result = await compareSpan(options, span, context, providers, query.providerId);
    verified += result.verified;
    redacted += result.redacted;
    expired += result.expired;
    sealsValid += result.sealsValid;
    findings.push(...result.findings);
  }
  // What no digest in the range covers (the minutes since the last one, or time before the
  // first) is checked by its seals alone.
  let undigested = 0;
  const covering = inRange.map(({ document }) => document);
  for (const [startMs, endMs] of uncovered(query, now(), covering, periodMs)) {
    const result = await checkSealsOnly(options, startMs, endMs, context, providers, query);
    undigested += result.read;
    sealsValid += result.sealsValid;
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
    sealsValid,
    undigested,
    findings: distinct(findings),
  };
}

/** The same finding reached twice (by the digest and by the seal) is named once. */
function distinct(findings: readonly TrailFinding[]): TrailFinding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = JSON.stringify([finding.kind, finding.id, finding.detail]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The parts of the range, up to now, that no digest in `covering` spans, each at most a span of
 * `periodsPerRead` periods long, so that no more than that is read at once.
 */
function uncovered(
  query: VerifyQuery,
  nowMs: number,
  covering: readonly DigestDocument[],
  periodMs: number,
): [number, number][] {
  const endMs = Math.min(query.untilMs, nowMs) + 1;
  const gaps: [number, number][] = [];
  let fromMs = query.sinceMs;
  for (const document of covering) {
    const startMs = Date.parse(document.periodStart);
    if (startMs > fromMs) gaps.push([fromMs, Math.min(startMs, endMs)]);
    fromMs = Math.max(fromMs, Date.parse(document.periodEnd));
  }
  if (fromMs < endMs) gaps.push([fromMs, endMs]);
  const stepMs = periodsPerRead * periodMs;
  return gaps.flatMap(([startMs, stopMs]) => {
    const parts: [number, number][] = [];
    for (let at = startMs; at < stopMs; at += stepMs)
      parts.push([at, Math.min(at + stepMs, stopMs)]);
    return parts;
  });
}

async function checkSealsOnly(
  options: TrailVerifierOptions,
  startMs: number,
  endMs: number,
  context: CompareContext,
  providers: ReadonlySet<string>,
  query: VerifyQuery,
) {
  const contents = await readPeriod(
    periodSource(options),
    providers,
    startMs,
    endMs,
    periodMsOf(options),
  );
  const wanted = (partition: string) =>
    query.providerId === undefined || partition.startsWith(`${query.providerId}#`);
  const entries = [...contents.partitions]
    .filter(([partition]) => wanted(partition))
    .flatMap(([, list]) => list)
    .filter(({ atMs }) => atMs >= startMs && atMs < endMs);
  const result = await checkSeals(options.seals, entries, context);
  // As in digested periods (compareEntries): two items that read as one record.
  result.findings.push(...indexEntries(entries).findings);
  const unreadable: TrailFinding[] = contents.malformed.map((error) => ({
    kind: 'unreadable',
    id: `${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()}`,
    detail: error.message,
  }));
  return { read: entries.length, ...result, findings: [...unreadable, ...result.findings] };
}

/** Each entry's seal, and the receipt of each erased record (its seal, and that it covers it). */
async function checkSeals(
  seals: SealChecker,
  entries: readonly CurrentEntry[],
  context: CompareContext,
): Promise<{ sealsValid: number; findings: TrailFinding[] }> {
  let sealsValid = 0;
  const findings: TrailFinding[] = [];
  for (const { entry, subject } of entries) {
    const finding = await seals.check(subject);
    if (finding === undefined) sealsValid += 1;
    else findings.push({ kind: finding.kind, id: entry.id, detail: finding.detail });
    if (subject.kind === 'record' && subject.record.erasureReceiptId !== undefined) {
      const refusal = erasureRefusal(subject.record, context);
      if (refusal !== undefined) findings.push({ kind: 'altered', id: entry.id, detail: refusal });
    }
  }
  return { sealsValid, findings };
}

function periodMsOf(options: TrailVerifierOptions): number {
  return (options.timing ?? auditDigests).periodSeconds * 1000;
}

function periodSource(options: TrailVerifierOptions) {
  return {
    dynamodb: options.dynamodb,
    tableName: options.auditTableName,
    ...(options.now === undefined ? {} : { now: options.now }),
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
  context: CompareContext,
  covered: ReadonlySet<string>,
  providerId: string | undefined,
) {
  const source = periodSource(options);
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
    periodMsOf(options),
  );
  const wanted = (partition: string) =>
    providerId === undefined || partition.startsWith(`${providerId}#`);
  let verified = 0;
  let sealsValid = 0;
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
    const sealed = await checkSeals(options.seals, [...current.values()].flat(), context);
    sealsValid += sealed.sealsValid;
    findings.push(...sealed.findings);
  }
  return { verified, redacted, expired, sealsValid, findings };
}

/**
 * Every receipt in the table: those whose seal is an operator's, which may excuse an erasure,
 * and why each other one may not.
 */
async function readReceipts(options: TrailVerifierOptions, now: Clock) {
  const items = await readPartitionItems(
    { dynamodb: options.dynamodb, tableName: options.auditTableName, now },
    erasurePartitionKey,
    0,
    now() + 1,
  );
  const valid = new Map<string, ErasureReceipt>();
  const problems = new Map<string, string>();
  for (const item of items) {
    let receipt: ErasureReceipt;
    try {
      receipt = fromReceiptItem(item);
    } catch {
      // An unreadable receipt covers nothing; its own digest entry names it if it was altered.
      continue;
    }
    const finding = await options.seals.check({ kind: 'item', item });
    if (finding === undefined) valid.set(receipt.receiptId, receipt);
    else problems.set(receipt.receiptId, `is not one an operator sealed (${finding.detail})`);
  }
  return { valid, problems };
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
