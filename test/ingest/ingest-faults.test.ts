/** The orchestration's answers to outcomes the stand-ins cannot easily produce, through fake ports. */
import { describe, expect, it, vi } from 'vitest';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { acceptedVerdict, fakePorts, fakeRequest } from '../support/fake-delivery.ts';

const request = fakeRequest;

const run = (ports: IngestPorts) => ingest(request, ports, () => Date.UTC(2025, 0, 1));

describe('ingest, through fake ports', () => {
  it('answers 503 with Retry-After while another attempt may still be sending, sending nothing', async () => {
    const { ports, claim, send } = fakePorts();
    claim.mockResolvedValue({ outcome: 'in_flight', recorded: true });
    const { response, outcome } = await run(ports);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
    expect(outcome).toBe('in_flight');
    expect(send).not.toHaveBeenCalled();
  });

  it('answers 200 for a duplicate without a second call when the claim recorded it', async () => {
    const { ports, claim, send, writeAttempt } = fakePorts();
    claim.mockResolvedValue({ outcome: 'duplicate', recorded: true });
    expect((await run(ports)).response.statusCode).toBe(200);
    expect(send).not.toHaveBeenCalled();
    expect(writeAttempt).not.toHaveBeenCalled();
  });

  it('writes a record of its own for a repeat the delivery item could not hold', async () => {
    const { ports, claim, written } = fakePorts();
    claim.mockResolvedValue({ outcome: 'duplicate', recorded: false });
    expect((await run(ports)).response.statusCode).toBe(200);
    expect(written).toMatchObject([{ outcome: 'duplicate', reason: 'already_accepted' }]);
  });

  it('claims anew a delivery id seen again after its dedup window, and sends it', async () => {
    const previous = { pk: { S: 'd#evt_1' } };
    const { ports, claim, send } = fakePorts();
    claim.mockResolvedValue({ outcome: 'window_passed', previous });
    const replace = vi.spyOn(ports.claims, 'replace');
    expect((await run(ports)).response.statusCode).toBe(202);
    expect(replace).toHaveBeenCalledWith(
      previous,
      expect.objectContaining({ outcome: 'accepted' }),
      expect.anything(),
    );
    expect(send).toHaveBeenCalledOnce();
  });

  it('answers 503 when another attempt replaced the item first', async () => {
    const { ports, claim, send } = fakePorts();
    claim.mockResolvedValue({ outcome: 'window_passed', previous: {} });
    vi.spyOn(ports.claims, 'replace').mockResolvedValue('lost');
    expect((await run(ports)).response.statusCode).toBe(503);
    expect(send).not.toHaveBeenCalled();
  });

  it('answers 202 when the payload copy could not be written: the event is queued and recorded', async () => {
    const { ports } = fakePorts();
    vi.spyOn(ports.audit, 'writePayloadCopy').mockRejectedValue(
      new DependencyUnavailableError('dynamodb', 'PutItem', 'down'),
    );
    const result = await run(ports);
    expect(result.response.statusCode).toBe(202);
    expect(result.reason).toBe('payload_copy_not_written');
  });

  it('answers 503 and claims nothing when KMS cannot encrypt the audit headers', async () => {
    const { ports, claim } = fakePorts({
      encryptField: async () => {
        throw new KeyServiceUnavailableError('GenerateDataKey', 'down');
      },
    });
    const { response, reason } = await run(ports);
    expect(response.statusCode).toBe(503);
    expect(reason).toBe('kms_unavailable');
    expect(claim).not.toHaveBeenCalled();
  });

  it('releases the claim and records the failure when SQS answers the send with an error, deleting nothing', async () => {
    const { ports, release, writePayloadCopy, written } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'down');
        },
      },
    });
    expect((await run(ports)).response.statusCode).toBe(503);
    expect(release).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'accepted' }));
    // The copy stays beside the failed record until its TTL: the ingest path deletes nothing.
    expect(writePayloadCopy).toHaveBeenCalledOnce();
    expect(Object.keys(ports.audit)).not.toContain('deletePayloadCopy');
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'sqs_unavailable' }]);
  });

  it('writes no record for the repeats a released claim held: they stay in its item, read as failed', async () => {
    const { ports, written } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'down');
        },
      },
    });
    expect((await run(ports)).response.statusCode).toBe(503);
    expect(written.map((record) => [record.requestId, record.outcome, record.reason])).toEqual([
      ['req-1', 'failed', 'sqs_unavailable'],
    ]);
  });

  it('counts a claim another attempt holds as no longer standing: nothing of it to release', async () => {
    const { ports, release } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'down');
        },
      },
    });
    release.mockResolvedValue('not_held');
    const result = await run(ports);
    expect(result.response.statusCode).toBe(503);
    expect(result.reason).not.toBe('claim_not_released');
  });

  it('answers claim_not_released when the claim of a failed send cannot be released', async () => {
    const { ports, release } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'down');
        },
      },
    });
    release.mockRejectedValue(new DependencyUnavailableError('dynamodb', 'UpdateItem', 'down'));
    const result = await run(ports);
    expect(result.response.statusCode).toBe(503);
    expect(result.reason).toBe('claim_not_released');
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
