/**
 * Errors of the ingest edge. The handler maps `InvalidHttpEventError` to 400: API Gateway
 * handed over an event this code cannot read, which no retry will change.
 */

/** The Lambda event is not an API Gateway REST (v1) or HTTP API (v2) proxy event we can read. */
export class InvalidHttpEventError extends Error {
  override readonly name = 'InvalidHttpEventError';
  readonly code = 'invalid_http_event';
  constructor(detail: string, options?: ErrorOptions) {
    super(`not a readable API Gateway proxy event: ${detail}`, options);
  }
}
