import { createHmac } from 'node:crypto';
import type { HttpApiEvent } from '../../functions/ingest/http-event.ts';

let requestCounter = 0;

/** An HTTP API event for `POST /v1/webhooks/<providerId>`, signed as Stripe signs. */
export function stripeDelivery(
  providerId: string,
  secret: string,
  body: string,
  overrides: Partial<HttpApiEvent> = {},
): HttpApiEvent {
  requestCounter += 1;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    version: '2.0',
    rawPath: `/v1/webhooks/${providerId}`,
    rawQueryString: '',
    headers: {
      host: 'hooks.example.com',
      'content-type': 'application/json',
      'stripe-signature': `t=${timestamp},v1=${signature}`,
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    pathParameters: { providerId },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${requestCounter}`,
      domainName: 'hooks.example.com',
      http: {
        method: 'POST',
        sourceIp: '203.0.113.7',
        userAgent: 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
    },
    ...overrides,
  };
}
