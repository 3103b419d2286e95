/**
 * The construct's `metric…` methods (infra/metrics.ts): the figures its dashboard draws and its
 * alarms watch, as metrics a user's app alarms on, built from the same definitions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueLogicalIds } from '../../infra/queues.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The deployment with one alarm of the user's on each metric method. */
function withUserAlarms() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-metrics-')) });
  const stack = new Stack(app, 'Webhooks');
  const ingestion = new WebhookIngestion(stack, 'Ingestion');
  const alarm = (id: string, metric: cloudwatch.IMetric) =>
    new cloudwatch.Alarm(stack, id, { metric, threshold: 1, evaluationPeriods: 1 });
  const users = {
    accepted: alarm('UserAccepted', ingestion.metricAccepted()),
    rejectedPerProvider: alarm(
      'UserRejectedPerProvider',
      ingestion.metricRejected({ groupBy: ['provider'] }),
    ),
    queueAge: alarm('UserQueueAge', ingestion.metricQueueAge()),
    deadLetters: alarm('UserDeadLetters', ingestion.metricDeadLetters()),
  };
  return { app, stack, ingestion, users };
}

describe('the construct metric methods', () => {
  let built: ReturnType<typeof withUserAlarms>;
  let resources: Record<string, Resource>;
  const userAlarm = (alarm: cloudwatch.Alarm) =>
    resources[built.stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm)]
      ?.Properties ?? {};
  /** The construct's own alarms on `metricName`, as synthesized. */
  const ownAlarms = (metricName: string) =>
    Object.entries(resources)
      .filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && !id.startsWith('User'))
      .map(([, r]) => r.Properties)
      .filter((p) => p.MetricName === metricName);
  const metricOf = (p: Record<string, unknown>) => ({
    Namespace: p.Namespace,
    MetricName: p.MetricName,
    Dimensions: p.Dimensions,
    Statistic: p.Statistic,
    Period: p.Period,
  });

  beforeAll(() => {
    built = withUserAlarms();
    resources = built.app.synth().getStackByName('Webhooks').template.Resources;
  }, 120_000);

  it('count accepted deliveries over every provider and reason, in one series an alarm takes', () => {
    const accepted = built.ingestion.metricAccepted();
    expect(accepted.expression).toBe(
      `SELECT SUM(accepted) FROM SCHEMA("WebhookIngestion", provider, reason, service) WHERE service = 'webhook-ingestion'`,
    );
    expect(accepted.label).toBe('accepted (202)');
    expect(accepted.period.toMinutes()).toBe(5);
    // A SEARCH expression (the dashboard's "every outcome" graph) is refused by alarms.
    expect(userAlarm(built.users.accepted).Metrics).toEqual([
      expect.objectContaining({ Expression: accepted.expression, Period: 300, ReturnData: true }),
    ]);
  });

  it("draw rejections per provider as the dashboard's graph and the rejection alarm do", () => {
    const perProvider = built.ingestion.metricRejected({ groupBy: ['provider'] }).expression;
    expect(perProvider).toMatch(
      /^SELECT SUM\(rejected\) .* GROUP BY provider ORDER BY SUM\(\) DESC$/,
    );
    const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).toContain(
      JSON.stringify(JSON.stringify(perProvider).slice(1, -1)).slice(1, -1),
    );
    expect(userAlarm(built.users.rejectedPerProvider).Metrics).toEqual([
      expect.objectContaining({ Expression: perProvider }),
    ]);
  });

  it('read the queue age and dead letters exactly as the QueueAge and DeadLetters alarms do', () => {
    const [queueAge] = ownAlarms('ApproximateAgeOfOldestMessage');
    expect(queueAge).toBeDefined();
    expect(metricOf(userAlarm(built.users.queueAge))).toEqual(metricOf(queueAge ?? {}));
    const deadLetters = ownAlarms('ApproximateNumberOfMessagesVisible').filter((p) =>
      JSON.stringify(p.Dimensions).includes(`"${queueLogicalIds.deadLetterQueue}"`),
    );
    expect(deadLetters).toHaveLength(1);
    expect(metricOf(userAlarm(built.users.deadLetters))).toEqual(metricOf(deadLetters[0] ?? {}));
  });

  it('read the delivery queue depth, not the dead-letter queue, as a maximum per 5 minutes', () => {
    const depth = built.stack.resolve(built.ingestion.metricQueueDepth().toMetricConfig());
    expect(depth.metricStat).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      statistic: 'Maximum',
      dimensions: [
        {
          name: 'QueueName',
          value: built.stack.resolve(built.ingestion.queues.queue.queueName),
        },
      ],
    });
    expect(built.ingestion.metricQueueDepth({ statistic: 'Average' }).statistic).toBe('Average');
  });

  it('count duplicates and dependency failures, by reason when asked', () => {
    expect(built.ingestion.metricDuplicates().expression).toContain('SUM(duplicate)');
    const byReason = built.ingestion.metricDependencyFailures({ groupBy: ['reason'] });
    expect(byReason.expression).toMatch(/^SELECT SUM\(unavailable\) .* GROUP BY reason /);
    expect(byReason.label).toBe('');
  });
});
