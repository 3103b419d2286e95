/**
 * `audit verify`'s check of every item's seal (functions/audit/record-seal.ts), digested or
 * not: a delivery record must carry a seal under a data key of the ingest writer, an admin
 * record or an erasure receipt one of the operator writer, and each must match what the item
 * holds now. It is what the digests cannot do: it covers the minutes before a period is
 * digested, and it tells a receipt the CLI wrote from one put in the table by hand.
 *
 * Each seal key is decrypted once (KMS Decrypt, under the writer's context, which KMS checks:
 * a key generated for the other writer, or any other blob, is refused).
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { DataKeyRejectedError, KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import type { AuditItem, AuditRecord } from '../../functions/audit/record.ts';
import {
  checkSeal,
  erasureSealContent,
  integrityKmsContext,
  itemSealContent,
  recordSealContent,
  type SealContent,
  type SealVerdict,
  type SealWriter,
} from '../../functions/audit/record-seal.ts';
import {
  recordSealAttributes,
  type Seal,
  sealFromAttributes,
} from '../../functions/audit/seal-attributes.ts';

/** A delivery record (sealed by the ingest function) or an item the CLI wrote. */
export type SealSubject =
  | { readonly kind: 'record'; readonly record: AuditRecord }
  | { readonly kind: 'item'; readonly item: AuditItem };

export interface SealFinding {
  /** `unsealed`: no seal at all; `altered`: a seal that does not match, or not the writer's. */
  readonly kind: 'unsealed' | 'altered';
  readonly detail: string;
}

export interface SealCheckerOptions {
  readonly kms: KMSClient;
  /** The audit key: Decrypt refuses blobs of any other. @default - whichever the blob names */
  readonly keyId?: string;
}

export class SealChecker {
  readonly #keys: Record<SealWriter, DecryptedDataKeyCache>;

  constructor({ kms, keyId }: SealCheckerOptions) {
    const cache = (writer: SealWriter) =>
      new DecryptedDataKeyCache({
        kms,
        ...(keyId === undefined ? {} : { keyId }),
        kmsEncryptionContext: integrityKmsContext(writer),
      });
    this.#keys = { ingest: cache('ingest'), operator: cache('operator') };
  }

  /**
   * Undefined when the subject's seal matches it; the finding otherwise. Throws
   * KeyServiceUnavailableError when KMS fails (not a finding: nothing was learnt).
   */
  async check(subject: SealSubject): Promise<SealFinding | undefined> {
    const { seal, content, withPersonal, writer } = sealed(subject);
    if (seal === undefined) {
      return { kind: 'unsealed', detail: 'it carries no seal: written without the seal key' };
    }
    const verdict = await this.#verdict(writer, seal.key, (key) =>
      checkSeal(key, content, seal, withPersonal),
    );
    if (verdict !== 'valid') return { kind: 'altered', detail: verdictDetail[verdict] ?? verdict };
    return subject.kind === 'record' ? this.#checkErasure(subject.record) : undefined;
  }

  /** An erased record's erasure must carry the seal of an operator, over that erasure. */
  async #checkErasure(record: AuditRecord): Promise<SealFinding | undefined> {
    const { erasedAtMs, erasureReceiptId: receiptId } = record;
    if (erasedAtMs === undefined || receiptId === undefined) return undefined;
    const erasure = record.seal?.erasure;
    if (erasure === undefined) {
      return { kind: 'altered', detail: 'it is marked erased, but no operator sealed the erasure' };
    }
    const content = erasureSealContent(erasure.itemId, { erasedAtMs, receiptId });
    const verdict = await this.#verdict('operator', erasure.key, (key) =>
      checkSeal(key, content, { key: erasure.key, fields: erasure.mac }, false),
    );
    if (verdict === 'valid') return undefined;
    const detail =
      verdict === 'fields_differ'
        ? 'its erasure seal does not match when, or under which receipt, it was erased'
        : `its erasure seal is not an operator's: ${verdict}`;
    return { kind: 'altered', detail };
  }

  /**
   * `check` run under the seal key `blob` decrypts to for `writer`, or why it could not be:
   * a blob KMS refuses is a finding; KMS failing otherwise throws KeyServiceUnavailableError.
   */
  async #verdict(
    writer: SealWriter,
    blob: Buffer,
    check: (key: Buffer) => SealVerdict,
  ): Promise<SealVerdict | string> {
    // Not a blob KMS could have made (KMS would refuse it as a bad request, not as a bad key).
    if (blob.byteLength === 0 || blob.byteLength > maxBlobBytes) {
      return `its seal key is ${blob.byteLength} bytes: no KMS blob`;
    }
    try {
      return await this.#keys[writer].withPlaintextKey(blob, check);
    } catch (error) {
      const refused =
        error instanceof DataKeyRejectedError ||
        (error instanceof KeyServiceUnavailableError && badRequest(error.cause));
      if (!refused) throw error;
      return `its seal key is not one KMS made for the ${writer} writer (${(error as Error).message})`;
    }
  }

  /** Zeroes every decrypted seal key. */
  clear(): void {
    for (const cache of Object.values(this.#keys)) cache.clear();
  }
}

/** The largest ciphertext blob KMS returns. */
const maxBlobBytes = 6144;

/** KMS refused the request itself: the blob is malformed, whatever the service's health. */
function badRequest(cause: unknown): boolean {
  return (cause as { name?: unknown } | undefined)?.name === 'ValidationException';
}

const verdictDetail: Partial<Record<string, string>> = {
  fields_differ: 'its seal does not match: a field erasure keeps differs from what was sealed',
  personal_differ: 'its seal does not match: its personal fields differ from what was sealed',
  personal_missing: 'its personal fields are not erased, but their seal is gone',
};

function sealed(subject: SealSubject): {
  seal: Seal | undefined;
  content: SealContent;
  withPersonal: boolean;
  writer: SealWriter;
} {
  if (subject.kind === 'item') {
    return {
      seal: sealFromAttributes(subject.item, recordSealAttributes),
      content: itemSealContent(subject.item),
      withPersonal: false,
      writer: 'operator',
    };
  }
  const { record } = subject;
  return {
    seal: record.seal,
    content: recordSealContent(record, record.seal?.scope ?? 'record'),
    // Erasure removes the personal fields and their MAC; what it keeps is still checked.
    withPersonal: record.erasedAtMs === undefined && record.erasureReceiptId === undefined,
    writer: 'ingest',
  };
}
