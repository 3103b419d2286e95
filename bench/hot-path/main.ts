/**
 * `npm run bench -- hot-path`: the ingest handler's warm accepted delivery against a bare
 * PutItem + SendMessage on the same local stand-ins (measure-hot-path.ts). Prints the markdown
 * of BENCHMARKS.md's "Hot path against a bare baseline"; progress goes to stderr.
 *
 *   npm run bench -- hot-path
 *   npm run bench -- hot-path --deliveries 300 --warmup 50 --batch 10 --class minimal
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { hotPathReport } from './hot-path-report.ts';
import { type MeasuredClass, measureHotPath } from './measure-hot-path.ts';

const defaults = { deliveries: 300, warmup: 50, batch: 10 } as const;

/** Runs the benchmark with the command-line arguments after `hot-path`. */
export async function runHotPathBench(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      deliveries: { type: 'string', default: String(defaults.deliveries) },
      warmup: { type: 'string', default: String(defaults.warmup) },
      batch: { type: 'string', default: String(defaults.batch) },
      class: { type: 'string', default: 'standard' },
    },
  });
  const options = {
    deliveries: wholeNumber(values.deliveries, 'deliveries', 1),
    warmup: wholeNumber(values.warmup, 'warmup', 0),
    batch: wholeNumber(values.batch, 'batch', 1),
    bodyBytes: 4096,
    retentionClass: retentionClassOf(values.class),
  };
  console.error(
    `measuring ${options.deliveries} deliveries of each variant after ${options.warmup} untimed…`,
  );
  const date = new Date().toISOString();
  const measurement = await measureHotPath(options);
  const cores = cpus();
  console.log(
    hotPathReport(measurement, {
      ...options,
      machine: `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB`,
      node: `${process.version}, ${process.platform}/${process.arch}`,
      command: ['npm run bench -- hot-path', ...args].join(' '),
      date,
      loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    }),
  );
}

function retentionClassOf(text: string | undefined): MeasuredClass {
  if (text === 'standard' || text === 'minimal') return text;
  throw new Error(`--class must be standard or minimal, got '${text}'`);
}

function wholeNumber(text: string | undefined, name: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, got '${text}'`);
  }
  return value;
}
