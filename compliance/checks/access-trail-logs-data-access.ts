/**
 * Access to the audit trail logged, whoever reads it (PCI DSS 10.2.1, HIPAA §164.312(b)): where
 * the profile requires it, a CloudTrail trail of the stack's own (infra/access-trail.ts) is
 * logging, validates its log files, encrypts them under a KMS key, takes every management
 * event (KMS Decrypt and GenerateDataKey on the keys are management events), and takes data
 * events for the audit and registry tables, the delivery and dead-letter queues and the digest
 * bucket's objects: a direct read of any of them, outside the CLI's admin records, is logged.
 * With `--stack`, each setting is compared with the trail as CloudTrail runs it (GetTrail,
 * GetTrailStatus, GetEventSelectors): a trail stopped or with validation off fails the control.
 */
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import type { LiveFieldSelector, LiveTrail } from '../report/live-trail.ts';
import {
  describeValue,
  property,
  referencedId,
  resourceOfOutput,
  resourcesOfType,
  type TemplateResource,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  type Judge,
  livePhysicalId,
  liveResource,
  notApplicable,
  type RuleContext,
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
  evaluate(context) {
    const { template, requirements } = context;
    if (!requirements.accessTrailRequired) {
      return notApplicable('the profile requires no access trail');
    }
    const trails = resourcesOfType(template, 'AWS::CloudTrail::Trail');
    if (trails.length === 0) {
      return compliantUnless([finding('the template has no CloudTrail trail')], []);
    }
    // The trail that covers most is judged: a stack of several instances has one each.
    const judged = trails.map(({ id, resource }) => judgeTrail(context, id, resource));
    judged.sort((a, b) => a.findings.length - b.findings.length);
    const best = judged[0] as Judged;
    return compliantUnless(best.findings, best.evidence);
  },
};

interface Judged {
  readonly findings: Finding[];
  readonly evidence: Evidence[];
}

function judgeTrail(context: RuleContext, id: string, resource: TemplateResource): Judged {
  const { template } = context;
  const type = 'AWS::CloudTrail::Trail';
  const live = (judge: Judge<LiveTrail>) => liveResource(context, 'trails', id, judge);
  const liveSetting = {
    IsLogging: live(({ isLogging }) => [isLogging, String(isLogging)]),
    EnableLogFileValidation: live(({ logFileValidation }) => [
      logFileValidation,
      String(logFileValidation),
    ]),
  };
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  const settings = [
    ['IsLogging', true],
    ['EnableLogFileValidation', true],
  ] as const;
  for (const [name, wanted] of settings) {
    const value = property(resource, name);
    evidence.push({
      resource: id,
      type,
      property: name,
      value: describeValue(value),
      ...liveSetting[name],
    });
    if (value !== wanted) findings.push(finding(`${name} is not ${wanted}`, id));
  }
  const key = property(resource, 'KMSKeyId');
  const keyId = livePhysicalId(context, referencedId(key));
  evidence.push({
    resource: id,
    type,
    property: 'KMSKeyId',
    value: describeValue(key),
    ...live(({ kmsKeyId }) => [
      kmsKeyId !== undefined && (keyId === undefined || kmsKeyId.endsWith(keyId)),
      kmsKeyId ?? 'not encrypted under a KMS key',
    ]),
  });
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
    ...live(({ selectors }) => {
      const all = selectors.some(
        (fields) =>
          fields.length === 1 && liveEquals(fields, 'eventCategory').includes('Management'),
      );
      return [all, all ? 'every management event' : 'not every management event'];
    }),
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
      ...live(({ selectors }) => {
        const name = target === undefined ? undefined : arnPartOf(context, target.id, wanted.type);
        const takes =
          name !== undefined &&
          selectors.some(
            (fields) =>
              liveEquals(fields, 'eventCategory').includes('Data') &&
              liveEquals(fields, 'resources.type').includes(dataEventType[wanted.type]) &&
              !fields.some((field) => field.field === 'readOnly') &&
              fields.some(
                (field) =>
                  field.field === 'resources.ARN' &&
                  [...field.equals, ...field.startsWith].some((arn) => arn.includes(name)),
              ),
          );
        return [
          takes,
          takes ? `data events of ${name}` : `no data events of ${name ?? wanted.what}`,
        ];
      }),
    });
    if (!covered) findings.push(finding(`it takes no data events of the ${wanted.what}`, id));
  }
  return { findings, evidence };
}

const liveEquals = (fields: readonly LiveFieldSelector[], name: string): readonly string[] =>
  fields.find((field) => field.field === name)?.equals ?? [];

/**
 * What a live selector's ARN holds of a resource: a table's `:table/name`, a queue's `:name`
 * (its URL's last part), a bucket's `:::name/`; undefined when the stack lists no such resource.
 */
function arnPartOf(context: RuleContext, logicalId: string, type: string): string | undefined {
  const physical = livePhysicalId(context, logicalId);
  if (physical === undefined) return undefined;
  if (type === 'AWS::DynamoDB::Table') return `:table/${physical}`;
  if (type === 'AWS::SQS::Queue') return `:${physical.split('/').at(-1)}`;
  return `:::${physical}/`;
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
