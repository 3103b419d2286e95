import { describe, expect, it } from 'vitest';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof DeploymentSettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected DeploymentSettingsError');
}

describe('deployment settings', () => {
  it('deploy the baseline profile on an HTTP API, without WAF, VPC or tracing, when nothing is chosen', () => {
    expect(resolveSettings({})).toMatchObject({
      profiles: ['baseline'],
      deliveryAuditFloor: 'minimal',
      payloadCopyCeiling: 'standard',
      logRetentionDays: 90,
      front: 'http',
      accessLogDetail: 'essential',
      waf: false,
      tracing: false,
      vpcPlacement: false,
    });
  });

  it('put a REST API in front when a profile requires a WAF, or when one is asked for', () => {
    expect(
      resolveSettings({ complianceProfiles: ['pci-dss'], alarmEmail: 'alarms@example.com' }),
    ).toMatchObject({
      front: 'rest',
      waf: true,
      accessLogDetail: 'detailed',
    });
    expect(resolveSettings({ waf: true })).toMatchObject({ front: 'rest', waf: true });
  });

  it('keep the HTTP API for hipaa, with the detailed access log it requires', () => {
    expect(
      resolveSettings({ complianceProfiles: ['hipaa'], alarmEmail: 'alarms@example.com' }),
    ).toMatchObject({
      front: 'http',
      waf: false,
      accessLogDetail: 'detailed',
    });
  });

  it('use a function URL or a REST API without a WAF only when asked', () => {
    expect(
      resolveSettings({
        complianceProfiles: ['gdpr'],
        alarmEmail: 'alarms@example.com',
        front: 'url',
      }).front,
    ).toBe('url');
    expect(resolveSettings({ front: 'rest' })).toMatchObject({ front: 'rest', waf: false });
    expect(resolveSettings({ tracing: true }).tracing).toBe(true);
  });

  it('refuse a function URL where a profile requires an access log of every request', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['gdpr', 'hipaa'],
          alarmEmail: 'alarms@example.com',
          front: 'url',
        }),
      ),
    ).toEqual([
      "front 'url' writes no access log of each request, which hipaa requires: use front 'http' or 'rest'",
    ]);
  });

  it('refuse a WAF on any front but a REST API, naming why the WAF is on', () => {
    expect(problemsOf(() => resolveSettings({ waf: true, front: 'http' }))).toEqual([
      "front 'http' cannot carry a WAF, which attaches to a REST API only (front 'rest'): waf is on",
    ]);
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['pci-dss'],
          alarmEmail: 'alarms@example.com',
          front: 'url',
        }),
      ),
    ).toEqual([
      "front 'url' cannot carry a WAF, which attaches to a REST API only (front 'rest'): pci-dss requires a WAF",
      "front 'url' writes no access log of each request, which pci-dss requires: use front 'http' or 'rest'",
    ]);
  });

  it('refuse stage throttling on a function URL, which only reserved concurrency caps', () => {
    expect(
      problemsOf(() => resolveSettings({ front: 'url', throttling: { rateLimit: 10 } })),
    ).toEqual([
      "throttling applies to an API Gateway stage, and front 'url' has none: reservedConcurrency caps it",
    ]);
  });

  it('place the Lambda in a VPC when a profile requires it', () => {
    expect(
      resolveSettings({ complianceProfiles: ['hipaa'], alarmEmail: 'alarms@example.com' })
        .vpcPlacement,
    ).toBe(true);
  });

  it('accept choices stricter than the profiles', () => {
    expect(
      resolveSettings({
        complianceProfiles: ['gdpr'],
        alarmEmail: 'alarms@example.com',
        retention: { deliveryAudit: 'extended' },
        logRetentionDays: 365,
        vpcPlacement: true,
      }),
    ).toMatchObject({ deliveryAuditFloor: 'extended', logRetentionDays: 365, vpcPlacement: true });
  });

  it('refuse a shorter audit retention, naming the class and the profile that forbids it', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['pci-dss'],
          alarmEmail: 'alarms@example.com',
          retention: { deliveryAudit: 'minimal' },
        }),
      ),
    ).toEqual([
      "retention.deliveryAudit 'minimal' keeps fewer audit days than 'standard', which pci-dss requires",
    ]);
  });

  it('refuse longer payload copies than GDPR allows', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['gdpr'],
          alarmEmail: 'alarms@example.com',
          retention: { payloadCopies: 'standard' },
        }),
      ),
    ).toEqual([
      "retention.payloadCopies 'standard' keeps payload copies longer than 'minimal', which gdpr allows",
    ]);
  });

  it('refuse turning off the WAF or the VPC a profile requires, and report both at once', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['pci-dss', 'hipaa'],
          alarmEmail: 'alarms@example.com',
          waf: false,
          vpcPlacement: false,
        }),
      ),
    ).toEqual([
      'waf cannot be turned off: pci-dss requires a WAF',
      'vpcPlacement cannot be turned off: pci-dss, hipaa requires the Lambda in a VPC',
    ]);
  });

  it('allow the lean configuration: baseline without a WAF', () => {
    expect(resolveSettings({ waf: false }).waf).toBe(false);
  });

  it('refuse log retention shorter than the profiles or not offered by CloudWatch', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['hipaa'],
          alarmEmail: 'alarms@example.com',
          logRetentionDays: 365,
        }),
      ),
    ).toEqual(['logRetentionDays 365 is shorter than the 2192 days hipaa requires']);
    expect(problemsOf(() => resolveSettings({ logRetentionDays: 100 }))[0]).toMatch(
      /^logRetentionDays must be one of CloudWatch's periods \(.*\), got 100$/,
    );
  });

  it('refuse capacities that are not positive integers', () => {
    expect(
      problemsOf(() =>
        resolveSettings({
          reservedConcurrency: 0,
          throttling: { rateLimit: 1.5 },
          wafRateLimitPerFiveMinutes: 5,
          auditWarmWriteUnitsPerSecond: 1_000,
        }),
      ),
    ).toEqual([
      'reservedConcurrency must be a positive integer, got 0',
      'throttling.rateLimit must be a positive integer, got 1.5',
      'wafRateLimitPerFiveMinutes must be an integer from 10 to 2000000000, got 5',
      'auditWarmWriteUnitsPerSecond must be an integer from 4000, got 1000',
    ]);
  });

  it('pre-warms the audit table only when asked', () => {
    expect(resolveSettings({}).auditWarmWriteUnitsPerSecond).toBeUndefined();
    expect(resolveSettings({ auditWarmWriteUnitsPerSecond: 15_000 })).toMatchObject({
      auditWarmWriteUnitsPerSecond: 15_000,
    });
  });
});
