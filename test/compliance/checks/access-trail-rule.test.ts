/**
 * The access-trail rule on small templates: what a trail must log for PCI DSS 10.2.1 and HIPAA
 * §164.312(b), and each way a trail can fall short of it. The synthesized pci-dss and hipaa
 * stacks meet it (test/compliance/deployment-checks.ts).
 */
import { describe, expect, it } from 'vitest';
import { accessTrailLogsDataAccess } from '../../../compliance/checks/access-trail-logs-data-access.ts';
import { combineProfiles } from '../../../compliance/profiles.ts';
import type { Template } from '../../../compliance/report/template.ts';

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const data = (type: string, field: 'Equals' | 'StartsWith', ...values: unknown[]) => ({
  FieldSelectors: [
    { Field: 'eventCategory', Equals: ['Data'] },
    { Field: 'resources.type', Equals: [type] },
    { Field: 'resources.ARN', [field]: values },
  ],
});
const management = { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };

function stack(trail: Record<string, unknown> | undefined): Template {
  return {
    Resources: {
      Audit: { Type: 'AWS::DynamoDB::Table' },
      Registry: { Type: 'AWS::DynamoDB::Table' },
      Queue: { Type: 'AWS::SQS::Queue' },
      Dlq: { Type: 'AWS::SQS::Queue' },
      Digests: { Type: 'AWS::S3::Bucket' },
      ...(trail === undefined
        ? {}
        : { Trail: { Type: 'AWS::CloudTrail::Trail', Properties: trail } }),
    },
    Outputs: {
      AuditTableName: { Value: { Ref: 'Audit' } },
      RegistryTableName: { Value: { Ref: 'Registry' } },
      QueueUrl: { Value: { Ref: 'Queue' } },
      DeadLetterQueueUrl: { Value: { Ref: 'Dlq' } },
      DigestBucketName: { Value: { Ref: 'Digests' } },
    },
  } as Template;
}

const complete = {
  IsLogging: true,
  EnableLogFileValidation: true,
  KMSKeyId: arn('TrailKey'),
  AdvancedEventSelectors: [
    data('AWS::DynamoDB::Table', 'Equals', arn('Audit'), arn('Registry')),
    data('AWS::SQS::Queue', 'Equals', arn('Queue'), arn('Dlq')),
    data('AWS::S3::Object', 'StartsWith', { 'Fn::Join': ['', [arn('Digests'), '/']] }),
    management,
  ],
};

const pciDss = combineProfiles(['pci-dss']);
const evaluate = (template: Template, requirements = pciDss) =>
  accessTrailLogsDataAccess.evaluate({ template, requirements }).verdict;
const whys = (template: Template) => {
  const verdict = evaluate(template);
  return verdict.kind === 'non-compliant' ? verdict.findings.map(({ why }) => why) : [];
};

describe('the access trail rule', () => {
  it('passes a logging, validated, encrypted trail of every management event and the data resources', () => {
    expect(evaluate(stack(complete))).toEqual({ kind: 'compliant' });
  });

  it('does not apply where no profile requires the trail', () => {
    expect(evaluate(stack(undefined), combineProfiles(['gdpr']))).toEqual({
      kind: 'not-applicable',
      reason: 'the profile requires no access trail',
    });
  });

  it('fails a stack without a trail under pci-dss', () => {
    expect(whys(stack(undefined))).toEqual(['the template has no CloudTrail trail']);
  });

  it('names each setting a trail falls short on', () => {
    const { KMSKeyId: _key, ...unencrypted } = complete;
    expect(
      whys(stack({ ...unencrypted, IsLogging: false, EnableLogFileValidation: false })),
    ).toEqual([
      'IsLogging is not true',
      'EnableLogFileValidation is not true',
      'its log files are not encrypted under a KMS key',
    ]);
  });

  it('names each resource whose data events it leaves out, and missing management events', () => {
    const selectors = [
      data('AWS::DynamoDB::Table', 'Equals', arn('Registry')),
      // Reads only: writes to the queue would go unlogged.
      {
        FieldSelectors: [
          ...data('AWS::SQS::Queue', 'Equals', arn('Queue'), arn('Dlq')).FieldSelectors,
          { Field: 'readOnly', Equals: ['true'] },
        ],
      },
    ];
    expect(whys(stack({ ...complete, AdvancedEventSelectors: selectors }))).toEqual([
      'it does not take every management event',
      'it takes no data events of the audit table',
      'it takes no data events of the delivery queue',
      'it takes no data events of the dead-letter queue',
      'it takes no data events of the digest bucket',
    ]);
  });
});
