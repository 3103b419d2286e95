import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, type ObservabilityFixture, synthObservability } from './observability-stack.ts';

const synthTimeoutMs = 120_000;

let withWaf: ObservabilityFixture;
let withoutWaf: ObservabilityFixture;

beforeAll(() => {
  withWaf = synthObservability({ webAcl: { name: 'webhook-ingestion-acl' } });
  withoutWaf = synthObservability();
}, synthTimeoutMs);

interface AlarmProperties {
  readonly [key: string]: unknown;
  readonly Metrics?: ReadonlyArray<{ Expression?: string; Period?: number; ReturnData?: boolean }>;
}

function alarm(fixture: ObservabilityFixture, prefix: string): AlarmProperties {
  const id = logicalId(fixture.template, 'AWS::CloudWatch::Alarm', `ObservabilityAlarms${prefix}`);
  return fixture.template.toJSON().Resources[id].Properties;
}

describe('the alarms', () => {
  it('are twelve with a web ACL, ten without one', () => {
    expect(withWaf.observability.alarms).toHaveLength(12);
    withWaf.template.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    withoutWaf.template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    const withoutWafIds = Object.keys(withoutWaf.template.findResources('AWS::CloudWatch::Alarm'));
    expect(withoutWafIds.filter((id) => id.includes('Waf'))).toEqual([]);
  });

  it('each notify the topic when they fire and when they recover', () => {
    const topic = { Ref: logicalId(withWaf.template, 'AWS::SNS::Topic', 'AlarmTopic') };
    const alarms = Object.values(withWaf.template.findResources('AWS::CloudWatch::Alarm'));
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([topic]);
      expect(Properties.OKActions).toEqual([topic]);
      expect(Properties.ActionsEnabled).not.toBe(false);
    }
  });

  it('watch rejections per provider with one multi-time-series Metrics Insights query', () => {
    const spike = alarm(withWaf, 'RejectionSpike');
    expect(spike.Metrics).toEqual([
      {
        Expression:
          'SELECT SUM(rejected) FROM SCHEMA("WebhookIngestion", provider, reason, service) ' +
          "WHERE service = 'webhook-ingestion' GROUP BY provider ORDER BY SUM() DESC",
        Id: 'expr_1',
        Label: 'rejected per provider',
        // A Metrics Insights alarm without a Period is refused by CloudWatch.
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(spike).toMatchObject({
      Threshold: 50,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('page on one claim left in place, the one way a delivery can be lost, per provider', () => {
    const claims = alarm(withoutWaf, 'ClaimNotReleased');
    expect(claims.Metrics).toEqual([
      {
        Expression:
          'SELECT SUM(unavailable) FROM SCHEMA("WebhookIngestion", provider, reason, service) ' +
          "WHERE service = 'webhook-ingestion' AND reason = 'claim_not_released' " +
          'GROUP BY provider ORDER BY SUM() DESC',
        Id: 'expr_1',
        Label: 'claims not released per provider',
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(claims).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching' });
  });

  it("page on one delivery answered 503 because a provider's keys do not open under its stored settings", () => {
    const rejected = alarm(withoutWaf, 'ProviderKeysRejected');
    expect(rejected.Metrics).toEqual([
      {
        Expression:
          'SELECT SUM(unavailable) FROM SCHEMA("WebhookIngestion", provider, reason, service) ' +
          "WHERE service = 'webhook-ingestion' AND reason = 'provider_keys_rejected' " +
          'GROUP BY provider ORDER BY SUM() DESC',
        Id: 'expr_1',
        Label: 'provider keys rejected per provider',
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(rejected).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching' });
    expect(String(rejected.AlarmDescription)).toContain('webhooks providers bind');
  });

  it('fire as soon as the dead-letter queue holds one message', () => {
    const dlq = logicalId(withWaf.template, 'AWS::SQS::Queue', 'DeadLetterQueue');
    expect(alarm(withWaf, 'DeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('fire when the oldest queued delivery is older than an hour', () => {
    const queue = logicalId(withWaf.template, 'AWS::SQS::Queue', 'Queue');
    expect(alarm(withWaf, 'QueueAge')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('fire on one Lambda error', () => {
    const fn = logicalId(withWaf.template, 'AWS::Lambda::Function', 'IngestFunction');
    expect(alarm(withWaf, 'LambdaErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('fire when more than 5% of requests get a 5xx, as 5XXError over Count', () => {
    const rate = alarm(withWaf, 'ServerErrorRate');
    withWaf.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: '5XXError', Namespace: 'AWS/ApiGateway' }),
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'Count', Namespace: 'AWS/ApiGateway' }),
            Stat: 'Sum',
          }),
        }),
      ]),
    });
    expect(rate).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  });

  it('fire on a spike of requests the web ACL blocked', () => {
    expect(alarm(withWaf, 'WafBlockSpike')).toMatchObject({
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Dimensions: [
        { Name: 'Region', Value: 'us-east-1' },
        { Name: 'Rule', Value: 'ALL' },
        { Name: 'WebACL', Value: 'webhook-ingestion-acl' },
      ],
      Threshold: 100,
    });
  });

  it('fire on any match of a count-only WAF rule in an hour, one contributor per rule', () => {
    const counted = alarm(withWaf, 'WafCountedMatches');
    expect(counted.Metrics).toEqual([
      {
        Expression:
          'SELECT SUM(CountedRequests) FROM SCHEMA("AWS/WAFV2", ManagedRuleGroup, ManagedRuleGroupRule, Region, WebACL) ' +
          "WHERE WebACL = 'webhook-ingestion-acl' AND ManagedRuleGroupRule != 'SizeRestrictions_BODY' " +
          'GROUP BY ManagedRuleGroupRule ORDER BY SUM() DESC',
        Id: 'expr_1',
        Label: 'counted matches per rule',
        Period: 3600,
        ReturnData: true,
      },
    ]);
    expect(counted).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const topic = { Ref: logicalId(withWaf.template, 'AWS::SNS::Topic', 'AlarmTopic') };
    expect(counted.AlarmActions).toEqual([topic]);
    expect(counted.OKActions).toEqual([topic]);
    expect(counted.AlarmDescription).toMatch(/First check: that rule's sampled requests/);
  });

  it(
    'take their thresholds from the props',
    () => {
      const tuned = synthObservability({
        webAcl: { name: 'acl' },
        alarmThresholds: {
          rejectionsPerProvider: 5,
          queueAge: Duration.minutes(10),
          lambdaErrors: 3,
          serverErrorPercent: 1,
          wafBlockedRequests: 1000,
          wafCountedRequests: 5,
        },
      });
      expect(alarm(tuned, 'RejectionSpike').Threshold).toBe(5);
      expect(alarm(tuned, 'QueueAge').Threshold).toBe(600);
      expect(alarm(tuned, 'LambdaErrors').Threshold).toBe(3);
      expect(alarm(tuned, 'ServerErrorRate').Threshold).toBe(1);
      expect(alarm(tuned, 'WafBlockSpike').Threshold).toBe(1000);
      expect(alarm(tuned, 'WafCountedMatches').Threshold).toBe(5);
      expect(alarm(tuned, 'WafCountedMatches').AlarmDescription).toMatch(
        /matched at least 5 requests in an hour/,
      );
    },
    synthTimeoutMs,
  );
});
