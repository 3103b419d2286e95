/**
 * `webhooks audit`: a deployment's audit trail. `list` reads records by provider and time, or
 * with `--admin` the admin actions; `show` finds a delivery's attempts and decrypts their
 * encrypted fields when the caller's KMS Decrypt on the audit key succeeds, and says so
 * plainly when it does not. Each read is itself an admin action with its own record
 * (PCI DSS v4.0 10.2.1.3: all access to audit logs), written before anything is shown.
 */
import type { Command } from 'commander';
import { type AuditListing, AuditStore, maxListLimit } from '../../functions/audit/audit-store.ts';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { auditEncryptedFields, decryptField } from '../../functions/audit/field-encryption.ts';
import {
  type AuditOutcome,
  type AuditRecord,
  auditOutcomes,
  unregisteredProviderId,
} from '../../functions/audit/record.ts';
import { isProviderId } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import type { AdminRecord } from '../../ops/admin-trail/admin-record.ts';
import { runAudited } from '../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import { timeRange } from '../parse.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../target.ts';
import { isUnregistered, noRecordsHint } from '../unregistered-provider.ts';
import { addAuditEraseCommand } from './audit-erase.ts';
import { addAuditExportCommand } from './audit-export.ts';
import { addAuditStatsCommand } from './audit-stats.ts';

export interface AuditListFlags extends TargetFlags {
  readonly provider?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly json?: boolean;
  /** Lists admin actions instead of delivery attempts. */
  readonly admin?: boolean;
}

export interface AuditShowFlags extends TargetFlags {
  readonly json?: boolean;
}

/** How far back `list` reads without `--since`. */
export const defaultSince = '24h';
/** How many records `list` prints without `--limit`. */
export const defaultListLimit = 100;

/** What an encrypted field shows when the caller may not use the audit key. */
export const notPermitted = '[encrypted: not permitted]';

/** The audit record's fields names, as ingest binds them (field-encryption.ts). */

/** What an erased record's headers show (`webhooks audit erase`): they are gone, not hidden. */
export const erasedField = '[erased]';

/** A record as printed: times as ISO text, encrypted fields left out (`show` adds them). */
export function recordView(record: AuditRecord) {
  const {
    encryptedHeaders: _headers,
    encryptedPayload: _payload,
    receivedAtMs,
    erasedAtMs,
    ...rest
  } = record;
  return {
    receivedAt: new Date(receivedAtMs).toISOString(),
    ...rest,
    ...(erasedAtMs === undefined ? {} : { erasedAt: new Date(erasedAtMs).toISOString() }),
  };
}

export async function listAudit(flags: AuditListFlags, io: Io): Promise<ExitCode> {
  if (flags.admin) return listAdminActions(flags, io);
  return withTarget(flags, io, async (target) => {
    const query = listQuery(flags, Date.now());
    const subject = query.providerId ?? '*';
    return runAudited({ target, flags, io }, 'audit.list', subject, async (detail) => {
      Object.assign(detail, {
        trail: 'deliveries',
        since: iso(query.sinceMs),
        until: iso(query.untilMs),
        ...(query.outcome === undefined ? {} : { outcomeFilter: query.outcome }),
      });
      const providerIds =
        query.providerId === undefined ? await registeredProviders(target) : [query.providerId];
      const store = auditStoreOf(target);
      const listings = await Promise.all(
        providerIds.map((providerId) => store.listByProvider({ ...query, providerId })),
      );
      const records = listings
        .flatMap((listing) => listing.records)
        .sort((a, b) => b.receivedAtMs - a.receivedAtMs)
        .slice(0, query.limit);
      detail.records = String(records.length);
      return {
        code: exitCodes.ok,
        stdout: flags.json
          ? records.map((record) => `${JSON.stringify(recordView(record))}\n`).join('')
          : formatAuditTable(records),
        stderr: `${malformedWarnings(listings)}${await unknownProviderHint(target, flags, query, records.length)}`,
      };
    });
  });
}

/** Nothing found for a `--provider` the registry does not hold: most often a mistyped id. */
async function unknownProviderHint(
  target: Target,
  flags: AuditListFlags,
  query: {
    readonly providerId?: string | undefined;
    readonly sinceMs: number;
    readonly untilMs: number;
  },
  records: number,
): Promise<string> {
  const { providerId } = query;
  if (providerId === undefined || records > 0) return '';
  return (await isUnregistered(target, providerId)) ? noRecordsHint(providerId, flags, query) : '';
}

/** An admin record as `list --admin --json` prints it. */
export function adminRecordView(record: AdminRecord) {
  const { atMs, ...rest } = record;
  return { at: iso(atMs), ...rest };
}

