/**
 * KMS data keys for audit-field encryption, kept per container so that a warm request makes
 * no KMS call. The writer's `DataKeyCache` reuses one GenerateDataKey result within limits of
 * age, messages and bytes (as the AWS Encryption SDK's caching materials manager does); the
 * reader's `DecryptedDataKeyCache` remembers Decrypt results by encrypted blob. Plaintext
 * keys live only in these objects and are zeroed when they leave them.
 */
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { describeFailure } from '../aws/errors.ts';
import type { Clock } from '../verify/types.ts';
import {
  DataKeyRejectedError,
  FieldEncryptionOptionsError,
  KeyServiceUnavailableError,
} from './errors.ts';

/** A KMS encryption context: string keys to string values. */
export type KmsEncryptionContext = Readonly<Record<string, string>>;

/**
 * The KMS encryption context of every audit-field data key. It names the purpose, not the
 * record: a context per delivery would cost a KMS call per request. Each field is bound to its
 * record by the AES-GCM additional data instead (field-encryption.ts).
 */
export const auditFieldsKmsContext: KmsEncryptionContext = { purpose: 'webhook-audit-fields' };

/** AES-256: GenerateDataKey with KeySpec AES_256 returns 32 bytes. */
export const dataKeyBytes = 32;

/** The writer's limits on one data key, whichever is reached first. */
export const dataKeyDefaults = {
  /** Five minutes: a leaked key exposes at most this long a window of records. */
  maxAgeMs: 5 * 60 * 1000,
  /** Far below the 2^32 random 96-bit IVs NIST SP 800-38D §8.3 allows per GCM key. */
  maxMessages: 10_000,
  /** 1 GiB of plaintext. */
  maxBytes: 2 ** 30,
} as const;

/** The reader's bound on decrypted data keys held at once. */
export const defaultMaxDecryptedKeys = 1_000;

export interface DataKeyCacheOptions {
  /** Created once per container. */
  readonly kms: KMSClient;
  /** The CMK that wraps the data keys: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** @default auditFieldsKmsContext */
  readonly kmsEncryptionContext?: KmsEncryptionContext;
  /** How long one data key is used after KMS returned it. @default 300_000 (five minutes) */
  readonly maxAgeMs?: number;
  /** How many fields one data key encrypts (one AES-GCM message, one IV, each). @default 10_000 */
  readonly maxMessages?: number;
  /**
   * How many plaintext bytes one data key encrypts. A field larger than this gets a data key
   * of its own. @default 1_073_741_824 (1 GiB)
   */
  readonly maxBytes?: number;
  /** @default Date.now */
  readonly now?: Clock;
}

/** A data key as the writer uses it: valid only inside the `withDataKey` callback. */
export interface DataKey {
  /** The 32 key bytes. Never log, copy or keep them. */
  readonly plaintextKey: Buffer;
  /** GenerateDataKey's CiphertextBlob, stored beside each field it encrypts. */
  readonly encryptedKey: Uint8Array;
}

interface CachedDataKey extends DataKey {
  readonly createdAtMs: number;
  messages: number;
  bytes: number;
}

/**
 * The writer's data key, reused until its age, message or byte limit is reached. Callers that
 * find no usable key at the same time share one GenerateDataKey call.
 * @example
 * const dataKeys = new DataKeyCache({ kms, keyId: 'alias/webhooks/audit' });
 */
export class DataKeyCache {
  readonly #kms: KMSClient;
  readonly #keyId: string;
  readonly #context: KmsEncryptionContext;
  readonly #maxAgeMs: number;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #now: Clock;
  #current: CachedDataKey | undefined;
  #pending: Promise<void> | undefined;

  constructor(options: DataKeyCacheOptions) {
    this.#kms = options.kms;
    this.#keyId = nonEmpty('keyId', options.keyId);
    this.#context = options.kmsEncryptionContext ?? auditFieldsKmsContext;
    this.#maxAgeMs = positiveInteger('maxAgeMs', options.maxAgeMs ?? dataKeyDefaults.maxAgeMs);
    this.#maxMessages = positiveInteger(
      'maxMessages',
      options.maxMessages ?? dataKeyDefaults.maxMessages,
    );
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? dataKeyDefaults.maxBytes);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Runs `use` with a data key counted as encrypting `plaintextBytes` more. `use` must be
   * synchronous: once it returns, another caller may retire the key and zero its bytes.
   * Throws KeyServiceUnavailableError when KMS fails; the next call asks KMS again.
   */
  async withDataKey<Result>(
    plaintextBytes: number,
    use: (key: DataKey) => Result,
  ): Promise<Result> {
    for (;;) {
      const key = this.#current;
      if (key && this.#admits(key, plaintextBytes)) {
        key.messages += 1;
        key.bytes += plaintextBytes;
        return use(key);
      }
      await this.#fetchOnce();
    }
  }

  /**
   * Starts asking KMS for a data key when none is usable, without waiting, so that a key needed
   * a moment later is fetched beside other calls rather than after them. A failure is left to
   * the next `withDataKey`, which asks again.
   */
  prefetch(): void {
    const key = this.#current;
    if (key && this.#admits(key, 0)) return;
    this.#fetchOnce().catch(() => {});
  }

  /** The fetch under way, or a new one: concurrent callers share one GenerateDataKey. */
  #fetchOnce(): Promise<void> {
    if (!this.#pending) {
      this.clear();
      this.#pending = this.#fetch().finally(() => {
        this.#pending = undefined;
      });
    }
    return this.#pending;
  }

  /** Zeroes and forgets the current data key; the next encryption asks KMS for another. */
  clear(): void {
    this.#current?.plaintextKey.fill(0);
    this.#current = undefined;
  }

  /** A fresh key takes its first message whatever its size, so every fetch serves a caller. */
  #admits(key: CachedDataKey, plaintextBytes: number): boolean {
    if (key.messages === 0) return true;
    return (
      this.#now() - key.createdAtMs < this.#maxAgeMs &&
      key.messages < this.#maxMessages &&
      key.bytes + plaintextBytes <= this.#maxBytes
    );
  }

  async #fetch(): Promise<void> {
    let output: { Plaintext?: Uint8Array | undefined; CiphertextBlob?: Uint8Array | undefined };
    try {
      output = await this.#kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.#keyId,
          KeySpec: 'AES_256',
          EncryptionContext: { ...this.#context },
        }),
      );
    } catch (error) {
      throw new KeyServiceUnavailableError('GenerateDataKey', describeFailure(error), {
        cause: error,
      });
    }
    const { Plaintext, CiphertextBlob } = output ?? {};
    if (Plaintext?.length !== dataKeyBytes || !CiphertextBlob?.length) {
      Plaintext?.fill(0);
      throw new KeyServiceUnavailableError('GenerateDataKey', 'the response held no AES-256 key');
    }
    this.#current = {
      plaintextKey: viewOf(Plaintext),
      encryptedKey: CiphertextBlob,
      createdAtMs: this.#now(),
      messages: 0,
      bytes: 0,
    };
  }
}

