/**
 * KMS refusing the caller a key, as the commands that decrypt or encrypt with one (`send`,
 * `replay`) report it: the permission, the key, and what to do instead.
 */

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