/** `list --admin`: admin actions newest first, this one's own record written before it prints. */
async function listAdminActions(flags: AuditListFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    if (flags.provider !== undefined || flags.outcome !== undefined) {
      throw new UsageError('--provider and --outcome filter delivery attempts: not with --admin');
    }
    const range = rangeQuery(flags, Date.now());
    return runAudited({ target, flags, io }, 'audit.list', '*', async (detail) => {
      Object.assign(detail, { trail: 'admin', since: iso(range.sinceMs) });
      const listing = await auditStoreOf(target).listAdminActions(range);
      detail.records = String(listing.records.length);
      return {
        code: exitCodes.ok,
        stdout: flags.json
          ? listing.records.map((record) => `${JSON.stringify(adminRecordView(record))}\n`).join('')
          : formatAdminTable(listing.records),
        stderr: malformedWarnings([listing]),
      };
    });
  });
}

export async function showAudit(
  deliveryId: string,
  flags: AuditShowFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, async (target) =>
    runAudited({ target, flags, io }, 'audit.show', deliveryId, async (detail) => {
      const listing = await auditStoreOf(target).findByDeliveryId(deliveryId);
      const warnings = malformedWarnings([listing]);
      if (listing.records.length === 0) {
        return {
          code: exitCodes.rejected,
          stdout: '',
          stderr: `${warnings}error: no audit record of delivery '${deliveryId}'\n`,
          refusedReason: 'delivery_not_found',
        };
      }
      const dataKeys = new DecryptedDataKeyCache({
        kms: target.kms,
        keyId: target.names.auditKeyId,
      });
      const fields = { decrypted: 0, notDecrypted: 0 };
      let stdout = '';
      try {
        for (const record of listing.records) {
          const shown = {
            ...recordView(record),
            ...(await decryptedFields(dataKeys, record, fields)),
          };
          stdout += flags.json ? `${JSON.stringify(shown)}\n` : formatRecord(shown);
        }
      } finally {
        dataKeys.clear();
      }
      Object.assign(detail, {
        records: String(listing.records.length),
        providers: [...new Set(listing.records.map((record) => record.providerId))].join(','),
        fieldsDecrypted: String(fields.decrypted),
        fieldsNotDecrypted: String(fields.notDecrypted),
      });
      return { code: exitCodes.ok, stdout, stderr: warnings };
    }),
  );
}

/**
 * The headers (JSON) and payload copy in clear, or why they cannot be shown; counted in
 * `fields`. The payload copy is shown as the text stored, never parsed and written again:
 * that would change its numbers (an id beyond 2^53, `1.10`), escapes and spacing.
 */
async function decryptedFields(
  dataKeys: DecryptedDataKeyCache,
  record: AuditRecord,
  fields: { decrypted: number; notDecrypted: number },
) {
  const open = async (
    field: string,
    encrypted: Uint8Array,
    read: (plaintext: Buffer) => unknown,
  ): Promise<unknown> => {
    try {
      const plaintext = await decryptField(
        dataKeys,
        { providerId: record.providerId, deliveryId: record.deliveryId, field },
        encrypted,
      );
      fields.decrypted += 1;
      return read(plaintext);
    } catch (error) {
      fields.notDecrypted += 1;
      if (isAccessDenied(error)) return notPermitted;
      const code = (error as { code?: unknown }).code;
      return `[encrypted: cannot decrypt (${typeof code === 'string' ? code : 'unknown'})]`;
    }
  };
  return {
    headers:
      record.encryptedHeaders === undefined
        ? erasedField
        : await open(auditEncryptedFields.headers, record.encryptedHeaders, headersOf),
    ...(record.encryptedPayload === undefined
      ? {}
      : {
          payload: await open(auditEncryptedFields.payload, record.encryptedPayload, (copy) =>
            copy.toString('utf8'),
          ),
        }),
  };
}

