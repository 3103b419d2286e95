/**
 * Clocks for tests. The code under test reads time through an injected clock (milliseconds,
 * as `Date.now` returns), so a test says what time it is rather than waiting for it.
 */
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
