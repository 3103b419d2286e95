/**
 * The README's cost line: the paragraph under `## Cost`, rendered from the same figures as
 * docs/cost.md. No markers: the README is kept under 12,000 bytes.
 */
import type { SetupReport } from './cost-report.ts';
import { money } from './cost-tables.ts';
import { defaultSetupName, leanSetupName } from './setups.ts';

export const readmePath = 'README.md';

const heading = '## Cost\n\n';

/** The README's cost paragraph. */
export function readmeCostLine(reports: Readonly<Record<string, SetupReport>>): string {
  const base = reports[defaultSetupName]?.accepted.perMillionUsd ?? Number.NaN;
  const lean = reports[leanSetupName]?.accepted.perMillionUsd ?? Number.NaN;
  return `About ${money(base)} per million accepted deliveries by default (${money(lean)} lean), measured by\n\`npm run cost\`, plus storage and fixed costs: [docs/cost.md](docs/cost.md).`;
}

/** The README with its cost paragraph replaced. */
export function updateReadme(text: string, reports: Readonly<Record<string, SetupReport>>): string {
  const from = text.indexOf(heading);
  if (from < 0) throw new Error(`${readmePath} has no '## Cost' section`);
  const start = from + heading.length;
  const end = text.indexOf('\n\n', start);
  return `${text.slice(0, start)}${readmeCostLine(reports)}${end < 0 ? '\n' : text.slice(end)}`;
}
