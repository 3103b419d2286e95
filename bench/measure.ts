/**
 * A small timing loop, used instead of tinybench's task-by-task runner so that every verifier
 * of one row is measured in interleaved slices: on a shared, noisy machine a burst of load
 * then lands on all of them alike and the ratios stay meaningful.
 */

/** One verifier under test. `call` returns what the verifier returns (or its promise). */
export interface Contender {
  readonly label: string;
  readonly kind: 'bare' | 'ours' | 'official';
  /** What the verifier does beyond checking the signature, or how its input was prepared. */
  readonly note: string;
  /** Whether it does the same work as ours (no JSON parsing), so the ratio is like for like. */
  readonly comparable: boolean;
  readonly async: boolean;
  readonly call: () => unknown;
  /** Whether a result means "genuine"; the benchmark refuses to time a refusal. */
  readonly accepted: (result: unknown) => boolean;
}

export interface Stats {
  readonly samples: number;
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
}

export interface MeasureOptions {
  /** Measured time per contender, in milliseconds. */
  readonly timeMs: number;
  /** Untimed warm-up per contender, in milliseconds. */
  readonly warmupMs: number;
  /** Length of one interleaved slice, in milliseconds. */
  readonly sliceMs: number;
}

/** Keeps results alive so that no call can be optimised away. */
let sink: unknown;
export const sinkValue = () => sink;

/** A growable array of samples in nanoseconds, capped so a fast verifier cannot exhaust memory. */
class Samples {
  values = new Float64Array(1 << 16);
  length = 0;
  static readonly cap = 1 << 21;
  push(value: number): boolean {
    if (this.length === this.values.length) {
      if (this.length >= Samples.cap) return false;
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
    return true;
  }
}

/** Median cost of one `performance.now()` pair, subtracted from every sample. */
export function timerOverheadNs(): number {
  const deltas = new Float64Array(100_001);
  for (let index = 0; index < deltas.length; index++) {
    const start = performance.now();
    deltas[index] = (performance.now() - start) * 1e6;
  }
  deltas.sort();
  return deltas[deltas.length >> 1] ?? 0;
}

/** Calls the contender once and throws unless it accepts: a benchmark of refusals is worthless. */
export async function assertAccepts(contender: Contender, context: string): Promise<void> {
  let result: unknown;
  try {
    result = contender.async ? await contender.call() : contender.call();
  } catch (error) {
    throw new Error(`${context}: ${contender.label} threw instead of accepting: ${error}`);
  }
  if (!contender.accepted(result)) {
    throw new Error(
      `${context}: ${contender.label} did not accept the signed delivery: ${JSON.stringify(result)}`,
    );
  }
}

function runSync(call: () => unknown, untilMs: number, samples: Samples, overheadNs: number) {
  for (;;) {
    const start = performance.now();
    sink = call();
    const end = performance.now();
    if (!samples.push(Math.max(0, (end - start) * 1e6 - overheadNs)) || end >= untilMs) return end;
  }
}

async function runAsync(
  call: () => unknown,
  untilMs: number,
  samples: Samples,
  overheadNs: number,
) {
  for (;;) {
    const start = performance.now();
    sink = await call();
    const end = performance.now();
    if (!samples.push(Math.max(0, (end - start) * 1e6 - overheadNs)) || end >= untilMs) return end;
  }
}

function summarise(samples: Samples): Stats {
  const sorted = samples.values.subarray(0, samples.length).sort();
  let total = 0;
  for (const value of sorted) total += value;
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return { samples: sorted.length, meanNs: total / sorted.length, p50Ns: at(0.5), p99Ns: at(0.99) };
}

/**
 * Warms every contender up, then times single calls in round-robin slices (the starting
 * contender rotates each round) until each has `timeMs` of samples.
 */
export async function measure(
  contenders: readonly Contender[],
  options: MeasureOptions,
  overheadNs: number,
): Promise<Stats[]> {
  const discard = new Samples();
  for (const contender of contenders) {
    const until = performance.now() + options.warmupMs;
    discard.length = 0;
    if (contender.async) await runAsync(contender.call, until, discard, 0);
    else runSync(contender.call, until, discard, 0);
  }
  const samples = contenders.map(() => new Samples());
  const spentMs = contenders.map(() => 0);
  for (let round = 0; spentMs.some((spent) => spent < options.timeMs); round++) {
    for (let offset = 0; offset < contenders.length; offset++) {
      const index = (round + offset) % contenders.length;
      const contender = contenders[index] as Contender;
      const bucket = samples[index] as Samples;
      if ((spentMs[index] as number) >= options.timeMs) continue;
      const start = performance.now();
      const end = contender.async
        ? await runAsync(contender.call, start + options.sliceMs, bucket, overheadNs)
        : runSync(contender.call, start + options.sliceMs, bucket, overheadNs);
      // A contender whose sample buffer is full has measured enough.
      spentMs[index] =
        bucket.length >= Samples.cap ? options.timeMs : (spentMs[index] as number) + end - start;
    }
  }
  return samples.map(summarise);
}

/**
 * Cost of one call from whole batches: each contender runs alone for a stretch of
 * `timeMs / rounds` at a time (order rotating by round), and a stretch's cost is its
 * elapsed time over the calls made in it. Unlike per-call samples, this charges every
 * contender for the garbage collection its own allocations cause, which is what a busy
 * Lambda pays. Returns the median stretch, so a burst of load from a neighbour on a shared
 * machine moves no figure.
 */
export async function throughputNs(
  contenders: readonly Contender[],
  timeMs: number,
  rounds = 15,
): Promise<number[]> {
  const stretchMs = timeMs / rounds;
  const stretches = contenders.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < contenders.length; offset++) {
      const index = (round + offset) % contenders.length;
      const contender = contenders[index] as Contender;
      const start = performance.now();
      const until = start + stretchMs;
      let made = 0;
      let now = start;
      while (now < until) {
        // Batches of 64 keep the clock reads out of the measured cost.
        for (let batch = 0; batch < 64; batch++) {
          sink = contender.async ? await contender.call() : contender.call();
        }
        made += 64;
        now = performance.now();
      }
      stretches[index]?.push(((now - start) * 1e6) / made);
    }
  }
  return stretches.map((costs) => {
    costs.sort((a, b) => a - b);
    return costs[costs.length >> 1] ?? Number.NaN;
  });
}
