/**
 * `webhooks audit show`: a delivery's attempts, their encrypted fields decrypted when the
 * caller's KMS Decrypt on the audit key succeeds, and said so plainly when it does not. The
 * read is itself an admin action with its own record (PCI DSS v4.0.1 10.2.1.3: all access to
 * audit logs), written before anything is shown.
 */
import type { Command } from 'commander';
import { DecryptedDataKeyCache } from '../../../functions/audit/data-key-cache.ts';
import { KeyServiceUnavailableError } from '../../../functions/audit/errors.ts';
import { auditEncryptedFields, decryptField } from '../../../functions/audit/field-encryption.ts';
import { decodePayloadCopy, payloadCopyField } from '../../../functions/audit/payload-copy.ts';
import type { AuditRecord } from '../../../functions/audit/record.ts';
import { auditReaderOf, malformedWarnings, recordView } from '../../audit-trail.ts';
import { isCausedByDeniedAccess } from '../../errors.ts';
import { runAudited } from '../../identity.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { fieldList } from '../../table.ts';
import { addTargetOptions, type TargetFlags, withTarget } from '../../target.ts';

export interface AuditShowFlags extends TargetFlags {
  readonly json?: boolean;
}

/** What an encrypted field shows when the caller may not use the audit key. */
export const notPermitted = '[encrypted: not permitted]';

/** What an erased record's headers show (`webhooks audit erase`): they are gone, not hidden. */
export const erasedField = '[erased]';

/**
 * What the headers of an attempt that kept none show: a repeat of an accepted delivery (its
 * delivery item keeps the accepted attempt's only), or a retention class that keeps none.
 */
export const notKeptField = '[not kept]';

export async function showAudit(
  deliveryId: string,
  flags: AuditShowFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, async (target) =>
    runAudited({ target, flags, io }, 'audit.show', deliveryId, async (detail) => {
      const listing = await auditReaderOf(target).findByDeliveryId(deliveryId);
      const warnings = malformedWarnings([listing]);
      if (listing.records.length === 0) {
        return {
          code: exitCodes.rejected,
          stdout: '',
          stderr: `${warnings}error: no audit record of delivery '${deliveryId}'\n${unsignedIdHint(deliveryId)}`,
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
 * A provider that does not sign its delivery ids (GitHub, Shopify…) has its deliveries filed
 * under their body's SHA-256, its own id kept as the record's `eventId`
 * (docs/architecture.md, "Delivery ids and what is signed"): say where to look for it.
 */
function unsignedIdHint(id: string): string {
  if (id.startsWith('sha256:')) return '';
  return `hint: a provider that does not sign its delivery ids (GitHub, Shopify…) files each delivery under 'sha256:' and its body's SHA-256, with its own id as eventId: \`webhooks audit list --provider <id> --json\` shows both\n`;
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
      record.encryptedHeaders !== undefined
        ? await open(auditEncryptedFields.headers, record.encryptedHeaders, headersOf)
        : record.erasedAtMs === undefined
          ? notKeptField
          : erasedField,
    ...(record.encryptedPayload === undefined
      ? {}
      : {
          payload: await open(
            payloadCopyField(record.payloadEncoding),
            record.encryptedPayload,
            (copy) => decodePayloadCopy(record, copy).toString('utf8'),
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
  return error instanceof KeyServiceUnavailableError && isCausedByDeniedAccess(error);
}

/** `show`'s text form: one `name  value` line per field, a blank line after each attempt. */
function formatRecord(shown: Record<string, unknown>): string {
  const rows = Object.entries(shown).map(
    ([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)] as const,
  );
  return `${fieldList(rows, 15)}\n`;
}

/** Registers `audit show` under `audit`. */
export function addAuditShowCommand(
  audit: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
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
}
