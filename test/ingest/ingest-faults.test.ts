/** The orchestration's answers to outcomes the stand-ins cannot easily produce, through fake ports. */
import { describe, expect, it, vi } from 'vitest';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';
import { providerDefaults } from '../../functions/registry/provider.ts';
import type { Verdict } from '../../functions/verify/types.ts';
import { fakeMarker, fakeRequest } from '../support/fake-delivery.ts';

const marker = fakeMarker;
const request = fakeRequest;

const acceptedVerdict: Verdict = { accepted: true, scheme: 'stripe', keyId: 'v1', keyIndex: 0 };

function fakePorts(overrides: Partial<IngestPorts> = {}) {
  const release = vi.fn(async () => 'released');
  const send = vi.fn(async () => ({ messageId: 'm-1' }));
  const writeAttempt = vi.fn(async () => undefined);
  const confirmAccepted = vi.fn(async () => 'confirmed' as const);
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
    markers: { claim: async () => ({ outcome: 'claimed', marker }), release },
    queue: { send },
    audit: { writeAttempt, confirmAccepted },
    rejections: new RejectionBudget(),
    encryptField: async () => Buffer.from([1]),
    ...overrides,
  };
  return { ports, release, send, writeAttempt, confirmAccepted };
}

const run = (ports: IngestPorts) => ingest(request, ports, () => Date.UTC(2025, 0, 1));

describe('ingest, through fake ports', () => {
  it('answers 503 with Retry-After while another attempt holds the claim, sending nothing', async () => {
    const { ports, send } = fakePorts({
      markers: { claim: async () => ({ outcome: 'in_flight', leaseUntilMs: 1 }), release: vi.fn() },
    });
    const { response, outcome } = await run(ports);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
    expect(outcome).toBe('in_flight');
    expect(send).not.toHaveBeenCalled();
  });

  it('answers 503, not 2xx, when the confirm fails after the send', async () => {
    const { ports, send } = fakePorts({
      audit: {
        writeAttempt: vi.fn(),
        confirmAccepted: async () => {
          throw new DependencyUnavailableError('dynamodb', 'TransactWriteItems', 'down');
        },
      },
    });
    const { response, reason } = await run(ports);
    expect(send).toHaveBeenCalledOnce();
    expect(response.statusCode).toBe(503);
    expect(reason).toBe('dynamodb_unavailable');
  });

  it('answers 503 when the claim was lost to another attempt before the confirm', async () => {
    const { ports } = fakePorts({
      audit: { writeAttempt: vi.fn(), confirmAccepted: async () => 'claim_lost' },
    });
    expect((await run(ports)).response.statusCode).toBe(503);
  });

  it('answers 503 and claims nothing when KMS cannot encrypt the audit headers', async () => {
    const claim = vi.fn();
    const { ports } = fakePorts({
      encryptField: async () => {
        throw new KeyServiceUnavailableError('GenerateDataKey', 'down');
      },
      markers: { claim, release: vi.fn() },
    });
    const { response, reason } = await run(ports);
    expect(response.statusCode).toBe(503);
    expect(reason).toBe('kms_unavailable');
    expect(claim).not.toHaveBeenCalled();
  });

  it('releases the claim when SQS answers the send with an error', async () => {
    const { ports, release } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'down');
        },
      },
    });
    expect((await run(ports)).response.statusCode).toBe(503);
    expect(release).toHaveBeenCalledWith(marker);
  });

  it('falls back to the body hash as the delivery id when the event carries none', async () => {
    const { ports } = fakePorts();
    const result = await ingest({ ...request, body: Buffer.from('{}') }, ports, Date.now);
    expect(result.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('answers a handshake 501 for now, without queueing it', async () => {
    const { ports, send } = fakePorts({
      verify: async () => ({ ...acceptedVerdict, handshake: 'challenge' }),
    });
    expect((await run(ports)).response.statusCode).toBe(501);
    expect(send).not.toHaveBeenCalled();
  });
});
