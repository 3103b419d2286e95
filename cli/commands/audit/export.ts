/**
 * `webhooks audit export`: a provider's audit records over a time range, oldest first, to a
 * file (JSON Lines or CSV): for an auditor, a data subject's access request (GDPR Art. 15) or
 * an investigation. Encrypted fields (headers, payload copy) are left out; every other field
 * is written, times as ISO 8601. The file is written beside its destination under a temporary
 * name and moved into place only once complete and once the export's own admin record is
 * written: a failed or unaudited export leaves no file, not even a partial one.
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, link, lstat, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { AuditRecord } from '../../../functions/audit/record.ts';
import type { ReadRangeQuery } from '../../../ops/audit/audit-reader.ts';
import {
  auditReaderOf,
  checkAuditProvider,
  malformedWarnings,
  recordView,
} from '../../audit-trail.ts';
import { namingDeniedAccess, reportingDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { timeRange } from '../../parse.ts';
import { type Progress, startProgress } from '../../progress.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../../target.ts';
import { emptyExportHint, isUnregistered } from '../../unregistered-provider.ts';

export const exportFormats = ['jsonl', 'csv'] as const;

export type ExportFormat = (typeof exportFormats)[number];

export interface AuditExportFlags extends TargetFlags {
  readonly provider: string;
  readonly since: string;
  readonly until: string;
  /** @default 'jsonl' */
  readonly format?: string;
  readonly out: string;
  /** Replace `out` if it exists. */
  readonly force?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

type RecordView = ReturnType<typeof recordView>;

/**
 * The CSV columns, in order. `satisfies` makes the compiler name any field of a record that
 * has no column, so a field added to AuditRecord cannot silently miss the export.
 */
export const csvColumns = Object.keys({
  receivedAt: true,
  providerId: true,
  deliveryId: true,
  requestId: true,
  outcome: true,
  reason: true,
  eventType: true,
  eventId: true,
  scheme: true,
  requestedProviderId: true,
  suppressedAttempts: true,
  keyId: true,
  sourceIp: true,
  userAgent: true,
  queueMessageId: true,
  bodySha256: true,
  retentionClass: true,
  subjectHash: true,
  erasedAt: true,
  erasureReceiptId: true,
} satisfies Record<keyof RecordView, true>) as (keyof RecordView)[];

/** Text a spreadsheet would run as a formula (OWASP, CSV injection), tab and CR included. */
const formulaStart = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
 * doubled; empty when absent. Text that starts like a formula gets a leading `'`: whoever
 * sends a request chooses its user agent, event type and delivery id, and a spreadsheet
 * opening the export would otherwise run `=HYPERLINK(…)` or worse as a formula. The `'` is
 * visible in the cell; the JSON Lines export keeps every value exactly as recorded.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' && formulaStart.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 ends each line, the last one too, with CRLF. */
const csvLine = (fields: readonly string[]) => `${fields.join(',')}\r\n`;

export const csvHeader = csvLine(csvColumns);

/** A record as one line of the export. */
export function exportLine(record: AuditRecord, format: ExportFormat): string {
  const view = recordView(record);
  return format === 'jsonl'
    ? `${JSON.stringify(view)}\n`
    : csvLine(csvColumns.map((column) => csvField(view[column])));
}

export async function exportAudit(flags: AuditExportFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const providerId = checkAuditProvider(flags.provider);
      const format = exportFormatOf(flags.format);
      const { sinceMs, untilMs } = timeRange(flags, Date.now(), { since: flags.since });
      const summary = {
        providerId,
        since: new Date(sinceMs).toISOString(),
        until: new Date(untilMs).toISOString(),
        format,
        records: 0,
        out: flags.out,
      };
      const file = await createExportFile(flags.out, flags.force === true);
      try {
        const code = await runAudited(
          { target, flags, io },
          'audit.export',
          providerId,
          async (detail) => {
            Object.assign(detail, { since: summary.since, until: summary.until, format });
            const progress = startProgress(io, { quiet: flags.quiet === true });
            const written = await writeExport(target, file, progress, {
              providerId,
              sinceMs,
              untilMs,
              format,
            }).finally(() => progress.done());
            summary.records = written.records;
            detail.records = String(written.records);
            return { code: exitCodes.ok, stdout: '', stderr: written.warnings };
          },
        );
        // Only a complete export whose own record is written is moved into place.
        if (code !== exitCodes.ok) return code;
        await file.place();
        io.stdout(
          flags.json
            ? `${JSON.stringify(summary)}\n`
            : `exported ${summary.records} records of ${providerId} (${summary.since} to ${summary.until}) to ${flags.out}\n`,
        );
        // Still exit 0: the file is written, and an empty export of a removed provider is valid.
        if (summary.records === 0 && (await isUnregistered(target, providerId))) {
          io.stderr(emptyExportHint(providerId, { sinceMs, untilMs }));
        }
        return exitCodes.ok;
      } finally {
        await file.discard();
      }
    }),
  );
}

