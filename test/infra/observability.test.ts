import { readFileSync } from 'node:fs';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { telemetry } from '../../functions/config/telemetry.ts';
import { sourceNotAllowed } from '../../functions/ingest/refusals.ts';
import { countLabels, handlerMetrics } from '../../infra/observability/handler-metrics.ts';
import {
  type DashboardWidget,
  dashboardWidgets,
  logicalId,
  type ObservabilityFixture,
  stackName,
  synthObservability,
} from './observability-stack.ts';

// The first synthesis loads aws-cdk-lib, which takes seconds on a busy machine.
const synthTimeoutMs = 120_000;

let withWaf: ObservabilityFixture;
let withoutWaf: ObservabilityFixture;
let widgets: DashboardWidget[];

beforeAll(() => {
  withWaf = synthObservability({ webAcl: { name: 'webhook-ingestion-acl' } });
  withoutWaf = synthObservability();
  widgets = dashboardWidgets(withWaf.template);
}, synthTimeoutMs);

function widget(title: string): DashboardWidget {
  const found = widgets.find((candidate) => candidate.properties.title === title);
  if (found === undefined) throw new Error(`no widget titled '${title}'`);
  return found;
}

/** The math and Metrics Insights expressions a graph draws. */
function expressions(graph: DashboardWidget): string[] {
  return (graph.properties.metrics ?? []).flatMap((entry) => {
    const first = entry[0] as { expression?: string } | string;
    return typeof first === 'object' && first.expression !== undefined ? [first.expression] : [];
  });
}

/** The plain metrics a graph draws, as `namespace metric dim=value… stat`. */
function metrics(graph: DashboardWidget): string[] {
  return (graph.properties.metrics ?? []).flatMap((entry) => {
    if (typeof entry[0] !== 'string') return [];
    const [namespace, name, ...rest] = entry as [string, string, ...unknown[]];
    const options = rest.at(-1) as { stat?: string };
    const dimensions = rest.slice(0, -1) as string[];
    const pairs = dimensions.flatMap((value, i) =>
      i % 2 === 0 ? [`${value}=${dimensions[i + 1]}`] : [],
    );
    return [[namespace, name, ...pairs, options.stat].join(' ')];
  });
}

const schema = `FROM SCHEMA("${handlerMetrics.namespace}", provider, reason, service) WHERE service = '${handlerMetrics.service}'`;

