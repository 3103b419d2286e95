/**
 * What the periodic review's rules (this folder) flag, and the time unit they count in. Each
 * rule is a pure function of what was read and of now: the scheduled self-audit
 * (scheduled/self-audit/), `webhooks compliance audit` and `webhooks providers list --review`
 * run the same rules on the same data.
 */

/** One thing a rule flags: what it is about, and why, in one sentence a reviewer can act on. */
export interface ReviewFinding {
  /** The provider id (key and provider rules) or the resource (access changes). */
  readonly subject: string;
  readonly text: string;
}

/** One day in milliseconds: the rules count ages in whole days. */
export const dayMs = 86_400_000;

/** Whole days from `fromMs` to `nowMs` (rounded down; never negative). */
export function wholeDays(fromMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - fromMs) / dayMs));
}

/** `days` as a positive whole number of days, or a RangeError naming `name`. */
export function assertDays(days: number, name: string): number {
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new RangeError(`${name} must be a whole number of days from 1, got ${days}`);
  }
  return days;
}

/** A time as the findings print it: ISO 8601 in UTC. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
