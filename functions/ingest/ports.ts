/** What the ingest path reads and writes, and one request on its way through it. */
import type { ClaimResult } from '../audit/delivery-claims.ts';
import type { ClaimTimes } from '../audit/delivery-item.ts';
import type { FieldBinding } from '../audit/field-encryption.ts';
import type { AuditItem, AuditRecord } from '../audit/record.ts';
import type { RetentionClassName } from '../config/retention.ts';
import type { EnvelopeInput } from '../queue/envelope.ts';
import type { SentMessage } from '../queue/sender.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import type { SchemeName } from '../verify/schemes/index.ts';
import type { Clock, Verdict } from '../verify/types.ts';
import type { VerifyDeliveryInput } from '../verify/verify.ts';
import type { IngestRequest } from './http-event.ts';
import type { RejectionTicket } from './rejection-budget.ts';

/** The adapters of the ingest path, each created once per container (handler.ts). */
export interface IngestPorts {
  /** `ProviderCache.resolveProvider`. */
  readonly resolveProvider: (providerId: string) => Promise<ResolvedProvider>;
  /** `verifyDelivery`. */
  readonly verify: (input: VerifyDeliveryInput<SchemeName>) => Promise<Verdict>;
  /** `DeliveryClaims`: the delivery items, each an accepted record and its dedup marker. */
  readonly claims: {
    claim(record: AuditRecord, times: ClaimTimes): Promise<ClaimResult>;
    replace(
      previous: AuditItem,
      record: AuditRecord,
      times: ClaimTimes,
    ): Promise<'claimed' | 'lost'>;
    release(record: AuditRecord): Promise<'released' | 'not_held'>;
  };
  /** `DeliveryQueue`: the envelope, and a body too large for it in the payload bucket. */
  readonly queue: { send(delivery: EnvelopeInput): Promise<SentMessage> };
  /** `AuditStore`. */
  readonly audit: {
    writeAttempt(record: AuditRecord): Promise<void>;
    writePayloadCopy(record: AuditRecord): Promise<void>;
  };
  /** `encryptField` bound to the audit `DataKeyCache`. */
  readonly encryptField: (binding: FieldBinding, plaintext: Uint8Array) => Promise<Buffer>;
  /**
   * `SubjectIndexSecret`: the keyed hash of a data subject's value, for providers with a
   * `subjectKeyPath`. @default - none: such a provider's verified deliveries fail (500) with
   * SubjectIndexSecretMissingError rather than go unindexed, unfindable for erasure
   */
  readonly subjectIndex?: { hash(providerId: string, value: string): Promise<string> };
  /** `RejectionBudget`: bounds the audit writes of refused attempts per source. */
  readonly rejections: {
    take(source: string, nowMs: number): RejectionTicket;
    restore(source: string, suppressedBefore: number): void;
  };
  /**
   * The retention class whose audit days every record keeps at least, set by the deployment's
   * compliance profiles (`RETENTION_FLOOR`); a provider's own class applies when it keeps
   * records longer. @default - each provider's own class
   */
  readonly retentionFloor?: RetentionClassName;
  /**
   * The retention class whose `payloadDays` bound every payload copy (`PAYLOAD_COPY_CEILING`):
   * no copy is kept where it keeps less than the provider's class would.
   * @default - each provider's own class decides
   */
  readonly payloadCopyCeiling?: RetentionClassName;
}

/** One request on its way through the ingest path: what it is, when it came, what it may use. */
export interface Attempt {
  readonly request: IngestRequest;
  /** Read from `clock` once, when the request arrived. */
  readonly receivedAtMs: number;
  /** The injected clock, for verification's timestamp checks. */
  readonly clock: Clock;
  readonly ports: IngestPorts;
}
