/**
 * The tables the cost tool prints and writes, as rows of cells: the terminal and the Markdown
 * renderers lay out the same rows, so the docs say exactly what `npm run cost` prints.
 */
import type { SetupReport } from './cost-report.ts';
import type { Measurement } from './measurement.ts';
import { pathNames, paths } from './paths.ts';
import type { DeliveryCost } from './price.ts';
import type { PriceList } from './prices.ts';
import { defaultSetupName, deployCommand, leanSetupName, type Setup, setups } from './setups.ts';
import type { TemplateFacts } from './template-facts.ts';

/** A header row and body rows, every row as long as the header. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right (numbers). */
  readonly numeric: readonly number[];
}

type Reports = Readonly<Record<string, SetupReport>>;

/** Each setup: what its template deploys and what an accepted delivery costs. */
export function setupsTable(reports: Reports, measurement: Measurement): Table {
  return {
    header: [
      'Setup',
      'How to deploy it',
      'Front',
      'WAF',
      'X-Ray',
      'Lambda',
      'Queue',
      'Logs kept',
      'Accepted delivery',
      'Per million',
    ],
    rows: setups.map((setup) => {
      const facts = factsOf(measurement, setup);
      const report = reportOf(reports, setup.name);
      return [
        setupLabel(setup.name),
        `\`${deployCommand(setup)}\``,
        frontLabel(facts),
        facts.waf ? 'yes' : '–',
        facts.lambda.activeTracing || facts.stageTracing ? 'yes' : '–',
        `${facts.lambda.architecture}, ${facts.lambda.memoryMb} MB${facts.lambda.inVpc ? ', in a VPC' : ''}`,
        facts.fifoQueue ? 'FIFO' : 'standard',
        facts.lambda.logRetentionDays === undefined
          ? 'forever'
          : `${facts.lambda.logRetentionDays} days`,
        report.acceptedPath === 'accepted-standard' ? 'with payload copy' : 'no payload copy',
        money(report.accepted.perMillionUsd),
      ];
    }),
    numeric: [9],
  };
}

/** Each path: what one delivery did, and its price per million in the default and lean setups. */
export function pathsTable(reports: Reports, measurement: Measurement): Table {
  const base = reportOf(reports, defaultSetupName);
  const lean = reportOf(reports, leanSetupName);
  return {
    header: [
      'Path',
      'Answer',
      'AWS calls, in order',
      'Sequential calls',
      'DynamoDB WRU',
      'DynamoDB RRU',
      'SQS requests',
      'S3 PUT / GET',
      'KMS',
      'Handler log bytes',
      'CPU ms',
      'Wall ms',
      'Billed ms',
      `${setupLabel(defaultSetupName)} $/M`,
      `${setupLabel(leanSetupName)} $/M`,
    ],
    rows: pathNames.map((path) => {
      const { units, cpuMs, computeMs } = measurement.paths[path];
      return [
        paths[path].label,
        String(units.statusCode),
        units.calls.join(', ') || 'none',
        String(units.sequentialCalls),
        String(units.dynamodbWriteUnits),
        String(units.dynamodbReadUnits),
        String(units.sqsRequests),
        `${units.s3PutRequests} / ${units.s3GetRequests}`,
        String(units.kmsRequests),
        String(units.logLines.reduce((sum, line) => sum + line.bytes, 0)),
        cpuMs.toFixed(2),
        computeMs.toFixed(2),
        String(base.paths[path].lambdaBilledMs),
        money(base.paths[path].perMillionUsd),
        money(lean.paths[path].perMillionUsd),
      ];
    }),
    numeric: [3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14],
  };
}

/** The lines of an accepted delivery in the default and the lean setups. */
export function itemsTable(reports: Reports, list: PriceList): Table {
  const base = reportOf(reports, defaultSetupName).accepted;
  const lean = reportOf(reports, leanSetupName).accepted;
  const keys = [...new Set([...Object.keys(base.items), ...Object.keys(lean.items)])];
  return {
    header: [
      'Item',
      'Unit price',
      `${setupLabel(defaultSetupName)}: units`,
      '$/M',
      `${setupLabel(leanSetupName)}: units`,
      '$/M',
    ],
    rows: [
      ...keys.map((key) => {
        const item = base.items[key] ?? lean.items[key];
        const price = item === undefined ? undefined : list.prices[item.price];
        return [
          item?.label.replace(/ \(.*\)$/, '') ?? key,
          price === undefined ? '' : unitPrice(price.usd, price.per, item?.unit ?? ''),
          unitsOf(base, key),
          moneyOf(base, key),
          unitsOf(lean, key),
          moneyOf(lean, key),
        ];
      }),
      [
        '**Total per million accepted deliveries**',
        '',
        '',
        `**${money(base.perMillionUsd)}**`,
        '',
        `**${money(lean.perMillionUsd)}**`,
      ],
    ],
    numeric: [2, 3, 4, 5],
  };
}

