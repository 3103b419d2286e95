/**
 * `webhooks audit`: a deployment's audit trail. `list` reads records by provider and time;
 * `show` finds a delivery's attempts and decrypts their encrypted fields when the caller's
 * KMS Decrypt on the audit key succeeds, and says so plainly when it does not.
 */
import type { Command } from 'commander';
import { type AuditListing, AuditStore, maxListLimit } from '../../functions/audit/audit-store.ts';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { decryptField } from '../../functions/audit/field-encryption.ts';
import {
  type AuditOutcome,
  type AuditRecord,
  auditOutcomes,
} from '../../functions/audit/record.ts';
import { isProviderId } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import { parseDuration } from '../parse.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../target.ts';

export interface AuditListFlags extends TargetFlags {
  readonly provider?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly json?: boolean;
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
const encryptedFields = { headers: 'headers', payload: 'redactedPayload' } as const;

/** A record as printed: times as ISO text, encrypted fields left out (`show` adds them). */
export function recordView(record: AuditRecord) {
  const { encryptedHeaders: _headers, encryptedPayload: _payload, receivedAtMs, ...rest } = record;
  return { receivedAt: new Date(receivedAtMs).toISOString(), ...rest };
}

export async function listAudit(flags: AuditListFlags, io: Io): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const query = listQuery(flags, Date.now());
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
    if (flags.json) {
      for (const record of records) io.stdout(`${JSON.stringify(recordView(record))}\n`);
    } else {
      io.stdout(formatAuditTable(records));
    }
    warnMalformed(listings, io);
    return exitCodes.ok;
  });
}

export async function showAudit(
  deliveryId: string,
  flags: AuditShowFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, async (target) => {
    const listing = await auditStoreOf(target).findByDeliveryId(deliveryId);
    warnMalformed([listing], io);
    if (listing.records.length === 0) {
      io.stderr(`error: no audit record of delivery '${deliveryId}'\n`);
      return exitCodes.rejected;
    }
    const dataKeys = new DecryptedDataKeyCache({ kms: target.kms, keyId: target.names.auditKeyId });
    try {
      for (const record of listing.records) {
        const shown = { ...recordView(record), ...(await decryptedFields(dataKeys, record)) };
        io.stdout(flags.json ? `${JSON.stringify(shown)}\n` : formatRecord(shown));
      }
    } finally {
      dataKeys.clear();
    }
    return exitCodes.ok;
  });
}

/** The headers (JSON) and payload copy in clear, or why they cannot be shown. */
async function decryptedFields(dataKeys: DecryptedDataKeyCache, record: AuditRecord) {
  const open = async (field: string, encrypted: Uint8Array): Promise<unknown> => {
    try {
      const plaintext = await decryptField(
        dataKeys,
        { providerId: record.providerId, deliveryId: record.deliveryId, field },
        encrypted,
      );
      const text = plaintext.toString('utf8');
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    } catch (error) {
      if (isAccessDenied(error)) return notPermitted;
      const code = (error as { code?: unknown }).code;
      return `[encrypted: cannot decrypt (${typeof code === 'string' ? code : 'unknown'})]`;
    }
  };
  return {
    headers: await open(encryptedFields.headers, record.encryptedHeaders),
    ...(record.encryptedPayload === undefined
      ? {}
      : { payload: await open(encryptedFields.payload, record.encryptedPayload) }),
  };
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
  if (flags.provider !== undefined && !isProviderId(flags.provider)) {
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
  const limit = flags.limit === undefined ? defaultListLimit : Number(flags.limit);
  if (!/^\d+$/.test(flags.limit ?? '1') || limit < 1 || limit > maxListLimit) {
    throw new UsageError(`--limit must be a whole number from 1 to ${maxListLimit}`);
  }
  const sinceSeconds = parseDuration(flags.since ?? defaultSince, '--since');
  return {
    providerId: flags.provider,
    ...(flags.outcome === undefined ? {} : { outcome: flags.outcome as AuditOutcome }),
    sinceMs: nowMs - sinceSeconds * 1000,
    untilMs: nowMs,
    limit,
  };
}

async function registeredProviders(target: Target): Promise<string[]> {
  const registry = new ProviderRegistryStore({
    dynamodb: target.dynamodb,
    tableName: target.names.registryTableName,
  });
  const { providers } = await registry.list();
  return providers.map((provider) => provider.providerId);
}

const auditStoreOf = (target: Target) =>
  new AuditStore({ dynamodb: target.dynamodb, tableName: target.names.auditTableName });

function warnMalformed(listings: readonly AuditListing[], io: Io): void {
  for (const error of listings.flatMap((listing) => listing.malformed)) {
    io.stderr(`warning: ${error.message}\n`);
  }
}

/** `list`'s text form: one line per attempt, newest first. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  const table = [
    ['RECEIVED', 'PROVIDER', 'OUTCOME', 'REASON', 'EVENT', 'DELIVERY'],
    ...records.map((record) => [
      new Date(record.receivedAtMs).toISOString(),
      record.providerId,
      record.outcome,
      record.reason ?? '-',
      record.eventType ?? '-',
      record.deliveryId,
    ]),
  ];
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
      `${name.padEnd(16)}${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return `${lines.join('\n')}\n\n`;
}

export function addAuditCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  const audit = program
    .command('audit')
    .description("read a deployment's audit trail (--local or --stack NAME)");
  addTargetOptions(
    audit
      .command('list')
      .description('delivery attempts, newest first')
      .option('--provider <id>', 'one provider only (default: every registered provider)')
      .option('--outcome <outcome>', `only ${auditOutcomes.join(', ')}`)
      .option('--since <duration>', `how far back, e.g. 30m, 24h, 7d (default: ${defaultSince})`)
      .option('--limit <n>', `the most attempts printed (default: ${defaultListLimit})`)
      .option('--json', 'print one JSON line per attempt'),
  ).action(async (flags: AuditListFlags) => finish(await listAudit(flags, io)));
  addTargetOptions(
    audit
      .command('show <deliveryId>')
      .description("a delivery's attempts, encrypted fields decrypted if KMS allows you")
      .option('--json', 'print one JSON line per attempt'),
  ).action(async (deliveryId: string, flags: AuditShowFlags) =>
    finish(await showAudit(deliveryId, flags, io)),
  );
}
