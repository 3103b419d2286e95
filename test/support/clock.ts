/**
 * Clocks for tests. The code under test reads time through an injected clock (milliseconds,
 * as `Date.now` returns), so a test says what time it is rather than waiting for it.
 */
import { vi } from 'vitest';
import { deliveryBudgetMs, settleBudgetMs } from '../../functions/config/limits.ts';
import type { Clock } from '../../functions/verify/types.ts';

/**
 * Where `manualClock` starts unless told: far in the future on purpose, since DynamoDB Local
 * deletes items whose TTL has passed by the real clock, so records and markers stamped with a
 * past date would vanish from under the test.
 */
export const farFutureMs = Date.parse('2099-03-01T12:00:00.000Z');

/** A clock that always reads `nowMs`. */
export const fixedClock =
  (nowMs: number): Clock =>
  () =>
    nowMs;

/** A clock the test moves by hand. */
export function manualClock(startMs = farFutureMs) {
  let nowMs = startMs;
  const now: Clock = () => nowMs;
  return {
    now,
    advance(ms: number) {
      nowMs += ms;
    },
    advanceSeconds(seconds: number) {
      nowMs += seconds * 1000;
    },
  };
}

/** Past the window in which a first attempt may still be sending (the delivery's budget). */
export const sendingWindowMs = deliveryBudgetMs + settleBudgetMs;

/**
 * Runs `work` with `Date.now` moved past the sending window, as a provider's retry comes
 * later: for tests whose handler runs in this process and reads the time from `Date.now`.
 */
export async function pastSendingWindow<T>(work: () => Promise<T>): Promise<T> {
  // Whatever Date.now is now (real, or a test's own clock), read before it is replaced.
  const current = Date.now.bind(Date);
  const now = vi.spyOn(Date, 'now').mockImplementation(() => current() + sendingWindowMs);
  try {
    return await work();
  } finally {
    now.mockRestore();
  }
}
