/**
 * How the commands report failures that are not a verdict: AWS refusing the caller an action
 * (named with the action and the resource to grant it), and an unexpected error's one line.
 * KMS refusals while signing are in kms-permission.ts.
 */
import { DependencyUnavailableError } from '../functions/aws/errors.ts';
import { type ExitCode, exitCodes, type Io } from './io.ts';

/** The AWS refused the caller an action: names the action and the resource to be granted it. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  readonly code = 'access_denied';
  constructor(
    /** In IAM's form, e.g. `dynamodb:Query`. */
    readonly action: string,
    readonly resource: string,
    options?: ErrorOptions,
  ) {
    super(
      `access denied: your AWS credentials may not ${action} on ${resource}; an IAM policy must allow it`,
      options,
    );
  }
}

/** Whether an adapter's error wraps the SDK's AccessDeniedException (its cause). */
export function isCausedByDeniedAccess(error: Error): boolean {
  return error.cause instanceof Error && error.cause.name === 'AccessDeniedException';
}

/** `error` as an AccessDeniedError naming `resource` when AWS denied the call, else unchanged. */
export function namingDeniedAccess(error: unknown, resource: string): unknown {
  return error instanceof DependencyUnavailableError && isCausedByDeniedAccess(error)
    ? new AccessDeniedError(`${error.dependency}:${error.operation}`, resource, { cause: error })
    : error;
}

/**
 * Runs an admin command, turning any error of the `reported` classes into its message and exit
 * code 2. The error reaches here after runAudited has recorded the attempt as failed.
 */
export async function reportingPlainly(
  io: Io,
  reported: ReadonlyArray<abstract new (...args: never[]) => Error>,
  run: () => Promise<ExitCode>,
): Promise<ExitCode> {
  try {
    return await run();
  } catch (error) {
    if (!reported.some((errorClass) => error instanceof errorClass)) throw error;
    io.stderr(`error: ${(error as Error).message}\n`);
    return exitCodes.usage;
  }
}

/** Runs an admin command, turning a denied AWS call (AccessDeniedError) into its message and exit code 2. */
export const reportingDeniedAccess = (io: Io, run: () => Promise<ExitCode>): Promise<ExitCode> =>
  reportingPlainly(io, [AccessDeniedError], run);

/** An unexpected error's class and message; core errors name fields, never their values. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
