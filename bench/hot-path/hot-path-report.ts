/** The hot-path measurement as the markdown BENCHMARKS.md keeps: a table and the ratio verdict. */
import { claimShapeNames } from './claim-alone.ts';
import type { HotPathMeasurement, MeasuredClass, VariantMeasurement } from './measure-hot-path.ts';

/** The target: the handler's median within this factor of the bare baseline's. */
export const baselineTarget = 1.2;

/**
 * The value at quantile `q` by nearest rank: the smallest sample that at least `q` of all
 * samples are at or below.
 * @example quantile([4, 1, 3, 2], 0.5) // 2
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** What the run was, for the lines above the table. */
export interface RunFacts {
  readonly machine: string;
  readonly node: string;
  readonly command: string;
  readonly date: string;
  readonly loadAverage: number;
  readonly deliveries: number;
  readonly warmup: number;
  readonly batch: number;
  readonly bodyBytes: number;
  readonly retentionClass: MeasuredClass;
}

const ms = (value: number) => value.toFixed(2);

function row(label: string, variant: VariantMeasurement): string {
  const { units, wallMs } = variant;
  return `| ${label} | ${units.calls.join(', ')} | ${units.sequentialCalls} | ${units.dynamodbWriteUnits} | ${units.sqsPayloadBytes} | ${ms(quantile(wallMs, 0.5))} | ${ms(quantile(wallMs, 0.95))} | ${wallMs.length} |`;
}

/** Each call's median time, then the median time outside every call. */
function timeRow(label: string, variant: VariantMeasurement): string {
  const positions = Math.max(...variant.callMs.map((calls) => calls.length));
  const calls = Array.from({ length: positions }, (_, index) => {
    const times = variant.callMs.flatMap((sample) => sample[index] ?? []);
    return `${times[0]?.call ?? '?'} ${ms(
      quantile(
        times.map((time) => time.ms),
        0.5,
      ),
    )}`;
  });
  return `| ${label} | ${calls.join('; ')} | ${ms(quantile(variant.ownMs, 0.5))} |`;
}

/** A markdown table's lines: the first column left-aligned, the others right-aligned (figures). */
function table(headers: readonly string[], rows: readonly string[]): string[] {
  const align = headers.map((_, index) => (index === 0 ? '---' : '---:'));
  return [`| ${headers.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows];
}

/** The handler's median over the baseline's. */
export const medianRatio = (measurement: HotPathMeasurement): number =>
  quantile(measurement.handler.wallMs, 0.5) / quantile(measurement.baseline.wallMs, 0.5);

/** The section's generated part: run facts, the table, and the ratio against the target. */
export function hotPathReport(measurement: HotPathMeasurement, facts: RunFacts): string {
  const ratio = medianRatio(measurement);
  const p95Ratio =
    quantile(measurement.handler.wallMs, 0.95) / quantile(measurement.baseline.wallMs, 0.95);
  return [
    `- Machine: ${facts.machine}; load average ${facts.loadAverage} when measured`,
    `- Node: ${facts.node}`,
    `- Command: \`${facts.command}\` (${facts.warmup} untimed then ${facts.deliveries} timed deliveries per variant, in alternating batches of ${facts.batch}; ${facts.bodyBytes}-byte body; a \`${facts.retentionClass}\` provider)`,
    `- Date: ${facts.date}`,
    '',
    ...table(
      [
        'Variant',
        'AWS calls, in order',
        'Sequential calls',
        'DynamoDB WRU',
        'SQS payload bytes',
        'median ms',
        'p95 ms',
        'deliveries',
      ],
      [
        row('handler: warm accepted delivery (202)', measurement.handler),
        row('bare baseline: PutItem then SendMessage', measurement.baseline),
      ],
    ),
    '',
    `- handler ÷ baseline: ${ratio.toFixed(2)}× by median, ${p95Ratio.toFixed(2)}× by p95 (target ≤ ${baselineTarget}× by median: ${ratio <= baselineTarget ? 'met' : 'MISSED'})`,
    '',
    'Where the time goes, by median: each call from its start to its answer, in call order (calls',
    "side by side overlap), and the time outside every call, which is the code's own.",
    '',
    ...table(
      ['Variant', 'Each call, median ms', 'Outside the calls, median ms'],
      [timeRow('handler', measurement.handler), timeRow('bare baseline', measurement.baseline)],
    ),
    '',
    'The first call alone, on the same table, taking turns:',
    '',
    ...table(
      ['Write', 'median ms', 'p95 ms', 'writes'],
      claimShapeNames.map((name) => {
        const times = measurement.claimAlone[name];
        return `| ${name} | ${ms(quantile(times, 0.5))} | ${ms(quantile(times, 0.95))} | ${times.length} |`;
      }),
    ),
  ].join('\n');
}
