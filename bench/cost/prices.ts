/**
 * The price list the cost tool reads (bench/cost/prices.json): every unit price with the page it
 * came from and the day it was read, and every assumption with its reason. Checked when read, so
 * that a price without a source, or an assumption without a reason, cannot slip into the docs.
 */
import { readFile } from 'node:fs/promises';

/** Where the price list lives, from the project root (`npm run` runs there). */
export const pricesPath = 'bench/cost/prices.json';

/** One unit price: `usd` for every `per` units. */
export interface UnitPrice {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  /** The tier or condition the price holds for. @default - none */
  readonly note?: string;
  readonly source: string;
  /** The day the source was read, `YYYY-MM-DD`. */
  readonly read: string;
}

export const priceNames = [
  'apiGatewayRestRequest',
  'apiGatewayHttpRequest',
  'wafRequest',
  'lambdaRequest',
  'lambdaArm64GbSecond',
  'lambdaX86GbSecond',
  'sqsStandardRequest',
  'sqsFifoRequest',
  's3PutRequest',
  's3GetRequest',
  'dynamodbWriteRequestUnit',
  'dynamodbReadRequestUnit',
  'cloudwatchLogsIngestionGb',
  'xrayTraceRecorded',
  'kmsRequest',
  'interfaceEndpointDataGb',
] as const;

export type PriceName = (typeof priceNames)[number];

/** An assumption: what a measurement cannot give, with why it holds. */
interface Sourced {
  readonly reason: string;
  /** @default - the project's own choice, no outside source */
  readonly source?: string;
  readonly read?: string;
}

interface NumberAssumption extends Sourced {
  readonly value: number;
}

export interface Assumptions {
  readonly inRegionCallLatencyMs: NumberAssumption;
  readonly lambdaMemoryMbPerVcpu: NumberAssumption;
  readonly monthlyDeliveries: NumberAssumption;
  readonly xraySampling: Sourced & { readonly reservoirPerSecond: number; readonly rate: number };
  readonly hoursPerMonth: NumberAssumption;
  readonly bodyBytes: NumberAssumption;
  readonly mediumBodyBytes: NumberAssumption;
  readonly largeBodyBytes: NumberAssumption;
  readonly failedConditionalWrite: Sourced;
  readonly platformLogBytes: Sourced & { readonly text: number; readonly json: number };
  readonly wafLogRecordBytes: NumberAssumption;
  readonly accessLogValues: Sourced & { readonly values: Readonly<Record<string, string>> };
}

export interface PriceList {
  readonly region: string;
  readonly prices: Readonly<Record<PriceName, UnitPrice>>;
  readonly assumptions: Assumptions;
}

/** The price list was missing a field, or a field held something unusable. */
export class PriceListError extends Error {
  override readonly name = 'PriceListError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid ${pricesPath}:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/** Reads and checks the price list. */
export async function loadPriceList(path: string = pricesPath): Promise<PriceList> {
  return checkPriceList(JSON.parse(await readFile(path, 'utf8')) as unknown);
}

/** Checks a parsed price list: every price sourced and dated, every assumption reasoned. */
export function checkPriceList(data: unknown): PriceList {
  const problems: string[] = [];
  const list = data as Partial<PriceList> | undefined;
  const prices = (list?.prices ?? {}) as Partial<Record<string, Partial<UnitPrice>>>;
  for (const name of priceNames) {
    const price = prices[name];
    if (price === undefined) {
      problems.push(`prices.${name} is missing`);
      continue;
    }
    if (!(typeof price.usd === 'number' && price.usd >= 0)) problems.push(`prices.${name}.usd`);
    if (!(typeof price.per === 'number' && price.per > 0)) problems.push(`prices.${name}.per`);
    if (!isUrl(price.source)) problems.push(`prices.${name}.source is not a URL`);
    if (!isDay(price.read)) problems.push(`prices.${name}.read is not a YYYY-MM-DD day`);
  }
  const assumptions = (list?.assumptions ?? {}) as Partial<Record<string, Partial<Sourced>>>;
  for (const name of assumptionNames) {
    const assumption = assumptions[name];
    if (typeof assumption?.reason !== 'string' || assumption.reason === '') {
      problems.push(`assumptions.${name} gives no reason`);
    } else if (assumption.source !== undefined && !isUrl(assumption.source)) {
      problems.push(`assumptions.${name}.source is not a URL`);
    }
  }
  if (problems.length > 0) throw new PriceListError(problems);
  return list as PriceList;
}

const assumptionNames: readonly (keyof Assumptions)[] = [
  'inRegionCallLatencyMs',
  'lambdaMemoryMbPerVcpu',
  'monthlyDeliveries',
  'xraySampling',
  'hoursPerMonth',
  'bodyBytes',
  'mediumBodyBytes',
  'largeBodyBytes',
  'failedConditionalWrite',
  'platformLogBytes',
  'wafLogRecordBytes',
  'accessLogValues',
];

const isUrl = (value: unknown) => typeof value === 'string' && /^https:\/\/\S+$/.test(value);
const isDay = (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** Dollars for `units` of a price. */
export const dollars = (price: UnitPrice, units: number): number => (price.usd * units) / price.per;
