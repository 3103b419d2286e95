/**
 * The delivery budget, step by step, through fake ports that wait as a stalled SDK call waits:
 * until the deadline of the code that called them aborts, then fail as the adapters fail
 * (DependencyUnavailableError around the SDK's AbortError, the deadline as its cause). What an
 * abort at each step leaves is pinned here; docs/architecture.md ("Every wait bounded") states it.
 */
import { describe, expect, it, vi } from 'vitest';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import type { AuditRecord } from '../../functions/audit/record.ts';
import { currentDeadlineSignal } from '../../functions/aws/deadline.ts';
import {
  DeadlineExceededError,
  DependencyUnavailableError,
  timedOut,
} from '../../functions/aws/errors.ts';
import { retryAfterSeconds } from '../../functions/config/limits.ts';
import { failureReason } from '../../functions/ingest/decision.ts';
import { type DeliveryBudget, type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';
import { providerDefaults } from '../../functions/registry/provider.ts';
import { fakeMarker, fakeRequest } from '../support/fake-delivery.ts';

/** Short, so that each abort comes quickly; the steps' logic does not depend on the numbers. */
const budget: DeliveryBudget = { deliveryMs: 150, settleMs: 150 };
/** It answers, it does not hang: the budget, the settle allowance and a wide margin. */
const answerBoundMs = budget.deliveryMs + budget.settleMs + 2_000;

const marker = fakeMarker;
const request = fakeRequest;

/** What the SDK throws when the signal of its call aborts: an AbortError, the reason its cause. */
function abortedCall(signal: AbortSignal): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: signal.reason });
}

/** A call that never answers: it fails only when the caller's deadline aborts it. */
function stalled(dependency: 'dynamodb' | 'sqs', operation: string): Promise<never> {
  const signal = currentDeadlineSignal();
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => {
      const cause = abortedCall(signal);
      reject(new DependencyUnavailableError(dependency, operation, 'AbortError', { cause }));
    });
  });
}

/** A call that answers after `ms`, whatever its deadline says. */
const answerAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function fakePorts(overrides: Partial<IngestPorts> = {}) {
  const release = vi.fn(async () => 'released');
  const send = vi.fn(async () => ({ messageId: 'm-1' }));
  const written: AuditRecord[] = [];
  const writeAttempt = vi.fn(async (record: AuditRecord) => {
    written.push(record);
  });
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
    verify: async () => ({ accepted: true, scheme: 'stripe', keyId: 'v1', keyIndex: 0 }),
    markers: { claim: async () => ({ outcome: 'claimed', marker }), release },
    queue: { send },
    audit: { writeAttempt, confirmAccepted },
    rejections: new RejectionBudget(),
    encryptField: async () => Buffer.from([1]),
    ...overrides,
  };
  return { ports, release, send, writeAttempt, confirmAccepted, written };
}

async function run(ports: IngestPorts) {
  const startedAt = performance.now();
  const result = await ingest(request, ports, () => Date.UTC(2025, 0, 1), budget);
  return { result, elapsedMs: performance.now() - startedAt };
}

function expectUnavailable(
  { result, elapsedMs }: Awaited<ReturnType<typeof run>>,
  reason: string,
): void {
  expect(result.response.statusCode).toBe(503);
  expect(result.response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(result.reason).toBe(reason);
  expect(elapsedMs).toBeLessThan(answerBoundMs);
}

describe('an abort at each step of the delivery', () => {
  it('the lookup: 503 dynamodb_deadline_exceeded, nothing claimed, sent or written', async () => {
    const { ports, send, writeAttempt } = fakePorts({
      resolveProvider: () => stalled('dynamodb', 'GetItem'),
    });
    const claim = vi.spyOn(ports.markers, 'claim');
    expectUnavailable(await run(ports), 'dynamodb_deadline_exceeded');
    expect(claim).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
    expect(writeAttempt).not.toHaveBeenCalled();
  });

  it('the claim: 503, not audited (its record would go to the same DynamoDB), nothing sent', async () => {
    const { ports, send, release, writeAttempt } = fakePorts({
      markers: { claim: () => stalled('dynamodb', 'PutItem'), release: vi.fn() },
    });
    expectUnavailable(await run(ports), 'dynamodb_deadline_exceeded');
    expect(send).not.toHaveBeenCalled();
    expect(release).not.toHaveBeenCalled();
    expect(writeAttempt).not.toHaveBeenCalled();
  });

  it('between the claim and the send: the claim released, audited deadline_exceeded, nothing sent', async () => {
    const release = vi.fn(async () => 'released');
    const { ports, send, written } = fakePorts({
      // Answers, but only once the budget is spent.
      markers: {
        claim: () => answerAfter(budget.deliveryMs + 50, { outcome: 'claimed', marker } as const),
        release,
      },
    });
    expectUnavailable(await run(ports), 'deadline_exceeded');
    expect(send).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledWith(marker);
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'deadline_exceeded' }]);
  });

  it('the send: the claim kept (SQS may hold the message), audited sqs_deadline_exceeded', async () => {
    const { ports, release, confirmAccepted, written } = fakePorts({
      queue: { send: () => stalled('sqs', 'SendMessage') },
    });
    expectUnavailable(await run(ports), 'sqs_deadline_exceeded');
    expect(release).not.toHaveBeenCalled();
    expect(confirmAccepted).not.toHaveBeenCalled();
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'sqs_deadline_exceeded' }]);
  });

  it('the confirm: 503, never 2xx; the claim neither released nor audited failed', async () => {
    const { ports, release, writeAttempt } = fakePorts({
      audit: {
        writeAttempt: vi.fn(),
        confirmAccepted: () => stalled('dynamodb', 'TransactWriteItems'),
      },
    });
    expectUnavailable(await run(ports), 'dynamodb_deadline_exceeded');
    expect(release).not.toHaveBeenCalled();
    expect(writeAttempt).not.toHaveBeenCalled();
  });
});

