/**
 * Errors of the AWS adapters (DynamoDB, KMS, SQS), whichever module calls the SDK: the
 * registry, the queue sender and the audit trail turn an SDK failure into the same error, so
 * the HTTP edge has one 503 case. Messages name the service, the operation and the SDK
 * error's name and code, never a request body, a secret or a ciphertext: they end up in logs.
 * A delivery whose time ran out (deadline.ts) ends with `DeadlineExceededError`, or with the
 * adapter's error around the SDK call it aborted; `timedOut` tells either apart from a refusal.
 */

/** DynamoDB, KMS, SQS or S3 failed or could not be reached; the request may succeed if retried. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: 'dynamodb' | 'kms' | 'sqs' | 's3',
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

/** The delivery's budget ran out (deadline.ts); the request may succeed if retried (503). */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  readonly code = 'deadline_exceeded';
  constructor(
    readonly budgetMs: number,
    options?: ErrorOptions,
  ) {
    super(`the delivery's budget of ${budgetMs} ms ran out`, options);
  }
}

/**
 * Whether a failure was a wait that ran out rather than an answer: an SDK attempt's own
 * timeout (`TimeoutError`, which the SDK's HTTP handler also names a reset or broken
 * connection), a call aborted at the delivery's deadline (`AbortError`), or the deadline
 * itself. Its outcome is unknown: the service may have acted on the request before the wait
 * was given up.
 */
export function timedOut(error: unknown): boolean {
  return causes(error).some(
    (cause) =>
      cause instanceof DeadlineExceededError ||
      cause.name === 'TimeoutError' ||
      cause.name === 'AbortError',
  );
}

/** Whether the delivery's deadline ended the wait (the SDK keeps it as its AbortError's cause). */
export function exceededDeadline(error: unknown): boolean {
  return causes(error).some((cause) => cause instanceof DeadlineExceededError);
}

/** Far deeper than any adapter wraps; a bound, so that a cause cycle cannot loop. */
const maxCauseDepth = 8;

/** The error and the `cause` chain the adapters keep under it. */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < maxCauseDepth; ) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}
