/**
 * The settings every AWS SDK client of the ingest function is built with, so that no wait on
 * AWS is unbounded (docs/architecture.md, "Every wait bounded"): a connection timeout and a
 * request timeout on each attempt, two attempts in `standard` mode, and each request aborted
 * at the deadline of the delivery it serves (deadline.ts). The numbers are in
 * functions/config/limits.ts. Endpoints, region and credentials still come from the SDK's own
 * settings (`AWS_ENDPOINT_URL_<SERVICE>` locally).
 *
 * Why each setting, with the SDK's documentation:
 * - `requestHandler`: the SDK's Node.js handler takes `connectionTimeout` and `requestTimeout`
 *   (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html);
 *   since @smithy/node-http-handler 4.4 a request past `requestTimeout` only logs a warning
 *   unless `throwOnRequestTimeout` is set, so it is.
 * - `retryMode: 'standard'`, pinned so that `AWS_RETRY_MODE=adaptive` cannot add the
 *   client-side rate limiter's waits before a first attempt
 *   (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
 *   `maxAttempts` pinned likewise against `AWS_MAX_ATTEMPTS`.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sdkConnectionTimeoutMs, sdkMaxAttempts, sdkRequestTimeoutMs } from '../config/limits.ts';
import { currentDeadlineSignal } from './deadline.ts';

type HandleArguments = Parameters<NodeHttpHandler['handle']>;

/**
 * The SDK's Node.js handler, with each request also aborted at the deadline of the code that
 * made it. An abort destroys the socket: a stall while the answer streams in ends there too.
 */
export class DeadlineBoundHttpHandler extends NodeHttpHandler {
  override handle(request: HandleArguments[0], options: HandleArguments[1] = {}) {
    const deadline = currentDeadlineSignal();
    if (deadline === undefined) return super.handle(request, options);
    // The adapters pass no signal of their own; one a caller does pass still applies.
    const own = options.abortSignal;
    const abortSignal = own instanceof AbortSignal ? AbortSignal.any([own, deadline]) : deadline;
    return super.handle(request, { ...options, abortSignal });
  }
}

/** What `boundedClientConfig` gives each client's constructor. */
export interface BoundedClientConfig {
  readonly maxAttempts: number;
  readonly retryMode: 'standard';
  readonly requestHandler: DeadlineBoundHttpHandler;
}

/**
 * A fresh configuration for one client (each client owns its handler and connection pool,
 * which `client.destroy()` closes).
 * @example
 * const dynamodb = new DynamoDBClient(boundedClientConfig());
 * const s3 = new S3Client({ ...boundedClientConfig(), forcePathStyle: true });
 */
export function boundedClientConfig(): BoundedClientConfig {
  return {
    maxAttempts: sdkMaxAttempts,
    retryMode: 'standard',
    requestHandler: new DeadlineBoundHttpHandler({
      connectionTimeout: sdkConnectionTimeoutMs,
      requestTimeout: sdkRequestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  };
}
