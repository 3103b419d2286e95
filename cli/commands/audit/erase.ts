/**
 * `webhooks audit erase`: a data subject's erasure request (GDPR Art. 17, CCPA §1798.105)
 * carried out on the audit trail (`webhooks audit receipts` lists the answers given).
 *
 * What to erase is selected by delivery id, by a provider's time range, or by the data
 * subject's value at the provider's subject key (hashed at once with the deployment's
 * subject-index secret, under every version of it still held, so that a subject indexed
 * before a rotation is found too; the value itself is never stored or sent anywhere). Each
 * record selected loses its personal fields and its payload copy and keeps its skeleton with an
 * erasure marker (ops/erasure/erasure-store.ts); a receipt records the request and the
 * response (ops/erasure/erasure-receipt.ts). The erasure is an admin action too.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { auditFieldLimits } from '../../../functions/audit/record.ts';
import { subjectHashPattern } from '../../../functions/audit/subject-index.ts';
import { isText } from '../../../functions/audit/text.ts';
import { isProviderId } from '../../../functions/registry/provider.ts';
import {
  type ErasureReceipt,
  type ErasureRequest,
  erasureLimits,
  receiptFieldLimits,
} from '../../../ops/erasure/erasure-receipt.ts';
import {
  type ErasureStore,
  type ErasureSurvey,
  ErasureTally,
  type RecordKey,
} from '../../../ops/erasure/erasure-store.ts';
import { checkAuditProvider } from '../../audit-trail.ts';
import {
  denialNamed,
  erasureStoreOf,
  receiptView,
  requestText,
  requestView,
  selectRecordsOfEach,
  subjectRequests,
} from '../../erasure.ts';
import { namingDeniedAccess, reportingDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { keyFromFile, parseInstant, timeRange } from '../../parse.ts';
import { startProgress } from '../../progress.ts';
import { registryOf, subjectIndexOf } from '../../registry.ts';
import { fieldList, iso } from '../../table.ts';
import {
  addTargetOptions,
  awsNow,
  type Target,
  type TargetFlags,
  withTarget,
} from '../../target.ts';

export interface AuditEraseFlags extends TargetFlags {
  readonly deliveryId?: string;
  readonly provider?: string;
  readonly since?: string;
  readonly until?: string;
  /** The subject's value; `--subject-stdin` keeps it out of argv and shell history. */
  readonly subject?: string;
  readonly subjectStdin?: boolean;
  /** A subject's keyed hash as a receipt names it: to apply a receipt again after a restore. */
  readonly subjectHash?: string;
  readonly requestedAt?: string;
  readonly requestRef?: string;
  readonly requestChannel?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** The request as parsed from the flags: a subject still as its value, before it is hashed. */
type Selection =
  | ErasureRequest
  | { readonly kind: 'subject-value'; readonly providerId: string; readonly value: string };

/** The receipt's text form: one `name  value` line per field. */
export function formatReceipt(receipt: ErasureReceipt): string {
  const { done } = receipt;
  const rows: [string, string][] = [
    ['receipt', receipt.receiptId],
    ['requested', iso(receipt.requestedAtMs)],
    ['responded', iso(receipt.respondedAtMs)],
    ['by', receipt.actor],
    ...(receipt.requestRef === undefined
      ? []
      : [['request ref', receipt.requestRef] as [string, string]]),
    ...(receipt.requestChannel === undefined
      ? []
      : [['channel', receipt.requestChannel] as [string, string]]),
    ['asked', requestText(receipt.request)],
    [
      'response',
      receipt.failure === undefined ? receipt.response : `${receipt.response} (${receipt.failure})`,
    ],
    [
      'erased',
      `${done.recordsErased} records (personal fields), ${done.payloadCopiesDeleted} payload copies, ${done.bodyObjectsDeleted} bodies in the payload bucket`,
    ],
    ['already erased', String(done.recordsAlreadyErased)],
    ['not found', String(done.recordsNotFound)],
    ...receipt.retained.map((entry): [string, string] => [
      'retained',
      `${entry.records} record skeletons (${entry.retentionClass}) until ${iso(entry.keptUntilMs)}: ${entry.basis}`,
    ]),
    ...receipt.notReached.map((text): [string, string] => ['not reached', text]),
  ];
  return fieldList(rows, 15);
}

