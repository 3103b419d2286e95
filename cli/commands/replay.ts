/**
 * `webhooks replay`: queues an accepted delivery again from its stored payload copy, for a
 * consumer that lost or mishandled it. The copy is the one the audit trail keeps, queued byte
 * for byte as stored: the bytes the provider sent with only the values its redaction rules name
 * masked or dropped (functions/audit/redaction.ts). So the message says it is a replay: message
 * attributes `replay=true`, `replayedAt` and, when the accepted record names the message it was
 * first queued as, `replayOf` beside the envelope's own. Records written since ingest claims a
 * delivery before sending it (functions/audit/delivery-item.ts) name none: `replayOf` is then
 * left out of the message and the admin record, and null in `--json`. Consumers that drop a
 * repeated `deliveryId` should let a replay through. The replay leaves an admin record naming
 * the new message.
 */
import type { Command } from 'commander';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { auditEncryptedFields, decryptField } from '../../functions/audit/field-encryption.ts';
import { decodePayloadCopy, payloadCopyField } from '../../functions/audit/payload-copy.ts';
import type { AuditRecord } from '../../functions/audit/record.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { replayMessageIds } from '../../functions/queue/deduplication.ts';
import { buildEnvelope, type StringAttribute } from '../../functions/queue/envelope.ts';
import { replayAttributeNames } from '../../functions/queue/replay-attributes.ts';
import { QueueSender } from '../../functions/queue/sender.ts';
import { assertProviderId } from '../../functions/registry/provider.ts';
import type { HeaderInput } from '../../functions/verify/types.ts';
import { auditReaderOf, malformedWarnings } from '../audit-trail.ts';
import { reportingPlainly } from '../errors.ts';
import { type AdminActionResult, runAudited } from '../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import { KmsAccessDeniedError, withKmsPermission } from '../kms-permission.ts';
import { addTargetOptions, type Target, type TargetFlags, withTarget } from '../target.ts';

export interface ReplayFlags extends TargetFlags {
  /** The provider, when one delivery id was accepted for several. */
  readonly provider?: string;
  readonly json?: boolean;
}

/** What `--json` prints. */
export interface ReplayReport {
  readonly deliveryId: string;
  readonly providerId: string;
  readonly queueMessageId: string;
  /** The message id the delivery was first queued as; null when its record names none. */
  readonly replayOf: string | null;
  readonly receivedAt: string;
  readonly replayedAt: string;
}

const dayMs = 86_400_000;

export async function replayDelivery(
  deliveryId: string,
  flags: ReplayFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, (target) =>
    // KMS refusing the caller the audit key is one plain error line and exit code 2.
    reportingPlainly(io, [KmsAccessDeniedError], async () => {
      if (flags.provider !== undefined) assertProviderId(flags.provider);
      return runAudited({ target, flags, io }, 'delivery.replay', deliveryId, async (detail) => {
        const listing = await auditReaderOf(target).findByDeliveryId(deliveryId);
        const warnings = malformedWarnings([listing]);
        const chosen = replayable(deliveryId, listing.records, flags.provider, Date.now());
        if ('refusal' in chosen) {
          return { ...chosen.refusal, stderr: `${warnings}${chosen.refusal.stderr}` };
        }
        const { record, scheme, payload } = chosen;
        detail.providers = record.providerId;
        if (record.queueMessageId !== undefined) detail.replayOf = record.queueMessageId;
        const opened = await openCopy(target, record, payload);
        const replayedAtMs = Date.now();
        const replayedAt = new Date(replayedAtMs).toISOString();
        const message = buildEnvelope({
          deliveryId: record.deliveryId,
          providerId: record.providerId,
          scheme,
          // Ingest's event id is the delivery id unless it had to name the body by its hash.
          eventId: record.deliveryId.startsWith('sha256:') ? undefined : record.deliveryId,
          eventType: record.eventType,
          receivedAtMs: record.receivedAtMs,
          headers: opened.headers,
          body: opened.payload,
        });
        const marks: Record<string, StringAttribute> = {
          [replayAttributeNames.replay]: { DataType: 'String', StringValue: 'true' },
          [replayAttributeNames.replayedAt]: { DataType: 'String', StringValue: replayedAt },
          ...(record.queueMessageId === undefined
            ? {}
            : {
                [replayAttributeNames.replayOf]: {
                  DataType: 'String',
                  StringValue: record.queueMessageId,
                },
              }),
        };
        const sent = await new QueueSender({
          sqs: target.sqs,
          queueUrl: target.names.queueUrl,
        }).send({
          ...message,
          // Its own deduplication id: SQS would drop it as the original within 5 minutes.
          ...replayMessageIds(record.providerId, record.deliveryId, replayedAtMs),
          attributes: { ...message.attributes, ...marks },
        });
        detail.queueMessageId = sent.messageId;
        const report: ReplayReport = {
          deliveryId: record.deliveryId,
          providerId: record.providerId,
          queueMessageId: sent.messageId,
          replayOf: record.queueMessageId ?? null,
          receivedAt: new Date(record.receivedAtMs).toISOString(),
          replayedAt,
        };
        return {
          code: exitCodes.ok,
          stdout: flags.json
            ? `${JSON.stringify(report)}\n`
            : `replayed delivery ${report.deliveryId} of provider '${report.providerId}' (received ${report.receivedAt}) from its redacted payload copy: queued as message ${report.queueMessageId}, marked replay=true\n`,
          stderr: warnings,
        };
      });
    }),
  );
}

