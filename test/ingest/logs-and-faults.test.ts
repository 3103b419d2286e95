/**
 * The Lambda entry itself (the middy `handler` of handler.ts) against the stand-ins: what
 * Powertools writes to the logs for each kind of request, and the answers when KMS or
 * DynamoDB fail. Faults are injected with an SDK middleware on the handler's own clients: it
 * creates them inside createIngestPorts, so the middleware is added at their first `send`.
 * REST API (payload v1) events are built by hand; the handler is imported after the stack has
 * set the variables it reads, and imported afresh (a cold container) for each fault.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxBodySizeBytes } from '../../functions/config/limits.ts';
import type { RestApiProxyEvent } from '../../functions/ingest/http-event.ts';
import type { HttpResponse } from '../../functions/ingest/ingest.ts';
import { pastSendingWindow } from '../support/clock.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';

const providerId = 'stripe-live';
const secret = 'whsec_logs_and_faults_secret_5f3a9c';

type Handler = (event: RestApiProxyEvent, context: unknown) => Promise<HttpResponse>;

let stack: IngestStack;

beforeAll(async () => {
  stack = await startIngestStack();
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  await registerProvider(stack, providerId, secret);
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A fresh import of handler.ts: its clients, caches and `ports` as in a cold container. */
async function coldHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import('../../functions/ingest/handler.ts');
  return module.handler as unknown as Handler;
}

const lambdaContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'webhook-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:webhook-ingest',
  memoryLimitInMB: '256',
  awsRequestId: 'lambda-request-1',
  logGroupName: '/aws/lambda/webhook-ingest',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

let requestCounter = 0;

const stripeSignature = (signingSecret: string, body: string) => {
  const timestamp = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', signingSecret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
};

/** A REST API (v1) proxy event for `POST /v1/webhooks/<id>`, signed as Stripe signs. */
function restDelivery(options: {
  id?: string;
  body: string;
  signature?: string;
  base64?: boolean;
}): RestApiProxyEvent {
  requestCounter += 1;
  const id = options.id ?? providerId;
  return {
    httpMethod: 'POST',
    path: `/v1/webhooks/${id}`,
    headers: {
      Host: 'hooks.example.com',
      'Content-Type': 'application/json',
      'Stripe-Signature': options.signature ?? stripeSignature(secret, options.body),
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    multiValueHeaders: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { providerId: id },
    body: options.base64 ? Buffer.from(options.body).toString('base64') : options.body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      requestId: `rest-req-${requestCounter}-${randomUUID()}`,
      domainName: 'hooks.example.com',
      path: `/prod/v1/webhooks/${id}`,
      identity: { sourceIp: '203.0.113.7', userAgent: 'Stripe/1.0' },
    },
  };
}

const eventBody = (id: string, marker: string) =>
  JSON.stringify({ id, type: 'invoice.paid', object: 'event', data: { note: marker } });

