/**
 * One delivery and fake ports for it, for the tests that drive the ingest path without
 * stand-ins: the same request, provider and adapters wherever a test only needs "a delivery",
 * each adapter a spy that a test may replace.
 */
import { vi } from 'vitest';
import type { ClaimResult } from '../../functions/audit/delivery-claims.ts';
import type { AuditRecord } from '../../functions/audit/record.ts';
import type { IngestRequest } from '../../functions/ingest/http-event.ts';
import type { IngestPorts } from '../../functions/ingest/ingest.ts';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';
import { providerDefaults } from '../../functions/registry/provider.ts';
import type { Verdict } from '../../functions/verify/types.ts';

export const fakeRequest: IngestRequest = {
  method: 'POST',
  providerId: 'stripe-live',
  url: 'https://hooks.example.com/v1/webhooks/stripe-live',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"id":"evt_1","type":"invoice.paid"}'),
  sourceIp: '203.0.113.7',
  requestId: 'req-1',
};

export const acceptedVerdict: Verdict = {
  accepted: true,
  scheme: 'stripe',
  keyId: 'v1',
  keyIndex: 0,
};

/** Ports over which `fakeRequest` is verified, claimed, sent and recorded, each a spy. */
export function fakePorts(overrides: Partial<IngestPorts> = {}) {
  const claim = vi.fn(async (): Promise<ClaimResult> => ({ outcome: 'claimed' }));
  const release = vi.fn(async (): Promise<'released' | 'not_held'> => 'released');
  const send = vi.fn(async () => ({ messageId: 'm-1' }));
  const written: AuditRecord[] = [];
  const writeAttempt = vi.fn(async (record: AuditRecord) => {
    written.push(record);
  });
  const writePayloadCopy = vi.fn(async () => undefined);
  const ports: IngestPorts = {
    resolveProvider: async () => ({
      config: {
        ...providerDefaults,
        providerId: 'stripe-live',
        scheme: 'stripe',
        keys: [],
        updatedAtMs: 0,
        revision: 1,
      },
      options: {},
      keys: [{ id: 'v1', value: 'whsec_x' }],
    }),
    verify: async () => acceptedVerdict,
    claims: { claim, replace: vi.fn(async () => 'claimed' as const), release },
    queue: { send },
    audit: { writeAttempt, writePayloadCopy },
    rejections: new RejectionBudget(),
    encryptField: async () => Buffer.from([1]),
    ...overrides,
  };
  return { ports, claim, release, send, writeAttempt, written, writePayloadCopy };
}
