/**
 * From what one invocation did (its SDK calls, its log lines, its answer, its time) to the units
 * AWS bills, and from many invocations of one path to the path's measurement: the units every
 * sample agreed on (the most common set, should a cache refresh slip into one) and the median
 * compute time.
 */
import { s3RequestClass, sqsPayloadBytes, sqsRequests } from './billable-requests.ts';
import { consumedUnits, totalUnits } from './dynamodb-units.ts';
import type { LogLine } from './log-capture.ts';
import type { SdkCall } from './sdk-meter.ts';

/** What one delivery of a path costs in billable units: the same in every sample. */
export interface PathUnits {
  readonly statusCode: number;
  readonly responseBodyBytes: number;
  /** Every AWS call, `<Service> <Command>`, in the order made. */
  readonly calls: readonly string[];
  /** Calls that ran one after another (calls made in parallel count once). */
  readonly sequentialCalls: number;
  readonly dynamodbWriteUnits: number;
  readonly dynamodbReadUnits: number;
  /** Units by where they were spent: `table`, or `index <name>`. */
  readonly dynamodbUnitsByTarget: Readonly<Record<string, number>>;
  /** Write units computed from item sizes because DynamoDB reported none (failed conditions). */
  readonly dynamodbComputedWriteUnits: number;
  /** SQS requests as billed: 64 KB chunks of payload. */
  readonly sqsRequests: number;
  readonly sqsPayloadBytes: number;
  readonly s3PutRequests: number;
  readonly s3GetRequests: number;
  readonly kmsRequests: number;
  /** Request and response body bytes by service: what an interface endpoint would process. */
  readonly wireBytes: Readonly<Record<string, number>>;
  /** Every line the handler wrote. */
  readonly logLines: readonly LogLine[];
}

/** One sample: its units, and the handler's time outside AWS calls. */
export interface Sample {
  readonly units: PathUnits;
  /** Wall-clock time outside AWS calls: on a busy machine, CPU time plus time waiting for a core. */
  readonly computeMs: number;
  /** CPU time the handler used outside AWS calls (this process's, less the stand-ins' share). */
  readonly cpuMs: number;
}

/** One invocation as measured. */
export interface Invocation {
  readonly calls: readonly SdkCall[];
  readonly lines: readonly LogLine[];
  readonly statusCode: number;
  readonly responseBody: string;
  readonly startMs: number;
  readonly endMs: number;
  /** This process's CPU time over the invocation, in milliseconds. */
  readonly cpuMs: number;
}

/** The units and compute time of one invocation. */
export function sampleOf(invocation: Invocation): Sample {
  const { calls } = invocation;
  const byTarget: Record<string, number> = {};
  let writeUnits = 0;
  let readUnits = 0;
  let computedWriteUnits = 0;
  const wireBytes: Record<string, number> = {};
  for (const call of calls) {
    wireBytes[call.service] =
      (wireBytes[call.service] ?? 0) + call.requestBytes + call.responseBytes;
    const units = consumedUnits(call);
    if (units === undefined) continue;
    if (units.kind === 'read') readUnits += totalUnits(units);
    else writeUnits += totalUnits(units);
    if (units.source === 'computed') computedWriteUnits += totalUnits(units);
    byTarget.table = (byTarget.table ?? 0) + units.table;
    for (const [index, value] of Object.entries(units.indexes)) {
      byTarget[`index ${index}`] = (byTarget[`index ${index}`] ?? 0) + value;
    }
  }
  const count = (test: (call: SdkCall) => boolean) => calls.filter(test).length;
  const units: PathUnits = {
    statusCode: invocation.statusCode,
    responseBodyBytes: Buffer.byteLength(invocation.responseBody),
    calls: calls.map((call) => `${call.service} ${call.command}`),
    sequentialCalls: sequentialDepth(calls.map((call) => [call.startMs, call.endMs] as const)),
    dynamodbWriteUnits: writeUnits,
    dynamodbReadUnits: readUnits,
    dynamodbUnitsByTarget: byTarget,
    dynamodbComputedWriteUnits: computedWriteUnits,
    sqsRequests: calls.reduce((sum, call) => sum + sqsRequests(call), 0),
    sqsPayloadBytes: calls.reduce((sum, call) => sum + (sqsPayloadBytes(call) ?? 0), 0),
    s3PutRequests: count((call) => s3RequestClass(call) === 'put'),
    s3GetRequests: count((call) => s3RequestClass(call) === 'get'),
    kmsRequests: count((call) => call.service === 'KMS'),
    wireBytes,
    logLines: invocation.lines,
  };
  const waiting = coveredMs(calls.flatMap((call) => call.wire));
  const standInCpuMs = calls.reduce((sum, call) => sum + call.wireCpuMs, 0);
  return {
    units,
    computeMs: Math.max(0, invocation.endMs - invocation.startMs - waiting),
    cpuMs: Math.max(0, invocation.cpuMs - standInCpuMs),
  };
}

