/**
 * The HTTP front of `npm start`: a loopback node:http server that does what API Gateway's REST
 * API (Lambda proxy integration, payload v1) does for `/v1/webhooks/{providerId}`: it turns
 * each request into a proxy event and invokes the very handler the Lambda runs.
 * See https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  apiGatewayIntegrationTimeoutMs,
  ingestFunctionTimeoutSeconds,
  maxBodySizeBytes,
} from '../functions/config/limits.ts';
import { providerIdParameter, type RestApiProxyEvent } from '../functions/ingest/http-event.ts';
import type { HttpResponse } from '../functions/ingest/ingest.ts';
import { closeServer, isLoopbackAddress, isLoopbackHost, listen } from './loopback.ts';

/** The resource the route is declared on, as API Gateway reports it. */
export const webhookResource = `/v1/webhooks/{${providerIdParameter}}`;

/** The REST proxy event the gateway builds: what http-event.ts reads, plus API Gateway's extras. */
export interface LocalProxyEvent extends RestApiProxyEvent {
  readonly resource: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly pathParameters: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: true;
  readonly requestContext: RestApiProxyEvent['requestContext'] & {
    readonly stage: string;
    readonly resourcePath: string;
    readonly httpMethod: string;
    readonly requestTimeEpoch: number;
    readonly domainName: string;
    readonly path: string;
  };
}

/** The Lambda context fields middy and Powertools read. */
export interface LocalLambdaContext {
  readonly callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  getRemainingTimeInMillis(): number;
}

export type ProxyHandler = (
  event: LocalProxyEvent,
  context: LocalLambdaContext,
) => Promise<HttpResponse>;

export interface GatewayOptions {
  /**
   * A loopback address or `localhost`; anything else throws NonLoopbackGatewayError.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** @default 0 - the OS picks a free port */
  readonly port?: number;
  /** @default 'local' */
  readonly stage?: string;
  /**
   * What each request on the route invokes. The default is imported on the first start, so
   * the names it reads must be in process.env by then (`startLocalStack` puts them there).
   * @default - the exported `handler` of functions/ingest/handler.ts
   */
  readonly handler?: ProxyHandler;
  /**
   * How long an invocation may go unanswered before the gateway answers 504
   * `{"message":"Endpoint request timed out"}` itself, as API Gateway does; the handler's late
   * answer is then dropped. Tests shorten it so as not to wait 29 s.
   * @default apiGatewayIntegrationTimeoutMs - API Gateway's 29 s (functions/config/limits.ts)
   */
  readonly integrationTimeoutMs?: number;
}

export interface LocalGateway {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops kept-alive connections. Calling it again is harmless. */
  close(): Promise<void>;
}

/** `startGateway` was asked to listen on an address other than loopback. */
export class NonLoopbackGatewayError extends Error {
  override readonly name = 'NonLoopbackGatewayError';
  readonly code = 'non_loopback_address';
  constructor(
    readonly address: string,
    options?: ErrorOptions,
  ) {
    super(
      `refusing to listen on non-loopback address '${address}': the local gateway verifies nothing about its callers`,
      options,
    );
  }
}

/** The port asked for is taken, by another program or another stack's gateway. */
export class GatewayPortInUseError extends Error {
  override readonly name = 'GatewayPortInUseError';
  readonly code = 'gateway_port_in_use';
  constructor(
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(`port ${port} is already in use, so the gateway cannot listen on it`, options);
  }
}

/** `integrationTimeoutMs` is not a whole number of milliseconds a timer can wait. */
export class InvalidIntegrationTimeoutError extends Error {
  override readonly name = 'InvalidIntegrationTimeoutError';
  readonly code = 'invalid_integration_timeout';
  constructor(
    readonly value: number,
    options?: ErrorOptions,
  ) {
    super(
      `integrationTimeoutMs must be a whole number of milliseconds from 1 to ${maxTimerDelayMs}, got ${value}`,
      options,
    );
  }
}

/** Node's timers wait at most 2^31 - 1 ms; a longer delay fires after 1 ms instead. */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Buffered at most; larger uploads are drained and answered 413 here. Above maxBodySizeBytes
 * so that the handler still sees (and answers 413 to) a body just over its limit.
 */
export const maxBufferedBodyBytes = maxBodySizeBytes + 1024;

/**
 * The deadline `getRemainingTimeInMillis` counts down to: the deployed function's timeout.
 * Nothing here ends an invocation at it (Lambda would); the integration timeout answers for a
 * handler that hangs.
 */
