/**
 * The answer to a CloudFormation custom resource request: a JSON document PUT to the request's
 * pre-signed S3 URL, with an empty content type as the URL was signed for
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 * CloudFormation waits for it until the resource's service timeout, so a failed PUT is tried again.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GuardRequest } from './resource.ts';

export interface GuardResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** What `cdk deploy` and the stack's events show. */
  readonly Reason: string;
  readonly PhysicalResourceId: string;
}

/** CloudFormation reads at most 4 KiB of a response; the reason is cut to fit well within. */
const reasonLimit = 3_000;
const putAttempts = 3;
const putTimeoutMs = 10_000;

export async function sendResponse(event: GuardRequest, response: GuardResponse): Promise<void> {
  const body = JSON.stringify({
    ...response,
    Reason: response.Reason.slice(0, reasonLimit),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await put(event.ResponseURL, body);
      return;
    } catch (error) {
      if (attempt >= putAttempts) throw error;
    }
  }
}

function put(url: string, body: string): Promise<void> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: putTimeoutMs,
      },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`the response URL answered HTTP ${status}`));
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('the response URL did not answer')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