function formatSurvey(request: ErasureRequest, survey: ErasureSurvey): string {
  const rows: [string, string][] = [
    ['dry run', 'nothing was changed and no receipt was written'],
    ['asked', requestText(request)],
    [
      'would erase',
      `${survey.recordsToErase} records (personal fields), ${survey.payloadCopies} payload copies, ${survey.bodyObjects} bodies in the payload bucket`,
    ],
    ['already erased', String(survey.recordsAlreadyErased)],
    ['not found', String(survey.recordsNotFound)],
  ];
  return fieldList(rows, 15);
}

export async function eraseAudit(flags: AuditEraseFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const nowMs = Date.now();
      const selection = await parseSelection(flags, io, nowMs);
      const requestedAtMs =
        flags.requestedAt === undefined
          ? nowMs
          : parseInstant(flags.requestedAt, '--requested-at', nowMs);
      if (requestedAtMs > nowMs) {
        throw new UsageError(`--requested-at is in the future: ${iso(requestedAtMs)}`);
      }
      for (const [flag, value, limit] of [
        ['--request-ref', flags.requestRef, receiptFieldLimits.requestRef],
        ['--request-channel', flags.requestChannel, receiptFieldLimits.requestChannel],
      ] as const) {
        if (value !== undefined && !isText(value, limit)) {
          throw new UsageError(
            `${flag} must be 1 to ${limit} characters without control characters`,
          );
        }
      }
      const subject = selection.kind === 'delivery' ? selection.deliveryId : selection.providerId;
      return runAudited({ target, flags, io }, 'audit.erase', subject, async (detail, actor) => {
        Object.assign(detail, {
          selector: selection.kind === 'subject-value' ? 'subject' : selection.kind,
          ...(selection.kind === 'range'
            ? { since: iso(selection.sinceMs), until: iso(selection.untilMs) }
            : {}),
          ...(flags.dryRun ? { dryRun: 'true' } : {}),
        });
        const warning = await subjectKeyWarning(target, selection);
        const { request, lookups, versions } = await hashedRequest(target, selection);
        if (versions !== undefined) {
          detail.subjectIndexVersions = versions.map((version) => `v${version}`).join(',');
        }
        const store = erasureStoreOf(target);
        const keys = await denialNamed(target, () => selectRecordsOfEach(store, lookups));
        detail.records = String(keys.length);
        if (flags.dryRun) {
          const survey = await withProgress(io, flags, 'surveyed', (onProgress) =>
            denialNamed(target, () => store.survey(keys, onProgress)),
          );
          return {
            code: exitCodes.ok,
            stdout: flags.json
              ? `${JSON.stringify({ dryRun: true, request: requestView(request), ...survey })}\n`
              : formatSurvey(request, survey),
            stderr: warning,
          };
        }
        const receipt = await erase(target, store, request, keys, flags, io, {
          actor,
          requestedAtMs,
        });
        Object.assign(detail, {
          receiptId: receipt.receiptId,
          ...Object.fromEntries(
            Object.entries(receipt.done).map(([name, count]) => [name, String(count)]),
          ),
        });
        return {
          code:
            receipt.response === 'incomplete'
              ? exitCodes.usage
              : receipt.response === 'none_found'
                ? exitCodes.rejected
                : exitCodes.ok,
          stdout: flags.json ? `${JSON.stringify(receiptView(receipt))}\n` : formatReceipt(receipt),
          stderr:
            warning +
            (receipt.response === 'incomplete'
              ? `error: the erasure stopped (${receipt.failure}) after ${receipt.done.recordsErased} records; receipt ${receipt.receiptId} says what was done, run the command again for the rest\n`
              : ''),
          ...(receipt.failure === undefined ? {} : { refusedReason: receipt.failure }),
        };
      });
    }),
  );
}

/**
 * Erases the selected records under a new receipt id and writes the receipt, also when a
 * failure stopped the erasure part way (it then says `incomplete` and what was done).
 */
