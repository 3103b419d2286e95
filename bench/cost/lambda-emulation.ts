/**
 * What the Lambda runtime gives the handler that Powertools writes into every log line: the
 * invocation context and the trace header. Their lengths are those of a deployed function, so
 * that the log bytes measured are the bytes CloudWatch would ingest.
 */
import { randomUUID } from 'node:crypto';
import type { LocalLambdaContext } from '../../local/gateway.ts';

/**
 * The name CloudFormation gives the function: `<stack>-<logical id>` cut to 51 characters, a
 * dash and 12 random characters (64, the longest Lambda allows).
 */
const functionName = 'webhook-ingestion-WebhookIngestionIngestFunctionFC0-AbCdEfGh1234';

/** A Lambda context as the Node.js runtime passes it, for one invocation (the local gateway's shape). */
export type EmulatedContext = LocalLambdaContext;

/**
 * Sets the variables the handler's Powertools utilities read at import, as Lambda would (call it
 * before importing the handler): every log level captured (the template's level filters later),
 * metrics on, tracing off (no X-Ray daemon here; tracing writes no log line).
 */
export function emulateLambdaEnvironment(): void {
  process.env.POWERTOOLS_LOG_LEVEL = 'TRACE';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  process.env.AWS_LAMBDA_FUNCTION_NAME = functionName;
}

/** A fresh context and trace header for one invocation. */
export function invocationContext(memoryMb: number): EmulatedContext {
  // Lambda sets the trace header per invocation; Powertools Logger copies its root into each line.
  process.env._X_AMZN_TRACE_ID = `Root=1-${hex(8)}-${hex(24)};Parent=${hex(16)};Sampled=1`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
  };
}

const hex = (length: number) => randomUUID().replaceAll('-', '').repeat(2).slice(0, length);
