/**
 * Why a compliance report could not be made as asked. Each is a {@link UsageError} (whose
 * `name` they keep, as the CLI's other usage errors do) with a stable `code`: the command
 * reports it on stderr and exits 2.
 */
import { UsageError } from '../../cli/io.ts';

/** `--template` named a file that is missing, not JSON, or not a CloudFormation template. */
export class InvalidTemplateError extends UsageError {
  readonly code = 'invalid_template';
}

/** `--stack` named a stack that DescribeStacks could not describe (absent, no access, offline). */
export class StackUnreachableError extends UsageError {
  readonly code = 'stack_unreachable';
}