async function erase(
  target: Target,
  store: ErasureStore,
  request: ErasureRequest,
  keys: readonly RecordKey[],
  flags: AuditEraseFlags,
  io: Io,
  answer: { readonly actor: string; readonly requestedAtMs: number },
): Promise<ErasureReceipt> {
  const { actor, requestedAtMs } = answer;
  const receiptId = randomUUID();
  const tally = new ErasureTally();
  let failure: string | undefined;
  const erasedAtMs = awsNow(target);
  try {
    await withProgress(io, flags, 'erased', (onProgress) =>
      store.eraseRecords(keys, { erasedAtMs, receiptId }, tally, onProgress),
    );
  } catch (error) {
    failure = failureCode(
      namingDeniedAccess(error, `the audit table ${target.names.auditTableName}`),
    );
  }
  const receipt: ErasureReceipt = {
    receiptId,
    // Received now, by default: no later than the erasure, whichever clock is ahead.
    requestedAtMs:
      flags.requestedAt === undefined ? Math.min(requestedAtMs, erasedAtMs) : requestedAtMs,
    respondedAtMs: awsNow(target),
    actor,
    ...(flags.requestRef === undefined ? {} : { requestRef: flags.requestRef }),
    ...(flags.requestChannel === undefined ? {} : { requestChannel: flags.requestChannel }),
    request,
    response: failure !== undefined ? 'incomplete' : keys.length === 0 ? 'none_found' : 'erased',
    done: tally.done,
    retained: tally.retained,
    notReached: erasureLimits,
    ...(failure === undefined ? {} : { failure }),
  };
  await denialNamed(target, () => store.writeReceipt(receipt));
  return receipt;
}

/** Runs long work with a progress line on stderr, `<verb> n of m records`. */
async function withProgress<Result>(
  io: Io,
  flags: AuditEraseFlags,
  verb: string,
  work: (onProgress: (handled: number, total: number) => void) => Promise<Result>,
): Promise<Result> {
  const progress = startProgress(io, { quiet: flags.quiet === true });
  try {
    return await work((handled, total) =>
      progress.update(`${verb} ${handled} of ${total} records`),
    );
  } finally {
    progress.done();
  }
}

/** The one selector the flags name; UsageError for none, several, or one half given. */
async function parseSelection(flags: AuditEraseFlags, io: Io, nowMs: number): Promise<Selection> {
  const bySubject =
    flags.subject !== undefined || flags.subjectStdin === true || flags.subjectHash !== undefined;
  const byRange = flags.since !== undefined || flags.until !== undefined;
  const given = [flags.deliveryId !== undefined, byRange, bySubject].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError(
      'say what to erase, one way: --delivery-id ID, --provider P --since WHEN [--until WHEN], or --provider P --subject VALUE (or --subject-stdin, or --subject-hash HEX)',
    );
  }
  const provider = flags.provider === undefined ? undefined : checkAuditProvider(flags.provider);
  if (flags.deliveryId !== undefined) {
    if (!isText(flags.deliveryId, auditFieldLimits.deliveryId)) {
      throw new UsageError('--delivery-id must be 1 to 256 characters without control characters');
    }
    return {
      kind: 'delivery',
      deliveryId: flags.deliveryId,
      ...(provider === undefined ? {} : { providerId: provider }),
    };
  }
  if (provider === undefined) {
    throw new UsageError(`--provider is required with ${byRange ? '--since' : '--subject'}`);
  }
  if (byRange) {
    if (flags.since === undefined) throw new UsageError('--since is required with --until');
    return {
      kind: 'range',
      providerId: provider,
      ...timeRange(flags, nowMs, { since: flags.since }),
    };
  }
  if (!isProviderId(provider)) {
    throw new UsageError(`--subject needs a registered provider's id, got '${provider}'`);
  }
  const subjectSources = [flags.subject, flags.subjectStdin, flags.subjectHash];
  if (subjectSources.filter((source) => source !== undefined).length > 1) {
    throw new UsageError('give one of --subject VALUE, --subject-stdin and --subject-hash HEX');
  }
  if (flags.subjectHash !== undefined) {
    if (!subjectHashPattern.test(flags.subjectHash)) {
      throw new UsageError(
        '--subject-hash must be a hash as a receipt shows it: 64 lowercase hex digits, after v<version>: for a version after the first',
      );
    }
    return { kind: 'subject', providerId: provider, subjectHash: flags.subjectHash };
  }
  const value =
    flags.subject ??
    keyFromFile(await io.readSecret(`subject value for provider '${provider}' (input hidden): `));
  if (value === '') throw new UsageError('the subject value is empty');
  return { kind: 'subject-value', providerId: provider, value };
}

