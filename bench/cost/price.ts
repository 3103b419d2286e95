/**
 * Prices one delivery of a measured path in one deployment: the units the path was measured to
 * cost, billed at the prices of the services the deployment's template uses. Pure arithmetic;
 * every number comes from the measurement, the template facts or the price list.
 */
import { accessLogBytes } from './access-log-size.ts';
import type { PathUnits } from './path-measurement.ts';
import { dollars, type PriceList, type PriceName } from './prices.ts';
import type { TemplateFacts } from './template-facts.ts';

/** One priced line. */
export interface PricedItem {
  /** What the line is, for tables. */
  readonly label: string;
  /** Units billed for one delivery. */
  readonly units: number;
  readonly unit: string;
  readonly price: PriceName;
  /** Dollars for a million deliveries. */
  readonly usd: number;
}

export interface DeliveryCost {
  /** Dollars for a million deliveries, all lines. */
  readonly perMillionUsd: number;
  readonly items: Readonly<Record<string, PricedItem>>;
  /** The Lambda duration billed for one delivery, in milliseconds. */
  readonly lambdaBilledMs: number;
}

/** What was measured of one path. */
export interface MeasuredPath {
  readonly units: PathUnits;
  /** The handler's median CPU time outside AWS calls, on one core of this machine. */
  readonly cpuMs: number;
}

const bytesPerGb = 1024 ** 3;
const logLevels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** The cost of one delivery of `path` in the deployment `facts` describe. */
export function priceDelivery(
  path: MeasuredPath,
  facts: TemplateFacts,
  list: PriceList,
): DeliveryCost {
  const { units } = path;
  const { assumptions } = list;
  const lambdaBilledMs = billedMs(path, facts, list);
  const lines: [string, Omit<PricedItem, 'usd'>][] = [];
  const add = (key: string, item: Omit<PricedItem, 'usd'>) => {
    if (item.units > 0) lines.push([key, item]);
  };
  if (facts.front !== 'url') {
    const rest = facts.front === 'rest';
    add('front', {
      label: rest ? 'API Gateway REST API requests' : 'API Gateway HTTP API requests',
      units: 1,
      unit: 'request',
      price: rest ? 'apiGatewayRestRequest' : 'apiGatewayHttpRequest',
    });
  }
  if (facts.waf)
    add('waf', { label: 'WAF requests', units: 1, unit: 'request', price: 'wafRequest' });
  add('lambdaRequests', {
    label: 'Lambda requests',
    units: 1,
    unit: 'invocation',
    price: 'lambdaRequest',
  });
  const { memoryMb, architecture } = facts.lambda;
  add('lambdaDuration', {
    label: `Lambda duration (${architecture}, ${memoryMb} MB × ${lambdaBilledMs} ms)`,
    units: (memoryMb / 1024) * (lambdaBilledMs / 1000),
    unit: 'GB-second',
    price: architecture === 'arm64' ? 'lambdaArm64GbSecond' : 'lambdaX86GbSecond',
  });
  add('sqsRequests', {
    label: facts.fifoQueue ? 'SQS FIFO requests (64 KB chunks)' : 'SQS requests (64 KB chunks)',
    units: units.sqsRequests,
    unit: 'request',
    price: facts.fifoQueue ? 'sqsFifoRequest' : 'sqsStandardRequest',
  });
  add('s3PutRequests', {
    label: 'S3 PUT requests',
    units: units.s3PutRequests,
    unit: 'request',
    price: 's3PutRequest',
  });
  add('s3GetRequests', {
    label: 'S3 GET requests',
    units: units.s3GetRequests,
    unit: 'request',
    price: 's3GetRequest',
  });
  add('dynamodbWriteUnits', {
    label: 'DynamoDB write request units',
    units: units.dynamodbWriteUnits,
    unit: 'WRU',
    price: 'dynamodbWriteRequestUnit',
  });
  add('dynamodbReadUnits', {
    label: 'DynamoDB read request units',
    units: units.dynamodbReadUnits,
    unit: 'RRU',
    price: 'dynamodbReadRequestUnit',
  });
  add('kmsRequests', {
    label: 'KMS requests',
    units: units.kmsRequests,
    unit: 'request',
    price: 'kmsRequest',
  });
  const logGb = (bytes: number) => bytes / bytesPerGb;
  const functionLogBytes = lambdaLogBytes(units, facts, list);
  add('lambdaLogs', {
    label: `Lambda logs ingested (${functionLogBytes} bytes)`,
    units: logGb(functionLogBytes),
    unit: 'GB',
    price: 'cloudwatchLogsIngestionGb',
  });
  const accessBytes =
    facts.accessLogFormat === undefined
      ? 0
      : accessLogBytes(facts.accessLogFormat, assumptions.accessLogValues.values, units);
  add('accessLogs', {
    label: `API access logs ingested (${accessBytes} bytes)`,
    units: logGb(accessBytes),
    unit: 'GB',
    price: 'cloudwatchLogsIngestionGb',
  });
  const wafBytes =
    facts.waf && facts.wafLogsAllowedRequests ? assumptions.wafLogRecordBytes.value : 0;
  add('wafLogs', {
    label: `WAF logs ingested (${wafBytes} bytes)`,
    units: logGb(wafBytes),
    unit: 'GB',
    price: 'cloudwatchLogsIngestionGb',
  });
  if (facts.lambda.activeTracing || facts.stageTracing) {
    add('xrayTraces', {
      label: `X-Ray traces recorded (default sampling, ${assumptions.monthlyDeliveries.value / 1e6} M a month)`,
      units: tracedShare(list),
      unit: 'trace',
      price: 'xrayTraceRecorded',
    });
  }
  const endpointBytes = facts.lambda.inVpc
    ? Object.entries(units.wireBytes)
        .filter(([service]) => facts.interfaceEndpoints.includes(service.toLowerCase()))
        .reduce((sum, [, bytes]) => sum + bytes, 0)
    : 0;
  add('interfaceEndpointData', {
    label: `Interface endpoint data (${endpointBytes} bytes)`,
    units: logGb(endpointBytes),
    unit: 'GB',
    price: 'interfaceEndpointDataGb',
  });
  const items = Object.fromEntries(
    lines.map(([key, item]) => [
      key,
      { ...item, usd: round(dollars(list.prices[item.price], item.units) * 1e6, 4) },
    ]),
  );
  const total = Object.values(items).reduce((sum, item) => sum + item.usd, 0);
  return { perMillionUsd: round(total, 2), items, lambdaBilledMs };
}

