/**
 * Provider keys under KMS. Each key's text is encrypted directly with KMS Encrypt (a webhook
 * secret or public key is far below Encrypt's 4 KiB limit, so no data key is needed) under
 * the secrets CMK, with an encryption context naming the provider and the purpose. KMS binds
 * the context to the ciphertext as authenticated data: a ciphertext copied to another
 * provider's item does not decrypt there, and CloudTrail records which provider each Decrypt
 * was for.
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
} from '@aws-sdk/client-kms';
import { DependencyUnavailableError, describeFailure } from '../aws/errors.ts';
import { InvalidProviderConfigError, SecretRejectedError } from './errors.ts';

/** The `purpose` in every provider key's encryption context. */
export const providerSecretPurpose = 'webhook-provider-secret';

/** KMS Encrypt takes up to 4096 bytes of plaintext. */
const maxKeyBytes = 4096;

/** The encryption context that binds a ciphertext to its provider and purpose. */
export function providerSecretContext(providerId: string): Record<string, string> {
  return { providerId, purpose: providerSecretPurpose };
}

export interface EncryptProviderKeyInput {
  readonly kms: KMSClient;
  /** The secrets CMK: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  readonly providerId: string;
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
      throw new InvalidProviderConfigError(input.providerId, [
        `a key must be 1 to ${maxKeyBytes} bytes of text, got ${plaintext.byteLength} bytes`,
      ]);
    }
    let ciphertext: Uint8Array | undefined;
    try {
      ({ CiphertextBlob: ciphertext } = await input.kms.send(
        new EncryptCommand({
          KeyId: input.keyId,
          Plaintext: plaintext,
          EncryptionContext: providerSecretContext(input.providerId),
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

export interface DecryptProviderKeyInput {
  readonly kms: KMSClient;
  readonly providerId: string;
  readonly ciphertext: Uint8Array;
  /**
   * The CMK the ciphertext must be under; KMS refuses one under any other key.
   * @default - whichever key the ciphertext names, if the caller may use it
   */
  readonly keyId?: string;
}

/**
 * Decrypts a stored provider key. Throws SecretRejectedError when KMS refuses the ciphertext
 * (altered, another CMK, another provider's context), DependencyUnavailableError otherwise.
 * The text returned is a JavaScript string and cannot be zeroed; KMS's buffer is.
 */
export async function decryptProviderKey(input: DecryptProviderKeyInput): Promise<string> {
  let plaintext: Uint8Array | undefined;
  try {
    ({ Plaintext: plaintext } = await input.kms.send(
      new DecryptCommand({
        CiphertextBlob: input.ciphertext,
        EncryptionContext: providerSecretContext(input.providerId),
        ...(input.keyId === undefined ? {} : { KeyId: input.keyId }),
      }),
    ));
  } catch (error) {
    if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
      throw new SecretRejectedError(input.providerId, `KMS answered ${error.name}`, {
        cause: error,
      });
    }
    throw new DependencyUnavailableError('kms', 'Decrypt', describeFailure(error), {
      cause: error,
    });
  }
  if (!plaintext?.length) {
    throw new SecretRejectedError(input.providerId, 'the plaintext was empty');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch (error) {
    throw new SecretRejectedError(input.providerId, 'the plaintext is not UTF-8 text', {
      cause: error,
    });
  } finally {
    plaintext.fill(0);
  }
}
