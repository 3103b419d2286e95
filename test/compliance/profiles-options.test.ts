/**
 * Operator choices on top of the profiles: the lean configuration (gdpr on a function URL, alarm
 * e-mail), a WAF and tracing asked for on baseline (so a REST API), and lenient profiles made
 * stricter (gdpr + hipaa in a VPC with longer logs, on a REST API without a WAF), the latter
 * leaving the region's API Gateway account settings to another stack. With the default HTTP
 * API, they meet every condition of an acknowledgement, so the acknowledgement list is checked
 * here.
 */
import { describe, it } from 'vitest';
import { deployment } from '../infra/deployment.ts';
import { describeAcknowledgements } from './acknowledgement-checks.ts';
import { describeDeployment } from './deployment-checks.ts';

const lean = { profiles: 'gdpr', front: 'url', alarmEmail: 'alarms@example.com' };
const wafAndTracing = { profiles: 'baseline', waf: 'true', tracing: 'true' };
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

describeDeployment('baseline with a WAF and tracing asked for', wafAndTracing, {
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

  it("leave the region's API Gateway logging role alone on fronts that do not use it", () => {
    deployment(httpApi).template.resourceCountIs('AWS::ApiGateway::Account', 0);
    deployment(lean).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describeAcknowledgements([lean, wafAndTracing, stricter, httpApi]);