const functionTimeoutMs = ingestFunctionTimeoutSeconds * 1000;
const functionName = 'webhook-ingestion-ingest';
const routePattern = /^\/v1\/webhooks\/([^/]+)$/;

/**
 * Starts the gateway on loopback.
 * @example
 * const stack = await startLocalStack();
 * const gateway = await startGateway({ port: 3000 });
 * // POST http://127.0.0.1:3000/v1/webhooks/stripe-live
 */
export async function startGateway(options: GatewayOptions = {}): Promise<LocalGateway> {
  const {
    host = '127.0.0.1',
    port = 0,
    stage = 'local',
    integrationTimeoutMs = apiGatewayIntegrationTimeoutMs,
  } = options;
  if (!isLoopbackHost(host)) throw new NonLoopbackGatewayError(host);
  if (
    !Number.isInteger(integrationTimeoutMs) ||
    integrationTimeoutMs < 1 ||
    integrationTimeoutMs > maxTimerDelayMs
  ) {
    throw new InvalidIntegrationTimeoutError(integrationTimeoutMs);
  }
  // Imported only now: the handler module and its SDK clients read process.env.
  const handler = options.handler ?? (await import('../functions/ingest/handler.ts')).handler;
  const server = createServer((request, response) => {
    answer(request, response, { handler, stage, integrationTimeoutMs }).catch((error: unknown) =>
      answerFailure(response, error),
    );
  });
  const address = await listen(server, host, port).catch((error: unknown) => {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw inUse ? new GatewayPortInUseError(port, { cause: error }) : error;
  });
  if (!isLoopbackAddress(address.address)) {
    await closeServer(server);
    throw new NonLoopbackGatewayError(address.address);
  }
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close: () => {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

interface Route {
  readonly handler: ProxyHandler;
  readonly stage: string;
  readonly integrationTimeoutMs: number;
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  { handler, stage, integrationTimeoutMs }: Route,
): Promise<void> {
  const url = requestUrl(request.url);
  const providerId = url === undefined ? undefined : routePattern.exec(url.pathname)?.[1];
  const body = await readBody(request);
  if (url === undefined || providerId === undefined) {
    send(response, { statusCode: 404, headers: jsonHeaders, body: '{"error":"not_found"}' });
    return;
  }
  if (body === undefined) {
    send(response, {
      statusCode: 413,
      headers: jsonHeaders,
      body: '{"error":"payload_too_large"}',
    });
    return;
  }
  const event = proxyEvent(request, url, decodePathParameter(providerId), body, stage);
  const outcome = await invokeWithin(() => handler(event, lambdaContext()), integrationTimeoutMs);
  if (outcome.kind === 'answered') {
    send(response, outcome.response);
  } else if (outcome.kind === 'failed') {
    // What API Gateway answers when the function fails; the name only, as the handler logs.
    console.error(
      `gateway: the handler failed (${(outcome.error as Error)?.name ?? 'unknown error'})`,
    );
    send(response, internalServerError);
  } else {
    // API Gateway's INTEGRATION_TIMEOUT gateway response; the invocation runs on, as a Lambda
    // does after the gateway gives up, but what it answers reaches no one.
    console.error(
      `gateway: the handler did not answer within ${integrationTimeoutMs} ms (API Gateway's integration timeout): answered 504; its late answer is dropped`,
    );
    send(response, {
      statusCode: 504,
      headers: jsonHeaders,
      body: '{"message":"Endpoint request timed out"}',
    });
  }
}

type Invocation =
  | { readonly kind: 'answered'; readonly response: HttpResponse }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'timed_out' };

/**
 * The handler's answer or failure, or `timed_out` once `timeoutMs` pass first. A late answer
 * or failure settles a race already decided, so it is dropped (and never unhandled).
 */
async function invokeWithin(
  invoke: () => Promise<HttpResponse>,
  timeoutMs: number,
): Promise<Invocation> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Invocation>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed_out' }), timeoutMs);
  });
  // `async` turns a handler that throws before returning its promise into a failure too.
  const invocation = (async () => invoke())().then(
    (response): Invocation => ({ kind: 'answered', response }),
    (error: unknown): Invocation => ({ kind: 'failed', error }),
  );
  try {
    return await Promise.race([invocation, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const jsonHeaders = { 'content-type': 'application/json' };

/** API Gateway's answer when the function fails or its answer is malformed. */
const internalServerError: HttpResponse = {
  statusCode: 502,
  headers: jsonHeaders,
  body: '{"message":"Internal server error"}',
};

/**
 * Whatever `answer` could not do (a handler's answer that cannot be written, such as a header
 * value with a line break; a client that went away mid-request), logged by the error's name
 * and code only, as the handler logs: a message may quote the request. While nothing has been
 * written the client gets the 502 API Gateway answers to a malformed proxy response; after
 * that, or once the client has gone, closing the connection is all that is left.
 */
function answerFailure(response: ServerResponse, error: unknown): void {
  const cause = describeError(error);
  // A client that went away leaves the response destroyed, though still `writable`.
  if (response.headersSent || response.destroyed || !response.writable) {
    console.error(`gateway: could not answer a request (${cause}): the connection was closed`);
    response.destroy();
    return;
  }
  console.error(`gateway: could not answer a request (${cause}): answered 502`);
  // Headers a failed writeHead may have stored must not reach the 502.
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  send(response, internalServerError);
}

/** `TypeError ERR_INVALID_CHAR`: an error's name and its code when it has one. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.name : `${error.name} ${code}`;
}

/**
 * The request target as a URL; `undefined` for one that is not a path (`*`, an absolute URL).
 * Read against a fixed origin rather than resolved, so that `//other.example/v1/webhooks/x`
 * is the path it is, as API Gateway routes it, not another host's `/v1/webhooks/x`, and `//`
 * is a path rather than a URL that does not parse.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  return URL.parse(`http://gateway.invalid${target}`) ?? undefined;
}

/**
 * The whole body, or `undefined` when it is longer than maxBufferedBodyBytes. The rest of a
 * long body is read and dropped, never kept, so the kept-alive connection stays usable.
 */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= maxBufferedBodyBytes) chunks.push(chunk);
  }
  return length > maxBufferedBodyBytes ? undefined : Buffer.concat(chunks);
}

