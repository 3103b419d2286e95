/**
 * The report's findings of AWS's rules (compliance/report/rule-findings*.ts): every finding
 * with its verdict, counted per rule set; fixed only where this template's cfn-guard run
 * confirms it; cfn-lint said not run, with how to install it, where it is not installed.
 * Without a synthesis: the cloud assembly's validation report is written by hand.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acknowledgements } from '../../compliance/acknowledgements.ts';
import { guardRule } from '../../compliance/guard-rules.ts';
import { nagPacks } from '../../compliance/nag.ts';
import type { Block } from '../../compliance/report/document.ts';
import { renderMarkdown } from '../../compliance/report/markdown.ts';
import { buildReport, type ComplianceReport } from '../../compliance/report/report.ts';
import {
  cfnLintVerdicts,
  nagPackNames,
  type RuleEvidence,
  type RuleFindings,
  ruleFindingsOf,
} from '../../compliance/report/rule-findings.ts';
import { ruleFindingBlocks } from '../../compliance/report/rule-findings-blocks.ts';
import {
  cfnLintMissing,
  findOnPath,
  guardRuleHeader,
  readGuard,
  readRuleEvidence,
  runCfnLint,
} from '../../compliance/report/rule-findings-evidence.ts';
import type { Template } from '../../compliance/report/template.ts';

const now = () => new Date('2026-12-07T06:00:00.000Z');

/** An entry of compliance/acknowledgements.ts by its rule, for the fixtures. */
function entryWith(rule: string) {
  const entry = acknowledgements.find((a) => a.rules.includes(rule));
  if (entry === undefined) throw new Error(`no acknowledgement of ${rule}`);
  return entry;
}

const sourceArn = entryWith(guardRule('lambda_function_public_access_prohibited_check'));
const logRetention = entryWith(guardRule('cloudwatch_log_group_retention_period_check'));
const deadLetterQueue = entryWith('Serverless-SQSRedrivePolicy');
const dlqOnIngest = acknowledgements.find(
  (a) => a.resource === 'ingest Lambda' && a.rules.includes('Serverless-LambdaDLQ'),
);

const template: Template = {
  Resources: {
    Key: { Type: 'AWS::KMS::Key' },
    DeadLetterQueue: { Type: 'AWS::SQS::Queue' },
    Permission: { Type: 'AWS::Lambda::Permission' },
    Logs: { Type: 'AWS::Logs::LogGroup' },
    Bucket: { Type: 'AWS::S3::Bucket' },
  },
};

/** A report as `webhooks compliance report` builds it from a template in its assembly. */
function reportWith(
  ruleFindings?: RuleFindings,
): ComplianceReport & { ruleFindings?: RuleFindings } {
  const report = buildReport({
    generatedAt: now(),
    version: '0.1.0',
    profiles: ['baseline'],
    profilesSource: 'flag',
    template,
    templateSource: { kind: 'file', path: 'cdk.out/baseline/stack.template.json' },
    nag: {
      available: true,
      findings: [
        {
          rule: 'AwsSolutions-SQS3',
          description: 'The SQS queue is not used as a dead-letter queue and has none.',
          severity: 'error',
          constructPath: 'stack/Unchecked/Resource',
          logicalId: 'Unchecked',
        },
      ],
    },
    acknowledged: [
      ...deadLetterQueue.rules.map((rule) => ({
        rule,
        reason: deadLetterQueue.reason,
        constructPath: 'stack/WebhookIngestion/DeadLetterQueue',
        logicalId: 'DeadLetterQueue',
      })),
      ...sourceArn.rules.map((rule) => ({
        rule,
        reason: sourceArn.reason,
        constructPath: 'stack/WebhookIngestion/Permission',
        logicalId: 'Permission',
      })),
    ],
    stack: { kind: 'template-only' },
    notices: [],
  });
  return ruleFindings === undefined ? report : { ...report, ruleFindings };
}

const guardFinding = (rule: string, logicalId: string, reason?: string) => ({
  ruleName: rule,
  description: `[CT] ${rule}`,
  violatingConstructs: [
    {
      constructPath: `stack/${logicalId}/Resource`,
      cloudFormationResource: { templatePath: 'stack.template.json', logicalId },
    },
  ],
  ...(reason === undefined ? {} : { acknowledgedId: guardRule(rule as never), reason }),
});