/** Writes the range's records to `file`, batch by batch, reporting how far it has got. */
async function writeExport(
  target: Target,
  file: ExportFile,
  progress: Progress,
  query: ReadRangeQuery & { readonly format: ExportFormat },
): Promise<{ records: number; warnings: string }> {
  const { format, ...range } = query;
  const reader = auditReaderOf(target);
  let records = 0;
  let warnings = '';
  try {
    if (format === 'csv') await file.write(csvHeader);
    for await (const batch of reader.readRangeByProvider(range)) {
      await file.write(batch.records.map((record) => exportLine(record, format)).join(''));
      records += batch.records.length;
      warnings += malformedWarnings([batch]);
      progress.update(`${records} records written, ${batch.pagesRead} pages read`);
    }
  } catch (error) {
    throw namingDeniedAccess(error, `table ${target.names.auditTableName}`);
  }
  return { records, warnings };
}

function exportFormatOf(format: string | undefined): ExportFormat {
  const chosen = format ?? 'jsonl';
  if (!(exportFormats as readonly string[]).includes(chosen)) {
    throw new UsageError(`--format must be one of ${exportFormats.join(', ')}, got '${chosen}'`);
  }
  return chosen as ExportFormat;
}

/** The export's file under a temporary name beside `out`, for `place` to move into place. */
interface ExportFile {
  write(text: string): Promise<void>;
  /** Flushes the file to disk and gives it the name `out`. */
  place(): Promise<void>;
  /** Removes the temporary file unless it was placed; safe to call more than once. */
  discard(): Promise<void>;
}

/**
 * Refuses an `out` that exists (unless `overwrite`) before anything is read, then opens the
 * temporary file: readable by its owner only (0600), as exported records name source
 * addresses and user agents.
 */
async function createExportFile(out: string, overwrite: boolean): Promise<ExportFile> {
  if (!overwrite && (await exists(out))) {
    throw new UsageError(`--out '${out}' exists; give --force to replace it`);
  }
  // Beside `out`, so the final rename stays on one file system and is atomic.
  const temporary = join(dirname(out), `.${basename(out)}.${randomUUID()}.partial`);
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'wx', 0o600);
  } catch (error) {
    throw new UsageError(`cannot write --out '${out}' (${errorCode(error)})`, { cause: error });
  }
  let state: 'open' | 'closed' | 'placed' = 'open';
  const close = async () => {
    if (state !== 'open') return;
    state = 'closed';
    await handle.close();
  };
  return {
    async write(text) {
      await handle.write(text);
    },
    async place() {
      await handle.sync();
      await close();
      try {
        if (overwrite) {
          await rename(temporary, out);
        } else {
          // link() fails if `out` appeared meanwhile, where rename() would replace it.
          await link(temporary, out);
          await unlink(temporary);
        }
      } catch (error) {
        throw new UsageError(
          errorCode(error) === 'EEXIST'
            ? `--out '${out}' was created during the export; give --force to replace it`
            : `cannot move the export to --out '${out}' (${errorCode(error)})`,
          { cause: error },
        );
      }
      state = 'placed';
    },
    async discard() {
      if (state === 'placed') return;
      await close().catch(() => undefined);
      await rm(temporary, { force: true });
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new UsageError(`cannot check --out '${path}' (${errorCode(error)})`, { cause: error });
  }
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'unknown';

/** Registers `audit export` under `audit`. */
export function addAuditExportCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('export')
      .description("write a provider's records over a time range to a file, oldest first")
      .requiredOption(
        '--provider <id>',
        'the provider, or _unregistered for attempts at unknown ids',
      )
      .requiredOption(
        '--since <when>',
        'start: a duration back (30m, 24h, 7d) or an ISO date or time',
      )
      .requiredOption('--until <when>', 'end, in the same forms, or now')
      .option('--format <format>', `${exportFormats.join(' or ')} (default: jsonl)`)
      .requiredOption('--out <file>', 'the file to write; refused if it exists, unless --force')
      .option('--force', 'replace --out if it exists')
      .option('--json', 'print the summary as one JSON line')
      .option('--quiet', 'no progress on stderr'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit export --provider stripe-live --since 2024-05-01 --until 2024-06-01 --format csv --out stripe-may.csv --local\n  $ webhooks audit export --provider stripe-live --since 7d --until now --out last-week.jsonl --stack webhook-ingestion',
    )
    .action(async (flags: AuditExportFlags) => finish(await exportAudit(flags, io)));
}
