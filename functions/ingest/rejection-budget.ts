/**
 * Bounds the audit writes of refused attempts, per source address and in total. Anyone can send
 * a request, so without a bound a flood of forged deliveries (or of invented provider ids)
 * would become as many DynamoDB writes: a cost and capacity attack on the audit table.
 *
 * Each source gets a token bucket per container: `burst` records at once, then `perMinute`;
 * and every record also takes a token from the container's own bucket (`totalBurst`, then
 * `totalPerMinute`), so that many sources (rotating addresses, a new IPv6 address for each
 * request) write no more than that in all. An attempt without both tokens is not written but
 * counted, and the next record written for that source carries the count
 * (`suppressedAttempts`), so the trail still accounts for the refused attempts it saw, by
 * aggregation. The handler's `audit_suppressed` metric counts every attempt not written.
 * Accepted and duplicate deliveries are never bounded: they are verified, so they come from
 * the provider.
 *
 * Memory is bounded by `maxSources`. Forgetting a source must not give it a fresh burst, so a
 * source is forgotten only once its bucket has refilled and it has no count pending: it would
 * start full anyway, and loses nothing. While the least recently seen source is not yet such
 * a bucket, a new source shares one overflow bucket with the others that found no room.
 *
 * The bound is per container, so the table sees at most (concurrency × `totalPerMinute`)
 * records a minute in all; counts still pending when a container ends are lost to the table,
 * not to the metrics. A shared counter would cost the very write the bound saves.
 */
import { rejectionAuditBudget } from '../config/limits.ts';
import type { Clock } from '../verify/types.ts';

export interface RejectionBudgetOptions {
  /** Records a source may write at once. @default rejectionAuditBudget.burst (20) */
  readonly burst?: number;
  /** Records a source may write per minute once the burst is spent. @default rejectionAuditBudget.perMinute (6) */
  readonly perMinute?: number;
  /** Sources tracked at once, the overflow bucket aside. @default rejectionAuditBudget.maxSources (10,000) */
  readonly maxSources?: number;
  /** Records all sources together may write at once. @default rejectionAuditBudget.totalBurst (200) */
  readonly totalBurst?: number;
  /** Records all sources together may write per minute. @default rejectionAuditBudget.totalPerMinute (120) */
  readonly totalPerMinute?: number;
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

/** The key of the bucket new sources share while no tracked source may be forgotten. */
const overflowSource = '\u0000overflow';

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
  readonly #totalBurstUnits: number;
  readonly #totalPerMinute: number;
  readonly #total: Bucket;

  constructor(options: RejectionBudgetOptions = {}) {
    this.#burstUnits =
      positive('burst', options.burst ?? rejectionAuditBudget.burst) * unitsPerToken;
    this.#perMinute = positive('perMinute', options.perMinute ?? rejectionAuditBudget.perMinute);
    this.#maxSources = positive(
      'maxSources',
      options.maxSources ?? rejectionAuditBudget.maxSources,
    );
    this.#totalBurstUnits =
      positive('totalBurst', options.totalBurst ?? rejectionAuditBudget.totalBurst) * unitsPerToken;
    this.#totalPerMinute = positive(
      'totalPerMinute',
      options.totalPerMinute ?? rejectionAuditBudget.totalPerMinute,
    );
    this.#total = { units: this.#totalBurstUnits, updatedAtMs: 0, suppressed: 0 };
  }

  /** Takes a token for one refused attempt from `source`; `nowMs` from the handler's clock. */
  take(source: string, nowMs: ReturnType<Clock>): RejectionTicket {
    const key = this.#keyFor(source, nowMs);
    const bucket = this.#buckets.get(key) ?? {
      units: this.#burstUnits,
      updatedAtMs: nowMs,
      suppressed: 0,
    };
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    refill(bucket, nowMs, this.#burstUnits, this.#perMinute);
    refill(this.#total, nowMs, this.#totalBurstUnits, this.#totalPerMinute);
    if (bucket.units < unitsPerToken || this.#total.units < unitsPerToken) {
      bucket.suppressed += 1;
      return { write: false };
    }
    bucket.units -= unitsPerToken;
    this.#total.units -= unitsPerToken;
    const suppressedBefore = bucket.suppressed;
    bucket.suppressed = 0;
    return { write: true, suppressedBefore };
  }

  /**
   * The bucket `source` counts in: its own, a new one if there is room or the least recently
   * seen source may be forgotten without giving anything back, else the shared overflow one.
   */
  #keyFor(source: string, nowMs: number): string {
    if (this.#buckets.has(source)) return source;
    if (this.#buckets.size < this.#maxSources) return source;
    const [oldestKey, oldest] = this.#buckets.entries().next().value as [string, Bucket];
    if (oldestKey !== overflowSource && oldest.suppressed === 0) {
      refill(oldest, nowMs, this.#burstUnits, this.#perMinute);
      if (oldest.units >= this.#burstUnits) {
        this.#buckets.delete(oldestKey);
        return source;
      }
    }
    return overflowSource;
  }

  /**
   * Gives back the count a ticket carried when its record could not be written, so that the
   * next record reports it instead.
   */
  restore(source: string, suppressedBefore: number): void {
    const bucket = this.#buckets.get(source) ?? this.#buckets.get(overflowSource);
    if (bucket !== undefined) bucket.suppressed += suppressedBefore;
  }
}

/** Adds the tokens earned since the bucket was last seen, up to its burst. */
function refill(bucket: Bucket, nowMs: number, burstUnits: number, perMinute: number): void {
  const elapsed = Math.max(0, nowMs - bucket.updatedAtMs);
  bucket.units = Math.min(burstUnits, bucket.units + elapsed * perMinute);
  bucket.updatedAtMs = nowMs;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}
