/**
 * What the CLI stamps into the audit trail is timed by AWS's clock once the operator's is more
 * than a minute off it: the SDK keeps the offset it measures from each answer's Date header.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsNow } from '../../cli/target.ts';

const localNow = Date.UTC(2026, 11, 6, 12, 0, 0);

function clientOffBy(offsetMs: number): DynamoDBClient {
  const dynamodb = new DynamoDBClient({ region: 'eu-west-1' });
  dynamodb.config.systemClockOffset = offsetMs;
  return dynamodb;
}

describe('awsNow', () => {
  it.each([
    ['in step', 0, localNow],
    ['a second off (the Date header has whole seconds)', 1_500, localNow],
    ['thirty seconds off', 30_000, localNow],
    ['ten minutes slow', 600_000, localNow + 600_000],
    ['ten minutes fast', -600_000, localNow - 600_000],
  ])('with a local clock %s', (_, offsetMs, expected) => {
    const dynamodb = clientOffBy(offsetMs);
    expect(awsNow({ dynamodb }, localNow)).toBe(expected);
    dynamodb.destroy();
  });

  it('starts from the local clock, before any answer was measured', () => {
    const dynamodb = new DynamoDBClient({ region: 'eu-west-1' });
    expect(awsNow({ dynamodb }, localNow)).toBe(localNow);
    dynamodb.destroy();
  });
});
