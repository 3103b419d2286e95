/**
 * Errors of the signers and of the keys they sign with: a key or a body a scheme cannot sign
 * with, and KMS refusing the caller a key. Messages never quote a key or a body.
 */

/** Any signing failure, with a stable machine-readable `code`. */
export abstract class SigningError extends Error {
  abstract readonly code: string;
}

/** The key given is of the wrong kind for the scheme, or not a key the scheme can use. */
export class SigningKeyError extends SigningError {
  override readonly name = 'SigningKeyError';
  readonly code = 'unusable_signing_key';
  constructor(
    readonly scheme: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`scheme '${scheme}' ${detail}`, options);
  }
}

/**
 * The scheme carries its signature or timestamp inside the body, and this body cannot hold it
 * (e.g. Linear's `webhookTimestamp` needs a JSON object).
 */
export class SigningBodyError extends SigningError {
  override readonly name = 'SigningBodyError';
  readonly code = 'unsignable_body';
  constructor(
    readonly scheme: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`scheme '${scheme}' ${detail}`, options);
  }
}

/** KMS refused the caller: names the permission, the key and what to do instead. */
export class KmsAccessDeniedError extends Error {
  override readonly name = 'KmsAccessDeniedError';
  readonly code = 'kms_access_denied';
  constructor(
    operation: 'Decrypt' | 'Encrypt',
    key: string,
    advice: string,
    options?: ErrorOptions,
  ) {
    super(
      `missing permission: kms:${operation} on ${key} (KMS answered AccessDeniedException)${advice}`,
      options,
    );
  }
}

/** Whether an SDK failure, as the registry or audit adapters wrap it, is KMS refusing the caller. */
function isAccessDenied(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'AccessDeniedException') return true;
  }
  return false;
}

/**
 * Runs a call that uses a KMS key, turning KMS refusing the caller into KmsAccessDeniedError
 * naming the permission and the key; `advice` follows the message.
 */
export async function withKmsPermission<Result>(
  operation: 'Decrypt' | 'Encrypt',
  key: string,
  advice: string,
  call: () => Promise<Result>,
): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    throw new KmsAccessDeniedError(operation, key, advice, { cause: error });
  }
}
