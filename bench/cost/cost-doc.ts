/**
 * The generated parts of docs/cost.md: the per-request section (setups, line items, paths,
 * assumptions, prices) and the summary, whose storage and fixed rows are read from the
 * hand-written tables of the same file so that its totals add up what the file says.
 */
import type { SetupReport } from './cost-report.ts';
import {
  itemsTable,
  money,
  pathsTable,
  pricesTable,
  profilesTable,
  setupLabel,
  setupsTable,
  type Table,
} from './cost-tables.ts';
import { replaceSections } from './generated-sections.ts';
import type { Measurement } from './measurement.ts';
import type { PriceList } from './prices.ts';
import { markdownTable } from './render-table.ts';
import { defaultSetupName, leanSetupName } from './setups.ts';

export const costDocPath = 'docs/cost.md';

type Reports = Readonly<Record<string, SetupReport>>;

/** docs/cost.md with its generated sections rendered from `measurement` and `list`. */
export function updateCostDoc(
  text: string,
  measurement: Measurement,
  list: PriceList,
  reports: Reports,
): string {
  const withPerRequest = replaceSections(text, costDocPath, {
    'cost-per-request': perRequestSection(measurement, list, reports),
  });
  return replaceSections(withPerRequest, costDocPath, {
    'cost-summary': summarySection(text, reports),
  });
}

function perRequestSection(measurement: Measurement, list: PriceList, reports: Reports): string {
  const { assumptions } = list;
  const base = reports[defaultSetupName]?.accepted;
  const billed = base?.lambdaBilledMs ?? 0;
  return [
    `Measured ${measurement.measuredAt.slice(0, 10)} by \`${measurement.command}\` (${measurement.machine}, Node ${measurement.node}): the ingest Lambda's own handler, run against the local stand-ins, for each path below; each setup's template synthesized and read; everything priced from [bench/cost/prices.json](../bench/cost/prices.json). A change to the ingest path or the template changes these figures with no edit to the tool; \`npm run cost -- --write\` rewrites this section.`,
    '',
    '### Setups',
    '',
    markdownTable(setupsTable(reports, measurement)),
    '',
    '### One accepted delivery, line by line',
    '',
    markdownTable(itemsTable(reports, list)),
    '',
    `Lambda duration is the handler's measured CPU time outside AWS calls (median of ${measurement.paths['accepted-standard'].matchingSamples} warm invocations here), scaled to the function's share of a vCPU (${assumptions.lambdaMemoryMbPerVcpu.value.toLocaleString('en-US')} MB buys one), plus ${assumptions.inRegionCallLatencyMs.value} ms for each sequential AWS call, rounded up to the millisecond: ${billed} ms for an accepted delivery in the default setup.`,
    '',
    '### By path',
    '',
    markdownTable(pathsTable(reports, measurement)),
    '',
    markdownTable(unitsByTargetTable(measurement)),
    '',
    "DynamoDB units are those DynamoDB Local reports for each call (`ReturnConsumedCapacity: INDEXES`): the table and each index, transactional writes at twice the rate. A conditional write whose condition fails (the duplicate's claim) reports nothing and is counted from the size of the item it carried. SQS requests are 64 KB chunks of each message's body and attributes. Handler log bytes are the lines the handler wrote (Powertools Logger and the EMF metrics line); each setup adds the lines its log settings keep and its access log line.",
    '',
    '### Every setup',
    '',
    markdownTable(profilesTable(reports)),
    '',
    '### Assumptions',
    '',
    ...Object.entries(assumptions).map(([name, assumption]) => {
      const source =
        'source' in assumption && assumption.source !== undefined
          ? ` (<${assumption.source}>)`
          : '';
      return `- **${name}**${assumedValue(assumption)}: ${assumption.reason}${source}`;
    }),
    '',
    '### Unit prices',
    '',
    markdownTable(pricesTable(list)),
  ].join('\n');
}

/** The assumption's value, when it has a single one. */
function assumedValue(assumption: object): string {
  return 'value' in assumption && typeof assumption.value === 'number'
    ? ` = ${assumption.value.toLocaleString('en-US')}`
    : '';
}

function unitsByTargetTable(measurement: Measurement): Table {
  const entries = Object.entries(measurement.paths);
  const targets = [
    ...new Set(entries.flatMap(([, path]) => Object.keys(path.units.dynamodbUnitsByTarget))),
  ];
  return {
    header: ['DynamoDB units by path', ...targets],
    rows: entries.map(([name, path]) => [
      name,
      ...targets.map((target) => String(path.units.dynamodbUnitsByTarget[target] ?? 0)),
    ]),
    numeric: targets.map((_target, index) => index + 1),
  };
}

const summarySetups = [defaultSetupName, leanSetupName, 'pci-dss'];

/**
 * Per-request, storage and fixed monthly costs of a million deliveries a month, and the total;
 * storage and fixed are the bold total rows of this file's own tables.
 */
function summarySection(text: string, reports: Reports): string {
  const storage = boldRow(text, 'Monthly, per million deliveries a month');
  const fixed = boldRow(text, 'Fixed monthly');
  const perRequest = summarySetups.map(
    (name) => reports[name]?.accepted.perMillionUsd ?? Number.NaN,
  );
  const total = (scale: number) =>
    summarySetups.map(
      (_name, index) =>
        (perRequest[index] ?? 0) * scale + (storage[index] ?? 0) * scale + (fixed[index] ?? 0),
    );
  const cells = (values: readonly number[]) => values.map(money);
  // Fixed costs are estimates to the dollar, and so is any total that includes them.
  const about = (values: readonly number[]) => values.map((value) => `≈ $${Math.round(value)}`);
  return [
    `| One million deliveries a month | ${summarySetups.map(setupLabel).join(' | ')} |`,
    `| --- | ${summarySetups.map(() => '---:').join(' | ')} |`,
    `| per-request (measured, above) | ${cells(perRequest).join(' | ')} |`,
    `| storage, once retention has filled | ${cells(storage).join(' | ')} |`,
    `| fixed | ${about(fixed).join(' | ')} |`,
    `| **total** | ${about(total(1))
      .map((cell) => `**${cell}**`)
      .join(' | ')} |`,
    '',
    `At ten million deliveries a month the per-request and storage lines scale by ten and the fixed line stays: about $${Math.round(total(10)[0] ?? 0)} for the default setup, $${Math.round(total(10)[1] ?? 0)} for the lean one.`,
  ].join('\n');
}

/** The dollar amounts of the setup columns of the bold row that starts with `label`. */
function boldRow(text: string, label: string): number[] {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`| **${label}**`));
  if (line === undefined) throw new Error(`${costDocPath} has no row '**${label}**'`);
  const amounts = line
    .split('|')
    .slice(3, -1)
    .map((cell) => Number(/\$([\d,.]+)/.exec(cell)?.[1]?.replaceAll(',', '')));
  if (amounts.length < summarySetups.length || amounts.some(Number.isNaN)) {
    throw new Error(
      `${costDocPath}: the row '**${label}**' has no amount for each of ${summarySetups.join(', ')}`,
    );
  }
  return amounts;
}
