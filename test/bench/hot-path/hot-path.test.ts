/**
 * The pieces of `npm run bench -- hot-path` work: the handler answers the warm accepted
 * delivery, the bare baseline makes its two calls to the same stand-ins with the same envelope,
 * and each is metered as the cost tool meters it. Counts only, no timing thresholds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { itemBytes } from '../../../bench/cost/dynamodb-units.ts';
import { coveredMs } from '../../../bench/cost/path-measurement.ts';
import { baselineItem, baselineItemBytes } from '../../../bench/hot-path/bare-baseline.ts';
import { claimShapeNames } from '../../../bench/hot-path/claim-alone.ts';
import { hotPathReport, quantile } from '../../../bench/hot-path/hot-path-report.ts';
import {
  type HotPathMeasurement,
  measureHotPath,
} from '../../../bench/hot-path/measure-hot-path.ts';

let measured: HotPathMeasurement;

beforeAll(async () => {
  measured = await measureHotPath({ deliveries: 4, warmup: 1, batch: 2 });
}, 180_000);

describe('hot path against a bare baseline', () => {
  it('times the asked number of deliveries of each variant, every one agreeing on its calls', () => {
    for (const variant of [measured.handler, measured.baseline]) {
      expect(variant.wallMs).toHaveLength(4);
      expect(variant.matchingSamples).toBe(4);
      for (const ms of variant.wallMs) expect(ms).toBeGreaterThan(0);
    }
  });

  it('splits each delivery into its calls, in order, and the time outside them', () => {
    for (const sample of measured.handler.callMs) {
      expect(sample.map((time) => time.call)).toEqual(measured.handler.units.calls);
    }
    measured.handler.ownMs.forEach((own, index) => {
      expect(own).toBeGreaterThanOrEqual(0);
      expect(own).toBeLessThan(measured.handler.wallMs[index] ?? 0);
    });
  });

  it('times the conditional claim alone beside the same item put plainly and the baseline put, as many of each', () => {
    for (const name of claimShapeNames) expect(measured.claimAlone[name]).toHaveLength(4);
  });

  it('the handler: a warm accepted delivery, the claim then the send beside the payload copy, no KMS or registry read', () => {
    expect(measured.handler.units).toMatchObject({
      statusCode: 202,
      calls: ['DynamoDB PutItem', 'SQS SendMessage', 'DynamoDB PutItem'],
      sequentialCalls: 2,
      dynamodbReadUnits: 0,
      kmsRequests: 0,
    });
  });

  it('the baseline: one PutItem of a 2-unit item, then one SendMessage of the same envelope size', () => {
    expect(measured.baseline.units).toMatchObject({
      calls: ['DynamoDB PutItem', 'SQS SendMessage'],
      sequentialCalls: 2,
      dynamodbWriteUnits: 2,
      dynamodbUnitsByTarget: { table: 2 },
      sqsRequests: 1,
    });
    expect(measured.baseline.units.sqsPayloadBytes).toBe(measured.handler.units.sqsPayloadBytes);
  });

  it('renders both variants and the ratio against the 1.2× target', () => {
    const report = hotPathReport(measured, {
      machine: 'test',
      node: 'test',
      command: 'npm run bench -- hot-path',
      date: 'now',
      loadAverage: 0,
      deliveries: 4,
      warmup: 1,
      batch: 2,
      bodyBytes: 4096,
      retentionClass: 'standard',
    });
    expect(report).toContain('| handler: warm accepted delivery (202) |');
    expect(report).toContain('| bare baseline: PutItem then SendMessage |');
    expect(report).toMatch(/handler ÷ baseline: \d+\.\d\d× by median/);
    expect(report).toMatch(/\| handler \| DynamoDB PutItem \d+\.\d\d; SQS SendMessage/);
    expect(report).toMatch(/\| claim PutItem, conditional \| \d+\.\d\d \|/);
    expect(report).toContain('a `standard` provider');
  });
});

describe('pieces', () => {
  it('a baseline item is exactly 1.5 KB as DynamoDB counts it, with its own key', () => {
    expect(itemBytes(baselineItem(7))).toBe(baselineItemBytes);
    expect(baselineItem(7).pk).not.toEqual(baselineItem(8).pk);
  });

  it('time under calls is the union of their intervals: side by side counts once, gaps not at all', () => {
    expect(
      coveredMs([
        [0, 4],
        [6, 9],
        [7, 12],
      ]),
    ).toBe(10);
    expect(coveredMs([])).toBe(0);
  });

  it('quantiles by nearest rank', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2);
    expect(quantile([5], 0.95)).toBe(5);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, index) => index + 1),
        0.95,
      ),
    ).toBe(95);
  });
});