describe('the steps that settle what was begun run past the budget, and are bounded too', () => {
  it('a message sent just before the deadline still gets its confirm: 202', async () => {
    let confirmSignal: AbortSignal | undefined;
    const { ports } = fakePorts({
      queue: { send: () => answerAfter(budget.deliveryMs - 20, { messageId: 'm-late' }) },
      audit: {
        writeAttempt: vi.fn(),
        confirmAccepted: async () => {
          confirmSignal = currentDeadlineSignal();
          // Past the delivery's deadline, within the settle allowance.
          await answerAfter(60, undefined);
          expect(confirmSignal?.aborted).toBe(false);
          return 'confirmed';
        },
      },
    });
    const { result } = await run(ports);
    expect(result.response.statusCode).toBe(202);
    expect(confirmSignal).toBeDefined();
  });

  it('a release and a failed record that stall end with the settle allowance', async () => {
    const { ports } = fakePorts({
      markers: {
        claim: () => answerAfter(budget.deliveryMs + 20, { outcome: 'claimed', marker } as const),
        release: () => stalled('dynamodb', 'DeleteItem'),
      },
      audit: {
        writeAttempt: () => stalled('dynamodb', 'PutItem'),
        confirmAccepted: vi.fn(),
      },
    });
    expectUnavailable(await run(ports), 'deadline_exceeded');
  });

  it('a send SQS refused (an answer, not a timeout) releases the claim at once', async () => {
    const refused = Object.assign(new Error('Internal'), { name: 'InternalError' });
    const { ports, release } = fakePorts({
      queue: {
        send: async () => {
          throw new DependencyUnavailableError('sqs', 'SendMessage', 'InternalError', {
            cause: refused,
          });
        },
      },
    });
    expectUnavailable(await run(ports), 'sqs_unavailable');
    expect(release).toHaveBeenCalledWith(marker);
  });
});

describe('failure reasons', () => {
  const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
  const aborted = (reason: unknown) =>
    Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: reason });

  it.each([
    [new DependencyUnavailableError('sqs', 'SendMessage', 'down'), 'sqs_unavailable'],
    [
      new DependencyUnavailableError('dynamodb', 'PutItem', 'TimeoutError', { cause: timeout }),
      'dynamodb_timeout',
    ],
    [
      new DependencyUnavailableError('sqs', 'SendMessage', 'AbortError', {
        cause: aborted(new DeadlineExceededError(6_000)),
      }),
      'sqs_deadline_exceeded',
    ],
    [
      new KeyServiceUnavailableError('GenerateDataKey', 'TimeoutError', { cause: timeout }),
      'kms_timeout',
    ],
    [new KeyServiceUnavailableError('Decrypt', 'AccessDenied'), 'kms_unavailable'],
    [new DeadlineExceededError(6_000), 'deadline_exceeded'],
  ])('%s is %s', (error, reason) => {
    expect(failureReason(error)).toBe(reason);
  });

  it('no reason for an error that is no dependency’s: the handler answers 500', () => {
    expect(failureReason(new TypeError('bug'))).toBeUndefined();
  });

  it('a timeout or an abort leaves the outcome unknown; an answer does not', () => {
    expect(
      timedOut(new DependencyUnavailableError('sqs', 'SendMessage', 'x', { cause: timeout })),
    ).toBe(true);
    expect(timedOut(aborted(undefined))).toBe(true);
    expect(timedOut(new DependencyUnavailableError('sqs', 'SendMessage', 'down'))).toBe(false);
  });
});