/** A path's measurement over its samples. */
export interface Aggregate {
  readonly units: PathUnits;
  /** Median wall-clock time outside AWS calls, in milliseconds. */
  readonly computeMs: number;
  /** Median CPU time outside AWS calls, in milliseconds: what the Lambda's duration is priced on. */
  readonly cpuMs: number;
  readonly samples: number;
  /** Samples whose units were the ones kept; the others are reported, not priced. */
  readonly matchingSamples: number;
}

/** The most common units among the samples, and the median compute time of those samples. */
export function aggregate(samples: readonly Sample[]): Aggregate {
  const byUnits = new Map<string, Sample[]>();
  for (const sample of samples) {
    // Wire bytes vary by a few bytes from sample to sample (each delivery id compresses a little
    // differently in the payload copy), so they do not split the samples; their median is kept.
    const key = JSON.stringify({ ...sample.units, wireBytes: undefined });
    byUnits.set(key, [...(byUnits.get(key) ?? []), sample]);
  }
  const kept = [...byUnits.values()].sort((a, b) => b.length - a.length)[0];
  if (kept === undefined) throw new RangeError('no samples to aggregate');
  const services = Object.keys((kept[0] as Sample).units.wireBytes);
  const wireBytes = Object.fromEntries(
    services.map((service) => [
      service,
      Math.round(median(kept.map((sample) => sample.units.wireBytes[service] ?? 0))),
    ]),
  );
  return {
    units: { ...(kept[0] as Sample).units, wireBytes },
    computeMs: median(kept.map((sample) => sample.computeMs)),
    cpuMs: median(kept.map((sample) => sample.cpuMs)),
    samples: samples.length,
    matchingSamples: kept.length,
  };
}

/** The median, to the microsecond. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round(value * 1000) / 1000;
}

/**
 * How many calls were made one after the other: the longest chain of intervals each of which
 * started once the one before it had ended. Calls made side by side overlap, so they never
 * chain, however long one of them runs: a long call beside two sequential ones (a payload
 * copy beside a body upload and then the send) does not fold them into one round, as merging
 * overlapping intervals would.
 * @example sequentialDepth([[0, 4], [0, 9], [5, 8]]) // 2: the first, then the third
 */
export function sequentialDepth(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const depth: number[] = [];
  sorted.forEach(([from], index) => {
    let before = 0;
    for (let earlier = 0; earlier < index; earlier++) {
      const [, to] = sorted[earlier] as readonly [number, number];
      if (to <= from) before = Math.max(before, depth[earlier] ?? 0);
    }
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

/** How long at least one of the intervals was under way: the length of their union. */
export function coveredMs(intervals: readonly (readonly [number, number])[]): number {
  return groups(intervals).reduce((sum, [from, to]) => sum + (to - from), 0);
}

/** Overlapping intervals merged, in order: the time spent waiting on at least one call. */
export function groups(intervals: readonly (readonly [number, number])[]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}