/**
 * The request to erase and keep on the receipt, and the lookups that select its records: a
 * subject's value becomes its keyed hash under every version of the secret held (the
 * receipt names the current version's), anything else is looked up as it is.
 */
async function hashedRequest(
  target: Target,
  selection: Selection,
): Promise<{
  request: ErasureRequest;
  lookups: readonly ErasureRequest[];
  /** The versions of the secret a subject was looked up under, the current first. */
  versions?: readonly number[];
}> {
  if (selection.kind !== 'subject-value') return { request: selection, lookups: [selection] };
  const subjects = subjectIndexOf(target);
  try {
    // Created if absent: the index may be empty, but the receipt still names what was asked.
    await denialNamed(target, () => subjects.ensureCreated(), target.names.registryTableName);
    const hashes = await denialNamed(
      target,
      () => subjects.everyHash(selection.providerId, selection.value),
      target.names.registryTableName,
    );
    const lookups = subjectRequests(selection.providerId, hashes);
    return {
      request: lookups[0] as ErasureRequest,
      lookups,
      versions: hashes.map(({ version }) => version),
    };
  } finally {
    subjects.clear();
  }
}

/** A warning when a subject is looked for under a provider whose records carry no subject hash. */
async function subjectKeyWarning(target: Target, selection: Selection): Promise<string> {
  if (selection.kind !== 'subject' && selection.kind !== 'subject-value') return '';
  const registry = registryOf(target);
  const config = await denialNamed(
    target,
    () => registry.get(selection.providerId),
    target.names.registryTableName,
  );
  if (config === undefined) {
    return `warning: provider '${selection.providerId}' is not registered (any more): only records it left are searched\n`;
  }
  return config.subjectKeyPath === undefined
    ? `warning: provider '${selection.providerId}' has no subject key: its records carry no subject hash to find\n`
    : '';
}

/** A failure's stable code, for the receipt and the admin record. */
function failureCode(error: unknown): string {
  const { dependency, code } = error as { dependency?: unknown; code?: unknown };
  if (typeof dependency === 'string') return `${dependency}_unavailable`;
  return typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code) ? code : 'unknown_error';
}

/** Registers `audit erase` under `audit`. */
export function addAuditEraseCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('erase')
      .description(
        "erase personal fields and payload copies (a data subject's request); the record skeletons stay, a receipt is written",
      )
      .option(
        '--delivery-id <id>',
        "one delivery's records (with --provider: that provider's only)",
      )
      .option('--provider <id>', 'the provider (required with --since or --subject)')
      .option(
        '--since <when>',
        "start of a provider's range: a duration back (7d) or an ISO date or time",
      )
      .option('--until <when>', 'end of the range, in the same forms (default: now)')
      .option('--subject <value>', "the data subject's value at the provider's subject key")
      .option(
        '--subject-stdin',
        'read the subject value from standard input (kept out of shell history)',
      )
      .option(
        '--subject-hash <hex>',
        "a subject's keyed hash, as a receipt names it (to apply a receipt again after a restore): records indexed under that version of the subject-index secret",
      )
      .option(
        '--requested-at <when>',
        'when the request was received, e.g. 2024-05-01 (default: now)',
      )
      .option('--request-ref <text>', "the request's reference, e.g. a ticket number")
      .option('--request-channel <text>', 'how the request came, e.g. e-mail or web form')
      .option('--dry-run', 'count what would be erased; change nothing, write no receipt')
      .option('--json', 'print the receipt as one JSON line')
      .option('--quiet', 'no progress on stderr'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit erase --provider shop --subject-stdin --requested-at 2024-05-01 --request-ref DSR-1042 --local < subject.txt\n  $ webhooks audit erase --delivery-id evt_1NG8Du2eZvKYlo2C --dry-run --stack webhook-ingestion\n  $ webhooks audit erase --provider shop --since 2024-05-01 --until 2024-05-02 --stack webhook-ingestion',
    )
    .action(async (flags: AuditEraseFlags) => finish(await eraseAudit(flags, io)));
}
