/**
 * The deployment's subject-index secret (subject-index.ts): 32 random bytes from KMS
 * GenerateDataKey under the audit key and `subjectIndexKmsContext`, kept only as that call's
 * ciphertext, in the registry table under `subjectIndexSecretId`, a reserved id no provider
 * can take. The registry, because the Lambda already reads it with GetItem; the audit key,
 * because the hashes it makes are part of the audit trail.
 *
 *   providerId  `_subject-index`
 *   ciphertext  GenerateDataKey's CiphertextBlob
 *   createdAt   ISO 8601
 *
 * The local stack creates it at start; on a deployed stack the first CLI call that needs it
 * (`providers add --subject-key`, `audit erase --subject`) does, with a conditional put: of
 * two racing callers one writes, and the other reads back the one written. The Lambda only
 * reads and decrypts it, once per container and then every `secretCacheSeconds`, and only
 * when a provider has a subject key. It is never replaced: a new secret would orphan every
 * hash already stored.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { describeFailure, dynamodbUnavailable } from '../aws/errors.ts';
import { secretCacheSeconds } from '../config/limits.ts';
import { reservedRegistryIdPrefix } from '../registry/provider.ts';
import type { Clock } from '../verify/types.ts';
import {
  DataKeyRejectedError,
  KeyServiceUnavailableError,
  SubjectIndexSecretMissingError,
} from './errors.ts';
import { subjectHashOf, subjectIndexKmsContext, subjectIndexSecretBytes } from './subject-index.ts';

/** The registry item's id: reserved, so no provider can take or overwrite it. */
export const subjectIndexSecretId = `${reservedRegistryIdPrefix}subject-index`;

export interface SubjectIndexSecretOptions {
  /** Created once per container. */
  readonly dynamodb: DynamoDBClient;
  /** Created once per container. */
  readonly kms: KMSClient;
  /** The registry table's name (`registryTable.nameVariable`). */
  readonly registryTableName: string;
  /** The audit CMK: key id, key ARN, alias name or alias ARN. */
  readonly auditKeyId: string;
  /** How long the decrypted secret is used before KMS is asked again. @default secretCacheSeconds (300) */
  readonly cacheSeconds?: number;
  /** @default Date.now */
  readonly now?: Clock;
}

interface CachedSecret {
  readonly plaintext: Buffer;
  readonly loadedAtMs: number;
  /** Set, and the bytes zeroed, once a newer load replaced it. */
  retired: boolean;
}

/**
 * Hashes subject values with the deployment's secret, decrypted once and kept for a while.
 * @example
 * const subjects = new SubjectIndexSecret({ dynamodb, kms, registryTableName, auditKeyId });
 * const hash = await subjects.hash('shop', 'cus_9s6XKzkNRiz8i3');
 */
export class SubjectIndexSecret {
  readonly #dynamodb: DynamoDBClient;
  readonly #kms: KMSClient;
  readonly #tableName: string;
  readonly #keyId: string;
  readonly #ttlMs: number;
  readonly #now: Clock;
  #cached: CachedSecret | undefined;
  #loading: Promise<CachedSecret> | undefined;