/**
 * Billed duration: the measured CPU time, slowed to the function's share of a vCPU, plus the
 * assumed in-region latency of each sequential AWS call, rounded up to Lambda's 1 ms step.
 */
export function billedMs(path: MeasuredPath, facts: TemplateFacts, list: PriceList): number {
  const { inRegionCallLatencyMs, lambdaMemoryMbPerVcpu } = list.assumptions;
  const cpuScale = Math.max(1, lambdaMemoryMbPerVcpu.value / facts.lambda.memoryMb);
  return Math.ceil(
    path.cpuMs * cpuScale + path.units.sequentialCalls * inRegionCallLatencyMs.value,
  );
}

/**
 * Bytes the function's log group ingests for one delivery: the handler's lines at or above the
 * level that lets through (Lambda's application level with JSON logs, else Powertools' own),
 * its metric lines, and Lambda's START, END and REPORT lines where the template keeps them.
 */
export function lambdaLogBytes(units: PathUnits, facts: TemplateFacts, list: PriceList): number {
  const { lambda } = facts;
  const level =
    (lambda.logFormat === 'JSON' ? lambda.applicationLogLevel : undefined) ??
    lambda.environment.POWERTOOLS_LOG_LEVEL ??
    'INFO';
  const floor = logLevels.indexOf(level.toUpperCase());
  const handlerBytes = units.logLines
    .filter((line) => line.level === undefined || logLevels.indexOf(line.level) >= floor)
    .reduce((sum, line) => sum + line.bytes, 0);
  const { platformLogBytes } = list.assumptions;
  const systemLevel = logLevels.indexOf((lambda.systemLogLevel ?? 'INFO').toUpperCase());
  const platformBytes =
    lambda.logFormat === 'Text'
      ? platformLogBytes.text
      : systemLevel <= logLevels.indexOf('INFO')
        ? platformLogBytes.json
        : 0;
  return handlerBytes + platformBytes;
}

/**
 * The share of deliveries traced under the default sampling rule at the assumed monthly volume:
 * the reservoir each second, then the rate of the rest.
 */
export function tracedShare(list: PriceList): number {
  const { monthlyDeliveries, xraySampling, hoursPerMonth } = list.assumptions;
  const volume = monthlyDeliveries.value;
  const reservoir = xraySampling.reservoirPerSecond * hoursPerMonth.value * 3600;
  return (
    (Math.min(volume, reservoir) + xraySampling.rate * Math.max(0, volume - reservoir)) / volume
  );
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
