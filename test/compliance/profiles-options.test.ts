/**
 * Operator choices on top of the profiles: the lean configuration (gdpr on a function URL, alarm
 * e-mail), a WAF and tracing asked for on baseline (so a REST API), and lenient profiles made
 * stricter (gdpr + hipaa in a VPC with longer logs, on a REST API without a WAF), the latter
 * leaving the region's API Gateway account settings to another stack. With the default HTTP
 * API, they meet every condition of an acknowledgement, so the acknowledgement list is checked
 * here.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { deployment } from '../infra/deployment.ts';
import { describeAcknowledgements } from './acknowledgement-checks.ts';
import { describeDeployment } from './deployment-checks.ts';

const lean = { profiles: 'gdpr', front: 'url', alarmEmail: 'alarms@example.com' };
/** Also set up for a sale: one provider bursting 5,000 a second (docs/scaling.md). */
const wafAndTracing = {
  profiles: 'baseline',
  waf: 'true',
  tracing: 'true',
  reservedConcurrency: '600',
  throttlingRateLimit: '5500',
  throttlingBurstLimit: '5000',
  wafRateLimitPerFiveMinutes: '1500000',
  auditWarmWriteUnitsPerSecond: '15000',
};
const stricter = {
  profiles: 'gdpr,hipaa',
  logRetentionDays: '2557',
  front: 'rest',
  waf: 'false',
  manageApiGatewayAccount: 'false',
};
const httpApi = { profiles: 'baseline' };

describeDeployment('lean gdpr (function URL, alarm e-mail)', lean, {
  profiles: ['gdpr'],
  front: 'url',
  waf: false,
  tracing: false,
  vpc: false,
});

describeDeployment('baseline with a WAF and tracing asked for, set up for a burst', wafAndTracing, {
  profiles: ['baseline'],
  front: 'rest',
  waf: true,
  tracing: true,
  vpc: false,
});

describeDeployment('gdpr + hipaa with seven-year logs on a REST API', stricter, {
  profiles: ['gdpr', 'hipaa'],
  front: 'rest',
  waf: false,
  tracing: false,
  vpc: true,
});

describe('operator options', () => {
  it('subscribe the alarm e-mail to the alarm topic', () => {
    deployment(lean).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'alarms@example.com',
    });
  });

  it('keep every log group as long as asked, beyond the profiles', () => {
    deployment(stricter).template.allResourcesProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 2557,
    });
  });

  it("set the region's API Gateway logging role unless told another stack manages it", () => {
    deployment(wafAndTracing).template.resourceCountIs('AWS::ApiGateway::Account', 1);
    deployment(stricter).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('take the settings docs/scaling.md gives for 5,000 deliveries a second, all from -c', () => {
    const { template } = deployment(wafAndTracing);
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 600 });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 5500, ThrottlingBurstLimit: 5000 }),
      ]),
    });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { RateBasedStatement: Match.objectLike({ Limit: 1_500_000 }) },
        }),
      ]),
    });
    const warm = { WriteUnitsPerSecond: 15_000 };
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      WarmThroughput: warm,
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'byTime', WarmThroughput: warm }),
      ]),
    });
  });

  it('pre-warm no table unless asked', () => {
    const tables = deployment(httpApi).template.findResources('AWS::DynamoDB::Table');
    for (const { Properties } of Object.values(tables)) {
      expect(Properties.WarmThroughput).toBeUndefined();
    }
  });

  it("leave the region's API Gateway logging role alone on fronts that do not use it", () => {
    deployment(httpApi).template.resourceCountIs('AWS::ApiGateway::Account', 0);
    deployment(lean).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

// The consumer's wiring is acknowledged on a deployment that has one (test/infra/consumer-wiring.test.ts).
describeAcknowledgements([lean, wafAndTracing, stricter, httpApi], [{ profiles: 'pci-dss' }]);