  constructor(options: SubjectIndexSecretOptions) {
    this.#dynamodb = options.dynamodb;
    this.#kms = options.kms;
    this.#tableName = options.registryTableName;
    this.#keyId = options.auditKeyId;
    this.#ttlMs = (options.cacheSeconds ?? secretCacheSeconds) * 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The keyed hash of `value` for `providerId` (subject-index.ts). Throws
   * SubjectIndexSecretMissingError when the secret was never created, KeyServiceUnavailableError
   * or DataKeyRejectedError when KMS fails or refuses, DependencyUnavailableError when
   * DynamoDB fails.
   */
  async hash(providerId: string, value: string): Promise<string> {
    for (;;) {
      const secret = await this.#secret();
      // A reload may have retired (and zeroed) it between the await and here: ask again.
      if (!secret.retired) return subjectHashOf(secret.plaintext, providerId, value);
    }
  }

  /**
   * Creates the secret unless it exists; `created` when this call wrote it. Needs
   * kms:GenerateDataKey on the audit key under `subjectIndexKmsContext`, and the registry
   * table's GetItem and PutItem.
   */
  async ensureCreated(): Promise<'created' | 'existing'> {
    if ((await this.#read()) !== undefined) return 'existing';
    const { plaintext, ciphertext } = await this.#generate();
    try {
      await this.#dynamodb.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            providerId: { S: subjectIndexSecretId },
            ciphertext: { B: ciphertext },
            createdAt: { S: new Date(this.#now()).toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(providerId)',
        }),
      );
    } catch (error) {
      plaintext.fill(0);
      // Another caller wrote it first: theirs is the one every hash uses.
      if (error instanceof ConditionalCheckFailedException) return 'existing';
      throw dynamodbUnavailable('PutItem', error);
    }
    this.#replace({ plaintext, loadedAtMs: this.#now(), retired: false });
    return 'created';
  }

  /** Zeroes and forgets the decrypted secret. */
  clear(): void {
    this.#replace(undefined);
  }

  /** From the cache while fresh, else one load shared by every caller that missed. */
  async #secret(): Promise<CachedSecret> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() - cached.loadedAtMs < this.#ttlMs) return cached;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<CachedSecret> {
    const ciphertext = await this.#read();
    if (ciphertext === undefined) throw new SubjectIndexSecretMissingError();
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.#kms.send(
        new DecryptCommand({
          CiphertextBlob: ciphertext,
          KeyId: this.#keyId,
          EncryptionContext: { ...subjectIndexKmsContext },
        }),
      ));
    } catch (error) {
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new DataKeyRejectedError(`the subject-index secret: KMS answered ${error.name}`, {
          cause: error,
        });
      }
      throw new KeyServiceUnavailableError('Decrypt', needs('kms:Decrypt', error), {
        cause: error,
      });
    }
    if (plaintext?.length !== subjectIndexSecretBytes) {
      plaintext?.fill(0);
      throw new DataKeyRejectedError('the subject-index secret is not 32 bytes');
    }
    const secret = { plaintext: viewOf(plaintext), loadedAtMs: this.#now(), retired: false };
    this.#replace(secret);
    return secret;
  }

  /** The stored ciphertext, or `undefined` when there is none. */
  async #read(): Promise<Uint8Array | undefined> {
    try {
      const { Item } = await this.#dynamodb.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { providerId: { S: subjectIndexSecretId } },
          ConsistentRead: true,
        }),
      );
      const ciphertext = Item?.ciphertext?.B;
      return ciphertext === undefined || ciphertext.length === 0 ? undefined : ciphertext;
    } catch (error) {
      throw dynamodbUnavailable('GetItem', error);
    }
  }

  async #generate(): Promise<{ plaintext: Buffer; ciphertext: Uint8Array }> {
    let output: { Plaintext?: Uint8Array | undefined; CiphertextBlob?: Uint8Array | undefined };
    try {
      output = await this.#kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.#keyId,
          NumberOfBytes: subjectIndexSecretBytes,
          EncryptionContext: { ...subjectIndexKmsContext },
        }),
      );
    } catch (error) {
      throw new KeyServiceUnavailableError('GenerateDataKey', needs('kms:GenerateDataKey', error), {
        cause: error,
      });
    }
    const { Plaintext, CiphertextBlob } = output;
    if (Plaintext?.length !== subjectIndexSecretBytes || !CiphertextBlob?.length) {
      Plaintext?.fill(0);
      throw new KeyServiceUnavailableError('GenerateDataKey', 'the response held no 32-byte key');
    }
    return { plaintext: viewOf(Plaintext), ciphertext: CiphertextBlob };
  }

  #replace(next: CachedSecret | undefined): void {
    const previous = this.#cached;
    if (previous !== undefined && previous !== next) {
      previous.retired = true;
      previous.plaintext.fill(0);
    }
    this.#cached = next;
  }
}

/** The SDK failure, and the permission it takes when KMS denied it. */
function needs(permission: string, error: unknown): string {
  const failure = describeFailure(error);
  return error instanceof Error && error.name === 'AccessDeniedException'
    ? `${failure}: this needs ${permission} on the audit key with encryption context purpose=${subjectIndexKmsContext.purpose}`
    : failure;
}

/** A Buffer over the same memory, so that zeroing it zeroes the SDK's array too. */
function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
