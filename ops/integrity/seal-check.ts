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
import { DataKeyRejectedError } from '../../functions/audit/errors.ts';
import type { AuditItem, AuditRecord } from '../../functions/audit/record.ts';
import {
  checkSeal,
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
    let verdict: SealVerdict;
    try {
      verdict = await this.#keys[writer].withPlaintextKey(seal.key, (key) =>
        checkSeal(key, content, seal, withPersonal),
      );
    } catch (error) {
      if (!(error instanceof DataKeyRejectedError)) throw error;
      return {
        kind: 'altered',
        detail: `its seal key is not one KMS made for the ${writer} writer (${error.message})`,
      };
    }
    return verdict === 'valid' ? undefined : { kind: 'altered', detail: verdictDetail[verdict] };
  }

  /** Zeroes every decrypted seal key. */
  clear(): void {
    for (const cache of Object.values(this.#keys)) cache.clear();
  }
}

const verdictDetail: Record<Exclude<SealVerdict, 'valid'>, string> = {
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
