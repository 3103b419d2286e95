/**
 * The digest bucket's adapter: digests and their signatures as objects (digest-document.ts
 * names them), and the KMS signing key that signs them. The bucket's Object Lock (compliance
 * mode, the audit retention) is the construct's: no call here sets or could shorten it.
 */
import {
  GetPublicKeyCommand,
  type KMSClient,
  MessageType,
  SignCommand,
  SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DependencyUnavailableError, describeFailure } from '../../functions/aws/errors.ts';
import type { StoredDigest } from './chain.ts';
import { sha256Hex, signatureKey } from './digest-document.ts';

export interface DigestStoreOptions {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly bucket: string;
  /** The asymmetric (ECC_NIST_P256, SIGN_VERIFY) key's id, ARN or alias. */
  readonly signingKeyId: string;
}

/** The digest object's user metadata (`x-amz-meta-signature`): its signature, base64. */
export const signatureMetadata = 'signature';

/** How often a key was written, and hidden. */
export interface ObjectHistory {
  readonly versions: number;
  readonly deleteMarkers: number;
  /** The versions' ids, as listed. */
  readonly versionIds: readonly string[];
}

export class DigestStore {
  readonly #options: DigestStoreOptions;

  constructor(options: DigestStoreOptions) {
    this.#options = options;
  }

