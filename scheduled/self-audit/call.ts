/**
 * How a self-audit check names a call that failed: by its IAM action and the SDK error's name,
 * the way the compliance report names a value it could not read (compliance/report/live.ts
 * `failure`), so a missing permission or a throttled call reads the same in both. A check that
 * throws is reported as not run with this reason, never as passed.
 */

import { ReportInputError } from '../../compliance/report/errors.ts';
import { failure } from '../../compliance/report/live.ts';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';

/** An AWS call a check made failed; `action` is its IAM action, the SDK error the cause. */
export class CallFailedError extends Error {
  override readonly name = 'CallFailedError';
  constructor(
    readonly action: string,
    cause: unknown,
  ) {
    super(failure(action, cause), { cause });
  }
}

/** `send`'s answer, or CallFailedError naming `action` with the SDK's error. */
export async function call<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw new CallFailedError(action, error);
  }
}

/** Far deeper than any adapter wraps; a bound, so that a cause cycle cannot loop. */
const maxCauseDepth = 8;

/**
 * Why a check could not run: the failed call's action and error (`permission missing:
 * kms:GetKeyPolicy (AccessDeniedException)`, `dynamodb:Scan failed (ThrottlingException: …)`),
 * found through the adapters' wrapping, else the error's name and message.
 */
export function notRunReason(error: unknown): string {
  let cause = error;
  for (let depth = 0; cause instanceof Error && depth < maxCauseDepth; depth++) {
    if (cause instanceof CallFailedError) return cause.message;
    if (cause instanceof DependencyUnavailableError) {
      return failure(`${cause.dependency}:${cause.operation}`, cause.cause ?? cause);
    }
    if (cause instanceof KeyServiceUnavailableError) {
      return failure(`kms:${cause.operation}`, cause.cause ?? cause);
    }
    if (cause instanceof ReportInputError) return cause.message;
    cause = cause.cause;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
