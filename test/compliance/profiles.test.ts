import { describe, expect, it } from 'vitest';
import {
  combineProfiles,
  complianceProfileNames,
  complianceProfiles,
} from '../../compliance/profiles.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { logRetentionDayValues } from '../../infra/log-groups.ts';

const auditDays = (profile: keyof typeof complianceProfiles) =>
  retentionClasses[complianceProfiles[profile].deliveryAuditFloor].auditDays;

describe('the compliance profile table', () => {
  it('keeps PCI DSS 10.5.1 twelve months of audit history, and logs as long', () => {
    expect(auditDays('pci-dss')).toBeGreaterThanOrEqual(365);
    expect(complianceProfiles['pci-dss'].logRetentionDays).toBeGreaterThanOrEqual(365);
  });

  it('keeps HIPAA §164.316(b)(2) six years of audit history and logs', () => {
    expect(auditDays('hipaa')).toBeGreaterThanOrEqual(6 * 365 + 1);
    expect(complianceProfiles.hipaa.logRetentionDays).toBeGreaterThanOrEqual(6 * 365 + 1);
  });

  it('keeps CCPA §7101 records of consumer requests 24 months', () => {
    expect(auditDays('ccpa')).toBeGreaterThanOrEqual(730);
  });

  it('keeps no payload copy under GDPR Art. 5(1)(e)', () => {
    expect(retentionClasses[complianceProfiles.gdpr.payloadCopyCeiling].payloadDays).toBe(0);
  });

  it('requires a WAF for PCI DSS and the Lambda in a VPC for PCI DSS and HIPAA', () => {
    expect(complianceProfiles['pci-dss'].wafRequired).toBe(true);
    expect(complianceProfiles['pci-dss'].vpcPlacementRequired).toBe(true);
    expect(complianceProfiles.hipaa.vpcPlacementRequired).toBe(true);
  });

  it('requires an access log of every request for PCI DSS 10.2 and HIPAA §164.312(b) only', () => {
    expect(
      complianceProfileNames.filter((name) => complianceProfiles[name].accessLogRequired),
    ).toEqual(['pci-dss', 'hipaa']);
  });

  it('requires a backup plan for PCI DSS 10.3.3 and HIPAA §164.308(a)(7)(ii)(A) only', () => {
    expect(
      complianceProfileNames.filter((name) => complianceProfiles[name].backupPlanRequired),
    ).toEqual(['pci-dss', 'hipaa']);
  });

  it('cites the clauses behind every regulated profile', () => {
    for (const name of complianceProfileNames.filter((n) => n !== 'baseline')) {
      expect(complianceProfiles[name].citations.length).toBeGreaterThan(0);
    }
  });

  it('asks only for log retention periods CloudWatch Logs offers', () => {
    for (const name of complianceProfileNames) {
      expect(logRetentionDayValues).toContain(complianceProfiles[name].logRetentionDays);
    }
  });
});

describe('combining profiles', () => {
  it('takes the longest audit retention and logs, and the shortest payload copies', () => {
    expect(combineProfiles(['gdpr', 'hipaa'])).toEqual({
      deliveryAuditFloor: 'extended',
      adminAuditFloor: 'extended',
      payloadCopyCeiling: 'minimal',
      logRetentionDays: complianceProfiles.hipaa.logRetentionDays,
      vpcPlacementRequired: true,
      wafRequired: false,
      accessLogRequired: true,
      backupPlanRequired: true,
      alarmDestinationRequired: true,
      accessTrailRequired: true,
    });
  });

  it('requires a switch when any profile requires it', () => {
    expect(combineProfiles(['baseline', 'pci-dss']).wafRequired).toBe(true);
    expect(combineProfiles(['baseline', 'gdpr', 'ccpa']).vpcPlacementRequired).toBe(false);
    expect(combineProfiles(['baseline']).alarmDestinationRequired).toBe(false);
    expect(combineProfiles(['baseline', 'ccpa']).alarmDestinationRequired).toBe(true);
  });

  it('is as strict as each profile alone, whatever the order', () => {
    const all = combineProfiles(complianceProfileNames);
    expect(combineProfiles([...complianceProfileNames].reverse())).toEqual(all);
    for (const name of complianceProfileNames) {
      const one = complianceProfiles[name];
      expect(retentionClasses[all.deliveryAuditFloor].auditDays).toBeGreaterThanOrEqual(
        retentionClasses[one.deliveryAuditFloor].auditDays,
      );
      expect(retentionClasses[all.payloadCopyCeiling].payloadDays).toBeLessThanOrEqual(
        retentionClasses[one.payloadCopyCeiling].payloadDays,
      );
      expect(all.logRetentionDays).toBeGreaterThanOrEqual(one.logRetentionDays);
    }
  });

  it('refuses an empty list', () => {
    expect(() => combineProfiles([])).toThrow(/at least one/);
  });
});
