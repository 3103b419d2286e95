/**
 * Access to the audit trail logged, whoever reads it (PCI DSS 10.2.1, HIPAA §164.312(b)): where
 * the profile requires it, a CloudTrail trail of the stack's own (infra/access-trail.ts) is
 * logging, validates its log files, encrypts them under a KMS key, takes every management
 * event (KMS Decrypt and GenerateDataKey on the keys are management events), and takes data
 * events for the audit and registry tables, the delivery and dead-letter queues and the digest
 * bucket's objects: a direct read of any of them, outside the CLI's admin records, is logged.
 */
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import {
  describeValue,
  property,
  referencedId,
  resourceOfOutput,
  resourcesOfType,
  type Template,
  type TemplateResource,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  notApplicable,
  type TemplateRule,
} from './rule.ts';

/** The resources whose data events the trail must take, by the output that names each. */
const dataResources = [
  { output: stackOutputKeys.auditTableName, type: 'AWS::DynamoDB::Table', what: 'audit table' },
  {
    output: stackOutputKeys.registryTableName,
    type: 'AWS::DynamoDB::Table',
    what: 'registry table',
  },
  { output: stackOutputKeys.queueUrl, type: 'AWS::SQS::Queue', what: 'delivery queue' },
  {
    output: operatorOutputKeys.deadLetterQueueUrl,
    type: 'AWS::SQS::Queue',
    what: 'dead-letter queue',
  },
  { output: operatorOutputKeys.digestBucketName, type: 'AWS::S3::Bucket', what: 'digest bucket' },
] as const;

const dataEventType: Readonly<Record<(typeof dataResources)[number]['type'], string>> = {
  'AWS::DynamoDB::Table': 'AWS::DynamoDB::Table',
  'AWS::SQS::Queue': 'AWS::SQS::Queue',
  'AWS::S3::Bucket': 'AWS::S3::Object',
};

export const accessTrailLogsDataAccess: TemplateRule<'access-trail-logs-data-access'> = {
  name: 'access-trail-logs-data-access',
  summary:
    'A CloudTrail trail of the stack, logging with validated, KMS-encrypted files, takes every management event and the data events of the audit and registry tables, the queues and the digest bucket.',
  evaluate({ template, requirements }) {
    if (!requirements.accessTrailRequired) {
      return notApplicable('the profile requires no access trail');
    }
    const trails = resourcesOfType(template, 'AWS::CloudTrail::Trail');
    if (trails.length === 0) {
      return compliantUnless([finding('the template has no CloudTrail trail')], []);
    }
    // The trail that covers most is judged: a stack of several instances has one each.
    const judged = trails.map(({ id, resource }) => judgeTrail(template, id, resource));
    judged.sort((a, b) => a.findings.length - b.findings.length);
    const best = judged[0] as Judged;
    return compliantUnless(best.findings, best.evidence);
  },
};

interface Judged {
  readonly findings: Finding[];
  readonly evidence: Evidence[];
}

function judgeTrail(template: Template, id: string, resource: TemplateResource): Judged {
  const type = 'AWS::CloudTrail::Trail';
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  const settings = [
    ['IsLogging', true],
    ['EnableLogFileValidation', true],
  ] as const;
  for (const [name, wanted] of settings) {
    const value = property(resource, name);
    evidence.push({ resource: id, type, property: name, value: describeValue(value) });
    if (value !== wanted) findings.push(finding(`${name} is not ${wanted}`, id));
  }
  const key = property(resource, 'KMSKeyId');
  evidence.push({ resource: id, type, property: 'KMSKeyId', value: describeValue(key) });
  if (key === undefined)
    findings.push(finding('its log files are not encrypted under a KMS key', id));
  const selectors = property(resource, 'AdvancedEventSelectors');
  const list = Array.isArray(selectors) ? selectors : [];
  const management = list.some((selector) => {
    const fields = fieldsOf(selector);
    return fields.length === 1 && equalsOf(fields, 'eventCategory').includes('Management');
  });
  evidence.push({
    resource: id,
    type,
    property: 'AdvancedEventSelectors (management)',
    value: management ? 'every management event, KMS use of the keys included' : '(none)',
  });
  if (!management) findings.push(finding('it does not take every management event', id));
  for (const wanted of dataResources) {
    const target = resourceOfOutput(template, wanted.output, wanted.type);
    const covered =
      target !== undefined &&
      list.some((selector) => {
        const fields = fieldsOf(selector);
        return (
          equalsOf(fields, 'eventCategory').includes('Data') &&
          equalsOf(fields, 'resources.type').includes(dataEventType[wanted.type]) &&
          !fields.some((field) => valueAt(field, 'Field') === 'readOnly') &&
          namesResource(fields, target.id)
        );
      });
    evidence.push({
      resource: id,
      type,
      property: `AdvancedEventSelectors (${wanted.what})`,
      value: covered ? `data events of ${target?.id}` : '(not covered)',
    });
    if (!covered) findings.push(finding(`it takes no data events of the ${wanted.what}`, id));
  }
  return { findings, evidence };
}

const fieldsOf = (selector: unknown): unknown[] => {
  const fields = valueAt(selector, 'FieldSelectors');
  return Array.isArray(fields) ? fields : [];
};

function equalsOf(fields: readonly unknown[], name: string): unknown[] {
  const field = fields.find((candidate) => valueAt(candidate, 'Field') === name);
  const values = valueAt(field, 'Equals');
  return Array.isArray(values) ? values : [];
}

/** Whether the `resources.ARN` field names `logicalId`, as the ARN itself or its prefix. */
function namesResource(fields: readonly unknown[], logicalId: string): boolean {
  const field = fields.find((candidate) => valueAt(candidate, 'Field') === 'resources.ARN');
  const values = [valueAt(field, 'Equals'), valueAt(field, 'StartsWith')].flatMap((value) =>
    Array.isArray(value) ? value : [],
  );
  return values.some(
    (value) =>
      referencedId(value) === logicalId || JSON.stringify(value).includes(`"${logicalId}"`),
  );
}
