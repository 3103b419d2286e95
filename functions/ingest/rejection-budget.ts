/**
 * Bounds the audit writes of refused attempts per source address. Anyone can send a request,
 * so without a bound a flood of forged deliveries (or of invented provider ids) would become
 * as many DynamoDB writes: a cost and capacity attack on the audit table.
 *
 * Each source gets a token bucket per container: `burst` records at once, then `perMinute`.
 * An attempt without a token is not written but counted, and the next record written for that
 * source carries the count (`suppressedAttempts`), so the trail still accounts for every
 * refused attempt it saw, by aggregation. The handler's metrics count every attempt whether
 * or not it was written. Accepted and duplicate deliveries are never bounded: they are
 * verified, so they come from the provider.
 *
 * The bound is per container, so the table sees at most (concurrency × `perMinute`) records a
 * minute from one source; counts still pending when a container ends or a source is evicted
 * are lost to the table, not to the metrics. A shared counter would cost the very write the
 * bound saves.
 */
import { rejectionAuditBudget } from '../config/limits.ts';
import type { Clock } from '../verify/types.ts';

export interface RejectionBudgetOptions {
  /** Records a source may write at once. @default rejectionAuditBudget.burst (20) */
  readonly burst?: number;
  /** Records a source may write per minute once the burst is spent. @default rejectionAuditBudget.perMinute (6) */
  readonly perMinute?: number;
  /** Sources tracked at once; the least recently seen is dropped first. @default rejectionAuditBudget.maxSources (10,000) */
  readonly maxSources?: number;
}

/** Whether to write this refused attempt's record, and how many unwritten ones it stands for. */
export type RejectionTicket =
  | { readonly write: true; readonly suppressedBefore: number }
  | { readonly write: false };

/**
 * Tokens are counted in minute-milliseconds (one token = 60,000 units) so that refills add
 * whole numbers: fractions of a token would drift and lose a record now and then.
 */
const unitsPerToken = 60_000;

interface Bucket {
  /** In `unitsPerToken`ths of a token. */
  units: number;
  updatedAtMs: number;
  suppressed: number;
}

/**
 * @example
 * const budget = new RejectionBudget();
 * const ticket = budget.take(request.sourceIp, Date.now());
 * if (ticket.write) await audit.writeAttempt({ ...record, suppressedAttempts: ticket.suppressedBefore });
 */
export class RejectionBudget {
  readonly #burstUnits: number;
  /** Units added per millisecond: tokens per minute. */
  readonly #perMinute: number;
  readonly #maxSources: number;
  /** In least-recently-seen order, the oldest first. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RejectionBudgetOptions = {}) {
    this.#burstUnits =
      positive('burst', options.burst ?? rejectionAuditBudget.burst) * unitsPerToken;
    this.#perMinute = positive('perMinute', options.perMinute ?? rejectionAuditBudget.perMinute);
    this.#maxSources = positive(
      'maxSources',
      options.maxSources ?? rejectionAuditBudget.maxSources,
    );
  }

  /** Takes a token for one refused attempt from `source`; `nowMs` from the handler's clock. */
  take(source: string, nowMs: ReturnType<Clock>): RejectionTicket {
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      bucket = { units: this.#burstUnits, updatedAtMs: nowMs, suppressed: 0 };
      if (this.#buckets.size >= this.#maxSources) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    } else {
      this.#buckets.delete(source);
      const elapsed = Math.max(0, nowMs - bucket.updatedAtMs);
      bucket.units = Math.min(this.#burstUnits, bucket.units + elapsed * this.#perMinute);
      bucket.updatedAtMs = nowMs;
    }
    this.#buckets.set(source, bucket);
    if (bucket.units < unitsPerToken) {
      bucket.suppressed += 1;
      return { write: false };
    }
    bucket.units -= unitsPerToken;
    const suppressedBefore = bucket.suppressed;
    bucket.suppressed = 0;
    return { write: true, suppressedBefore };
  }

  /**
   * Gives back the count a ticket carried when its record could not be written, so that the
   * next record reports it instead.
   */
  restore(source: string, suppressedBefore: number): void {
    const bucket = this.#buckets.get(source);
    if (bucket !== undefined) bucket.suppressed += suppressedBefore;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}