describe('the audit dashboard', () => {
  it(
    'is named after the stack, or as given',
    () => {
      withWaf.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: `${stackName}-audit`,
      });
      const named = synthObservability({ dashboardName: 'webhooks' });
      named.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: 'webhooks',
      });
    },
    synthTimeoutMs,
  );

  it.each([
    ['Accepted per provider', 'accepted'],
    ['Rejected per provider', 'rejected'],
    ['Duplicates per provider', 'duplicate'],
  ])(
    'shows %s from the handler EMF count %s, grouped by provider at run time',
    (title, outcome) => {
      expect(expressions(widget(title))).toEqual([
        `SELECT SUM(${outcome}) ${schema} GROUP BY provider ORDER BY SUM() DESC`,
      ]);
    },
  );

  it('shows rejection reasons, overall and per provider', () => {
    expect(expressions(widget('Rejection reasons'))).toEqual([
      `SELECT SUM(rejected) ${schema} GROUP BY reason ORDER BY SUM() DESC`,
    ]);
    const perProvider = widget('Rejections per provider and reason (time range total)');
    expect(perProvider.properties.view).toBe('bar');
    expect(expressions(perProvider)).toEqual([
      `SELECT SUM(rejected) ${schema} GROUP BY provider, reason ORDER BY SUM() DESC`,
    ]);
  });

  it('graphs the deliveries refused by a source allowlist, per provider', () => {
    expect(expressions(widget('Refused by source allowlist, per provider'))).toEqual([
      `SELECT SUM(rejected) ${schema} AND reason = '${sourceNotAllowed}' GROUP BY provider ORDER BY SUM() DESC`,
    ]);
  });

  it('graphs every count the handler publishes, one series each', () => {
    const graphed = expressions(widget('Every outcome, all providers'));
    expect(graphed).toHaveLength(Object.keys(countLabels).length);
    for (const outcome of Object.keys(countLabels)) {
      expect(graphed).toContainEqual(
        `SUM(SEARCH('{WebhookIngestion,provider,reason,service} MetricName="${outcome}" service="webhook-ingestion"', 'Sum', 300))`,
      );
    }
  });

  it('puts at most one Metrics Insights query in any graph, the most CloudWatch runs per graph', () => {
    for (const graph of widgets) {
      expect(expressions(graph).filter((e) => e.startsWith('SELECT')).length).toBeLessThanOrEqual(
        1,
      );
    }
  });

  it('shows p50 and p99 latency of API Gateway (total and integration) and of the Lambda', () => {
    const fn = `<Ref:${logicalId(withWaf.template, 'AWS::Lambda::Function', 'IngestFunction')}>`;
    expect(metrics(widget('API Gateway latency p50 / p99 (ms)'))).toEqual([
      'AWS/ApiGateway Latency ApiName=Api p50',
      'AWS/ApiGateway IntegrationLatency ApiName=Api p50',
      'AWS/ApiGateway Latency ApiName=Api p99',
      'AWS/ApiGateway IntegrationLatency ApiName=Api p99',
    ]);
    expect(metrics(widget('Lambda duration p50 / p99 (ms)'))).toEqual([
      `AWS/Lambda Duration FunctionName=${fn} p50`,
      `AWS/Lambda Duration FunctionName=${fn} p99`,
    ]);
  });

  it('shows Lambda errors, throttles and concurrency, and API requests with 4xx and 5xx', () => {
    const fn = `<Ref:${logicalId(withWaf.template, 'AWS::Lambda::Function', 'IngestFunction')}>`;
    expect(metrics(widget('Lambda errors and throttles'))).toEqual([
      `AWS/Lambda Errors FunctionName=${fn} Sum`,
      `AWS/Lambda Throttles FunctionName=${fn} Sum`,
    ]);
    expect(metrics(widget('Lambda concurrency (max)'))).toEqual([
      `AWS/Lambda ConcurrentExecutions FunctionName=${fn} Maximum`,
    ]);
    expect(metrics(widget('API requests and errors'))).toEqual([
      'AWS/ApiGateway Count ApiName=Api Sum',
      'AWS/ApiGateway 4XXError ApiName=Api Sum',
      'AWS/ApiGateway 5XXError ApiName=Api Sum',
    ]);
  });

  it('shows the queue depth, the age of its oldest message and the dead-letter queue depth', () => {
    const queue = `<${logicalId(withWaf.template, 'AWS::SQS::Queue', 'Queue')}.QueueName>`;
    const dlq = `<${logicalId(withWaf.template, 'AWS::SQS::Queue', 'DeadLetterQueue')}.QueueName>`;
    expect(metrics(widget('Delivery queue depth'))).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queue} Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=${queue} Maximum`,
    ]);
    expect(metrics(widget('Age of the oldest delivery (s)'))).toEqual([
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${queue} Maximum`,
    ]);
    expect(metrics(widget('Dead-letter queue depth'))).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${dlq} Maximum`,
    ]);
  });

  it('shows KMS, DynamoDB and SQS failures by reason, and each table’s DynamoDB errors', () => {
    const failures = widget('Dependency failures answered 503 (KMS, DynamoDB, SQS), by reason');
    expect(expressions(failures)).toEqual([
      `SELECT SUM(unavailable) ${schema} GROUP BY reason ORDER BY SUM() DESC`,
    ]);
    const dynamodb = widget('DynamoDB errors');
    for (const prefix of ['RegistryTable', 'AuditTable']) {
      const table = `<Ref:${logicalId(withWaf.template, 'AWS::DynamoDB::Table', prefix)}>`;
      for (const metricName of ['SystemErrors', 'ThrottledRequests']) {
        expect(expressions(dynamodb)).toContainEqual(
          `SUM(SEARCH('{AWS/DynamoDB,Operation,TableName} MetricName="${metricName}" TableName="${table}"', 'Sum', 300))`,
        );
      }
    }
    expect(metrics(dynamodb)).toEqual(['AWS/DynamoDB UserErrors Sum']);
  });

  it('shows WAF blocked, allowed and counted requests when there is a web ACL, and no WAF row otherwise', () => {
    expect(metrics(widget('WAF requests'))).toEqual([
      'AWS/WAFV2 BlockedRequests Region=us-east-1 Rule=ALL WebACL=webhook-ingestion-acl Sum',
      'AWS/WAFV2 AllowedRequests Region=us-east-1 Rule=ALL WebACL=webhook-ingestion-acl Sum',
    ]);
    // Every count-only rule, SizeRestrictions_BODY too, whose matches raise no alarm.
    expect(expressions(widget('WAF counted matches per count-only rule'))).toEqual([
      'SELECT SUM(CountedRequests) FROM SCHEMA("AWS/WAFV2", ManagedRuleGroup, ManagedRuleGroupRule, Region, WebACL) ' +
        "WHERE WebACL = 'webhook-ingestion-acl' GROUP BY ManagedRuleGroupRule ORDER BY SUM() DESC",
    ]);
    const titles = dashboardWidgets(withoutWaf.template).map((w) => w.properties.title);
    expect(titles).not.toContain('WAF requests');
    expect(titles).not.toContain('WAF counted matches per count-only rule');
    expect(titles.length).toBe(widgets.length - 2);
  });

  it('lists the latest rejected attempts from the ingest log group, fields by name, never @message', () => {
    const [logWidget, ...others] = widgets.filter((w) => w.type === 'log');
    expect(others).toEqual([]);
    const group = `<Ref:${logicalId(withWaf.template, 'AWS::Logs::LogGroup', 'IngestLogGroup')}>`;
    const query = logWidget?.properties.query ?? '';
    expect(query.startsWith(`SOURCE '${group}' | fields @timestamp, providerId, reason`)).toBe(
      true,
    );
    expect(query).toContain("filter outcome = 'rejected'");
    expect(query).toContain('sort @timestamp desc');
    expect(query).not.toContain('@message');
  });

  it('shows the state of every alarm', () => {
    const alarmIds = Object.keys(withWaf.template.findResources('AWS::CloudWatch::Alarm'));
    expect(widget('Alarms').properties.alarms).toEqual(alarmIds.map((id) => `<${id}.Arn>`));
  });
});

describe('the saved Logs Insights queries', () => {
  const resources = () =>
    Object.values(withWaf.template.findResources('AWS::Logs::QueryDefinition'));

  it('answer the usual audit questions, in a folder named after the stack', () => {
    expect(resources().map((r) => r.Properties.Name)).toEqual(
      [
        'Rejections by provider and reason',
        'Latest rejected attempts',
        'Outcomes by provider and status code',
        'Deliveries of one provider',
        'Attempts of one delivery id',
        'Dependency failures (503) by reason',
        'Latest handshakes',
        'Refused attempts not audited (source over its budget)',
        'Handler errors (500) and unreadable events (400)',
      ].map((name) => `${stackName}/${name}`),
    );
  });

  it('read the ingest log group and never print a whole log line', () => {
    const group = logicalId(withWaf.template, 'AWS::Logs::LogGroup', 'IngestLogGroup');
    for (const { Properties } of resources()) {
      expect(Properties.LogGroupNames).toEqual([{ Ref: group }]);
      expect(Properties.QueryString).not.toContain('@message');
      expect(Properties.QueryString).toMatch(/^(fields |filter |stats )/);
    }
  });

  it("show Lambda's request id as Powertools writes it: JSON lines carry no @requestId", () => {
    const queries = resources().map((r) => String(r.Properties.QueryString));
    for (const query of queries) expect(query).not.toContain('@requestId');
    const listing = queries.filter((query) => query.startsWith('fields '));
    expect(listing.length).toBeGreaterThan(0);
    for (const query of listing)
      expect(query).toMatch(/^fields @timestamp, .*, function_request_id\n/);
  });

  it('group rejections by provider and reason, and count 503s by the failing dependency', () => {
    const byName = (name: string) =>
      resources().find((r) => r.Properties.Name === `${stackName}/${name}`)?.Properties.QueryString;
    expect(byName('Rejections by provider and reason')).toContain(
      'stats count(*) as rejections by providerId, reason',
    );
    expect(byName('Dependency failures (503) by reason')).toContain('filter statusCode = 503');
    expect(byName('Attempts of one delivery id')).toContain(
      "filter deliveryId = 'REPLACE-WITH-DELIVERY-ID'",
    );
  });
});

describe('the handler and the dashboard', () => {
  it('agree on the EMF namespace and service the queries read', () => {
    const handler = readFileSync(
      new URL('../../functions/ingest/handler.ts', import.meta.url),
      'utf8',
    );
    expect(handlerMetrics).toEqual({
      namespace: telemetry.metricsNamespace,
      service: telemetry.serviceName,
    });
    // The namespace is each instance's, from the environment the construct sets.
    expect(handler).toContain('const { serviceName } = telemetry;');
    expect(handler).toContain('const metricsNamespace = metricsNamespaceFrom(process.env);');
    expect(handler).toContain('new Metrics({ namespace: metricsNamespace, serviceName })');
    expect(handler).toContain("metrics.addDimension('provider'");
    expect(handler).toContain("metrics.addDimension('reason'");
    expect(handler).toContain('metrics.addMetric(result.outcome');
    expect(handler).toContain("metrics.addMetric('audit_suppressed'");
  });
});

describe('cdk-nag', () => {
  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['HIPAA Security', () => new HIPAASecurityChecks()],
    ['PCI DSS 3.2.1', () => new PCIDSS321Checks()],
    ['NIST 800-53 R5', () => new NIST80053R5Checks()],
    ['Serverless', () => new ServerlessChecks()],
  ])('%s finds nothing in the dashboard, alarms and queries', (_name, pack) => {
    const report = pack().validateScope(withWaf.observability);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