/** Everything written to stdout, stderr or the console while `run` runs, as lines. */
async function captureLogs<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const chunks: string[] = [];
  const keep = (...args: unknown[]) => {
    chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' '));
  };
  const write = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(write),
    vi.spyOn(process.stderr, 'write').mockImplementation(write),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(keep),
    ),
  ];
  try {
    const result = await run();
    return {
      result,
      lines: chunks
        .join('\n')
        .split('\n')
        .filter((line) => line !== ''),
    };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/**
 * Adds to every client of `Client` (the handler's included, at their first `send`) an SDK
 * middleware that throws a throttling error for `commandName` while `fault.active`.
 */
function injectFault(
  Client: typeof KMSClient | typeof DynamoDBClient | typeof SQSClient,
  commandName: string,
  fault: { active: boolean; hits: number },
): void {
  const patched = new WeakSet<object>();
  const original = Client.prototype.send;
  vi.spyOn(Client.prototype, 'send').mockImplementation(function (
    this: InstanceType<typeof Client>,
    ...args: unknown[]
  ) {
    if (!patched.has(this)) {
      patched.add(this);
      (this as unknown as MiddlewareClient).middlewareStack.add(
        (next, context) => async (input) => {
          if (fault.active && context.commandName === commandName) {
            fault.hits += 1;
            throw Object.assign(new Error('Rate exceeded'), {
              name: 'ThrottlingException',
              $fault: 'client',
              $metadata: { httpStatusCode: 400 },
            });
          }
          return next(input);
        },
        { step: 'initialize', name: 'injectFault' },
      );
    }
    return (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
  } as typeof original);
}

describe('handler logs: no secret and no body in any line', () => {
  it('accepted, duplicate, bad signature, unknown provider and 413 leave no secret or body', async () => {
    await stack.drainQueue();
    const handler = await coldHandler();
    const marker = `body-marker-${randomUUID()}`;
    const body = eventBody(`evt_logs_${randomUUID()}`, marker);
    const accepted = restDelivery({ body, base64: true });
    const duplicate = restDelivery({ body, base64: true });
    const badSignature = restDelivery({ body, signature: stripeSignature('whsec_wrong', body) });
    const unknown = restDelivery({ id: 'stripe-nobody', body });
    const hugeBody = `{"note":"${marker}","pad":"${'x'.repeat(maxBodySizeBytes)}"}`;
    const tooLarge = restDelivery({ body: hugeBody });
    const events = [accepted, duplicate, badSignature, unknown, tooLarge];

    const { result: statuses, lines } = await captureLogs(async () => {
      const codes: number[] = [];
      for (const event of events) {
        // The duplicate comes as a retry does, after the first attempt's sending window.
        const handle = () => handler(event, lambdaContext);
        codes.push((await (event === duplicate ? pastSendingWindow(handle) : handle())).statusCode);
      }
      return codes;
    });

    expect(statuses).toEqual([202, 200, 401, 401, 413]);
    expect(await stack.drainQueue()).toHaveLength(1);
    // The capture saw the handler's lines: one per request, with its outcome.
    const handled = lines.filter((line) => line.includes('delivery handled'));
    expect(handled).toHaveLength(5);
    for (const outcome of ['accepted', 'duplicate', 'rejected', 'too_large']) {
      expect(handled.some((line) => line.includes(`"outcome":"${outcome}"`))).toBe(true);
    }

    const forbidden = [
      secret,
      body,
      marker,
      Buffer.from(body).toString('base64'),
      Buffer.from(hugeBody).toString('base64').slice(0, 64),
      ...events.map((event) => String(event.headers?.['Stripe-Signature'])),
      ...events.map((event) => String(event.headers?.['Stripe-Signature']).split('v1=')[1]),
    ];
    for (const line of lines) {
      for (const text of forbidden) expect(line).not.toContain(text);
    }
  });
});

describe('handler faults, injected at the SDK on the handler\u2019s own clients', () => {
  it('KMS GenerateDataKey throttled on a cold container: 503 with Retry-After, nothing queued', async () => {
    await stack.drainQueue();
    const fault = { active: true, hits: 0 };
    injectFault(KMSClient, 'GenerateDataKeyCommand', fault);
    const handler = await coldHandler();
    const body = eventBody(`evt_kms_${randomUUID()}`, 'kms');

    const response = await handler(restDelivery({ body }), lambdaContext);

    expect(fault.hits).toBeGreaterThan(0);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
    expect(await stack.drainQueue()).toEqual([]);

    // Once KMS answers again, the provider's retry is accepted and queued once.
    fault.active = false;
    expect((await handler(restDelivery({ body }), lambdaContext)).statusCode).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);
  });

  it(
    'the one loss window, pinned: SQS refusing the send and DynamoDB refusing the release of ' +
      'its claim: 503 claim_not_released (logged for an alarm); the claim stays, so a retry ' +
      'within its sending window is 503 and one after it is answered 200 duplicate with ' +
      'nothing queued',
    async () => {
      await stack.drainQueue();
      const realNow = Date.now.bind(Date);
      let skewMs = 0;
      // Installed before the cold start, so that the handler's clock is this one.
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
      const sendFault = { active: true, hits: 0 };
      const releaseFault = { active: true, hits: 0 };
      injectFault(SQSClient, 'SendMessageCommand', sendFault);
      injectFault(DynamoDBClient, 'UpdateItemCommand', releaseFault);
      const handler = await coldHandler();
      const body = eventBody(`evt_loss_${randomUUID()}`, 'ddb');

      const { result: first, lines } = await captureLogs(() =>
        handler(restDelivery({ body }), lambdaContext),
      );
      expect(sendFault.hits).toBeGreaterThan(0);
      expect(releaseFault.hits).toBeGreaterThan(0);
      expect(first.statusCode).toBe(503);
      expect(lines.some((line) => line.includes('"reason":"claim_not_released"'))).toBe(true);
      sendFault.active = false;
      releaseFault.active = false;

      const early = await handler(restDelivery({ body }), lambdaContext);
      expect(early.statusCode).toBe(503);
      skewMs = 8_000;
      const late = await handler(restDelivery({ body }), lambdaContext);
      expect(late.statusCode).toBe(200);
      expect(await stack.drainQueue()).toEqual([]);
    },
  );
});
