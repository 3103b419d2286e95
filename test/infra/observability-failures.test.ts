/**
 * The alarms on failures that used to raise none (issue 16, point 6): Lambda throttles, the
 * handler's dependency failures, concurrency near its limit, and a provider gone quiet; each
 * off where it does not apply, with its threshold from the `alarms` prop, and `false` turning
 * it off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AlarmThresholdsError,
  alarmThresholdProblems,
} from '../../infra/observability/alarm-thresholds.ts';
import { logicalId, type ObservabilityFixture, synthObservability } from './observability-stack.ts';

const synthTimeoutMs = 120_000;

let unreserved: ObservabilityFixture;
let reserved: ObservabilityFixture;

beforeAll(() => {
  unreserved = synthObservability({
    alarmThresholds: {
      quietProviders: [
        { providerId: 'stripe-live', hours: 6 },
        { providerId: 'github', hours: 24 },
      ],
    },
  });
  reserved = synthObservability({ reservedConcurrency: 50 });
}, synthTimeoutMs);

type Properties = Record<string, unknown>;

function alarm(fixture: ObservabilityFixture, prefix: string): Properties {
  const id = logicalId(fixture.template, 'AWS::CloudWatch::Alarm', `ObservabilityAlarms${prefix}`);
  return fixture.template.toJSON().Resources[id].Properties;
}

function alarmIds(fixture: ObservabilityFixture): string[] {
  return Object.keys(fixture.template.findResources('AWS::CloudWatch::Alarm')).map((id) =>
    id.replace(/^ObservabilityAlarms/, '').replace(/[0-9A-F]{8}$/, ''),
  );
}

describe('the alarms on failures that raised none', () => {
  it('fire on one invocation Lambda throttled in five minutes', () => {
    const fn = logicalId(unreserved.template, 'AWS::Lambda::Function', 'IngestFunction');
    expect(alarm(unreserved, 'LambdaThrottles')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire on dependency failures per reason, leaving the 503s alarmed apart to their alarms', () => {
    const failures = alarm(unreserved, 'DependencyFailures');
    expect(failures.Metrics).toEqual([
      {
        Expression:
          'SELECT SUM(unavailable) FROM SCHEMA("WebhookIngestion", provider, reason, service) ' +
          "WHERE service = 'webhook-ingestion' AND reason != 'claim_not_released' " +
          "AND reason != 'provider_keys_rejected' GROUP BY reason ORDER BY SUM() DESC",
        Id: 'expr_1',
        Label: '503 per reason',
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(failures).toMatchObject({ Threshold: 5, TreatMissingData: 'notBreaching' });
  });

  it("measure concurrency against the account's quota when the function reserves none", () => {
    const near = alarm(unreserved, 'ConcurrencyNearLimit');
    const metrics = near.Metrics as Properties[];
    expect(metrics.find((m) => m.ReturnData !== false)).toMatchObject({
      Expression: '100 * claimed / SERVICE_QUOTA(executions)',
    });
    // Account-wide: no FunctionName dimension on either metric.
    for (const [id, metricName] of [
      ['claimed', 'ClaimedAccountConcurrency'],
      ['executions', 'ConcurrentExecutions'],
    ]) {
      expect(metrics.find((m) => m.Id === id)).toMatchObject({
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: metricName },
          Stat: 'Maximum',
        },
        ReturnData: false,
      });
      expect(JSON.stringify(metrics.find((m) => m.Id === id))).not.toContain('Dimensions');
    }
    expect(near).toMatchObject({ Threshold: 80, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  });

  it('measure concurrency against the reservation when the function has one', () => {
    const fn = logicalId(reserved.template, 'AWS::Lambda::Function', 'IngestFunction');
    expect(alarm(reserved, 'ConcurrencyNearLimit')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      Statistic: 'Maximum',
      Threshold: 40,
    });
    expect(String(alarm(reserved, 'LambdaThrottles').AlarmDescription)).toContain(
      'its reservation of 50',
    );
  });

  it('watch each named provider for its hours without an accepted delivery, silence counting as quiet', () => {
    expect(alarmIds(unreserved).filter((id) => id.startsWith('ProviderQuiet'))).toEqual([
      'ProviderQuietstripelive',
      'ProviderQuietgithub',
    ]);
    expect(alarm(unreserved, 'ProviderQuietstripelive')).toMatchObject({
      Namespace: 'WebhookIngestion',
      MetricName: 'accepted',
      Dimensions: [
        { Name: 'provider', Value: 'stripe-live' },
        { Name: 'reason', Value: 'none' },
        { Name: 'service', Value: 'webhook-ingestion' },
      ],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 6,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarm(unreserved, 'ProviderQuietgithub')).toMatchObject({
      EvaluationPeriods: 24,
      DatapointsToAlarm: 24,
    });
  });

  it('watch no provider for quiet unless named', () => {
    expect(alarmIds(reserved).filter((id) => id.startsWith('ProviderQuiet'))).toEqual([]);
  });

  it(
    'take their thresholds from the props, and turn off on false, but for loss and stuck deliveries',
    () => {
      const tuned = synthObservability({
        alarmThresholds: { lambdaThrottles: 10, dependencyFailures: 1, concurrencyPercent: 90 },
        reservedConcurrency: 200,
      });
      expect(alarm(tuned, 'LambdaThrottles').Threshold).toBe(10);
      expect(alarm(tuned, 'DependencyFailures').Threshold).toBe(1);
      expect(alarm(tuned, 'ConcurrencyNearLimit').Threshold).toBe(180);

      const quiet = synthObservability({
        webAcl: { name: 'acl' },
        alarmThresholds: {
          rejectionsPerProvider: false,
          queueAge: false,
          lambdaErrors: false,
          lambdaThrottles: false,
          dependencyFailures: false,
          concurrencyPercent: false,
          serverErrorPercent: false,
          wafBlockedRequests: false,
          wafCountedRequests: false,
        },
      });
      expect(alarmIds(quiet)).toEqual(['DeadLetters', 'ClaimNotReleased', 'ProviderKeysRejected']);
    },
    synthTimeoutMs,
  );
});

describe('the alarm thresholds', () => {
  it('pass when left to their defaults or set within range', () => {
    expect(alarmThresholdProblems()).toEqual([]);
    expect(
      alarmThresholdProblems({
        lambdaThrottles: 3,
        concurrencyPercent: 100,
        quietProviders: [{ providerId: 'stripe-live', hours: 168 }],
      }),
    ).toEqual([]);
  });

  it('refuse every value out of range at once, each named by its prop', () => {
    expect(
      alarmThresholdProblems({
        lambdaThrottles: 0,
        dependencyFailures: 2.5,
        wafCountedRequests: 0,
        concurrencyPercent: 120,
        quietProviders: [
          { providerId: 'Stripe Live', hours: 6 },
          { providerId: 'github', hours: 0 },
          { providerId: 'github', hours: 169 },
        ],
      }),
    ).toEqual([
      'alarms.lambdaThrottles must be a positive integer or false, got 0',
      'alarms.dependencyFailures must be a positive integer or false, got 2.5',
      'alarms.wafCountedRequests must be a positive integer or false, got 0',
      'alarms.concurrencyPercent must be a percentage above 0 and at most 100, got 120',
      'alarms.quietProviders[0].providerId "Stripe Live" is no provider id (a-z, 0-9, - and _, at most 64)',
      'alarms.quietProviders[1].hours must be an integer from 1 to 168, got 0',
      "alarms.quietProviders[2].providerId 'github' is named twice",
      'alarms.quietProviders[2].hours must be an integer from 1 to 168, got 169',
    ]);
  });

  it('stop the alarms construct itself, used without WebhookIngestion', () => {
    expect(() => synthObservability({ alarmThresholds: { lambdaErrors: -1 } })).toThrowError(
      AlarmThresholdsError,
    );
  });
});
