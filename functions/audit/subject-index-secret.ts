/**
 * The deployment's subject-index secret (subject-index.ts): 32 random bytes from KMS
 * GenerateDataKey under the audit key and `subjectIndexKmsContext`, kept only as that call's
 * ciphertext, in the registry table under `subjectIndexSecretId`, a reserved id no provider
 * can take. The registry, because the Lambda already reads it with GetItem; the audit key,
 * because the hashes it makes are part of the audit trail. The item holds every version still
 * needed (subject-index-versions.ts says how).
 *
 * The local stack creates it at start; on a deployed stack the first CLI call that needs it
 * (`providers add --subject-key`, `audit erase --subject`) does, with a conditional put: of
 * two racing callers one writes, and the other reads back the one written. The Lambda only
 * reads and decrypts the current version, once per container and then every
 * `secretCacheSeconds`, and only when a provider has a subject key: a rotation reaches every
 * running function within that time.
 *
 * `webhooks audit rotate-subject-secret` rotates it (`rotate`): a new current version, the
 * one it replaces kept for erasure, which looks a subject up under every version held
 * (`everyHash`). A rotation is a conditional put on the version it read: of two racing
 * rotations one writes, and the other is refused with SubjectIndexRotationConflictError, so
 * no version is lost.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
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
import {
  firstSubjectIndexVersion,
  subjectHashOf,
  subjectIndexKmsContext,
  subjectIndexSecretBytes,
} from './subject-index.ts';
import {
  heldVersions,
  itemOfVersions,
  rotatedVersions,
  type SubjectIndexVersion,
  type SubjectIndexVersions,
  versionsOfItem,
} from './subject-index-versions.ts';

/** The registry item's id: reserved, so no provider can take or overwrite it. */
export const subjectIndexSecretId = `${reservedRegistryIdPrefix}subject-index`;

/** Another rotation replaced the version this one read: nothing was written, nothing lost. */
export class SubjectIndexRotationConflictError extends Error {
  override readonly name = 'SubjectIndexRotationConflictError';
  readonly code = 'rotation_conflict';
  constructor(
    readonly expectedVersion: number,
    options?: ErrorOptions,
  ) {
    super(
      `the subject-index secret is no longer at v${expectedVersion}: another rotation replaced it first`,
      options,
    );
  }
}

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
  readonly version: number;
  readonly loadedAtMs: number;
  /** Set, and the bytes zeroed, once a newer load replaced it. */
  retired: boolean;
}

/** A subject's hash under one version of the secret. */
export interface VersionedHash {
  readonly version: number;
  readonly hash: string;
}

/** What a rotation did. */
export interface SubjectIndexRotation {
  /** The new current version. */
  readonly current: Omit<SubjectIndexVersion, 'ciphertext'>;
  /** The versions kept for erasure, newest first: the one replaced, then older ones. */
  readonly kept: readonly Omit<SubjectIndexVersion, 'ciphertext'>[];
  /** Versions dropped: retired longer ago than any record they indexed can be kept. */
  readonly dropped: readonly number[];
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
   * The keyed hash of `value` for `providerId` under the current version (subject-index.ts).
   * Throws SubjectIndexSecretMissingError when the secret was never created,
   * KeyServiceUnavailableError or DataKeyRejectedError when KMS fails or refuses,
   * DependencyUnavailableError when DynamoDB fails, SubjectIndexItemMalformedError when the
   * item cannot be read.
   */
  async hash(providerId: string, value: string): Promise<string> {
    for (;;) {
      const secret = await this.#secret();
      // A reload may have retired (and zeroed) it between the await and here: ask again.
      if (!secret.retired) {
        return subjectHashOf(secret.plaintext, providerId, value, secret.version);
      }
    }
  }

  /**
   * The keyed hash of `value` under every version held, the current first: what erasure looks
   * a subject up by. Decrypts each version once, uncached (the CLI's, not the Lambda's), and
   * zeroes it; throws as `hash` does.
   */
  async everyHash(providerId: string, value: string): Promise<readonly VersionedHash[]> {
    const versions = await this.#read();
    if (versions === undefined) throw new SubjectIndexSecretMissingError();
    const hashes: VersionedHash[] = [];
    for (const { version, ciphertext } of heldVersions(versions)) {
      const plaintext = await this.#decrypt(ciphertext, version);
      try {
        hashes.push({ version, hash: subjectHashOf(plaintext, providerId, value, version) });
      } finally {
        plaintext.fill(0);
      }
    }
    return hashes;
  }

