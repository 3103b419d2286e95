import { describe, expect, it } from 'vitest';
import { AppContextError, defaultStackName, readAppContext } from '../../infra/context.ts';

const lookup = (context: Record<string, unknown>) => (key: string) => context[key];

describe('the app context', () => {
  it('defaults to the baseline stack name and no props', () => {
    expect(readAppContext(lookup({}))).toEqual({ stackName: defaultStackName, props: {} });
  });

  it('reads every setting from -c strings', () => {
    expect(
      readAppContext(
        lookup({
          stackName: 'webhooks-prod',
          profiles: 'pci-dss, hipaa',
          alarmEmail: 'ops@example.com',
          deliveryAuditRetention: 'extended',
          payloadCopyRetention: 'minimal',
          logRetentionDays: '2557',
          front: 'rest',
          waf: 'true',
          tracing: 'true',
          vpcPlacement: 'true',
          reservedConcurrency: '40',
          throttlingRateLimit: '5500',
          throttlingBurstLimit: '5000',
          wafRateLimitPerFiveMinutes: '1500000',
          manageApiGatewayAccount: 'false',
        }),
      ),
    ).toEqual({
      stackName: 'webhooks-prod',
      props: {
        complianceProfiles: ['pci-dss', 'hipaa'],
        alarmEmail: 'ops@example.com',
        retention: { deliveryAudit: 'extended', payloadCopies: 'minimal' },
        logRetentionDays: 2557,
        front: 'rest',
        waf: true,
        tracing: true,
        vpcPlacement: true,
        reservedConcurrency: 40,
        throttling: { rateLimit: 5500, burstLimit: 5000 },
        wafRateLimitPerFiveMinutes: 1_500_000,
        manageApiGatewayAccount: false,
      },
    });
  });

  it('sets the stage rate alone, leaving the burst to its default', () => {
    expect(readAppContext(lookup({ throttlingRateLimit: '600' })).props).toEqual({
      throttling: { rateLimit: 600 },
    });
  });

  it('reads JSON values from cdk.json', () => {
    expect(
      readAppContext(lookup({ profiles: ['gdpr', 'ccpa'], waf: false, reservedConcurrency: 10 }))
        .props,
    ).toEqual({ complianceProfiles: ['gdpr', 'ccpa'], waf: false, reservedConcurrency: 10 });
  });

  it('reads the front by name and refuses any other', () => {
    expect(readAppContext(lookup({ front: 'url' })).props).toEqual({ front: 'url' });
    expect(() => readAppContext(lookup({ front: 'alb' }))).toThrow(
      'front: expected one of rest, http, url, got "alb"',
    );
  });

  it('reports every bad value at once, by key and value', () => {
    let error: unknown;
    try {
      readAppContext(
        lookup({ profiles: 'pci,hipaa', waf: 'yes', logRetentionDays: 'a year', stackName: '1st' }),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppContextError);
    expect((error as AppContextError).problems).toEqual([
      'stackName: expected a CloudFormation stack name (a letter, then letters, digits, hyphens), got "1st"',
      'profiles: expected a comma-separated list of baseline, gdpr, ccpa, pci-dss, hipaa, got "pci,hipaa"',
      'logRetentionDays: expected an integer, got "a year"',
      'waf: expected true or false, got "yes"',
    ]);
  });
});