type Replayable =
  | { readonly record: AuditRecord; readonly scheme: string; readonly payload: Uint8Array }
  | { readonly refusal: AdminActionResult & { readonly stderr: string } };

/** The newest accepted attempt that still has its payload copy, or why there is none. */
function replayable(
  deliveryId: string,
  records: readonly AuditRecord[],
  provider: string | undefined,
  nowMs: number,
): Replayable {
  const refuse = (refusedReason: string, why: string): Replayable => ({
    refusal: {
      code: exitCodes.rejected,
      stdout: '',
      stderr: `error: cannot replay delivery '${deliveryId}': ${why}\n`,
      refusedReason,
    },
  });
  const found = records.filter(
    (record) => provider === undefined || record.providerId === provider,
  );
  if (found.length === 0) {
    return refuse(
      'delivery_not_found',
      `no audit record of it${provider === undefined ? '' : ` for provider '${provider}'`}`,
    );
  }
  const accepted = found.filter((record) => record.outcome === 'accepted');
  const [newest] = accepted;
  if (newest === undefined) {
    const outcomes = [...new Set(found.map((record) => record.outcome))].join(', ');
    return refuse(
      'delivery_not_accepted',
      `it was never accepted (its attempts: ${outcomes}), and only an accepted delivery has a payload copy`,
    );
  }
  const providers = [...new Set(accepted.map((record) => record.providerId))];
  if (providers.length > 1) {
    throw new UsageError(
      `delivery '${deliveryId}' was accepted for several providers (${providers.join(', ')}): say which with --provider`,
    );
  }
  for (const record of accepted) {
    // An accepted record always names its scheme (auditRecordProblems).
    const { scheme, encryptedPayload } = record;
    if (scheme !== undefined && encryptedPayload !== undefined) {
      return { record, scheme, payload: encryptedPayload };
    }
  }
  return refuse('no_payload_copy', whyNoCopy(newest, nowMs));
}

function whyNoCopy(record: AuditRecord, nowMs: number): string {
  const { retentionClass } = record;
  const { payloadDays } = retentionClasses[retentionClass];
  if (payloadDays === 0) return `its retention class '${retentionClass}' keeps no payload copy`;
  const expiredMs = record.receivedAtMs + payloadDays * dayMs;
  if (expiredMs <= nowMs) {
    return `its payload copy expired at ${new Date(expiredMs).toISOString()} (class '${retentionClass}' keeps one ${payloadDays} days)`;
  }
  return 'no payload copy is kept (the deployment keeps none, it was erased, its compressed copy was over the 384 KiB a copy holds, or its redaction rules could not be applied to the body)';
}

/** The payload copy and the request headers in clear, decrypted as `audit show` does. */
async function openCopy(
  target: Target,
  record: AuditRecord,
  encryptedPayload: Uint8Array,
): Promise<{ payload: Buffer; headers: HeaderInput }> {
  const dataKeys = new DecryptedDataKeyCache({ kms: target.kms, keyId: target.names.auditKeyId });
  const open = (field: string, encrypted: Uint8Array) =>
    withKmsPermission(
      'Decrypt',
      `the audit key ${target.names.auditKeyId}`,
      ': the payload copy is encrypted under it',
      () =>
        decryptField(
          dataKeys,
          { providerId: record.providerId, deliveryId: record.deliveryId, field },
          encrypted,
        ),
    );
  try {
    const payload = decodePayloadCopy(
      record,
      await open(payloadCopyField(record.payloadEncoding), encryptedPayload),
    );
    const headers =
      record.encryptedHeaders === undefined
        ? {}
        : (JSON.parse(
            (await open(auditEncryptedFields.headers, record.encryptedHeaders)).toString('utf8'),
          ) as HeaderInput);
    return { payload, headers };
  } finally {
    dataKeys.clear();
  }
}

export function addReplayCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  addTargetOptions(
    program
      .command('replay <deliveryId>')
      .description('queue an accepted delivery again from its stored, redacted payload copy')
      .option('--provider <id>', 'the provider, when the delivery id was accepted for several')
      .option('--json', 'print one JSON line'),
  )
    .addHelpText(
      'after',
      [
        '',
        'The message carries the attributes replay=true, replayedAt and, when the record names it,',
        'replayOf (the message id the delivery was first queued as).',
        'Exit codes: 0 queued, 1 refused (no such delivery, never accepted, no payload copy kept),',
        '2 bad usage, an unreachable deployment, or KMS Decrypt denied on the audit key.',
        '',
        'Examples:',
        '  $ webhooks replay evt_1NG8Du2eZvKYlo2C --local',
        '  $ webhooks replay evt_1NG8Du2eZvKYlo2C --stack webhook-ingestion --json',
      ].join('\n'),
    )
    .action(async (deliveryId: string, flags: ReplayFlags) =>
      finish(await replayDelivery(deliveryId, flags, io)),
    );
}
