/**
 * The arithmetic of a delivery's price: measured units billed at the prices of what the template
 * deploys, with the assumptions of bench/cost/prices.json.
 */
import { describe, expect, it } from 'vitest';
import type { PathUnits } from '../../../bench/cost/path-measurement.ts';
import { billedMs, lambdaLogBytes, priceDelivery, tracedShare } from '../../../bench/cost/price.ts';
import { loadPriceList } from '../../../bench/cost/prices.ts';
import type { TemplateFacts } from '../../../bench/cost/template-facts.ts';

const list = await loadPriceList();

const units: PathUnits = {
  statusCode: 202,
  responseBodyBytes: 45,
  calls: ['DynamoDB PutItem', 'SQS SendMessage', 'DynamoDB TransactWriteItems'],
  sequentialCalls: 3,
  dynamodbWriteUnits: 19,
  dynamodbReadUnits: 0,
  dynamodbUnitsByTarget: { table: 17, 'index byDeliveryId': 2 },
  dynamodbComputedWriteUnits: 0,
  sqsRequests: 1,
  sqsPayloadBytes: 4587,
  s3PutRequests: 0,
  s3GetRequests: 0,
  kmsRequests: 0,
  wireBytes: { DynamoDB: 9000, SQS: 5000 },
  logLines: [
    { kind: 'application', level: 'INFO', bytes: 600 },
    { kind: 'application', level: 'DEBUG', bytes: 100 },
    { kind: 'emf', bytes: 270 },
  ],
};

const facts: TemplateFacts = {
  front: 'rest',
  waf: true,
  wafLogsAllowedRequests: false,
  stageTracing: false,
  lambda: {
    memoryMb: 512,
    architecture: 'arm64',
    logFormat: 'JSON',
    applicationLogLevel: 'INFO',
    systemLogLevel: 'WARN',
    activeTracing: false,
    inVpc: false,
    environment: {},
  },
  accessLogFormat: '{"status":"$context.status","length":"$context.responseLength"}',
  fifoQueue: false,
  interfaceEndpoints: [],
  interfaceEndpointSubnets: 0,
};

const path = { units, cpuMs: 2 };

describe('the price of one delivery', () => {
  it('bills the CPU time slowed to the function’s vCPU share, plus the latency of each sequential call', () => {
    // 2 ms × 1769 / 512 = 6.9 ms, plus 3 calls × 10 ms, rounded up.
    expect(billedMs(path, facts, list)).toBe(37);
    const large = { ...facts, lambda: { ...facts.lambda, memoryMb: 3538 } };
    expect(billedMs(path, large, list)).toBe(32);
  });

  it('counts the lines the log level lets through, the metric line, and platform lines where kept', () => {
    expect(lambdaLogBytes(units, facts, list)).toBe(870);
    const text = { ...facts, lambda: { ...facts.lambda, logFormat: 'Text' as const } };
    expect(lambdaLogBytes(units, text, list)).toBe(870 + list.assumptions.platformLogBytes.text);
    const jsonInfo = { ...facts, lambda: { ...facts.lambda, systemLogLevel: 'INFO' } };
    expect(lambdaLogBytes(units, jsonInfo, list)).toBe(
      870 + list.assumptions.platformLogBytes.json,
    );
    const debug = { ...facts, lambda: { ...facts.lambda, applicationLogLevel: 'DEBUG' } };
    expect(lambdaLogBytes(units, debug, list)).toBe(970);
  });

  it('traces the reservoir each second and 5 % of the rest: 30 % of 10 million a month', () => {
    expect(tracedShare(list)).toBeCloseTo((2_628_000 + 0.05 * 7_372_000) / 10_000_000, 6);
  });

  it('prices each line and adds them up', () => {
    const cost = priceDelivery(path, facts, list);
    expect(Object.keys(cost.items)).toEqual([
      'front',
      'waf',
      'lambdaRequests',
      'lambdaDuration',
      'sqsRequests',
      'dynamodbWriteUnits',
      'lambdaLogs',
      'accessLogs',
    ]);
    expect(cost.items.front).toMatchObject({ units: 1, price: 'apiGatewayRestRequest', usd: 3.5 });
    expect(cost.items.dynamodbWriteUnits?.usd).toBeCloseTo(11.875, 4);
    expect(cost.items.sqsRequests).toMatchObject({ price: 'sqsStandardRequest', usd: 0.4 });
    // {"status":"202","length":"45"} is 30 bytes.
    expect(cost.items.accessLogs?.units).toBeCloseTo(30 / 1024 ** 3, 15);
    const total = Object.values(cost.items).reduce((sum, item) => sum + item.usd, 0);
    expect(cost.perMillionUsd).toBeCloseTo(total, 2);
  });

  it('prices what the template deploys: an HTTP API, a FIFO queue, tracing, interface endpoints', () => {
    const cost = priceDelivery(
      path,
      {
        ...facts,
        front: 'http',
        waf: false,
        fifoQueue: true,
        interfaceEndpoints: ['sqs', 'kms'],
        lambda: { ...facts.lambda, activeTracing: true, inVpc: true },
      },
      list,
    );
    expect(cost.items.front).toMatchObject({ price: 'apiGatewayHttpRequest', usd: 1 });
    expect(cost.items.waf).toBeUndefined();
    expect(cost.items.sqsRequests).toMatchObject({ price: 'sqsFifoRequest', usd: 0.5 });
    expect(cost.items.xrayTraces?.units).toBeCloseTo(tracedShare(list), 6);
    // SQS goes through its interface endpoint; DynamoDB through the free gateway endpoint.
    expect(cost.items.interfaceEndpointData?.units).toBeCloseTo(5000 / 1024 ** 3, 15);
  });

  it('has no front line for a function URL', () => {
    expect(
      priceDelivery(path, { ...facts, front: 'url', waf: false }, list).items.front,
    ).toBeUndefined();
  });
});
