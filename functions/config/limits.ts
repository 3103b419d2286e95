/**
 * Sizes and times the handler, the CDK construct, the local stack and the CLI all read.
 * Defined once here; nothing else spells these numbers.
 */

import { InvalidSettingError } from './errors.ts';

/**
 * SQS's largest message, and what both queues are created with: 1 MiB
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html).
 */
export const queueMaxMessageBytes = 1_048_576;

/**
 * Room kept in each queue message for the envelope around the body: ids, provider, event
 * type, timestamps and the selected headers.
 */
export const envelopeReserveBytes = 16_384;

/**
 * The largest body carried inside the queue message; a larger one goes to the payload bucket
 * and the message points to it (functions/queue/delivery-queue.ts). A body that is not UTF-8
 * text travels base64 encoded, four bytes for every three, so this is the most that fits the
 * message whatever the body holds: (1,048,576 − 16,384) × 3 / 4 = 774,144 bytes (756 KiB).
 */
export const maxInlineBodyBytes = ((queueMaxMessageBytes - envelopeReserveBytes) * 3) / 4;

/**
 * What Lambda accepts as a synchronous invocation's payload: "6 MB"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Its own error
 * names 6,291,456 bytes; the smaller, decimal reading is taken so that the bound holds either way.
 */
export const lambdaSyncPayloadBytes = 6_000_000;

/**
 * Room kept in the invocation payload for the API Gateway proxy event around the body. The
 * request line and headers together are at most 10,240 bytes
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
 * the REST event repeats each byte of them at most four times (a header in `headers` and
 * `multiValueHeaders`, the user agent once more in `requestContext.identity`; the path in
 * `path`, `requestContext.path` and `pathParameters`; the query string in both query maps) and
 * JSON may escape a byte as six (`\u00XX`): 4 × 6 × 10,240 = 245,760 bytes, and the 16 KiB
 * left over holds the fixed fields of `requestContext` many times over.
 */
export const apiEventReserveBytes = 262_144;

/**
 * The largest body accepted (413 above it, naming this number): every content type reaches
 * the Lambda base64 encoded (infra/api.ts), so this is the most whose event always fits the
 * invocation payload: (6,000,000 − 262,144) × 3 / 4 = 4,303,392 bytes. Above what fits inline
 * (`maxInlineBodyBytes`), the body travels through the payload bucket. API Gateway's own 10 MB
 * payload limit is higher, so Lambda's decides.
 */
export const maxBodySizeBytes = Math.floor(
  ((lambdaSyncPayloadBytes - apiEventReserveBytes) * 3) / 4,
);

/**
 * The largest redacted body kept as a payload copy. The copy is one DynamoDB item, and an item
 * holds at most 400 KB, names and values together
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): 384 KiB
 * leaves 16 KiB for its keys and the field encryption's header, data key, IV and tag. A larger
 * body keeps no copy, as a body whose redaction cannot be proved keeps none.
 */
export const maxPayloadCopyBytes = 393_216;

/**
 * How long a container trusts a provider's configuration before reading it again, and so how
 * long after a registry write a running ingest function may still act on what it replaced.
 */
export const configCacheSeconds = 60;

/**
 * Overrides `configCacheSeconds` for one deployment: the ingest handler reads it, the local
 * stack records it in its stack file, and the CLI's `--local` target reads it back from there.
 */
export const configCacheSecondsVariable = 'PROVIDER_CONFIG_CACHE_SECONDS';

/**
 * The configuration cache time `env` asks for: `configCacheSeconds` when the variable is unset
 * or empty, else its value, which must be a positive whole number of seconds.
 * @example configCacheSecondsFrom({ PROVIDER_CONFIG_CACHE_SECONDS: '5' }) // 5
 */
export function configCacheSecondsFrom(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[configCacheSecondsVariable];
  if (text === undefined || text === '') return configCacheSeconds;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidSettingError(
      configCacheSecondsVariable,
      text,
      'a positive whole number of seconds',
    );
  }
  return seconds;
}

