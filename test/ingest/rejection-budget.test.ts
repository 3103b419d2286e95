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

  it('forgets the least recently seen source once full, so memory stays bounded', () => {
    const budget = new RejectionBudget({ burst: 1, perMinute: 1, maxSources: 3 });
    for (const source of ['a', 'b', 'c', 'a']) budget.take(source, 0); // b is the least recent
    budget.take('d', 0); // b is forgotten: it starts again with a full burst
    expect(budget.take('b', 0)).toEqual({ write: true, suppressedBefore: 0 });
    expect(budget.take('a', 0)).toEqual({ write: false });
  });

  it('refuses a budget that would bound nothing', () => {
    expect(() => new RejectionBudget({ burst: 0 })).toThrow(RangeError);
    expect(() => new RejectionBudget({ perMinute: Number.NaN })).toThrow(RangeError);
  });
});
