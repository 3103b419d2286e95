/**
 * Operator choices on top of the profiles: the lean configuration (no WAF, no VPC, alarm
 * e-mail) and lenient profiles made stricter (gdpr + hipaa in a VPC with longer logs), the
 * latter leaving the region's API Gateway account settings to another stack. Between them
 * they meet every condition of an acknowledgement, so the acknowledgement list is checked here.
 */
import { describe, it } from 'vitest';
import { deployment } from '../infra/deployment.ts';
import { describeAcknowledgements } from './acknowledgement-checks.ts';
import { describeDeployment } from './deployment-checks.ts';

const lean = { profiles: 'baseline', waf: 'false', alarmEmail: 'alarms@example.com' };
const stricter = {
  profiles: 'gdpr,hipaa',
  logRetentionDays: '2557',
  waf: 'false',
  manageApiGatewayAccount: 'false',
};

describeDeployment('lean baseline (no WAF, alarm e-mail)', lean, {
  profiles: ['baseline'],
  waf: false,
  vpc: false,
});

describeDeployment('gdpr + hipaa with seven-year logs', stricter, {
  profiles: ['gdpr', 'hipaa'],
  waf: false,
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
    deployment(lean).template.resourceCountIs('AWS::ApiGateway::Account', 1);
    deployment(stricter).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describeAcknowledgements([lean, stricter]);
