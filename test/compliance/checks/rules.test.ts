/**
 * The template rules' three answers on small hand-written templates, the pack's naming, and
 * how the report reads a verdict. The rules on real deployments: deployment-checks.ts.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiServedOverHttpsOnly } from '../../../compliance/checks/api-served-over-https-only.ts';
import { noSecretsInTemplate } from '../../../compliance/checks/no-secrets-in-template.ts';
import { templateRules } from '../../../compliance/checks/pack.ts';
import { tablesPointInTimeRecovery } from '../../../compliance/checks/tables-point-in-time-recovery.ts';
import { complianceProfiles } from '../../../compliance/profiles.ts';
import { runCheck } from '../../../compliance/report/check-result.ts';
import type { Template } from '../../../compliance/report/template.ts';

const requirements = complianceProfiles.baseline;
const evaluate = (rule: (typeof templateRules)[number], template: Template) =>
  rule.evaluate({ template, requirements });

const table = (pitr: boolean) => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr } },
});

describe('a template rule', () => {
  it('is compliant when every resource it judges complies', () => {
    const template = { Resources: { Registry: table(true), Audit: table(true) } };
    expect(evaluate(tablesPointInTimeRecovery, template).verdict).toEqual({ kind: 'compliant' });
  });

  it('names the offending logical ids and why when it is not', () => {
    const template = { Resources: { Registry: table(true), Audit: table(false) } };
    expect(evaluate(tablesPointInTimeRecovery, template).verdict).toEqual({
      kind: 'non-compliant',
      findings: [{ resources: ['Audit'], why: 'table Audit has no point-in-time recovery' }],
    });
  });

  it('is not applicable when the template has nothing of the kind it judges', () => {
    expect(evaluate(tablesPointInTimeRecovery, { Resources: {} })).toEqual({
      verdict: { kind: 'not-applicable', reason: 'the template has no DynamoDB table' },
      evidence: [],
    });
  });

  it('names what is missing as well as what is wrong, when both are so', () => {
    const template = { Resources: { Url: { Type: 'AWS::Lambda::Url' } } };
    expect(evaluate(apiServedOverHttpsOnly, template).verdict).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: [],
          why: 'the template has no front (REST API, HTTP API or function URL on the ingest Lambda)',
        },
        { resources: ['Url'], why: 'Url (AWS::Lambda::Url) is a way in besides the front' },
      ],
    });
  });

  it('finds a secret in a Lambda environment and names the function', () => {
    const template = {
      Resources: {
        Ingest: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { SIGNING: 'whsec_abc' } } },
        },
      },
    };
    expect(evaluate(noSecretsInTemplate, template).verdict).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['Ingest'],
          why: 'the template contains a Stripe-style webhook secret (whsec_…)',
        },
      ],
    });
  });
});

describe('the pack', () => {
  it('names each rule after its own file in compliance/checks, once', () => {
    const ruleFiles = readdirSync('compliance/checks').filter((file) =>
      templateRules.some((rule) => `${rule.name}.ts` === file),
    );
    expect(ruleFiles).toHaveLength(templateRules.length);
    expect(new Set(templateRules.map((rule) => rule.name)).size).toBe(templateRules.length);
  });
});

describe('the report', () => {
  it('fails a control whose rule finds nothing to look at: evidence must be found', () => {
    const result = runCheck('tables-point-in-time-recovery', {
      template: { Resources: {} },
      requirements,
    });
    expect(result).toMatchObject({
      passed: false,
      problems: ['the template has no DynamoDB table'],
      evidence: [],
    });
  });

  it('passes a control whose rule complies, with its evidence', () => {
    const result = runCheck('tables-point-in-time-recovery', {
      template: { Resources: { Audit: table(true) } },
      requirements,
    });
    expect(result).toMatchObject({
      passed: true,
      problems: [],
      evidence: [expect.objectContaining({ resource: 'Audit', value: 'true' })],
    });
  });
});