/** API Gateway passes path parameters decoded; an undecodable one is passed as sent. */
function decodePathParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function proxyEvent(
  request: IncomingMessage,
  url: URL,
  providerId: string,
  body: Buffer,
  stage: string,
): LocalProxyEvent {
  const headers = headerValues(request.rawHeaders);
  const method = request.method ?? 'GET';
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const userAgent = request.headers['user-agent'];
  const query = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) append(query, name, value);
  return {
    resource: webhookResource,
    path: url.pathname,
    httpMethod: method,
    // As API Gateway does: the single-value forms keep the last value of a repeated name.
    headers: nameRecord(lastValues(headers)),
    multiValueHeaders: nameRecord(headers),
    queryStringParameters: url.search === '' ? null : nameRecord(lastValues(query)),
    multiValueQueryStringParameters: url.search === '' ? null : nameRecord(query),
    pathParameters: { [providerIdParameter]: providerId },
    // Base64 always, so the handler sees the bytes exactly as sent, whatever they hold.
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: randomUUID(),
      stage,
      resourcePath: webhookResource,
      httpMethod: method,
      requestTimeEpoch: Date.now(),
      domainName: request.headers.host ?? 'localhost',
      // The path as called; here no stage prefix, since the client called it without one.
      path: url.pathname,
      identity: {
        sourceIp,
        ...(userAgent === undefined ? {} : { userAgent }),
      },
    },
  };
}

/*
 * Header and parameter names are the client's: `__proto__`, `constructor` or `toString` are
 * names like any other. So they are gathered in Maps and handed over as records without a
 * prototype, where each is an own key, as in the JSON API Gateway sends, and a name that was
 * not sent reads as absent rather than as an Object.prototype member.
 */

/** Names as the client spelt them (the first spelling of each), every value in order. */
function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const spelling = new Map<string, string>();
  const headers = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    append(headers, key, rawHeaders[index + 1] as string);
  }
  return headers;
}

function append(values: Map<string, string[]>, name: string, value: string): void {
  const list = values.get(name);
  if (list === undefined) values.set(name, [value]);
  else list.push(value);
}

function lastValues(values: ReadonlyMap<string, string[]>): Map<string, string> {
  return new Map([...values].map(([name, list]) => [name, list[list.length - 1] as string]));
}

/** The entries as an object without a prototype: on it, setting `__proto__` sets a key. */
function nameRecord<Value>(entries: ReadonlyMap<string, Value>): Record<string, Value> {
  const record = Object.create(null) as Record<string, Value>;
  for (const [name, value] of entries) record[name] = value;
  return record;
}

function lambdaContext(): LocalLambdaContext {
  const deadline = Date.now() + functionTimeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function send(response: ServerResponse, { statusCode, headers, body }: HttpResponse): void {
  response.writeHead(statusCode, headers);
  response.end(body);
}
