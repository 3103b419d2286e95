/**
 * The generated part of BENCHMARKS.md's cost section: where, when and how the paths were
 * measured, and what each one did, from the recorded measurement.
 */
import type { SetupReport } from './cost-report.ts';
import { pathsTable } from './cost-tables.ts';
import { replaceSections } from './generated-sections.ts';
import type { Measurement } from './measurement.ts';
import { markdownTable } from './render-table.ts';

export const benchmarksPath = 'BENCHMARKS.md';

/** BENCHMARKS.md with its cost section rendered from `measurement`. */
export function updateBenchmarks(
  text: string,
  measurement: Measurement,
  reports: Readonly<Record<string, SetupReport>>,
): string {
  const samples = Math.min(...Object.values(measurement.paths).map((path) => path.matchingSamples));
  const section = [
    `- Machine: ${measurement.machine}; load average ${measurement.loadAverage} when measured (wall times include any wait for a core, CPU times do not)`,
    `- Node: ${measurement.node}`,
    `- Command: \`${measurement.command}\` (the handler against the local stand-ins; at least ${samples} warm samples kept per path, paths taking turns)`,
    `- Date: ${measurement.measuredAt}`,
    '',
    markdownTable(pathsTable(reports, measurement)),
  ].join('\n');
  return replaceSections(text, benchmarksPath, { 'cost-paths': section });
}
