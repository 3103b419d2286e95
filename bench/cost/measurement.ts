/**
 * The recorded measurement (bench/cost/measured.json): what `npm run cost -- --write` measured
 * of each path and read from each setup's template, so that docs/cost.md, the README and
 * BENCHMARKS.md are rendered from a file in the repository, and a test can check them against it.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Aggregate } from './path-measurement.ts';
import type { PathName, SampleSizes } from './paths.ts';
import type { TemplateFacts } from './template-facts.ts';

/** Where the measurement is recorded, from the project root. */
export const measurementPath = 'bench/cost/measured.json';

export interface Measurement {
  /** ISO time the paths were measured. */
  readonly measuredAt: string;
  readonly command: string;
  /** e.g. `v24.22.3, linux/x64` */
  readonly node: string;
  /** e.g. `AMD EPYC 7B13, 2 cores, 24 GiB` */
  readonly machine: string;
  /** The one-minute load average when the paths had been measured: times move with it. */
  readonly loadAverage: number;
  readonly sizes: SampleSizes;
  readonly paths: Readonly<Record<PathName, Aggregate>>;
  /** Each setup's template facts, by setup name. */
  readonly setups: Readonly<Record<string, TemplateFacts>>;
}

export async function readMeasurement(path: string = measurementPath): Promise<Measurement> {
  return JSON.parse(await readFile(path, 'utf8')) as Measurement;
}

export async function writeMeasurement(
  measurement: Measurement,
  path: string = measurementPath,
): Promise<void> {
  await writeFile(path, `${JSON.stringify(measurement, null, 2)}\n`);
  // Laid out as the project's formatter lays out JSON, so that `npm run lint` passes on it.
  await promisify(execFile)('node_modules/.bin/biome', ['format', '--write', path]);
}
