/**
 * Who runs an admin command, and the audit record each admin action leaves under that name
 * (ops/admin-trail/admin-record.ts). The caller is named before anything is read or changed:
 * an action whose actor cannot be named is not taken.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DependencyUnavailableError, describeFailure } from '../functions/aws/errors.ts';
import {
  InvalidProviderConfigError,
  InvalidProviderIdError,
} from '../functions/registry/errors.ts';
import {
  type AdminAction,
  type AdminDetail,
  type AdminRecord,
  isReadAction,
} from '../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../ops/admin-trail/admin-trail-store.ts';
import { InvalidAuditQueryError } from '../ops/audit/errors.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from './io.ts';
import { awsNow, operatorSealerOf, type Target, type TargetFlags } from './target.ts';

/** The caller cannot be named, so nothing is done: every admin action is audited under its caller. */
export class CallerUnknownError extends UsageError {}

/** The prefix of a `--local` caller's name: the OS user, not an AWS identity. */
export const localActorPrefix = 'local:';

/**
 * The caller: for `--stack`, the ARN STS GetCallerIdentity reports for the credentials in use
 * (it needs no permission); for `--local`, `local:<OS user>`.
 */
export async function callerIdentity(flags: TargetFlags): Promise<string> {
  if (flags.stack === undefined) return `${localActorPrefix}${localUserName()}`;
  const sts = new STSClient(flags.region === undefined ? {} : { region: flags.region });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (Arn) return Arn;
    throw new CallerUnknownError('cannot tell who you are: STS GetCallerIdentity named no ARN');
  } catch (error) {
    if (error instanceof CallerUnknownError) throw error;
    throw new CallerUnknownError(
      `cannot tell who you are (STS GetCallerIdentity failed: ${describeFailure(error)}); nothing was done`,
      { cause: error },
    );
  } finally {
    sts.destroy();
  }
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // A container user with no passwd entry has a uid only.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** What an audited action did, printed around the writing of its record. */
export interface AdminActionResult {
  readonly code: ExitCode;
  readonly stdout: string;
  /** Warnings, or the refusal. @default '' */
  readonly stderr?: string;
  /**
   * Why the deployment refused the action, when the action reports the refusal itself rather
   * than throwing (e.g. no audit record of a delivery). @default - the action succeeded
   */
  readonly refusedReason?: string;
}

/** The target an audited action runs against, and where its messages go. */
export interface AdminContext {
  readonly target: Target;
  readonly flags: TargetFlags;
  readonly io: Io;
}

/**
 * Names the caller, runs `act` (given the caller's name, for records of its own such as an
 * erasure receipt) and writes the action's admin record: `succeeded`, or `failed`
 * with the error's code when the deployment refused it or could not be reached. A mistake in
 * the command itself (bad flags, an invalid id or setting) is refused before it reaches the
 * deployment and leaves no record.
 *
 * A change is printed first (it was made either way); if its record then cannot be written,
 * that is an error and exit code 2: the change was made but not audited. A read of the audit
 * trail is printed only once its record is written: no unaudited access.
 */
export async function runAudited(
  context: AdminContext,
  action: AdminAction,
  subject: string,
  act: (detail: AdminDetail, actor: string) => Promise<AdminActionResult>,
): Promise<ExitCode> {
  const { target, flags, io } = context;
  const actor = await callerIdentity(flags);
  const trail = new AdminTrailStore({
    dynamodb: target.dynamodb,
    tableName: target.names.auditTableName,
    sealer: operatorSealerOf(target),
  });
  const requestId = randomUUID();
  const detail: AdminDetail = {};
  const record = (reason: string | undefined): AdminRecord => ({
    requestId,
    actor,
    host: hostname(),
    action,
    target: subject,
    atMs: awsNow(target),
    outcome: reason === undefined ? 'succeeded' : 'failed',
    ...(reason === undefined ? {} : { reason }),
    detail,
  });
  let result: AdminActionResult;
  try {
    result = await act(detail, actor);
  } catch (error) {
    if (isCommandMistake(error)) throw error;
    try {
      await trail.writeAdminAction(record(reasonOf(error)));
    } catch (auditError) {
      io.stderr(
        `error: this failed ${action} of '${subject}' could not be recorded in the audit trail (${messageOf(auditError)})\n`,
      );
    }
    throw error;
  }
  const print = () => {
    io.stdout(result.stdout);
    if (result.stderr) io.stderr(result.stderr);
  };
  const read = isReadAction(action);
  if (!read) print();
  try {
    await trail.writeAdminAction(record(result.refusedReason));
  } catch (auditError) {
    io.stderr(
      read
        ? `error: not shown: this read of the audit trail could not be recorded (${messageOf(auditError)})\n`
        : `error: ${action} of '${subject}' was done, but its audit record could not be written (${messageOf(auditError)}); record it by hand: request ${requestId}, actor ${actor}\n`,
    );
    return exitCodes.usage;
  }
  if (read) print();
  return result.code;
}

/** Refused by the CLI before the deployment saw it: nothing to audit. */
function isCommandMistake(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof InvalidProviderIdError ||
    error instanceof InvalidProviderConfigError ||
    error instanceof InvalidAuditQueryError
  );
}

/** A failed action's reason: the error's stable code, never its message. */
function reasonOf(error: unknown): string {
  if (error instanceof DependencyUnavailableError) return `${error.dependency}_unavailable`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown_error';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
