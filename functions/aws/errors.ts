/**
 * Errors of the AWS adapters (DynamoDB, KMS, SQS), whichever module calls the SDK: the
 * registry, the queue sender and the audit trail turn an SDK failure into the same error, so
 * the HTTP edge has one 503 case. Messages name the service, the operation and the SDK
 * error's name and code, never a request body, a secret or a ciphertext: they end up in logs.
 */

/** DynamoDB, KMS or SQS failed or could not be reached; the request may succeed if retried. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: 'dynamodb' | 'kms' | 'sqs',
    readonly operation: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${dependency} ${operation} failed: ${detail}`, options);
  }
}

/** The SDK error's name and network code: enough to act on, and never a request body. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}

/**
 * A DynamoDB failure other than a failed condition (which each adapter turns into a result of
 * its own): the request may succeed if retried (503).
 */
export function dynamodbUnavailable(operation: string, error: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError('dynamodb', operation, describeFailure(error), {
    cause: error,
  });
}
