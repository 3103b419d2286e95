/**
 * Turns the event of any front into the delivery the ingest core reads: an API Gateway proxy
 * event, REST API (payload v1) or HTTP API (payload v2), or a Lambda function URL event (the v2
 * shape, without a route). Pure: no I/O, no clock.
 *
 * Only the fields read here are typed, so that no `@types/aws-lambda` is needed.
 * See https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * and https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 */
import type { DeliveryRequest } from '../verify/types.ts';
import { InvalidHttpEventError } from './errors.ts';

type Optional<T> = T | null | undefined;

/** The fields of a REST API (v1) proxy event this module reads. */
export interface RestApiProxyEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: Optional<Readonly<Record<string, Optional<string>>>>;
  readonly multiValueHeaders?: Optional<Readonly<Record<string, Optional<readonly string[]>>>>;
  readonly multiValueQueryStringParameters?: Optional<
    Readonly<Record<string, Optional<readonly string[]>>>
  >;
  readonly queryStringParameters?: Optional<Readonly<Record<string, Optional<string>>>>;
  readonly pathParameters?: Optional<Readonly<Record<string, Optional<string>>>>;
  readonly body?: Optional<string>;
  readonly isBase64Encoded?: Optional<boolean>;
  readonly requestContext: {
    readonly requestId: string;
    readonly domainName?: Optional<string>;
    /** The path as the client called it, stage included. */
    readonly path?: Optional<string>;
    readonly identity: { readonly sourceIp: string; readonly userAgent?: Optional<string> };
  };
}

/**
 * The fields of an HTTP API (v2) event this module reads. A function URL sends the same shape
 * with `routeKey` `$default` and no `pathParameters`: it has no route, so every path reaches
 * the function, and the provider's id is read from `rawPath`.
 */
export interface HttpApiEvent {
  readonly version: '2.0';
  readonly rawPath: string;
  readonly rawQueryString?: Optional<string>;
  readonly cookies?: Optional<readonly string[]>;
  /** Repeated headers arrive joined with commas. */
  readonly headers?: Optional<Readonly<Record<string, Optional<string>>>>;
  readonly pathParameters?: Optional<Readonly<Record<string, Optional<string>>>>;
  readonly body?: Optional<string>;
  readonly isBase64Encoded?: Optional<boolean>;
  readonly requestContext: {
    readonly requestId: string;
    readonly domainName?: Optional<string>;
    readonly http: {
      readonly method: string;
      readonly sourceIp: string;
      readonly userAgent?: Optional<string>;
    };
  };
}

export type ApiGatewayEvent = RestApiProxyEvent | HttpApiEvent;

/** Header names in lower case; a header sent several times keeps each value, in order. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[]>>;

/** One delivery as the ingest core reads it. */
export interface IngestRequest extends DeliveryRequest {
  /** The `{providerId}` path parameter, as received (the core checks it). */
  readonly providerId: string;
  readonly headers: RequestHeaders;
  readonly sourceIp: string;
  /** @default - the request had no User-Agent */
  readonly userAgent?: string;
  /** API Gateway's request id: unique per attempt. */
  readonly requestId: string;
}

/** The path parameter the route `POST /v1/webhooks/{providerId}` names. */
export const providerIdParameter = 'providerId';

/** The path before the provider's id, on every front (infra/front.ts serves it). */
export const webhookPath = '/v1/webhooks';

/**
 * Reads either payload version into an {@link IngestRequest}.
 * @throws InvalidHttpEventError when a required field is missing or the base64 body is not base64.
 * @example
 * const request = readHttpEvent(event);
 */
export function readHttpEvent(event: ApiGatewayEvent): IngestRequest {
  return 'version' in event && event.version === '2.0'
    ? readHttpApiEvent(event)
    : readRestApiEvent(event as RestApiProxyEvent);
}

function readRestApiEvent(event: RestApiProxyEvent): IngestRequest {
  const headers = restHeaders(event);
  const context = requiredObject('requestContext', event.requestContext);
  const host = firstValue(headers.host) ?? context.domainName;
  const path = context.path ?? event.path;
  return request({
    method: event.httpMethod,
    providerId: event.pathParameters?.[providerIdParameter],
    url: url(host, path, restQueryString(event)),
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    sourceIp: context.identity?.sourceIp,
    userAgent: context.identity?.userAgent ?? firstValue(headers['user-agent']),
    requestId: context.requestId,
  });
}

function readHttpApiEvent(event: HttpApiEvent): IngestRequest {
  const headers = emptyHeaders();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  // v2 moves Cookie headers to `cookies`; put them back as one header, as HTTP/1.1 sends it.
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  const context = requiredObject('requestContext', event.requestContext);
  const http = requiredObject('requestContext.http', context.http);
  const host = firstValue(headers.host) ?? context.domainName;
  return request({
    method: http.method,
    providerId: event.pathParameters?.[providerIdParameter] ?? providerIdFromPath(event.rawPath),
    url: url(host, event.rawPath, event.rawQueryString ?? ''),
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    sourceIp: http.sourceIp,
    userAgent: http.userAgent ?? firstValue(headers['user-agent']),
    requestId: context.requestId,
  });
}