/** A cloud assembly folder holding `template` and a validation report with `guard`'s plugin. */
function assemblyWith(guard: unknown): string {
  const folder = mkdtempSync(join(tmpdir(), 'rule-findings-'));
  writeFileSync(join(folder, 'stack.template.json'), JSON.stringify(template));
  writeFileSync(
    join(folder, 'validation-report.json'),
    JSON.stringify({ pluginReports: guard === undefined ? [] : [guard] }),
  );
  return join(folder, 'stack.template.json');
}

const guardPlugin = {
  pluginName: 'cdk-validator-cfnguard',
  pluginVersion: '0.0.62',
  conclusion: 'success',
  violations: [],
  suppressedViolations: [
    guardFinding('lambda_function_public_access_prohibited_check', 'Permission', sourceArn.reason),
    guardFinding('cloudwatch_log_group_retention_period_check', 'Logs', logRetention.reason),
  ],
};

const noCfnLint = { findCfnLint: async () => undefined };

describe('verdicts of the acknowledgements', () => {
  it('every acknowledgement is a false positive or an accepted risk, with its reason', () => {
    for (const entry of acknowledgements) {
      expect(['false_positive', 'accepted'], entry.resource).toContain(entry.verdict);
      expect(entry.reason.trim().length, entry.resource).toBeGreaterThan(40);
    }
  });

  it('calls the rules that misread the template false positives', () => {
    expect(sourceArn.verdict).toBe('false_positive');
    expect(sourceArn.reason).toMatch(/Fn::Join/);
    expect(deadLetterQueue.verdict).toBe('false_positive');
    expect(dlqOnIngest?.verdict).toBe('false_positive');
    expect(logRetention.verdict).toBe('accepted');
  });
});

