import type { HttpApiEvent } from '../../functions/ingest/http-event.ts';

let requests = 0;

/**
 * A JSON POST to `/v1/webhooks/<providerId>` as an HTTP API (payload v2) hands it over, with
 * `headers` beside the host and content type, and a request id of its own each time.
 */
export function httpApiEvent(
  providerId: string,
  headers: Record<string, string>,
  body: string,
  from: { readonly sourceIp?: string; readonly userAgent?: string } = {},
): HttpApiEvent & { headers: Record<string, string> } {
  requests += 1;
  return {
    version: '2.0',
    rawPath: `/v1/webhooks/${providerId}`,
    rawQueryString: '',
    headers: { host: 'hooks.example.com', 'content-type': 'application/json', ...headers },
    pathParameters: { providerId },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `http-api-${requests}`,
      domainName: 'hooks.example.com',
      http: {
        method: 'POST',
        sourceIp: from.sourceIp ?? '203.0.113.9',
        userAgent: from.userAgent ?? 'webhook-test',
      },
    },
  };
}