/** Every setup side by side, line by line, dollars per million accepted deliveries. */
export function profilesTable(reports: Reports): Table {
  const names = setups.map((setup) => setup.name);
  const keys = [
    ...new Set(names.flatMap((name) => Object.keys(reportOf(reports, name).accepted.items))),
  ];
  // The front's line differs by setup (REST or HTTP API), so it is named for what it is.
  const labelOf = (key: string) =>
    key === 'front'
      ? "API Gateway requests (the setup's front)"
      : (names
          .map((name) => reportOf(reports, name).accepted.items[key]?.label)
          .find((label) => label !== undefined)
          ?.replace(/ \(.*\)$/, '') ?? key);
  return {
    header: ['Item', ...names.map(setupLabel)],
    rows: [
      ...keys.map((key) => [
        labelOf(key),
        ...names.map((name) => moneyOf(reportOf(reports, name).accepted, key)),
      ]),
      [
        '**Per million**',
        ...names.map((name) => `**${money(reportOf(reports, name).accepted.perMillionUsd)}**`),
      ],
    ],
    numeric: names.map((_name, index) => index + 1),
  };
}

/** Every unit price, with its source and the day it was read. */
export function pricesTable(list: PriceList): Table {
  return {
    header: ['Price', 'Unit', 'Source', 'Read'],
    rows: Object.values(list.prices).map((price) => [
      unitPrice(price.usd, price.per, ''),
      `${price.unit}${price.note === undefined ? '' : ` (${price.note})`}`,
      `<${price.source}>`,
      price.read,
    ]),
    numeric: [],
  };
}

/** The setup's name as the tables show it: the default one says so. */
export const setupLabel = (name: string): string =>
  name === defaultSetupName ? `${name} (default)` : name;

function factsOf(measurement: Measurement, setup: Setup): TemplateFacts {
  const facts = measurement.setups[setup.name];
  if (facts === undefined)
    throw new Error(`the measurement has no template facts for '${setup.name}'`);
  return facts;
}

function reportOf(reports: Reports, name: string): SetupReport {
  const report = reports[name];
  if (report === undefined) throw new Error(`no cost report for '${name}'`);
  return report;
}

function frontLabel(facts: TemplateFacts): string {
  return { rest: 'REST API', http: 'HTTP API', url: 'function URL' }[facts.front];
}

/** Dollars to the cent, or to a tenth of a cent below a cent. */
export function money(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

function unitsOf(cost: DeliveryCost, key: string): string {
  const item = cost.items[key];
  if (item === undefined) return '–';
  // Log and endpoint lines are priced per GB but read better in bytes.
  if (item.unit === 'GB') return `${Math.round(item.units * 1024 ** 3)} bytes`;
  return `${formatUnits(item.units)} ${item.unit}`;
}

function moneyOf(cost: DeliveryCost, key: string): string {
  const item = cost.items[key];
  return item === undefined ? '–' : money(item.usd);
}

/** Whole numbers as they are, fractions to four significant digits. */
export function formatUnits(units: number): string {
  return Number.isInteger(units) ? String(units) : String(Number(units.toPrecision(4)));
}

function unitPrice(usd: number, per: number, unit: string): string {
  // Cents as cents ($0.40), finer prices in full ($0.0000133334).
  const amount = `$${usd >= 0.01 && Number.isInteger(usd * 100) ? usd.toFixed(2) : String(usd)}`;
  const perText =
    per === 1 ? 'per' : per === 1_000_000 ? 'per million' : `per ${per.toLocaleString('en-US')}`;
  const plural = per === 1 || unit === '' ? unit : `${unit}s`;
  return `${amount} ${perText}${plural === '' ? '' : ` ${plural}`}`;
}
