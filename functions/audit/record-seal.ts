/**
 * Seals: an integrity value on every audit item, so that a change made with table access alone
 * shows at once, not only once the period's digest is written (ops/integrity). A seal is
 * HMAC-SHA256, truncated to 128 bits, under a data key KMS generated for sealing and cached as
 * the field-encryption keys are (data-key-cache.ts): no KMS call per delivery. The item keeps
 * the data key's encrypted blob beside its MACs; a verifier decrypts each blob once.
 *
 * The data key's KMS context names its writer: `ingest` for delivery records, `operator` for
 * admin records and erasure receipts. The key policy lets the ingest role generate only the
 * first kind and operators only the second (infra/key-policies.ts), so someone who can write the
 * table but cannot generate the writer's key cannot make a record, or a receipt, that verifies.
 *
 * Two MACs, so that erasure stays lawful: `seal` covers every field erasure keeps, and
 * `sealPersonal` those together with the fields it removes (`erasedPersonalFields`; an attempt's
 * address and agent). Erasure removes `sealPersonal` with the personal fields; `seal` still
 * verifies, and the erasure receipt, sealed by an operator, says why the rest is gone.
 *
 * Scopes, each bound into the MAC so that no seal can be moved to another kind of item:
 * - `record`: a refused or failed attempt's record item, or the accepted record a delivery item
 *   holds, as record.ts and delivery-item.ts read it back;
 * - `attempt`: one entry of a delivery item's `attempts` (its repeats): the provider, delivery,
 *   request and time, and the address and agent. The fields it shares with the accepted record
 *   are under that record's seal;
 * - `item`: an admin record or an erasure receipt, every attribute but the seal's own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { canonicalPairs, type FieldPairs, itemPairs } from './canonical.ts';
import { type DataKey, DataKeyCache, type KmsEncryptionContext } from './data-key-cache.ts';
import {
  type AuditItem,
  type AuditRecord,
  auditRecordId,
  auditSortKey,
  erasedPersonalFields,
} from './record.ts';
import {
  type RecordSeal,
  recordSealAttributes,
  type Seal,
  sealToAttributes,
} from './seal-attributes.ts';

/** The `purpose` of every seal data key's KMS context. */
export const auditIntegrityPurpose = 'webhook-audit-integrity';

/** Who writes the items a seal key seals; part of the key's KMS context. */
export const sealWriters = ['ingest', 'operator'] as const;
export type SealWriter = (typeof sealWriters)[number];

/** The KMS context of a writer's seal data keys. */
export function integrityKmsContext(writer: SealWriter): KmsEncryptionContext {
  return { purpose: auditIntegrityPurpose, writer };
}

export type SealScope = 'record' | 'attempt' | 'item' | 'erasure';

/** What one seal covers. */
export interface SealContent {
  readonly scope: SealScope;
  /** The item's identity: the MAC binds it, so a seal cannot be copied to another item. */
  readonly id: string;
  readonly kept: FieldPairs;
  readonly personal: FieldPairs;
}

/** The bytes kept of each HMAC-SHA256: 128 bits, as RFC 2104 §5 allows. */
export const sealMacBytes = 16;
const sealFormat = 'webhook-audit-seal/1';

/**
 * A record's fields as its seal and its digest entry (ops/integrity/digest-entry.ts) cover
 * them: those erasure keeps, and the personal ones it removes. Neither covers the seal itself,
 * erasure's marker (checked against the operator's erasure seal and the receipt) or the
 * payload copy (an item of its own, deleted by erasure).
 */
export function coveredFields(record: AuditRecord): {
  kept: [string, unknown][];
  personal: [string, unknown][];
} {
  const kept: [string, unknown][] = [];
  const personal: [string, unknown][] = [];
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || notCovered.has(name)) continue;
    (personalFields.has(name) ? personal : kept).push([name, value]);
  }
  return { kept, personal };
}

const notCovered = new Set([
  'seal',
  'erasedAtMs',
  'erasureReceiptId',
  'encryptedPayload',
  'payloadEncoding',
]);
const personalFields = new Set<string>(erasedPersonalFields);

/** What a delivery record's seal covers, in the scope it was sealed in. */
export function recordSealContent(record: AuditRecord, scope: RecordSeal['scope']): SealContent {
  if (scope === 'attempt') {
    return {
      scope,
      id: `${record.providerId}#${record.deliveryId}#${record.requestId}`,
      kept: [
        ['providerId', record.providerId],
        ['deliveryId', record.deliveryId],
        ['requestId', record.requestId],
        ['receivedAtMs', record.receivedAtMs],
      ],
      personal: present([
        ['sourceIp', record.sourceIp],
        ['userAgent', record.userAgent],
      ]),
    };
  }
  return {
    scope,
    id: auditRecordId(record.providerId, auditSortKey(record)),
    ...coveredFields(record),
  };
}

/**
 * What an erasure's seal covers: the erased item (`<providerId>#<record sort key>`, a delivery
 * item's `listSk`), when and under which receipt. Made by the operator, so that table access
 * alone cannot mark a record erased and have it verify.
 */