describe('findings of AWS rules in the compliance report', () => {
  it('gives each finding its verdict and counts them by rule set', async () => {
    const evidence = await readRuleEvidence({
      template,
      templatePath: assemblyWith(guardPlugin),
      now,
      ...noCfnLint,
    });
    const report = reportWith();
    const findings = ruleFindingsOf({ ...report, evidence });
    const guard = findings.ruleSets.find((set) => set.name.startsWith('AWS Control Tower'));
    expect(guard?.run.status).toBe('ran');
    expect(guard?.findings).toEqual([
      expect.objectContaining({
        rule: 'lambda_function_public_access_prohibited_check',
        resources: ['Permission'],
        verdict: 'false_positive',
      }),
      expect.objectContaining({
        rule: 'cloudwatch_log_group_retention_period_check',
        resources: ['Logs'],
        verdict: 'accepted',
      }),
    ]);
    // Fixed only where the rule ran here on a resource it applies to and found nothing.
    expect(guard?.fixed.map((rule) => [rule.rule, rule.here.status])).toEqual([
      ['kms_create_grant_aws_service_check', 'passes'],
      ['sqs_dlq_check', 'passes'],
    ]);
    expect(guard?.counts).toEqual({ fixed: 2, false_positive: 1, accepted: 1, open: 0 });
    // What ran on a resource and found nothing is said so, never "fixed".
    expect(guard?.noFinding?.map((rule) => rule.rule)).toContain('s3_bucket_acl_prohibited_check');
    const serverless = findings.ruleSets.find((set) => set.name === 'cdk-nag Serverless');
    expect(serverless?.findings).toEqual([
      expect.objectContaining({
        rule: 'Serverless-SQSRedrivePolicy',
        resources: ['DeadLetterQueue'],
        verdict: 'false_positive',
      }),
    ]);
    const solutions = findings.ruleSets.find((set) => set.name === 'cdk-nag AwsSolutions');
    expect(solutions?.findings).toEqual([
      expect.objectContaining({ rule: 'AwsSolutions-SQS3', verdict: 'open' }),
    ]);
    expect(findings.totals).toEqual({ fixed: 2, false_positive: 2, accepted: 1, open: 1 });

    const markdown = renderMarkdown(ruleFindingBlocks(reportWith(findings)));
    expect(markdown).toContain("## Findings of AWS's rules");
    expect(markdown).toContain('| Rule set | Run | Fixed | False positive | Accepted | Open |');
    expect(markdown).toContain(
      '| AWS Control Tower proactive controls (cfn-guard) | ran | 2 | 1 | 1 | 0 |',
    );
    expect(markdown).toContain('| **Total** |  | **2** | **2** | **1** | **1** |');
    expect(markdown).toContain(
      'Findings on this template, by verdict: false positive 1, accepted 1.',
    );
    expect(markdown).toMatch(
      /`lambda_function_public_access_prohibited_check` \| `Permission` \| \*\*false positive\*\* \| .*Fn::Join/,
    );
    expect(markdown).toContain(
      '`kms_create_grant_aws_service_check` (CT.KMS.PR.3), fixed: passes here on 1 resource.',
    );
    expect(markdown).toContain('not known to have found anything before, so not called fixed');
  });

  it('renders as blocks of the report document', () => {
    // Typed as document.ts's blocks: document.ts adds the section as it is.
    const blocks: Block[] = ruleFindingBlocks(reportWith());
    expect(renderMarkdown(blocks)).toContain('### cdk-nag HIPAA.Security');
  });

  it('without the cloud assembly, says neither cfn-guard nor cfn-lint was read', () => {
    const markdown = renderMarkdown(ruleFindingBlocks(reportWith()));
    expect(markdown).toContain(
      '| AWS Control Tower proactive controls (cfn-guard) | not run | 0 | 1 | 0 | 0 |',
    );
    expect(markdown).toMatch(
      /`kms_create_grant_aws_service_check` \(CT\.KMS\.PR\.3\), not confirmed/,
    );
    expect(markdown).toContain('**Not run**: cfn-lint was not asked for.');
  });

  it('says the guard did not run when the assembly has no report of it', async () => {
    const guard = await readGuard({ template, templatePath: assemblyWith(undefined), now });
    expect(guard).toEqual({
      status: 'not-run',
      reason: expect.stringContaining('no cfn-guard report'),
    });
    const synthesized = await readGuard({ template, now });
    expect(synthesized.status).toBe('not-run');
  });

  it('reads a bundled rule file for its name, control and resource types', () => {
    const text = readFileSync(
      'node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard/cloudwatch/ct-cloudwatch-pr-2.guard',
      'utf8',
    );
    expect(guardRuleHeader(text)).toEqual({
      rule: 'cloudwatch_log_group_retention_period_check',
      control: 'CT.CLOUDWATCH.PR.2',
      reportsOn: ['AWS::Logs::LogGroup'],
    });
  });

  it('reads every bundled rule file, so each rule can be said to have run or not', () => {
    const root = 'node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard';
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.guard'),
    );
    expect(files.length).toBeGreaterThan(200);
    const unread = files.filter((file) => {
      const header = guardRuleHeader(readFileSync(join(root, file), 'utf8'));
      return header === undefined || header.control === '?' || header.reportsOn.length === 0;
    });
    expect(unread).toEqual([]);
  });

  it('leaves a finding of the guard nobody acknowledged open, and not fixed', async () => {
    const evidence = await readRuleEvidence({
      template,
      templatePath: assemblyWith({
        ...guardPlugin,
        conclusion: 'failure',
        violations: [guardFinding('sqs_dlq_check', 'DeadLetterQueue')],
      }),
      now,
      ...noCfnLint,
    });
    const guard = ruleFindingsOf({ ...reportWith(), evidence }).ruleSets[0];
    expect(guard?.findings[0]).toMatchObject({
      rule: 'sqs_dlq_check',
      resources: ['DeadLetterQueue'],
      verdict: 'open',
      reason: '[CT] sqs_dlq_check',
    });
    expect(guard?.fixed.map((rule) => rule.rule)).toEqual(['kms_create_grant_aws_service_check']);
    expect(guard?.counts).toMatchObject({ fixed: 1, open: 1 });
  });

  it('has the AWS Config rules the stack deploys said evaluated in the account', () => {
    const findings = ruleFindingsOf({
      ...reportWith(),
      configRules: [{ resource: 'PitrRule', identifier: 'DYNAMODB_PITR_ENABLED' }],
    });
    const config = findings.ruleSets.at(-1);
    expect(config?.run).toEqual({
      status: 'deployed',
      how: expect.stringContaining('DYNAMODB_PITR_ENABLED (PitrRule)'),
    });
    expect(ruleFindingsOf(reportWith()).ruleSets.at(-1)?.run).toEqual({
      status: 'not-run',
      reason: 'none in this template (selfAudit.awsConfigRules is off)',
    });
  });

  it('names the cdk-nag packs compliance/nag.ts runs', () => {
    expect(nagPacks().map((pack) => pack.name)).toEqual([...nagPackNames]);
  });
});

