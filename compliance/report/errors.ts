/**
 * Why a compliance report could not be made as asked. Each carries a stable `code`; the CLI
 * treats them as usage errors (stderr, exit 2). They do not extend the CLI's UsageError so that
 * compliance/ stays free of the CLI.
 */
export abstract class ReportInputError extends Error {
  abstract readonly code: string;
  override readonly name = 'UsageError';
}

/** `--template` named a file that is missing, not JSON, or not a CloudFormation template. */
export class InvalidTemplateError extends ReportInputError {
  readonly code = 'invalid_template';
}

/** `--stack` named a stack that DescribeStacks could not describe (absent, no access, offline). */
export class StackUnreachableError extends ReportInputError {
  readonly code = 'stack_unreachable';
}

/** `--test-results` named a file that is missing, not JSON, or not a vitest JSON report. */
export class InvalidTestResultsError extends ReportInputError {
  readonly code = 'invalid_test_results';
}
