/**
 * Every alarm's description in one shape: what its firing means, then a runbook line, the
 * first thing to check. The description is what the SNS notification and the console show,
 * so whoever is paged reads both without opening docs/operations.md, which lists them all.
 */
import { Token } from 'aws-cdk-lib';

/** Opens the runbook line of every alarm description; a test holds every alarm to it. */
export const firstCheck = 'First check:';

/** CloudWatch refuses a longer AlarmDescription. */
export const maxDescriptionChars = 1024;

/**
 * `meaning` and the runbook line `check`, as one alarm description.
 * @example
 * runbook('Deliveries reached the dead-letter queue.', 'the consumer function's log.')
 * // 'Deliveries reached the dead-letter queue. First check: the consumer function's log.'
 */
export function runbook(meaning: string, check: string): string {
  const description = `${meaning} ${firstCheck} ${check}`;
  // A token's length is not the text's; none of these descriptions holds one today.
  if (!Token.isUnresolved(description) && description.length > maxDescriptionChars) {
    throw new RangeError(
      `an alarm description has ${description.length} characters, CloudWatch takes ${maxDescriptionChars}: ${description.slice(0, 80)}…`,
    );
  }
  return description;
}
