/**
 * The dashboard and the 5xx alarm on the two other fronts: an HTTP API's AWS/ApiGateway
 * metrics by ApiId, and a function URL's AWS/Lambda `Url…` metrics, which have no integration
 * latency to draw.
 */

import { Match } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestFunctionUrl } from '../../infra/function-url.ts';
import {
  type DashboardWidget,
  dashboardWidgets,
  logicalId,
  type ObservabilityFixture,
  synthObservability,
} from './observability-stack.ts';

const synthTimeoutMs = 120_000;

let httpApi: ObservabilityFixture;
let functionUrl: ObservabilityFixture;

beforeAll(() => {
  httpApi = synthObservability({}, (stack) => new apigwv2.HttpApi(stack, 'HttpApi'));
  functionUrl = synthObservability(
    {},
    (stack, ingestFunction) =>
      new IngestFunctionUrl(stack, 'Front', { handler: ingestFunction }).metrics,
  );
}, synthTimeoutMs);

function widget(fixture: ObservabilityFixture, title: string): DashboardWidget {
  const found = dashboardWidgets(fixture.template).find((w) => w.properties.title === title);
  if (found === undefined) throw new Error(`no widget titled '${title}'`);
  return found;
}

/** The metric names a graph draws, with their namespace. */
function metricNames(graph: DashboardWidget): string[] {
  return (graph.properties.metrics ?? []).flatMap((entry) =>
    typeof entry[0] === 'string' ? [`${entry[0]} ${entry[1]}`] : [],
  );
}

function serverErrorAlarm(fixture: ObservabilityFixture, metricName: string, namespace: string) {
  fixture.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Metrics: Match.arrayWith([
      Match.objectLike({
        Id: 'errors',
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({ MetricName: metricName, Namespace: namespace }),
        }),
      }),
    ]),
  });
}

describe('the dashboard and alarms on an HTTP API', () => {
  it('graph its latency, integration latency, requests, 4xx and 5xx', () => {
    expect(metricNames(widget(httpApi, 'API Gateway latency p50 / p99 (ms)'))).toEqual([
      'AWS/ApiGateway Latency',
      'AWS/ApiGateway IntegrationLatency',
      'AWS/ApiGateway Latency',
      'AWS/ApiGateway IntegrationLatency',
    ]);
    expect(metricNames(widget(httpApi, 'API requests and errors'))).toEqual([
      'AWS/ApiGateway Count',
      'AWS/ApiGateway 4xx',
      'AWS/ApiGateway 5xx',
    ]);
  });

  it('alarm on its 5xx rate', () => {
    serverErrorAlarm(httpApi, '5xx', 'AWS/ApiGateway');
  });
});

describe('the dashboard and alarms on a function URL', () => {
  it('graph its request latency, requests, 4xx and 5xx by function name', () => {
    const fn = `<Ref:${logicalId(functionUrl.template, 'AWS::Lambda::Function', 'IngestFunction')}>`;
    const latency = widget(functionUrl, 'Function URL latency p50 / p99 (ms)');
    expect(metricNames(latency)).toEqual([
      'AWS/Lambda UrlRequestLatency',
      'AWS/Lambda UrlRequestLatency',
    ]);
    const requests = widget(functionUrl, 'Function URL requests and errors');
    expect(metricNames(requests)).toEqual([
      'AWS/Lambda UrlRequestCount',
      'AWS/Lambda Url4xxCount',
      'AWS/Lambda Url5xxCount',
    ]);
    expect(JSON.stringify(requests.properties.metrics)).toContain(`"FunctionName","${fn}"`);
  });

  it('alarm on its 5xx rate', () => {
    serverErrorAlarm(functionUrl, 'Url5xxCount', 'AWS/Lambda');
  });
});
