/**
 * Writes the digests that are due: for each period that ended at least `settleSeconds` ago and
 * follows the last digest written, what the table holds for it (period-reader.ts), chained to
 * the digest before it and signed (digest-store.ts). A period with no record gets a digest
 * too, so that the chain has no gap to hide a deletion in. Run on a schedule; a run that finds
 * nothing due writes nothing, and one after an outage catches up `maxPeriodsPerRun` at most.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { auditDigests, type DigestTiming } from '../../functions/config/audit-digests.ts';
import type { Clock } from '../../functions/verify/types.ts';
import { checkChain } from './chain.ts';
import {
  type DigestDocument,
  type DigestPartition,
  digestBytes,
  digestFormat,
  digestKey,
  isDigestKey,
  periodStartOfKey,
  sha256Hex,
} from './digest-document.ts';
import type { DigestEntry } from './digest-entry.ts';
import type { DigestStore } from './digest-store.ts';
import { DigestAlreadyWrittenError, UntrustedLastDigestError } from './errors.ts';
import { readPeriod } from './period-reader.ts';
import { coveredProviders } from './provider-ids.ts';

export interface DigestWriterOptions {
  readonly dynamodb: DynamoDBClient;
  readonly auditTableName: string;
  readonly registryTableName: string;
  readonly store: DigestStore;
  /** @default Date.now */
  readonly now?: Clock;
  /** @default - auditDigests' own */
  readonly timing?: DigestTiming;
}

export interface WrittenDigest {
  readonly key: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly records: number;
}

/** Writes every digest due now, oldest first; returns what it wrote. */
export async function writeDueDigests(options: DigestWriterOptions): Promise<WrittenDigest[]> {
  const now = options.now ?? Date.now;
  const timing = options.timing ?? auditDigests;
  const periodMs = timing.periodSeconds * 1000;
  const settleMs = timing.settleSeconds * 1000;
  const table = options.auditTableName;
  const { keyArn, der } = await options.store.publicKey();
  let previous = await latestDigest(options.store, table, now(), der);
  const written: WrittenDigest[] = [];
  // The first digest covers the last period that has settled; none before it is claimed.
  let startMs =
    previous === undefined
      ? Math.floor((now() - settleMs) / periodMs) * periodMs - periodMs
      : Date.parse(previous.document.periodEnd);
  const source = { dynamodb: options.dynamodb, tableName: table, now };
  // Read once per run, for its first period: the removals since then cover the later ones too.
  let providers: ReadonlySet<string> | undefined;
  while (startMs + periodMs + settleMs <= now() && written.length < auditDigests.maxPeriodsPerRun) {
    const endMs = startMs + periodMs;
    providers ??= await coveredProviders(source, options.registryTableName, startMs);
    const contents = await readPeriod(source, providers, startMs, endMs, periodMs);
    const partitions: DigestPartition[] = [...contents.partitions].map(([partition, current]) => ({
      partition,
      entries: current.map(({ entry }): DigestEntry => entry),
    }));
    const document: DigestDocument = {
      format: digestFormat,
      table,
      periodStart: new Date(startMs).toISOString(),
      periodEnd: new Date(endMs).toISOString(),
      writtenAt: new Date(now()).toISOString(),
      signingKey: keyArn,
      previous:
        previous === undefined ? null : { key: previous.key, sha256: sha256Hex(previous.bytes) },
      partitions,
    };
    const bytes = digestBytes(document);
    const key = digestKey(table, startMs);
    // The listing shows the top version only: a digest hidden under a delete marker would look
    // due again, and writing it anew would replace signed evidence with a digest of today's table.
    if (await options.store.everWritten(key)) throw new DigestAlreadyWrittenError(key);
    await options.store.write(key, bytes);
    previous = { key, bytes, document };
    written.push({
      key,
      periodStart: document.periodStart,
      periodEnd: document.periodEnd,
      records: partitions.reduce((sum, part) => sum + part.entries.length, 0),
    });
    startMs = endMs;
  }
  return written;
}

interface LatestDigest {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly document: DigestDocument;
}

/**
 * The last digest written: today's and yesterday's keys first (a run every period finds it
 * there), the whole table's prefix after a longer outage or on the first run. Only a key the
 * writer makes counts, and the digest under it must be signed and name its own table and
 * period: a file put there by anyone else would otherwise stop the chain or move it.
 */
async function latestDigest(
  store: DigestStore,
  table: string,
  nowMs: number,
  publicKeyDer: Uint8Array,
): Promise<LatestDigest | undefined> {
  const dayPrefix = (ms: number) => digestKey(table, ms).split('/').slice(0, -1).join('/');
  const day = 86_400_000;
  const ours = (keys: string[]) => keys.filter((key) => isDigestKey(table, key));
  let keys = ours(await store.listKeys(`${dayPrefix(nowMs)}/`));
  if (keys.length === 0) keys = ours(await store.listKeys(`${dayPrefix(nowMs - day)}/`));
  if (keys.length === 0) keys = ours(await store.listKeys(`digests/${table}/`));
  const key = keys.at(-1);
  if (key === undefined) return undefined;
  const stored = await store.read(key);
  const checked = checkChain([stored], publicKeyDer);
  const document = checked.digests[0]?.document;
  const endMs = Date.parse(document?.periodEnd ?? '');
  const problem =
    checked.findings[0]?.detail ??
    (document?.table !== table ||
    document.periodStart !== new Date(periodStartOfKey(key)).toISOString()
      ? 'its table or period does not match its key'
      : !(endMs > periodStartOfKey(key) && endMs <= nowMs)
        ? 'its period does not end between its start and now'
        : undefined);
  if (problem !== undefined || document === undefined) {
    throw new UntrustedLastDigestError(key, problem ?? 'it cannot be read');
  }
  // The run that wrote it died before the `.sig` copy: the signature checked above is its own.
  if (stored.signatureFileMissing === true) await store.restoreSignatureFile(stored);
  return { key, bytes: stored.bytes, document };
}