interface RawRequest {
  readonly method: Optional<string>;
  readonly providerId: Optional<string>;
  readonly url: string;
  readonly headers: RequestHeaders;
  readonly body: Optional<string>;
  readonly isBase64Encoded: Optional<boolean>;
  readonly sourceIp: Optional<string>;
  readonly userAgent: Optional<string>;
  readonly requestId: Optional<string>;
}

function request(raw: RawRequest): IngestRequest {
  const userAgent = raw.userAgent ?? undefined;
  return {
    method: requiredText('method', raw.method),
    // A missing parameter is an unknown provider (401), not a malformed event.
    providerId: raw.providerId ?? '',
    url: raw.url,
    headers: raw.headers,
    body: decodeBody(raw.body, raw.isBase64Encoded === true),
    sourceIp: requiredText('sourceIp', raw.sourceIp),
    ...(userAgent === undefined || userAgent === '' ? {} : { userAgent }),
    requestId: requiredText('requestId', raw.requestId),
  };
}

/**
 * The id in `/v1/webhooks/{providerId}`, decoded as API Gateway decodes a path parameter; none
 * for any other path, or for an id that is not valid percent-encoding, which the core refuses
 * as an unknown provider (401), as it does a missing parameter.
 */
function providerIdFromPath(rawPath: Optional<string>): string | undefined {
  const prefix = `${webhookPath}/`;
  if (typeof rawPath !== 'string' || !rawPath.startsWith(prefix)) return undefined;
  const encoded = rawPath.slice(prefix.length);
  if (encoded === '' || encoded.includes('/')) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/**
 * v1 carries every header twice: `multiValueHeaders` keeps each value of each spelling, while
 * `headers` keeps only one value per spelling, so `multiValueHeaders` is the only source when
 * present and `headers` is read only when it is absent. One name under several spellings
 * (`Stripe-Signature`, `stripe-signature`) is one field as RFC 9110 §5.3 defines it: every
 * spelling's values are kept, in the order the event lists them, so none can hide another.
 */
function restHeaders(event: RestApiProxyEvent): RequestHeaders {
  const headers = emptyHeaders();
  const multi = event.multiValueHeaders;
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      for (const value of values ?? []) appendHeader(headers, name, value);
    }
    return headers;
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    appendHeader(headers, name, value);
  }
  return headers;
}

/** Adds one value under the lower-cased name: a lone value stays a string, repeats a list. */
function appendHeader(headers: HeaderRecord, name: string, value: Optional<string>): void {
  if (typeof value !== 'string') return;
  const key = name.toLowerCase();
  const previous = headers[key];
  if (previous === undefined) headers[key] = value;
  else if (typeof previous === 'string') headers[key] = [previous, value];
  else previous.push(value);
}

/** The headers as built here; the lists are this module's own, never the event's. */
type HeaderRecord = Record<string, string | string[]>;

/**
 * Header names are the client's, and API Gateway passes any: on an object without a prototype
 * `__proto__` or `constructor` is set and read as an own key like any other name, and a name
 * that was not sent reads as absent rather than as an Object.prototype member.
 */
function emptyHeaders(): HeaderRecord {
  return Object.create(null) as HeaderRecord;
}

/**
 * v1 has no raw query string, only decoded parameters; they are encoded again in the order
 * API Gateway lists them, which need not be the order or the encoding sent. A provider that
 * signs the exact query (Twilio) needs the `http` or `url` front, or a URL with no query
 * (docs/providers.md; test/ingest/twilio-fronts.test.ts).
 */
function restQueryString(event: RestApiProxyEvent): string {
  const pairs: string[] = [];
  const multi = event.multiValueQueryStringParameters;
  const entries: [string, readonly string[]][] = multi
    ? Object.entries(multi).map(([name, values]) => [name, values ?? []])
    : Object.entries(event.queryStringParameters ?? {}).map(([name, value]) => [
        name,
        value == null ? [] : [value],
      ]);
  for (const [name, values] of entries) {
    for (const value of values)
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return pairs.join('&');
}

function url(host: Optional<string>, path: string, query: string): string {
  const base = `https://${requiredText('host', host)}${path}`;
  return query === '' ? base : `${base}?${query}`;
}

/**
 * The body bytes exactly as sent. Node's base64 decoder skips characters it does not know,
 * so a body that is not canonical base64 is refused rather than silently changed: it must
 * encode back to the very text received. (A pattern of repeated four-character groups, tested
 * by a regular expression, overflows V8's stack on bodies of a few megabytes.)
 */
function decodeBody(body: Optional<string>, isBase64Encoded: boolean): Uint8Array {
  if (body == null || body === '') return new Uint8Array(0);
  if (!isBase64Encoded) return Buffer.from(body, 'utf8');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.toString('base64') !== body) {
    throw new InvalidHttpEventError('body is flagged base64 but is not canonical base64');
  }
  return bytes;
}

function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function requiredText(name: string, value: Optional<string>): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidHttpEventError(`${name} is missing`);
  }
  return value;
}

function requiredObject<T>(name: string, value: Optional<T>): T {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidHttpEventError(`${name} is missing`);
  }
  return value;
}
