/**
 * Errors of the KMS stand-in. Each `KmsError` carries, as `code`, the `__type` real KMS sends,
 * so the server can answer `{"__type": code, "message": ...}` and @aws-sdk/client-kms raises
 * the matching exception class. Messages name key ids, ARNs and aliases, never key material,
 * plaintext or ciphertext.
 */

/** A failure the stand-in reports to the caller exactly as KMS would, as HTTP 400. */
export abstract class KmsError extends Error {
  abstract readonly code: string;
}

/** The key, alias or ARN does not exist (or names another region or account). */
export class NotFoundError extends KmsError {
  override readonly name = 'NotFoundError';
  readonly code = 'NotFoundException';
}

/**
 * The ciphertext cannot be decrypted as given: malformed, tampered with, made by a key this
 * stand-in does not hold, or presented with a different encryption context. KMS gives no
 * detail here, so neither do we.
 */
export class InvalidCiphertextError extends KmsError {
  override readonly name = 'InvalidCiphertextError';
  readonly code = 'InvalidCiphertextException';
  constructor(options?: ErrorOptions) {
    super('the ciphertext is invalid or does not match the key and encryption context', options);
  }
}

/** The ciphertext was made by another key than the `KeyId` in the request. */
export class IncorrectKeyError extends KmsError {
  override readonly name = 'IncorrectKeyError';
  readonly code = 'IncorrectKeyException';
}

/** The key is disabled. */
export class DisabledError extends KmsError {
  override readonly name = 'DisabledError';
  readonly code = 'DisabledException';
}

/** The key's state forbids the operation (KMS uses this for keys pending deletion). */
export class KmsInvalidStateError extends KmsError {
  override readonly name = 'KmsInvalidStateError';
  readonly code = 'KMSInvalidStateException';
}

/** A request field is missing, of the wrong type or out of range. */
export class ValidationError extends KmsError {
  override readonly name = 'ValidationError';
  readonly code = 'ValidationException';
}

/** The request body is not a JSON object, or not sent as `application/x-amz-json-1.1`. */
export class SerializationError extends KmsError {
  override readonly name = 'SerializationError';
  readonly code = 'SerializationException';
}

/** The alias name already exists. */
export class AlreadyExistsError extends KmsError {
  override readonly name = 'AlreadyExistsError';
  readonly code = 'AlreadyExistsException';
}

/** The alias name lacks the `alias/` prefix, uses the reserved `alias/aws/` or bad characters. */
export class InvalidAliasNameError extends KmsError {
  override readonly name = 'InvalidAliasNameError';
  readonly code = 'InvalidAliasNameException';
}

/** A `Marker` that no earlier ListAliases response returned. */
export class InvalidMarkerError extends KmsError {
  override readonly name = 'InvalidMarkerError';
  readonly code = 'InvalidMarkerException';
}

/**
 * The key's KeyUsage does not allow the operation (signing with an encryption key, encrypting
 * with a signing key), or the signing algorithm does not fit the key's KeySpec.
 */
export class InvalidKeyUsageError extends KmsError {
  override readonly name = 'InvalidKeyUsageError';
  readonly code = 'InvalidKeyUsageException';
}

/** Verify found the signature not made by the key over the message: KMS fails, never `false`. */
export class KmsInvalidSignatureError extends KmsError {
  override readonly name = 'KmsInvalidSignatureError';
  readonly code = 'KMSInvalidSignatureException';
  constructor() {
    super('the signature does not match the message, key and signing algorithm');
  }
}

/** A KMS feature the stand-in does not implement (RSA and HMAC keys, for instance). */
export class UnsupportedOperationError extends KmsError {
  override readonly name = 'UnsupportedOperationError';
  readonly code = 'UnsupportedOperationException';
}

/** `X-Amz-Target` names no operation of `TrentService` that the stand-in implements. */
export class UnknownOperationError extends KmsError {
  override readonly name = 'UnknownOperationError';
  readonly code = 'UnknownOperationException';
}

/** `startKmsStandIn` was asked to listen on an address other than loopback. */
export class NonLoopbackAddressError extends Error {
  override readonly name = 'NonLoopbackAddressError';
  readonly code = 'non_loopback_address';
  constructor(
    readonly address: string,
    options?: ErrorOptions,
  ) {
    super(
      `refusing to listen on non-loopback address '${address}': the KMS stand-in is for local development only`,
      options,
    );
  }
}

/** The state file exists but cannot be read as the stand-in's state. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  readonly code = 'invalid_state_file';
  constructor(
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`cannot load KMS stand-in state from '${path}': ${detail}`, options);
  }
}
