/**
 * `webhooks audit receipts`: the erasure receipts (ops/erasure/erasure-receipt.ts) that
 * `webhooks audit erase` wrote, newest first: the answers given to data subjects' requests.
 * Reading them is an admin action too.
 */
import type { Command } from 'commander';
import type { ErasureReceipt } from '../../../ops/erasure/erasure-receipt.ts';
import { malformedWarnings } from '../../audit-trail.ts';
import { denialNamed, erasureStoreOf, receiptView, requestText } from '../../erasure.ts';
import { reportingDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../../io.ts';
import { timeRange } from '../../parse.ts';
import { alignedTable, iso } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface AuditReceiptsFlags extends TargetFlags {
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** How far back `receipts` reads without `--since`. */
export const defaultReceiptsSince = '30d';
/** How many receipts `receipts` prints at most. */
export const maxReceiptsListed = 1_000;

/** `receipts`' text form: one line per receipt, newest first. */
export function formatReceiptTable(receipts: readonly ErasureReceipt[]): string {
  return alignedTable([
    ['RESPONDED', 'RECEIPT', 'RESPONSE', 'ERASED', 'ASKED', 'REF'],
    ...receipts.map((receipt) => [
      iso(receipt.respondedAtMs),
      receipt.receiptId,
      receipt.response,
      String(receipt.done.recordsErased),
      requestText(receipt.request),
      receipt.requestRef ?? '-',
    ]),
  ]);
}

export async function listReceipts(flags: AuditReceiptsFlags, io: Io): Promise<ExitCode> {
  return reportingDeniedAccess(io, () =>
    withTarget(flags, io, async (target) => {
      const range = timeRange(flags, Date.now(), { since: defaultReceiptsSince });
      const limit = flags.limit === undefined ? 100 : Number(flags.limit);
      if (!/^\d+$/.test(flags.limit ?? '1') || limit < 1 || limit > maxReceiptsListed) {
        throw new UsageError(`--limit must be a whole number from 1 to ${maxReceiptsListed}`);
      }
      return runAudited({ target, flags, io }, 'audit.receipts', '*', async (detail) => {
        Object.assign(detail, { since: iso(range.sinceMs), until: iso(range.untilMs) });
        const listing = await denialNamed(target, () =>
          erasureStoreOf(target).listReceipts({ ...range, limit }),
        );
        const { receipts } = listing;
        detail.records = String(receipts.length);
        return {
          code: exitCodes.ok,
          stdout: flags.json
            ? receipts.map((receipt) => `${JSON.stringify(receiptView(receipt))}\n`).join('')
            : formatReceiptTable(receipts),
          stderr: malformedWarnings([listing]),
        };
      });
    }),
  );
}

/** Registers `audit receipts` under `audit`. */
export function addAuditReceiptsCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  addTargetOptions(
    audit
      .command('receipts')
      .description('erasure receipts, newest first')
      .option(
        '--since <when>',
        `how far back: a duration or an ISO date (default: ${defaultReceiptsSince})`,
      )
      .option('--until <when>', 'end, in the same forms (default: now)')
      .option(
        '--limit <n>',
        `the most receipts printed (default: 100, at most ${maxReceiptsListed})`,
      )
      .option('--json', 'print one JSON line per receipt'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks audit receipts --since 90d --json --local')
    .action(async (flags: AuditReceiptsFlags) => finish(await listReceipts(flags, io)));
}
