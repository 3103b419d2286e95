/**
 * How the cost tool counts sequential calls (bench/cost/path-measurement.ts): by the chain of
 * calls each started after the one before had ended, so that how long a call made side by side
 * runs never changes the count.
 */
import { describe, expect, it } from 'vitest';
import { sequentialDepth } from '../../../bench/cost/path-measurement.ts';

describe('sequential calls', () => {
  it('counts a claim, then an upload, then a send as three, whatever runs beside the last two', () => {
    const claim = [0, 5] as const;
    const upload = [6, 10] as const;
    const send = [11, 14] as const;
    // A payload copy started beside the upload: ending before the send, or long after it.
    expect(sequentialDepth([claim, upload, [6, 9], send])).toBe(3);
    expect(sequentialDepth([claim, upload, [6, 30], send])).toBe(3);
  });

  it('counts calls made side by side as one, and one after the other as many', () => {
    expect(
      sequentialDepth([
        [0, 5],
        [0, 7],
        [1, 3],
      ]),
    ).toBe(1);
    expect(
      sequentialDepth([
        [0, 1],
        [1, 2],
        [2, 3],
      ]),
    ).toBe(3);
    expect(sequentialDepth([])).toBe(0);
  });
});