  /** Every digest key under `prefix`, in key order (which is period order). */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('s3', 'ListObjectsV2', () =>
        this.#options.s3.send(
          new ListObjectsV2Command({
            Bucket: this.#options.bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key?.endsWith('.json')) keys.push(object.Key);
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
    return keys.sort();
  }

  /**
   * Every object key under `prefix` that versioning shows was written more than once or hidden
   * by a delete marker: Object Lock keeps each version from being removed or changed, but a
   * new version or a delete marker can be put over it, and a plain listing shows only the top.
   */
  async overwrittenKeys(prefix: string): Promise<Map<string, ObjectHistory>> {
    const histories = await this.#histories(prefix);
    for (const [key, history] of histories) {
      if (history.deleteMarkers > 0) continue;
      // Versions of the same bytes: a put the SDK retried after it had in fact succeeded.
      if (history.versions <= 1 || (await this.#sameBytes(key, history.versionIds))) {
        histories.delete(key);
      }
    }
    return histories;
  }

  /** Whether every listed version of `key` holds the same bytes (each read by its id). */
  async #sameBytes(key: string, versionIds: readonly string[]): Promise<boolean> {
    if (versionIds.length !== new Set(versionIds).size || versionIds.length < 2) return false;
    let first: Uint8Array | undefined;
    for (const versionId of versionIds) {
      const bytes = (await this.#get(key, versionId))?.body;
      if (bytes === undefined) return false;
      first ??= bytes;
      if (!Buffer.from(first).equals(Buffer.from(bytes))) return false;
    }
    return true;
  }

  /** Whether `key` was ever written, whether or not a delete marker hides it now. */
  async everWritten(key: string): Promise<boolean> {
    return (await this.#histories(key)).has(key);
  }

  async #histories(prefix: string): Promise<Map<string, ObjectHistory>> {
    const histories = new Map<string, ObjectHistory>();
    const note = (
      key: string | undefined,
      field: 'versions' | 'deleteMarkers',
      versionId?: string,
    ) => {
      if (key === undefined) return;
      const history = histories.get(key) ?? { versions: 0, deleteMarkers: 0, versionIds: [] };
      histories.set(key, {
        ...history,
        [field]: history[field] + 1,
        versionIds:
          versionId === undefined ? history.versionIds : [...history.versionIds, versionId],
      });
    };
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await this.#call('s3', 'ListObjectVersions', () =>
        this.#options.s3.send(
          new ListObjectVersionsCommand({
            Bucket: this.#options.bucket,
            Prefix: prefix,
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
            ...(versionMarker === undefined ? {} : { VersionIdMarker: versionMarker }),
          }),
        ),
      );
      for (const version of page.Versions ?? []) {
        note(version.Key, 'versions', version.VersionId);
      }
      for (const marker of page.DeleteMarkers ?? []) note(marker.Key, 'deleteMarkers');
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      versionMarker = more ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return histories;
  }

  /** A digest and its signature as stored. */
  async read(key: string): Promise<StoredDigest> {
    const digest = await this.#get(key);
    if (digest === undefined) throw new Error(`digest ${key} is listed but cannot be read`);
    const file = (await this.#get(signatureKey(key)))?.body;
    const inMetadata = digest.metadata?.[signatureMetadata];
    const signature =
      file ?? (inMetadata === undefined ? undefined : Buffer.from(inMetadata, 'base64'));
    return {
      key,
      bytes: digest.body,
      signature,
      ...(file === undefined && signature !== undefined ? { signatureFileMissing: true } : {}),
    };
  }

  /** Writes a digest's `.sig` again from the signature its own object carries. */
  async restoreSignatureFile(digest: StoredDigest): Promise<void> {
    if (digest.signature === undefined) return;
    await this.#put(signatureKey(digest.key), digest.signature, 'application/octet-stream');
  }

  /** Signs `bytes` with the signing key and stores both. */
  async write(key: string, bytes: Buffer): Promise<void> {
    const signed = await this.#call('kms', 'Sign', () =>
      this.#options.kms.send(
        new SignCommand({
          KeyId: this.#options.signingKeyId,
          Message: Buffer.from(sha256Hex(bytes), 'hex'),
          MessageType: MessageType.DIGEST,
          SigningAlgorithm: SigningAlgorithmSpec.ECDSA_SHA_256,
        }),
      ),
    );
    if (signed.Signature === undefined) throw new Error('KMS Sign returned no signature');
    const signature = signed.Signature;
    // The signature travels in the digest's own metadata too, so that one put stores both: the
    // `.sig` beside it is the copy openssl reads, and a run that died before writing it loses
    // nothing (the next run writes it again).
    await this.#put(key, bytes, 'application/json', {
      [signatureMetadata]: Buffer.from(signature).toString('base64'),
    });
    await this.#put(signatureKey(key), signature, 'application/octet-stream');
  }

  /** The signing key's ARN and public half (DER SubjectPublicKeyInfo). */
  async publicKey(): Promise<{ keyArn: string; der: Uint8Array }> {
    const answer = await this.#call('kms', 'GetPublicKey', () =>
      this.#options.kms.send(new GetPublicKeyCommand({ KeyId: this.#options.signingKeyId })),
    );
    if (answer.PublicKey === undefined || answer.KeyId === undefined) {
      throw new Error('KMS GetPublicKey returned no key');
    }
    return { keyArn: answer.KeyId, der: answer.PublicKey };
  }

  async #get(
    key: string,
    versionId?: string,
  ): Promise<{ body: Uint8Array; metadata: Record<string, string> | undefined } | undefined> {
    try {
      const object = await this.#options.s3.send(
        new GetObjectCommand({
          Bucket: this.#options.bucket,
          Key: key,
          ...(versionId === undefined ? {} : { VersionId: versionId }),
        }),
      );
      return object.Body === undefined
        ? undefined
        : { body: await object.Body.transformToByteArray(), metadata: object.Metadata };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw unavailable('s3', 'GetObject', error);
    }
  }

  async #put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata?: Record<string, string>,
  ): Promise<void> {
    await this.#call('s3', 'PutObject', () =>
      this.#options.s3.send(
        new PutObjectCommand({
          Bucket: this.#options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(metadata === undefined ? {} : { Metadata: metadata }),
        }),
      ),
    );
  }

  async #call<T>(service: 'kms' | 's3', operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw unavailable(service, operation, error);
    }
  }
}

function unavailable(service: 'kms' | 's3', operation: string, error: unknown) {
  return new DependencyUnavailableError(service, operation, describeFailure(error), {
    cause: error,
  });
}
