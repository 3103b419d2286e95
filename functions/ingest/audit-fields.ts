/**
 * The audit record's fields as the ingest path fills them: those every attempt carries, with
 * its headers encrypted, and those derived from a verified body (the payload copy, the
 * subject's keyed hash). Which headers are kept and whether a copy is kept is policy, defined
 * in functions/config (headers.ts, retention.ts).
 */
import { createHash } from 'node:crypto';
import { SubjectIndexSecretMissingError } from '../audit/errors.ts';
import { auditEncryptedFields } from '../audit/field-encryption.ts';
import {
  currentPayloadEncoding,
  encodePayloadCopy,
  payloadCopyField,
} from '../audit/payload-copy.ts';
import type { AuditRecord } from '../audit/record.ts';
import { redactPayload } from '../audit/redaction.ts';
import { readSubjectValue } from '../audit/subject-index.ts';
import { auditedHeaders } from '../config/headers.ts';
import { maxPayloadCopyBytes } from '../config/limits.ts';
import { keepsPayloadCopy, retentionClasses } from '../config/retention.ts';
import type { ProviderConfig, RedactionRule } from '../registry/provider.ts';
import type { IngestRequest } from './http-event.ts';
import type { Attempt, IngestPorts } from './ports.ts';

/**
 * Where an attempt's records are filed (a provider's partitions, or the unregistered one), and
 * which headers of its requests hold a credential beyond the name pattern's (never stored).
 */
export type AuditTarget = Pick<
  AuditRecord,
  'providerId' | 'scheme' | 'retentionClass' | 'requestedProviderId'
> & {
  /** @default - none beyond functions/config/headers.ts's pattern */
  readonly credentialHeaders?: readonly string[];
};

/** The fields every audit record of an attempt carries, whatever its outcome. */
export type AttemptFields = Omit<AuditTarget, 'credentialHeaders'> &
  Pick<
    AuditRecord,
    | 'deliveryId'
    | 'requestId'
    | 'receivedAtMs'
    | 'sourceIp'
    | 'userAgent'
    | 'bodySha256'
    | 'encryptedHeaders'
  >;

/**
 * An attempt's record fields, filed at `target` under `deliveryId` (a refused attempt has no
 * trusted delivery id, so it passes the request id). Encrypts the headers the audit keeps, when
 * the record's retention class keeps any.
 */
export async function attemptFields(
  { request, receivedAtMs, ports }: Attempt,
  { credentialHeaders = [], ...target }: AuditTarget,
  deliveryId: string,
  bodySha256: string,
): Promise<AttemptFields> {
  return {
    ...target,
    deliveryId,
    requestId: request.requestId,
    receivedAtMs,
    sourceIp: request.sourceIp,
    ...(request.userAgent === undefined ? {} : { userAgent: request.userAgent }),
    bodySha256,
    ...(retentionClasses[target.retentionClass].headers
      ? {
          encryptedHeaders: await encryptHeaders(ports, target.providerId, deliveryId, {
            request,
            credentialHeaders,
          }),
        }
      : {}),
  };
}

/** A payload copy as the accepted record carries it. */
export type EncryptedPayloadCopy = Required<
  Pick<AuditRecord, 'encryptedPayload' | 'payloadEncoding'>
>;

/**
 * The redacted copy of an accepted body, compressed and encrypted (audit/payload-copy.ts), where
 * retention policy keeps one. None when redaction cannot be proved to have applied
 * (redaction.ts says why), or when even compressed it would not fit its DynamoDB item.
 */
export async function encryptPayloadCopy(
  { request, ports }: Attempt,
  record: Pick<AttemptFields, 'providerId' | 'deliveryId' | 'retentionClass'>,
  rules: readonly RedactionRule[],
): Promise<EncryptedPayloadCopy | undefined> {
  if (!keepsPayloadCopy(record.retentionClass, ports.payloadCopyCeiling)) return undefined;
  const redacted = redactPayload(request.body, rules, headerValue(request.headers, 'content-type'));
  if (!redacted.kept) return undefined;
  const encoded = encodePayloadCopy(redacted.bytes);
  // Its own DynamoDB item: past the item size, the write would fail on every retry.
  if (encoded.byteLength > maxPayloadCopyBytes) return undefined;
  const { providerId, deliveryId } = record;
  const encryptedPayload = await ports.encryptField(
    { providerId, deliveryId, field: payloadCopyField(currentPayloadEncoding) },
    encoded,
  );
  return { encryptedPayload, payloadEncoding: currentPayloadEncoding };
}

/**
 * The keyed hash of the data subject a verified body names at the provider's subject key, or
 * `undefined` when the provider has none or the body names nobody there. The value itself is
 * never stored.
 */
export async function hashSubject(
  ports: IngestPorts,
  config: ProviderConfig,
  body: Uint8Array,
): Promise<string | undefined> {
  if (config.subjectKeyPath === undefined) return undefined;
  const value = readSubjectValue(body, config.subjectKeyPath);
  if (value === undefined) return undefined;
  if (ports.subjectIndex === undefined) throw new SubjectIndexSecretMissingError();
  return ports.subjectIndex.hash(config.providerId, value);
}

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The request headers the audit keeps, as JSON, encrypted for the record. */
function encryptHeaders(
  ports: IngestPorts,
  providerId: string,
  deliveryId: string,
  { request, credentialHeaders }: { request: IngestRequest; credentialHeaders: readonly string[] },
): Promise<Buffer> {
  const kept = auditedHeaders(request.headers, credentialHeaders);
  const plaintext = Buffer.from(JSON.stringify(kept), 'utf8');
  return ports.encryptField(
    { providerId, deliveryId, field: auditEncryptedFields.headers },
    plaintext,
  );
}

function headerValue(headers: IngestRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}