/** The headers ingest stored as a JSON object of strings, or the text if it is not one. */
function headersOf(plaintext: Buffer): unknown {
  const text = plaintext.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** KMS refused the caller: the data-key cache keeps the SDK error as the cause. */
function isAccessDenied(error: unknown): boolean {
  return (
    error instanceof KeyServiceUnavailableError &&
    error.cause instanceof Error &&
    error.cause.name === 'AccessDeniedException'
  );
}

function listQuery(flags: AuditListFlags, nowMs: number) {
  if (
    flags.provider !== undefined &&
    !isProviderId(flags.provider) &&
    flags.provider !== unregisteredProviderId
  ) {
    throw new UsageError(`--provider '${flags.provider}' is not a provider id`);
  }
  if (
    flags.outcome !== undefined &&
    !(auditOutcomes as readonly string[]).includes(flags.outcome)
  ) {
    throw new UsageError(
      `--outcome must be one of ${auditOutcomes.join(', ')}, got '${flags.outcome}'`,
    );
  }
  return {
    providerId: flags.provider,
    ...(flags.outcome === undefined ? {} : { outcome: flags.outcome as AuditOutcome }),
    ...rangeQuery(flags, nowMs),
  };
}

/** `--since`, `--until` and `--limit`, for either trail. */
function rangeQuery(flags: AuditListFlags, nowMs: number) {
  const limit = flags.limit === undefined ? defaultListLimit : Number(flags.limit);
  if (!/^\d+$/.test(flags.limit ?? '1') || limit < 1 || limit > maxListLimit) {
    throw new UsageError(`--limit must be a whole number from 1 to ${maxListLimit}`);
  }
  return { ...timeRange(flags, nowMs, { since: defaultSince }), limit };
}

export async function registeredProviders(target: Target): Promise<string[]> {
  const registry = new ProviderRegistryStore({
    dynamodb: target.dynamodb,
    tableName: target.names.registryTableName,
  });
  const { providers } = await registry.list();
  // Attempts at ids nobody registered are filed apart; a full listing shows them too.
  return [...providers.map((provider) => provider.providerId), unregisteredProviderId];
}

const auditStoreOf = (target: Target) =>
  new AuditStore({ dynamodb: target.dynamodb, tableName: target.names.auditTableName });

const iso = (ms: number) => new Date(ms).toISOString();

/** One warning line per item a listing could not read. */
export function malformedWarnings(
  listings: ReadonlyArray<Pick<AuditListing, 'malformed'>>,
): string {
  return listings
    .flatMap((listing) => listing.malformed)
    .map((error) => `warning: ${error.message}\n`)
    .join('');
}

/** `list`'s text form: one line per attempt, newest first. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  return alignedTable([
    ['RECEIVED', 'PROVIDER', 'OUTCOME', 'REASON', 'EVENT', 'DELIVERY'],
    ...records.map((record) => [
      iso(record.receivedAtMs),
      record.requestedProviderId === undefined
        ? record.providerId
        : `${record.providerId} (${JSON.stringify(record.requestedProviderId)})`,
      record.erasedAtMs === undefined ? record.outcome : `${record.outcome} (erased)`,
      // A record that stands for refused attempts counted but not written says how many.
      `${record.reason ?? '-'}${record.suppressedAttempts === undefined ? '' : ` (+${record.suppressedAttempts} not written)`}`,
      record.eventType ?? '-',
      record.deliveryId,
    ]),
  ]);
}

/** `list --admin`'s text form: one line per action, newest first, its details last. */
export function formatAdminTable(records: readonly AdminRecord[]): string {
  return alignedTable([
    ['AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'DETAIL'],
    ...records.map((record) => [
      iso(record.atMs),
      record.actor,
      record.action,
      record.target,
      record.reason === undefined ? record.outcome : `${record.outcome} (${record.reason})`,
      Object.entries(record.detail)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ') || '-',
    ]),
  ]);
}

/** Rows under a header row, each column padded to its widest cell. */
export function alignedTable(table: readonly (readonly string[])[]): string {
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((cells) => cells[column]?.length ?? 0)),
  );
  const lines = table.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** `show`'s text form: one `name  value` line per field, a blank line after each attempt. */
function formatRecord(shown: Record<string, unknown>): string {
  const lines = Object.entries(shown).map(
    ([name, value]) =>
      `${name.padEnd(15)} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return `${lines.join('\n')}\n\n`;
}

export function addAuditCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  const audit = program
    .command('audit')
    .description("read a deployment's audit trail (--local or --stack NAME)")
    .addHelpText('after', '\nExample:\n  $ webhooks audit list --since 7d --local');
  addTargetOptions(
    audit
      .command('list')
      .description('delivery attempts (or with --admin, admin actions), newest first')
      .option(
        '--provider <id>',
        `one provider only, or ${unregisteredProviderId} for attempts at unknown ids (default: all)`,
      )
      .option('--outcome <outcome>', `only ${auditOutcomes.join(', ')}`)
      .option(
        '--since <when>',
        `start: a duration back (30m, 24h, 7d) or an ISO date or time (default: ${defaultSince})`,
      )
      .option('--until <when>', 'end, in the same forms (default: now)')
      .option('--limit <n>', `the most attempts printed (default: ${defaultListLimit})`)
      .option('--admin', 'admin actions (who changed a provider or read the trail) instead')
      .option('--json', 'print one JSON line per attempt'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks audit list --provider stripe-live --outcome rejected --since 7d --local\n  $ webhooks audit list --admin --since 30d --json --stack webhook-ingestion',
    )
    .action(async (flags: AuditListFlags) => finish(await listAudit(flags, io)));
  addTargetOptions(
    audit
      .command('show <deliveryId>')
      .description("a delivery's attempts, encrypted fields decrypted if KMS allows you")
      .option('--json', 'print one JSON line per attempt'),
  )
    .addHelpText('after', '\nExample:\n  $ webhooks audit show evt_1NG8Du2eZvKYlo2C --local')
    .action(async (deliveryId: string, flags: AuditShowFlags) =>
      finish(await showAudit(deliveryId, flags, io)),
    );
  addAuditStatsCommand(audit, io, finish);
  addAuditExportCommand(audit, io, finish);
  addAuditEraseCommand(audit, io, finish);
}