export function erasureSealContent(
  itemId: string,
  erasure: { readonly erasedAtMs: number; readonly receiptId: string },
): SealContent {
  return {
    scope: 'erasure',
    id: itemId,
    kept: [
      ['erasedAtMs', erasure.erasedAtMs],
      ['erasureReceiptId', erasure.receiptId],
    ],
    personal: [],
  };
}

/** What an admin record's or an erasure receipt's seal covers: the item but its seal. */
export function itemSealContent(item: AuditItem): SealContent {
  return {
    scope: 'item',
    id: `${item.pk?.S ?? ''}#${item.sk?.S ?? ''}`,
    kept: itemPairs(item, itemSealNames),
    personal: [],
  };
}

const itemSealNames = new Set([
  recordSealAttributes.key,
  recordSealAttributes.fields,
  recordSealAttributes.personal,
]);

/** The two MACs of `content` under `key` (the personal one even when nothing is personal). */
export function sealMacs(key: Buffer, content: SealContent): { fields: Buffer; personal: Buffer } {
  const kept = canonicalPairs(content.kept);
  const mac = (parts: unknown[]) =>
    createHmac('sha256', key)
      .update(JSON.stringify([sealFormat, content.scope, content.id, ...parts]), 'utf8')
      .digest()
      .subarray(0, sealMacBytes);
  return { fields: mac([kept]), personal: mac([kept, canonicalPairs(content.personal)]) };
}

export type SealVerdict = 'valid' | 'fields_differ' | 'personal_differ' | 'personal_missing';

/**
 * Whether `seal` is `content`'s under `key`. An erased record, and an item (which has nothing
 * personal), are checked on the fields erasure keeps only; a record that is not erased needs
 * its personal MAC too.
 */
export function checkSeal(
  key: Buffer,
  content: SealContent,
  seal: Seal,
  withPersonal: boolean,
): SealVerdict {
  const macs = sealMacs(key, content);
  if (!equalMacs(macs.fields, seal.fields)) return 'fields_differ';
  if (!withPersonal) return 'valid';
  if (seal.personal === undefined) return 'personal_missing';
  return equalMacs(macs.personal, seal.personal) ? 'valid' : 'personal_differ';
}

function equalMacs(expected: Buffer, actual: Buffer): boolean {
  return actual.byteLength === expected.byteLength && timingSafeEqual(actual, expected);
}

/** Where the seal keys come from: `DataKeyCache`, or a fixed key in a unit test. */
export interface SealKeys {
  withDataKey<Result>(plaintextBytes: number, use: (key: DataKey) => Result): Promise<Result>;
  prefetch(): void;
}

/**
 * Seals what one writer writes, under its cached data key.
 * @example
 * const sealer = createSealer({ kms, keyId: auditKeyId, writer: 'ingest' });
 * const item = toAuditItem(await sealer.sealRecord(record));
 */
export class Sealer {
  readonly #keys: SealKeys;

  constructor(keys: SealKeys) {
    this.#keys = keys;
  }

  /** Starts fetching a seal key if none is ready, without waiting (`DataKeyCache.prefetch`). */
  prefetch(): void {
    this.#keys.prefetch();
  }

  /** Throws KeyServiceUnavailableError when KMS fails. */
  async seal(content: SealContent): Promise<Seal> {
    return this.#keys.withDataKey(sealMacBytes * 2, ({ plaintextKey, encryptedKey }) => ({
      key: Buffer.from(encryptedKey),
      ...sealMacs(plaintextKey, content),
    }));
  }

  /** The record with its own seal. */
  async sealRecord(record: AuditRecord): Promise<AuditRecord> {
    const { seal: _old, ...unsealed } = record;
    const seal = await this.seal(recordSealContent(unsealed, 'record'));
    return { ...unsealed, seal: { scope: 'record', ...seal } };
  }

  /** The seal of the record's attempt alone, as a delivery item's `attempts` keeps it. */
  async sealAttempt(record: AuditRecord): Promise<RecordSeal> {
    return { scope: 'attempt', ...(await this.seal(recordSealContent(record, 'attempt'))) };
  }

  /** The item with its seal among its attributes. */
  async sealItem(item: AuditItem): Promise<AuditItem> {
    const seal = await this.seal(itemSealContent(item));
    return { ...item, ...sealToAttributes(seal, recordSealAttributes, false) };
  }
}

export interface SealerOptions {
  /** Created once per container or command. */
  readonly kms: KMSClient;
  /** The audit key: key id, ARN or alias. */
  readonly keyId: string;
  readonly writer: SealWriter;
}

/** A sealer whose data keys KMS generates under the audit key and the writer's context. */
export function createSealer({ kms, keyId, writer }: SealerOptions): Sealer {
  return new Sealer(
    new DataKeyCache({ kms, keyId, kmsEncryptionContext: integrityKmsContext(writer) }),
  );
}

function present(pairs: [string, unknown][]): [string, unknown][] {
  return pairs.filter(([, value]) => value !== undefined);
}
