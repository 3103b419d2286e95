/**
 * One delivery and its claim, for the tests that drive the ingest path over fake ports (no
 * stand-ins): the same request and marker wherever a test only needs "a delivery".
 */
import type { DedupMarker } from '../../functions/audit/dedup.ts';
import type { IngestRequest } from '../../functions/ingest/http-event.ts';

export const fakeMarker: DedupMarker = {
  providerId: 'stripe-live',
  deliveryId: 'evt_1',
  claimToken: 'token',
  leaseUntilMs: 0,
  dedupWindowSeconds: 60,
};

export const fakeRequest: IngestRequest = {
  method: 'POST',
  providerId: 'stripe-live',
  url: 'https://hooks.example.com/v1/webhooks/stripe-live',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"id":"evt_1","type":"invoice.paid"}'),
  sourceIp: '203.0.113.7',
  requestId: 'req-1',
};