export interface DecryptedDataKeyCacheOptions {
  /** Created once per container. */
  readonly kms: KMSClient;
  /**
   * The CMK the data keys must come from; Decrypt refuses blobs of any other key.
   * @default - whichever key the blob names, if the caller may use it
   */
  readonly keyId?: string;
  /** The context the writer used. @default auditFieldsKmsContext */
  readonly kmsEncryptionContext?: KmsEncryptionContext;
  /** Decrypted data keys held at once; the least recently used is zeroed first. @default 1_000 */
  readonly maxKeys?: number;
}

/**
 * The reader's data keys, by encrypted blob: one KMS Decrypt per data key, shared by
 * concurrent callers, then kept until pushed out by newer keys.
 */
export class DecryptedDataKeyCache {
  readonly #kms: KMSClient;
  readonly #keyId: string | undefined;
  readonly #context: KmsEncryptionContext;
  readonly #maxKeys: number;
  /** In least-recently-used order, the oldest first. */
  readonly #keys = new Map<string, Buffer>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(options: DecryptedDataKeyCacheOptions) {
    this.#kms = options.kms;
    this.#keyId = options.keyId === undefined ? undefined : nonEmpty('keyId', options.keyId);
    this.#context = options.kmsEncryptionContext ?? auditFieldsKmsContext;
    this.#maxKeys = positiveInteger('maxKeys', options.maxKeys ?? defaultMaxDecryptedKeys);
  }

  /**
   * Runs `use` with the plaintext of `encryptedKey`. `use` must be synchronous: once it returns,
   * the key may be evicted and zeroed. Throws DataKeyRejectedError when KMS refuses the blob,
   * KeyServiceUnavailableError when KMS fails otherwise.
   */
  async withPlaintextKey<Result>(
    encryptedKey: Uint8Array,
    use: (plaintextKey: Buffer) => Result,
  ): Promise<Result> {
    const id = viewOf(encryptedKey).toString('base64');
    for (;;) {
      const key = this.#keys.get(id);
      if (key) {
        this.#keys.delete(id);
        this.#keys.set(id, key);
        return use(key);
      }
      // Evicted between Decrypt and here only when more than maxKeys blobs are in flight.
      let pending = this.#pending.get(id);
      if (!pending) {
        pending = this.#decrypt(id, encryptedKey).finally(() => this.#pending.delete(id));
        this.#pending.set(id, pending);
      }
      await pending;
    }
  }

  /** Zeroes and forgets every decrypted data key. */
  clear(): void {
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys.clear();
  }

  async #decrypt(id: string, encryptedKey: Uint8Array): Promise<void> {
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.#kms.send(
        new DecryptCommand({
          CiphertextBlob: encryptedKey,
          EncryptionContext: { ...this.#context },
          ...(this.#keyId === undefined ? {} : { KeyId: this.#keyId }),
        }),
      ));
    } catch (error) {
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new DataKeyRejectedError(`KMS answered ${error.name}`, { cause: error });
      }
      throw new KeyServiceUnavailableError('Decrypt', describeFailure(error), { cause: error });
    }
    if (plaintext?.length !== dataKeyBytes) {
      plaintext?.fill(0);
      throw new DataKeyRejectedError('it is not an AES-256 key');
    }
    const oldest = this.#keys.keys().next();
    if (!oldest.done && this.#keys.size >= this.#maxKeys) {
      this.#keys.get(oldest.value)?.fill(0);
      this.#keys.delete(oldest.value);
    }
    this.#keys.set(id, viewOf(plaintext));
  }
}

/** A Buffer over the same memory, so that zeroing it zeroes the SDK's array too. */
function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new FieldEncryptionOptionsError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonEmpty(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new FieldEncryptionOptionsError(`${name} must be a non-empty string, got '${value}'`);
  }
  return value;
}
