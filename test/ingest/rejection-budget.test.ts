import { describe, expect, it } from 'vitest';
import { RejectionBudget } from '../../functions/ingest/rejection-budget.ts';

const written = (budget: RejectionBudget, source: string, nowMs: number, times: number) =>
  Array.from({ length: times }, () => budget.take(source, nowMs)).filter((ticket) => ticket.write)
    .length;

describe('RejectionBudget', () => {
  it('lets a source write its burst at once, then nothing until tokens refill', () => {
    const budget = new RejectionBudget({ burst: 5, perMinute: 6 });
    expect(written(budget, '192.0.2.1', 0, 50)).toBe(5);
    expect(written(budget, '192.0.2.1', 9_999, 1)).toBe(0);
    // 6 a minute: one token every 10 s.
    expect(written(budget, '192.0.2.1', 10_000, 5)).toBe(1);
    expect(written(budget, '192.0.2.1', 40_000, 10)).toBe(3);
  });

  it('never holds more than the burst, however long a source was quiet', () => {
    const budget = new RejectionBudget({ burst: 3, perMinute: 60 });
    budget.take('192.0.2.1', 0);
    expect(written(budget, '192.0.2.1', 3_600_000, 100)).toBe(3);
  });

  it('carries the count of unwritten attempts into the next written one, then starts again', () => {
    const budget = new RejectionBudget({ burst: 1, perMinute: 1 });
    expect(budget.take('192.0.2.1', 0)).toEqual({ write: true, suppressedBefore: 0 });
    for (let index = 0; index < 4; index += 1) {
      expect(budget.take('192.0.2.1', 1)).toEqual({ write: false });
    }
    expect(budget.take('192.0.2.1', 60_001)).toEqual({ write: true, suppressedBefore: 4 });
    expect(budget.take('192.0.2.1', 60_002)).toEqual({ write: false });
    expect(budget.take('192.0.2.1', 120_001)).toEqual({ write: true, suppressedBefore: 1 });
  });

  it('gives a count back when its record could not be written', () => {
    const budget = new RejectionBudget({ burst: 1, perMinute: 1 });
    budget.take('192.0.2.1', 0);
    budget.take('192.0.2.1', 1);
    const ticket = budget.take('192.0.2.1', 60_000);
    expect(ticket).toEqual({ write: true, suppressedBefore: 1 });
    budget.restore('192.0.2.1', 1);
    expect(budget.take('192.0.2.1', 120_000)).toEqual({ write: true, suppressedBefore: 1 });
  });

  it('keeps sources apart', () => {
    const budget = new RejectionBudget({ burst: 2, perMinute: 1 });
    expect(written(budget, '192.0.2.1', 0, 10)).toBe(2);
    expect(written(budget, '192.0.2.2', 0, 10)).toBe(2);
  });

  it('bounds all sources together: rotating addresses write no more than the total', () => {
    const budget = new RejectionBudget({
      burst: 20,
      perMinute: 6,
      totalBurst: 200,
      totalPerMinute: 120,
    });
    let records = 0;
    for (let source = 0; source < 10_001; source += 1) {
      records += written(budget, `2001:db8::${source.toString(16)}`, 0, 10);
    }
    expect(records).toBe(200);
  });

  it('refills the total at its own rate, whoever sends', () => {
    const budget = new RejectionBudget({ totalBurst: 200, totalPerMinute: 120 });
    const sources = Array.from({ length: 250 }, (_, index) => `198.51.100.${index}`);
    const round = (nowMs: number) =>
      sources.reduce((sum, source) => sum + written(budget, source, nowMs, 1), 0);
    expect(round(0)).toBe(200);
    expect(round(60_000)).toBe(120);
  });

  it('never gives a forgotten source a fresh burst: past maxSources, new sources share one bucket', () => {
    const budget = new RejectionBudget({ burst: 2, perMinute: 1, maxSources: 3 });
    for (const source of ['a', 'b', 'c']) expect(written(budget, source, 0, 5)).toBe(2);
    // No tracked source has refilled: d, e and f share the overflow bucket's burst of 2.
    expect(
      written(budget, 'd', 0, 5) + written(budget, 'e', 0, 5) + written(budget, 'f', 0, 5),
    ).toBe(2);
    // a was not forgotten, so it did not start again with a full burst.
    expect(written(budget, 'a', 0, 5)).toBe(0);
  });

  it('forgets a source only once it has refilled and owes no count, so memory stays bounded', () => {
    const budget = new RejectionBudget({ burst: 1, perMinute: 1, maxSources: 2 });
    expect(budget.take('a', 0)).toEqual({ write: true, suppressedBefore: 0 });
    expect(budget.take('b', 0)).toEqual({ write: true, suppressedBefore: 0 });
    // A minute later a has refilled and owes nothing: c takes its place with its own bucket.
    expect(budget.take('c', 60_000)).toEqual({ write: true, suppressedBefore: 0 });
    expect(budget.take('c', 60_001)).toEqual({ write: false });
    // b refilled too, but still counts in its own bucket, which now owes nothing either.
    expect(budget.take('b', 60_002)).toEqual({ write: true, suppressedBefore: 0 });
  });

  it('refuses a budget that would bound nothing', () => {
    expect(() => new RejectionBudget({ burst: 0 })).toThrow(RangeError);
    expect(() => new RejectionBudget({ perMinute: Number.NaN })).toThrow(RangeError);
    expect(() => new RejectionBudget({ totalBurst: 0 })).toThrow(RangeError);
  });
});