  /** The versions held, without their ciphertexts; undefined when there is no secret. */
  async versions(): Promise<readonly Omit<SubjectIndexVersion, 'ciphertext'>[] | undefined> {
    const versions = await this.#read();
    return versions === undefined ? undefined : heldVersions(versions).map(withoutCiphertext);
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
          // The first version, unnumbered as before rotations: a Lambda of any age reads it.
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
    this.#replace({
      plaintext,
      version: firstSubjectIndexVersion,
      loadedAtMs: this.#now(),
      retired: false,
    });
    return 'created';
  }

  /**
   * Replaces the current version with a new secret, keeping the one replaced (and each
   * previous one still needed: subject-index-versions.ts `rotatedVersions`) for erasure.
   * A put conditional on the version read: SubjectIndexRotationConflictError when another
   * rotation came first. Throws SubjectIndexSecretMissingError when there is nothing to rotate.
   * Needs what `ensureCreated` needs.
   */
  async rotate(): Promise<SubjectIndexRotation> {
    const held = await this.#read();
    if (held === undefined) throw new SubjectIndexSecretMissingError();
    const { plaintext, ciphertext } = await this.#generate();
    const nowMs = this.#now();
    const plan = rotatedVersions(held, ciphertext, nowMs);
    try {
      await this.#dynamodb.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: itemOfVersions(subjectIndexSecretId, plan.versions),
          // An item no rotation wrote has no version: it is still at its first.
          ConditionExpression: held.versioned
            ? 'attribute_exists(providerId) AND #version = :expected'
            : 'attribute_exists(providerId) AND attribute_not_exists(#version)',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(held.versioned
            ? { ExpressionAttributeValues: { ':expected': { N: String(held.current.version) } } }
            : {}),
        }),
      );
    } catch (error) {
      plaintext.fill(0);
      if (error instanceof ConditionalCheckFailedException) {
        throw new SubjectIndexRotationConflictError(held.current.version, { cause: error });
      }
      throw dynamodbUnavailable('PutItem', error);
    }
    const { current, previous } = plan.versions;
    this.#replace({ plaintext, version: current.version, loadedAtMs: nowMs, retired: false });
    return {
      current: withoutCiphertext(current),
      kept: previous.map(withoutCiphertext),
      dropped: plan.dropped,
    };
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
    const versions = await this.#read();
    if (versions === undefined) throw new SubjectIndexSecretMissingError();
    const { version, ciphertext } = versions.current;
    const plaintext = await this.#decrypt(ciphertext, version);
    const secret = { plaintext, version, loadedAtMs: this.#now(), retired: false };
    this.#replace(secret);
    return secret;
  }

  /** One version's 32 bytes, from KMS. */
  async #decrypt(ciphertext: Uint8Array, version: number): Promise<Buffer> {
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
        throw new DataKeyRejectedError(
          `the subject-index secret v${version}: KMS answered ${error.name}`,
          { cause: error },
        );
      }
      throw new KeyServiceUnavailableError('Decrypt', needs('kms:Decrypt', error), {
        cause: error,
      });
    }
    if (plaintext?.length !== subjectIndexSecretBytes) {
      plaintext?.fill(0);
      throw new DataKeyRejectedError(`the subject-index secret v${version} is not 32 bytes`);
    }
    return viewOf(plaintext);
  }

  /** The versions stored, or `undefined` when there is no secret. */
  async #read(): Promise<SubjectIndexVersions | undefined> {
    let item: GetItemCommandOutput['Item'];
    try {
      ({ Item: item } = await this.#dynamodb.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { providerId: { S: subjectIndexSecretId } },
          ConsistentRead: true,
        }),
      ));
    } catch (error) {
      throw dynamodbUnavailable('GetItem', error);
    }
    return versionsOfItem(item);
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

const withoutCiphertext = ({ ciphertext: _, ...dates }: SubjectIndexVersion) => dates;

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
