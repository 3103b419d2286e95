import { reject } from './scheme.ts';
import type { SchemeVerdict } from './types.ts';

const WHOLE_NUMBER = /^\d{1,16}$/;

/** Parses a Unix timestamp written as a whole number, strictly, into seconds. */
export function parseUnixTimestamp(
  text: string,
  unit: 'seconds' | 'milliseconds' = 'seconds',
): number | undefined {
  if (!WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return unit === 'seconds' ? value : value / 1000;
}

/**
 * Checks a signed timestamp against the clock in both directions: a delivery signed too
 * long ago may be a replay, and one signed in the future means a skewed or forged clock.
 * Returns a rejection, or `undefined` when the timestamp is within tolerance.
 */
export function checkTimestamp(
  signedSeconds: number,
  nowMs: number,
  toleranceSeconds: number,
): SchemeVerdict | undefined {
  const ageMs = nowMs - signedSeconds * 1000;
  const toleranceMs = toleranceSeconds * 1000;
  if (ageMs > toleranceMs) {
    return reject('timestamp_too_old', `signed timestamp is more than ${toleranceSeconds}s old`);
  }
  if (-ageMs > toleranceMs) {
    return reject(
      'timestamp_too_new',
      `signed timestamp is more than ${toleranceSeconds}s in the future`,
    );
  }
  return undefined;
}
