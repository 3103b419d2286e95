/**
 * CloudFormation and STS clients mocked for `--stack` commands: what DescribeStacks and
 * GetCallerIdentity answer is each test's to set; both are reset after each test and restored
 * after the file. Admin actions are audited under the caller's STS name
 * (test/cli/admin-audit.test.ts), so a caller may be set for every test.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach } from 'vitest';

export function mockedStackClients(callerArn?: string) {
  const cloudFormation = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  if (callerArn !== undefined) {
    beforeEach(() => sts.on(GetCallerIdentityCommand).resolves({ Arn: callerArn }));
  }
  afterEach(() => {
    cloudFormation.reset();
    sts.reset();
  });
  afterAll(() => {
    cloudFormation.restore();
    sts.restore();
  });
  return { cloudFormation, sts };
}
