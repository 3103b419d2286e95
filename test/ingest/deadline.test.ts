/**
 * The delivery budget, step by step, through fake ports that wait as a stalled SDK call waits:
 * until the deadline of the code that called them aborts, then fail as the adapters fail
 * (DependencyUnavailableError around the SDK's AbortError, the deadline as its cause). What an
 * abort at each step leaves is pinned here; docs/architecture.md ("Every wait bounded") states it.
 */
import { describe, expect, it, vi } from 'vitest';
import { KeyServiceUnavailableError } from '../../functions/audit/errors.ts';
import { currentDeadlineSignal } from '../../functions/aws/deadline.ts';
import {
  DeadlineExceededError,
  DependencyUnavailableError,
  timedOut,
} from '../../functions/aws/errors.ts';
import { retryAfterSeconds } from '../../functions/config/limits.ts';
import { failureReason } from '../../functions/ingest/decision.ts';
import { type DeliveryBudget, type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { fakePorts, fakeRequest } from '../support/fake-delivery.ts';

/** Short, so that each abort comes quickly; the steps' logic does not depend on the numbers. */
const budget: DeliveryBudget = { deliveryMs: 150, settleMs: 150 };
/** It answers, it does not hang: the budget, the settle allowance and a wide margin. */
const answerBoundMs = budget.deliveryMs + budget.settleMs + 2_000;

const request = fakeRequest;

/** What the SDK throws when the signal of its call aborts: an AbortError, the reason its cause. */
function abortedCall(signal: AbortSignal): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: signal.reason });
}

/** A call that never answers: it fails only when the caller's deadline aborts it. */
function stalled(dependency: 'dynamodb' | 'sqs', operation: string): Promise<never> {
  const signal = currentDeadlineSignal();
  return new Promise((_, reject) => {
    const abort = () => {
      const cause = abortedCall(signal as AbortSignal);
      reject(new DependencyUnavailableError(dependency, operation, 'AbortError', { cause }));
    };
    // As the SDK does, a call made under a signal already aborted fails at once.
    if (signal?.aborted === true) abort();
    else signal?.addEventListener('abort', abort);
  });
}

/** A call that answers after `ms`, whatever its deadline says. */
const answerAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

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
    const { ports, claim, send, writeAttempt } = fakePorts({
      resolveProvider: () => stalled('dynamodb', 'GetItem'),
    });
    expectUnavailable(await run(ports), 'dynamodb_deadline_exceeded');
    expect(claim).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
    expect(writeAttempt).not.toHaveBeenCalled();
  });

  it('the claim: 503, nothing sent; the claim released, since DynamoDB may have applied it', async () => {
    const { ports, claim, send, release, written } = fakePorts();
    claim.mockImplementation(() => stalled('dynamodb', 'PutItem'));
    expectUnavailable(await run(ports), 'dynamodb_deadline_exceeded');
    expect(send).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledOnce();
    // Best effort: it goes to the DynamoDB that did not answer.
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'dynamodb_deadline_exceeded' }]);
  });

  it('the claim, and its release stalled too: 503 claim_not_released, the claim may stay', async () => {
    const { ports, claim, release, send } = fakePorts();
    claim.mockImplementation(() => stalled('dynamodb', 'PutItem'));
    release.mockImplementation(() => stalled('dynamodb', 'UpdateItem'));
    expectUnavailable(await run(ports), 'claim_not_released');
    expect(send).not.toHaveBeenCalled();
  });

  it('a claim DynamoDB refused (an answer): nothing to release', async () => {
    const { ports, claim, release } = fakePorts();
    claim.mockRejectedValue(new DependencyUnavailableError('dynamodb', 'PutItem', 'down'));
    expectUnavailable(await run(ports), 'dynamodb_unavailable');
    expect(release).not.toHaveBeenCalled();
  });

  it('between the claim and the send: the claim released, audited deadline_exceeded, nothing sent', async () => {
    const { ports, claim, send, release, written } = fakePorts();
    // Answers, but only once the budget is spent.
    claim.mockImplementation(() => answerAfter(budget.deliveryMs + 50, { outcome: 'claimed' }));
    expectUnavailable(await run(ports), 'deadline_exceeded');
    expect(send).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'accepted' }));
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'deadline_exceeded' }]);
  });

  it('the send: the claim released (the queue deduplicates a message SQS may hold), audited sqs_deadline_exceeded', async () => {
    const { ports, release, written } = fakePorts({
      queue: { send: () => stalled('sqs', 'SendMessage') },
    });
    expectUnavailable(await run(ports), 'sqs_deadline_exceeded');
    expect(release).toHaveBeenCalledOnce();
    expect(written).toMatchObject([{ outcome: 'failed', reason: 'sqs_deadline_exceeded' }]);
  });

  it('the payload copy beside a send that succeeded: 202 at the deadline, the copy given up', async () => {
    const { ports, release } = fakePorts();
    vi.spyOn(ports.audit, 'writePayloadCopy').mockImplementation(() =>
      stalled('dynamodb', 'PutItem'),
    );
    const { result, elapsedMs } = await run(ports);
    expect(result.response.statusCode).toBe(202);
    expect(result.reason).toBe('payload_copy_not_written');
    expect(elapsedMs).toBeLessThan(answerBoundMs);
    expect(release).not.toHaveBeenCalled();
  });
});

describe('the steps that settle what was begun run past the budget, and are bounded too', () => {
  it('a release that stalls ends with the settle allowance, and says the claim stayed', async () => {
    const { ports, claim, release } = fakePorts();
    claim.mockImplementation(() => answerAfter(budget.deliveryMs + 20, { outcome: 'claimed' }));
    release.mockImplementation(() => stalled('dynamodb', 'UpdateItem'));
    vi.spyOn(ports.audit, 'writeAttempt').mockImplementation(() => stalled('dynamodb', 'PutItem'));
    expectUnavailable(await run(ports), 'claim_not_released');
  });

  it('the release runs under the settle allowance, not the spent budget', async () => {
    let releaseSignal: AbortSignal | undefined;
    const { ports, release } = fakePorts({
      queue: { send: () => stalled('sqs', 'SendMessage') },
    });
    release.mockImplementation(async () => {
      releaseSignal = currentDeadlineSignal();
      await answerAfter(60, undefined);
      expect(releaseSignal?.aborted).toBe(false);
      return 'released' as const;
    });
    expectUnavailable(await run(ports), 'sqs_deadline_exceeded');
    expect(releaseSignal).toBeDefined();
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
    expect(release).toHaveBeenCalledOnce();
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
