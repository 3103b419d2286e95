/**
 * The ways a delivery reaches the ingest Lambda, and what each one costs and gives up. All
 * three serve `POST /v1/webhooks/{providerId}` over HTTPS and hand the Lambda the exact body:
 *
 * - `rest`: an API Gateway REST API ($3.50 per million). The only front a WAF web ACL can be
 *   associated with; access and execution logs, stage throttling, X-Ray.
 * - `http`: an API Gateway HTTP API ($1.00 per million). Access log and stage throttling, no
 *   WAF, no execution log, no X-Ray at the API; keeps the raw query string, which Twilio signs.
 * - `url`: a Lambda function URL (no price of its own). No WAF, no access log, no throttling
 *   but the function's reserved concurrency; the path and query arrive raw in a v2-style event.
 *
 * docs/architecture.md ("The fronts") gives the sources.
 */
import type { IConstruct } from 'constructs';
import { providerIdParameter, webhookPath } from '../functions/ingest/http-event.ts';
import type { FrontMetrics } from './observability/front-metrics.ts';

/** The path before the provider's id and the id's parameter, as the handler reads them. */
export { providerIdParameter, webhookPath };

export const ingestFrontNames = ['rest', 'http', 'url'] as const;

export type IngestFrontName = (typeof ingestFrontNames)[number];

/** True when `name` is one of `ingestFrontNames`. */
export function isIngestFrontName(name: unknown): name is IngestFrontName {
  return (ingestFrontNames as readonly unknown[]).includes(name);
}

/**
 * The methods of the webhook route, on every front: POST for deliveries, GET for the
 * verification handshakes the ingest Lambda answers (functions/verify/challenges.ts).
 */
export const webhookMethods = ['POST', 'GET'] as const;

/** The route every front serves. */
export const webhookRoute = `${webhookPath}/{${providerIdParameter}}`;

/** Requests per second across an API Gateway stage, and the burst above it. */
export interface StageThrottling {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** What the construct reads of any front. */
export interface IngestFront extends IConstruct {
  readonly kind: IngestFrontName;
  /** The base URL: the REST stage's, the HTTP API's default stage's, or the function URL. */
  readonly baseUrl: string;
  /** The URL providers are given, with `{providerId}` to fill in. */
  readonly webhookUrlTemplate: string;
  /** Requests, errors and latency, as the dashboard and alarms read them. */
  readonly metrics: FrontMetrics;
}
