/**
 * AWS Control Tower's proactive controls at synth (compliance/guard.ts), as `npm run synth`
 * runs them: every profile synthesizes with no finding left unacknowledged, and what can be
 * fixed in the template is, so that a Control Tower hook enforcing those controls accepts it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements } from '../../compliance/acknowledgements.ts';
import { registerGuard } from '../../compliance/guard.ts';
import { guardPluginName } from '../../compliance/guard-rules.ts';
import { type ComplianceProfileName, complianceProfileNames } from '../../compliance/profiles.ts';
import { buildIngestionApp, type IngestionApp } from '../../infra/ingestion-app.ts';

interface GuardedSynthesis extends IngestionApp {
  readonly assembly: CloudAssembly;
}

/** The app `npm run synth` builds for one profile, with the validator registered. */
function synthesizeGuarded(profiles: string): GuardedSynthesis {
  const built = buildIngestionApp({
    outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-guard-')),
    context: { stackName: 'webhook-ingestion-test', profiles, alarmEmail: 'alarms@example.com' },
  });
  registerGuard(built.app);
  return { ...built, assembly: built.app.synth() };
}

interface ReportedViolation {
  readonly ruleName: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
}

/** What the validator reported in `assembly`'s validation report: its verdict and rules. */
function guardReport(assembly: CloudAssembly) {
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as {
    pluginReports: Array<{
      pluginName: string;
      conclusion: string;
      violations: ReportedViolation[];
      suppressedViolations?: ReportedViolation[];
    }>;
  };
  return report.pluginReports.find((plugin) => plugin.pluginName === guardPluginName);
}

/** Every finding the validator reported in the synthesis, acknowledged or not. */
function reported(assembly: CloudAssembly): ReportedViolation[] {
  const report = guardReport(assembly);
  return [...(report?.violations ?? []), ...(report?.suppressedViolations ?? [])];
}

const rulesOf = (violations: readonly ReportedViolation[]) => violations.map((v) => v.ruleName);

describe('Control Tower proactive controls at synth', () => {
  const syntheses = new Map<ComplianceProfileName, GuardedSynthesis>();
  const findings = new Map<ComplianceProfileName, ReportedViolation[]>();
  beforeAll(() => {
    for (const name of complianceProfileNames) {
      const synthesis = synthesizeGuarded(name);
      syntheses.set(name, synthesis);
      findings.set(name, reported(synthesis.assembly));
    }
  }, 300_000);

  it.each(complianceProfileNames)(
    '%s synthesizes with every finding fixed or acknowledged',
    (name) => {
      const report = guardReport(syntheses.get(name)?.assembly as CloudAssembly);
      // The validator ran, found things it was told about, and left nothing standing.
      expect(report?.conclusion).toBe('success');
      expect(report?.violations).toEqual([]);
      expect(report?.suppressedViolations?.length ?? 0).toBeGreaterThan(0);
    },
  );

  it('every key policy limits kms:CreateGrant to AWS services (CT.KMS.PR.3)', () => {
    for (const name of complianceProfileNames) {
      expect(rulesOf(findings.get(name) ?? [])).not.toContain('kms_create_grant_aws_service_check');
    }
  });

  it('the dead-letter queue declares itself one (CT.SQS.PR.1)', () => {
    for (const name of complianceProfileNames) {
      expect(rulesOf(findings.get(name) ?? [])).not.toContain('sqs_dlq_check');
    }
  });

  it('pci-dss and hipaa keep logs at least 365 days (CT.CLOUDWATCH.PR.2)', () => {
    for (const name of ['pci-dss', 'hipaa'] as const) {
      expect(rulesOf(findings.get(name) ?? [])).not.toContain(
        'cloudwatch_log_group_retention_period_check',
      );
    }
  });

  it('each acknowledgement of a control answers a finding on its resource', () => {
    const prefix = `${guardPluginName}::`;
    const stale: string[] = [];
    for (const entry of acknowledgements) {
      const rules = entry.rules.filter((rule) => rule.startsWith(prefix));
      if (rules.length === 0) continue;
      let applied = 0;
      for (const [name, synthesis] of syntheses) {
        for (const target of entry.targets(synthesis.ingestion)) {
          applied += 1;
          const path = target.node.path;
          for (const rule of rules) {
            const found = (findings.get(name) ?? []).some(
              (violation) =>
                `${prefix}${violation.ruleName}` === rule &&
                violation.violatingConstructs.some(
                  (c) => c.constructPath === path || c.constructPath.startsWith(`${path}/`),
                ),
            );
            if (!found) stale.push(`${rule} on ${path} (${name})`);
          }
        }
      }
      if (applied === 0) stale.push(`${rules.join(', ')} (${entry.resource}) applies nowhere`);
    }
    expect(stale).toEqual([]);
  });

  it('fails the synthesis on a finding no one acknowledged', () => {
    const { app, stack } = buildIngestionApp({
      outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-guard-')),
      context: { stackName: 'webhook-ingestion-test' },
    });
    registerGuard(app);
    // A queue with neither a dead-letter queue nor a redrive allow policy.
    new sqs.Queue(stack, 'Unchecked', { enforceSSL: true });
    expect(() => app.synth()).toThrow(/sqs_dlq_check/);
  }, 120_000);
});