/** How long a container keeps a provider's decrypted secrets before asking KMS again. */
export const secretCacheSeconds = 300;

/**
 * How long a delivery id is remembered to refuse a second queueing. Longer than providers'
 * retry horizons (Stripe retries for up to three days, GitHub does not retry, Shopify for
 * 48 hours).
 */
export const defaultDedupWindowSeconds = 7 * 24 * 60 * 60;

/** Retry-After on a 503 when a dependency fails, so that the provider comes back soon. */
export const retryAfterSeconds = 30;

/**
 * How long every AWS SDK client of the ingest function (functions/aws/clients.ts) waits for a
 * TCP connection. In-region connects take milliseconds, so a second means the endpoint is
 * unreachable rather than slow; the one retry opens a fresh connection.
 */
export const sdkConnectionTimeoutMs = 1_000;

/**
 * How long one SDK attempt waits for its answer, and how long a socket may stay silent while
 * the answer streams in. DynamoDB item writes, SQS SendMessage and KMS data-key calls answer
 * in milliseconds to tens of milliseconds: 1.5 s is far past a healthy answer yet leaves room
 * for a second attempt inside `deliveryBudgetMs`.
 */
export const sdkRequestTimeoutMs = 1_500;

/**
 * Attempts per SDK call, in the SDK's `standard` retry mode: one retry, for a dropped
 * connection or a throttle. More would not fit the delivery budget; the provider's own retry
 * (after Retry-After) is the next one.
 */
export const sdkMaxAttempts = 2;

/**
 * The longest pause between an SDK call's two attempts: `standard` mode waits a random part of
 * at most 1 s after a throttle (of 50 ms after other errors). The delivery deadline does not
 * cut this pause short; the attempt after it then fails at once.
 */
export const sdkRetryPauseCeilingMs = 1_000;

/**
 * The whole delivery's budget, from the handler's start to the end of the confirm: every SDK
 * call still waiting then is aborted and the provider is answered 503. It holds one SDK call's
 * every attempt, so a single stalled call ends by its own timeouts first:
 * 2 × (1,000 + 1,500) + 1,000 = 6,000 ms.
 */
export const deliveryBudgetMs =
  sdkMaxAttempts * (sdkConnectionTimeoutMs + sdkRequestTimeoutMs) + sdkRetryPauseCeilingMs;

/**
 * After the budget (or a failed step), the time allowed to leave things mendable: release a
 * claim nothing was sent for, write the `failed` audit record, or finish the confirm of a
 * message already queued. One attempt's answer time, so the worst answer comes after
 * 6,000 + 1,500 = 7,500 ms: under the ingest function's 10 s timeout
 * (`ingestFunctionTimeoutSeconds`) and API Gateway's 29 s.
 */
export const settleBudgetMs = sdkRequestTimeoutMs;

/**
 * The ingest function's timeout: the worst answer (`deliveryBudgetMs + settleBudgetMs`, 7.5 s)
 * plus room for a cold start's KMS Decrypt, well under API Gateway's 29 s, so that Lambda never
 * stops a delivery the budget would have settled.
 */
export const ingestFunctionTimeoutSeconds = 10;

/**
 * Audit records of refused attempts per container (ingest/rejection-budget.ts): one source
 * address may write a burst, then a steady rate; all sources together may write `totalBurst`,
 * then `totalPerMinute`, so that rotating addresses (a botnet, or a new IPv6 address per
 * request) buy no more writes than one. The rest are counted into a later record and into the
 * `audit_suppressed` metric. `maxSources` bounds the memory the per-source counts take.
 */
export const rejectionAuditBudget = {
  burst: 20,
  perMinute: 6,
  maxSources: 10_000,
  totalBurst: 200,
  totalPerMinute: 120,
} as const;

/**
 * How long API Gateway's REST API waits for the Lambda integration before it answers 504
 * `{"message":"Endpoint request timed out"}` itself: 29 s by default, for every integration
 * type. The local gateway enforces the same. See
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 */
export const apiGatewayIntegrationTimeoutMs = 29_000;
