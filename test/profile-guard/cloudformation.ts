/**
 * CloudFormation's side of the compliance profile guard, for its tests: a response URL that
 * records what the function PUTs there, the stack DescribeStacks shows, and the requests
 * CloudFormation sends (functions/profile-guard/resource.ts).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import {
  complianceProfilesOutputKey,
  type GuardRequest,
  profileGuardProperties,
} from '../../functions/profile-guard/resource.ts';

export const stackId =
  'arn:aws:cloudformation:eu-west-1:111122223333:stack/webhook-ingestion/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

/** What the function PUT to the response URL. */
export interface RecordedResponse {
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    readonly Status: 'SUCCESS' | 'FAILED';
    readonly Reason: string;
    readonly PhysicalResourceId: string;
    readonly StackId: string;
    readonly RequestId: string;
    readonly LogicalResourceId: string;
  };
}

/**
 * A response URL on localhost: each PUT is recorded and answered with the next of `statuses`
 * (200 once they run out), as S3 answers a pre-signed PUT.
 */
export async function responseUrl(statuses: number[] = []) {
  const responses: RecordedResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = statuses.shift() ?? 200;
      if (status === 200) {
        responses.push({
          headers: request.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
      }
      response.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cloudformation-response?X-Amz-Signature=abc`,
    responses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** DescribeStacks answers with the stack in `status`, its output naming `recorded` if given. */
export function stackShows(
  status: string,
  recorded?: string,
  others: readonly { readonly OutputKey: string; readonly OutputValue: string }[] = [],
) {
  const cloudFormation = mockClient(CloudFormationClient);
  cloudFormation.on(DescribeStacksCommand, { StackName: stackId }).resolves({
    Stacks: [
      {
        StackId: stackId,
        StackName: 'webhook-ingestion',
        StackStatus: status as never,
        CreationTime: new Date('2026-01-01T00:00:00Z'),
        Outputs: [
          ...(recorded === undefined
            ? []
            : [{ OutputKey: complianceProfilesOutputKey, OutputValue: recorded }]),
          ...others,
        ],
      },
    ],
  });
  return cloudFormation;
}

/** The guard's properties as CloudFormation hands them over: strings, and a list of them. */
export const guardProperties = (profiles: string[], allowDowngrade = false) => ({
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:guard',
  [profileGuardProperties.profiles]: profiles,
  [profileGuardProperties.allowDowngrade]: String(allowDowngrade),
});

/** CloudFormation's request to the guard. */
export function guardRequest(
  type: GuardRequest['RequestType'],
  url: string,
  properties: Record<string, unknown>,
  oldProperties?: Record<string, unknown>,
): GuardRequest {
  return {
    RequestType: type,
    ResponseURL: url,
    StackId: stackId,
    RequestId: `request-${type}`,
    LogicalResourceId: 'WebhookIngestionProfileGuard69D656E0',
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'guard-physical-id' }),
    ResourceProperties: properties,
    ...(oldProperties === undefined ? {} : { OldResourceProperties: oldProperties }),
  };
}
