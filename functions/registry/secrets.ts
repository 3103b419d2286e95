/**
 * Provider keys under KMS. Each key's text is encrypted directly with KMS Encrypt (a webhook
 * secret or public key is far below Encrypt's 4 KiB limit, so no data key is needed) under
 * the secrets CMK, with an encryption context naming the provider, the purpose, the scheme, the
 * key's kind and a digest of the provider's other security settings (key-binding.ts). KMS binds
 * the context to the ciphertext as authenticated data: a ciphertext copied to another
 * provider's item, or left under settings changed by a bare registry write, does not decrypt,
 * and CloudTrail records which provider and scheme each Decrypt was for.
 *
 * Public keys are not secret, but they are stored the same way, on purpose: anyone who could
 * swap a plainly stored public key for their own could forge deliveries with DynamoDB write
 * access alone. Under KMS they also need kms:Encrypt on the secrets CMK with that provider's
 * context. One code path and one item shape for every key is the smaller gain.
 */
import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { DependencyUnavailableError, describeFailure } from '../aws/errors.ts';
import { InvalidProviderConfigError, SecretRejectedError } from './errors.ts';
import { type BoundSettings, providerKeyContext } from './key-binding.ts';
import type { KeyKind } from './provider.ts';

export { providerSecretPurpose } from './key-binding.ts';

/** KMS Encrypt takes up to 4096 bytes of plaintext. */
const maxKeyBytes = 4096;

/** The provider settings and key kind a ciphertext is bound to (key-binding.ts). */
export interface KeyBinding {
  readonly settings: BoundSettings;
  readonly keyKind: KeyKind;
}

export interface EncryptProviderKeyInput extends KeyBinding {
  readonly kms: KMSClient;
  /** The secrets CMK: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** The key's text exactly as the provider issues it. */
  readonly value: string;
}

/**
 * Encrypts a provider's secret or public key for storage in its registry item.
 * @example
 * const ciphertext = await encryptProviderKey({ kms, keyId: 'alias/webhooks/secrets', providerId: 'stripe-live', value: 'whsec_…' });
 */
export async function encryptProviderKey(input: EncryptProviderKeyInput): Promise<Uint8Array> {
  const plaintext = new TextEncoder().encode(input.value);
  try {
    if (plaintext.byteLength < 1 || plaintext.byteLength > maxKeyBytes) {
      throw new InvalidProviderConfigError(input.settings.providerId, [
        `a key must be 1 to ${maxKeyBytes} bytes of text, got ${plaintext.byteLength} bytes`,
      ]);
    }
    let ciphertext: Uint8Array | undefined;
    try {
      ({ CiphertextBlob: ciphertext } = await input.kms.send(
        new EncryptCommand({
          KeyId: input.keyId,
          Plaintext: plaintext,
          EncryptionContext: providerKeyContext(input.settings, input.keyKind),
        }),
      ));
    } catch (error) {
      throw new DependencyUnavailableError('kms', 'Encrypt', describeFailure(error), {
        cause: error,
      });
    }
    if (!ciphertext?.length) {
      throw new DependencyUnavailableError('kms', 'Encrypt', 'the response held no ciphertext');
    }
    return ciphertext;
  } finally {
    plaintext.fill(0);
  }
}

export interface DecryptProviderKeyInput extends KeyBinding {
  readonly kms: KMSClient;
  readonly ciphertext: Uint8Array;
  /**
   * The CMK the ciphertext must be under; KMS refuses one under any other key.
   * @default - whichever key the ciphertext names, if the caller may use it
   */
  readonly keyId?: string;
}

/**
 * Decrypts a stored provider key under the settings and kind it is stored with. Throws
 * SecretRejectedError when KMS refuses the ciphertext (altered, another CMK, another provider's
 * context, or settings changed since it was encrypted), DependencyUnavailableError otherwise.
 * The text returned is a JavaScript string and cannot be zeroed; KMS's buffer is.
 */
export async function decryptProviderKey(input: DecryptProviderKeyInput): Promise<string> {
  const { providerId } = input.settings;
  let plaintext: Uint8Array | undefined;
  try {
    ({ Plaintext: plaintext } = await input.kms.send(
      new DecryptCommand({
        CiphertextBlob: input.ciphertext,
        EncryptionContext: providerKeyContext(input.settings, input.keyKind),
        ...(input.keyId === undefined ? {} : { KeyId: input.keyId }),
      }),
    ));
  } catch (error) {
    throw keyCallFailure(error, providerId, 'Decrypt');
  }
  if (!plaintext?.length) {
    throw new SecretRejectedError(providerId, 'the plaintext was empty');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch (error) {
    throw new SecretRejectedError(providerId, 'the plaintext is not UTF-8 text', {
      cause: error,
    });
  } finally {
    plaintext.fill(0);
  }
}

export interface ReEncryptProviderKeyInput {
  readonly kms: KMSClient;
  /** The secrets CMK: the ciphertext must be under it, and stays under it. */
  readonly keyId: string;
  readonly providerId: string;
  readonly ciphertext: Uint8Array;
  /** The encryption context the ciphertext is under now. */
  readonly from: Readonly<Record<string, string>>;
  /** The encryption context it is to be under. */
  readonly to: Readonly<Record<string, string>>;
}

/**
 * Moves a stored key from one encryption context to another inside KMS (ReEncrypt): the key's
 * text never reaches the caller, so an operator who may not decrypt provider keys may still
 * bind them, or prove that a stored context is the one they were encrypted under (`from` and
 * `to` the same). Throws SecretRejectedError when the ciphertext does not open under `from`,
 * DependencyUnavailableError when KMS fails.
 */
export async function reEncryptProviderKey(input: ReEncryptProviderKeyInput): Promise<Uint8Array> {
  let ciphertext: Uint8Array | undefined;
  try {
    ({ CiphertextBlob: ciphertext } = await input.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: input.ciphertext,
        SourceKeyId: input.keyId,
        SourceEncryptionContext: { ...input.from },
        DestinationKeyId: input.keyId,
        DestinationEncryptionContext: { ...input.to },
      }),
    ));
  } catch (error) {
    throw keyCallFailure(error, input.providerId, 'ReEncrypt');
  }
  if (!ciphertext?.length) {
    throw new DependencyUnavailableError('kms', 'ReEncrypt', 'the response held no ciphertext');
  }
  return ciphertext;
}

/**
 * What a failed KMS call on a stored key becomes: KMS refusing the ciphertext (altered, another
 * key, another context) is the key's fault, SecretRejectedError; anything else is KMS's,
 * DependencyUnavailableError.
 */
function keyCallFailure(
  error: unknown,
  providerId: string,
  operation: 'Decrypt' | 'ReEncrypt',
): Error {
  if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
    return new SecretRejectedError(providerId, `KMS answered ${error.name}`, { cause: error });
  }
  return new DependencyUnavailableError('kms', operation, describeFailure(error), {
    cause: error,
  });
}