describe('cfn-lint in the compliance report', () => {
  const run =
    (stdout: string, status = 4) =>
    async (_program: string, args: readonly string[]) =>
      args[0] === '--version'
        ? { status: 0, stdout: 'cfn-lint 1.51.0\n', stderr: '' }
        : { status, stdout, stderr: '' };

  it('is not run, with how to install it, where cfn-lint is not on PATH', async () => {
    const evidence = await runCfnLint({ template, now, ...noCfnLint });
    expect(evidence).toEqual({
      status: 'not-run',
      at: '2026-12-07T06:00:00.000Z',
      reason: 'cfn-lint not installed, pip install cfn-lint',
    });
    const findings = ruleFindingsOf({
      ...reportWith(),
      evidence: { guard: { status: 'not-run', reason: 'x' }, cfnLint: evidence },
    });
    const markdown = renderMarkdown(ruleFindingBlocks(reportWith(findings)));
    expect(markdown).toContain(`**Not run**: ${cfnLintMissing} (2026-12-07T06:00:00.000Z).`);
  });

  it('is looked up on PATH as a shell would', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rule-findings-path-'));
    expect(await findOnPath('cfn-lint', folder)).toBeUndefined();
    writeFileSync(join(folder, 'cfn-lint'), '#!/bin/sh\n', { mode: 0o755 });
    expect(await findOnPath('cfn-lint', `/nonexistent${delimiter}${folder}`)).toBe(
      join(folder, 'cfn-lint'),
    );
  });

  it('is not run where only a shim is on PATH (exit 127)', async () => {
    const evidence = await runCfnLint({
      template,
      now,
      findCfnLint: async () => '/root/.pyenv/shims/cfn-lint',
      run: async () => ({ status: 127, stdout: '', stderr: 'cfn-lint: command not found' }),
    });
    expect(evidence).toMatchObject({ status: 'not-run', reason: cfnLintMissing });
  });

  it('gives the allowed rules their verdict and leaves any other finding open', async () => {
    const lint = JSON.stringify([
      {
        Rule: { Id: 'W3005' },
        Level: 'Warning',
        Message: 'Obsolete DependsOn on resource (Role)',
        Location: { Path: ['Resources', 'Function', 'DependsOn'] },
      },
      {
        Rule: { Id: 'E3002' },
        Level: 'Error',
        Message: 'Additional properties are not allowed',
        Location: { Path: ['Resources', 'Bucket', 'Properties'] },
      },
    ]);
    const cfnLint = await runCfnLint({
      template,
      now,
      findCfnLint: async () => '/usr/bin/cfn-lint',
      run: run(lint, 2 | 4),
    });
    const evidence: RuleEvidence = { guard: { status: 'not-run', reason: 'x' }, cfnLint };
    const set = ruleFindingsOf({ ...reportWith(), evidence }).ruleSets.find(
      (s) => s.name === 'cfn-lint',
    );
    expect(set?.run).toEqual({
      status: 'ran',
      how: expect.stringMatching(
        /^cfn-lint 1\.51\.0 on this template at 2026-12-07T06:00:00\.000Z, as npm run lint:templates runs it/,
      ),
    });
    expect(set?.findings.map((f) => [f.rule, f.resources, f.verdict])).toEqual([
      ['W3005', ['Function'], 'accepted'],
      ['E3002', ['Bucket'], 'open'],
    ]);
  });

  it('is not run when cfn-lint fails rather than finds', async () => {
    const evidence = await runCfnLint({
      template,
      now,
      findCfnLint: async () => '/usr/bin/cfn-lint',
      run: run('Traceback', 1),
    });
    expect(evidence).toMatchObject({ status: 'not-run', reason: expect.stringMatching(/failed/) });
  });

  it('allows exactly the rules npm run lint:templates allows, with the same reasons', async () => {
    const url = pathToFileURL(resolve('scripts/lint-templates-rules.mjs')).href;
    const { allowedRules } = (await import(url)) as { allowedRules: Record<string, string> };
    expect(
      Object.fromEntries(Object.entries(cfnLintVerdicts).map(([rule, v]) => [rule, v.reason])),
    ).toEqual(allowedRules);
  });
});
