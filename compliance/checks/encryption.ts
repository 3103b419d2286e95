/** Encryption at rest and key management: which key protects what, rotation, key policies. */
import { stackOutputKeys } from '../../infra/output-names.ts';
import {
  actionsOf,
  describeKey,
  describeValue,
  environmentOf,
  isRecord,
  policyStatements,
  property,
  type Resource,
  resourceOfOutput,
  resourcesOfType,
  templateKeyId,
  valueAt,
} from '../report/template.ts';
import {
  type CheckContext,
  type Evidence,
  notReadable,
  observation,
  outcome,
  type TemplateCheck,
  withLive,
} from './check.ts';

/** KMS actions that use a key on data, as opposed to managing it. */
const keyDataActions = new Set([
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
]);

/** What a leaked credential looks like in a template (the deployment tests use the same). */
const secretPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/whsec_/, 'a Stripe-style webhook secret (whsec_…)'],
  [/sk_(live|test)_/, 'a Stripe API key'],
  [/-----BEGIN/, 'a PEM key or certificate'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/xox[abp]-/, 'a Slack token'],
  [/"(Secret|Password|Token)"\s*:/i, 'a Secret, Password or Token property'],
];

/** The key a resource's `path` refers to, described; and its logical id when it is ours. */
function keyOf(context: CheckContext, { resource }: Resource, path: string) {
  const value = valueAt(resource.Properties, path);
  const keyId = templateKeyId(context.template, value);
  return {
    keyId,
    text: keyId === undefined ? describeValue(value) : describeKey(context.template, keyId),
  };
}

const liveKeyArn = (context: CheckContext, keyId: string | undefined) =>
  keyId === undefined ? undefined : context.live?.keys.get(keyId)?.arn;

export const tablesEncrypted: TemplateCheck = {
  summary: 'Every DynamoDB table is encrypted with a customer managed KMS key of this stack.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::DynamoDB::Table').map((table) => {
      const sse = property(table.resource, 'SSESpecification');
      const key = keyOf(context, table, 'SSESpecification.KMSMasterKeyId');
      if (valueAt(sse, 'SSEEnabled') !== true || valueAt(sse, 'SSEType') !== 'KMS' || !key.keyId) {
        problems.push(`table ${table.id} is not encrypted with a KMS key of this stack`);
      }
      const expectedArn = liveKeyArn(context, key.keyId);
      return {
        resource: table.id,
        type: table.resource.Type,
        property: 'SSESpecification.KMSMasterKeyId',
        value: key.text,
        ...withLive(context, (live) =>
          observation(live.tables.get(table.id)?.description, (d) => [
            d.sseStatus === 'ENABLED' &&
              d.sseType === 'KMS' &&
              (expectedArn === undefined || d.kmsKeyArn === expectedArn),
            `${d.sseStatus ?? 'no SSE'} ${d.sseType ?? ''} ${d.kmsKeyArn ?? ''}`.trim(),
          ]),
        ),
      };
    });
    return outcome(evidence, problems, 'the template has no DynamoDB table');
  },
};

export const queuesEncrypted: TemplateCheck = {
  summary: 'Every SQS queue is encrypted with a customer managed KMS key of this stack.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::SQS::Queue').map((queue) => {
      const key = keyOf(context, queue, 'KmsMasterKeyId');
      if (!key.keyId)
        problems.push(`queue ${queue.id} is not encrypted with a KMS key of this stack`);
      const expected = [
        liveKeyArn(context, key.keyId),
        context.live?.keys.get(key.keyId ?? '')?.keyId,
      ];
      return {
        resource: queue.id,
        type: queue.resource.Type,
        property: 'KmsMasterKeyId',
        value: key.text,
        ...withLive(context, (live) =>
          observation(live.queues.get(queue.id)?.attributes, ({ kmsMasterKeyId }) => [
            kmsMasterKeyId !== undefined &&
              (expected.every((id) => id === undefined) || expected.includes(kmsMasterKeyId)),
            kmsMasterKeyId ?? 'not encrypted with KMS',
          ]),
        ),
      };
    });
    return outcome(evidence, problems, 'the template has no SQS queue');
  },
};

export const logGroupsEncrypted: TemplateCheck = {
  summary: 'Every CloudWatch log group is encrypted with a customer managed KMS key of this stack.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::Logs::LogGroup').map((group) => {
      const key = keyOf(context, group, 'KmsKeyId');
      if (!key.keyId)
        problems.push(`log group ${group.id} is not encrypted with a KMS key of this stack`);
      return {
        resource: group.id,
        type: group.resource.Type,
        property: 'KmsKeyId',
        value: key.text,
        ...notReadable(context, '@aws-sdk/client-cloudwatch-logs'),
      };
    });
    return outcome(evidence, problems, 'the template has no log group');
  },
};

export const oneKeyPerDataClass: TemplateCheck = {
  summary:
    'Provider secrets (registry table), the audit trail (audit table) and queued deliveries (queues) each have a key of their own.',
  evaluate(context) {
    const { template } = context;
    const table = (outputKey: string) =>
      resourceOfOutput(template, outputKey, 'AWS::DynamoDB::Table');
    const tableKey = 'SSESpecification.KMSMasterKeyId';
    const holders: Array<readonly [string, Resource | undefined, string]> = [
      ['provider secrets', table(stackOutputKeys.registryTableName), tableKey],
      ['audit trail', table(stackOutputKeys.auditTableName), tableKey],
      ...resourcesOfType(template, 'AWS::SQS::Queue').map(
        (queue) => ['queued deliveries', queue, 'KmsMasterKeyId'] as const,
      ),
    ];
    const problems: string[] = [];
    const classesByKey = new Map<string, Set<string>>();
    const evidence: Evidence[] = [];
    for (const [dataClass, holder, path] of holders) {
      if (holder === undefined) {
        problems.push(`the template's outputs name no table for ${dataClass}`);
        continue;
      }
      const key = keyOf(context, holder, path);
      classesByKey.set(key.text, (classesByKey.get(key.text) ?? new Set()).add(dataClass));
      evidence.push({
        resource: holder.id,
        type: holder.resource.Type,
        property: `${path} (${dataClass})`,
        value: key.text,
      });
    }
    for (const [key, classes] of classesByKey) {
      if (classes.size > 1) problems.push(`${[...classes].join(' and ')} share the key ${key}`);
    }
    return outcome(evidence, problems, 'the template has no table or queue');
  },
};

export const keysRotateYearly: TemplateCheck = {
  summary: 'Every KMS key rotates automatically, at least once a year.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::KMS::Key').map((key) => {
      const enabled = property(key.resource, 'EnableKeyRotation');
      const period = property(key.resource, 'RotationPeriodInDays');
      const yearly = period === undefined || (typeof period === 'number' && period <= 365);
      if (enabled !== true || !yearly) {
        problems.push(
          `key ${key.id} does not rotate yearly (EnableKeyRotation ${describeValue(enabled)}, RotationPeriodInDays ${describeValue(period)})`,
        );
      }
      return {
        resource: describeKey(context.template, key.id),
        type: key.resource.Type,
        property: 'EnableKeyRotation',
        value: `${describeValue(enabled)}${period === undefined ? ' (every 365 days)' : ` (every ${describeValue(period)} days)`}`,
        ...withLive(context, (live) =>
          observation(live.keys.get(key.id)?.rotation, (rotation) => [
            rotation.enabled && (rotation.periodInDays ?? 365) <= 365,
            rotation.enabled ? `enabled (every ${rotation.periodInDays ?? 365} days)` : 'disabled',
          ]),
        ),
      };
    });
    return outcome(evidence, problems, 'the template has no KMS key');
  },
};

export const keyUseBoundWithoutWildcards: TemplateCheck = {
  summary:
    'No policy allows a wildcard action, and every key policy grant to use a key on data is bound to an encryption context or to the AWS service that asks.',
  evaluate(context) {
    const statements = policyStatements(context.template);
    const allows = statements.filter(({ statement }) => statement.Effect === 'Allow');
    const problems = allows.flatMap(({ owner, statement }) =>
      actionsOf(statement)
        .filter((action) => action.includes('*'))
        .map((action) => `${owner} allows the wildcard action ${action}`),
    );
    const evidence: Evidence[] = resourcesOfType(context.template, 'AWS::KMS::Key').map((key) => {
      const grants = allows.filter(
        ({ owner, statement }) =>
          owner === key.id && actionsOf(statement).some((action) => keyDataActions.has(action)),
      );
      const unbound = grants.filter(({ statement }) => !boundToContextOrService(statement));
      for (const { statement } of unbound) {
        problems.push(
          `key ${key.id} grants ${actionsOf(statement).join(', ')} without an encryption context or kms:ViaService condition`,
        );
      }
      return {
        resource: describeKey(context.template, key.id),
        type: key.resource.Type,
        property: 'KeyPolicy',
        value: `${grants.length} data-use grants, ${grants.length - unbound.length} bound to an encryption context or kms:ViaService`,
      };
    });
    evidence.push({
      resource: '(every policy)',
      type: 'KeyPolicy, PolicyDocument',
      property: 'Statement[].Action',
      value: `${allows.length} Allow statements, ${problems.length === 0 ? 'none' : 'some'} with a wildcard action`,
    });
    return outcome(evidence, problems, 'the template has no policy');
  },
};

export const noSecretsInTemplate: TemplateCheck = {
  summary:
    'The template, the ingest Lambda environment included, holds no secret, key material or credential.',
  evaluate(context) {
    const text = JSON.stringify(context.template);
    const problems = secretPatterns
      .filter(([pattern]) => pattern.test(text))
      .map(([, what]) => `the template contains ${what}`);
    const evidence = resourcesOfType(context.template, 'AWS::Lambda::Function').map((fn) => ({
      resource: fn.id,
      type: fn.resource.Type,
      property: 'Environment.Variables',
      value: Object.keys(environmentOf(fn.resource)).join(', ') || '(none)',
    }));
    return outcome(evidence, problems, 'the template has no Lambda function');
  },
};

function boundToContextOrService(statement: Readonly<Record<string, unknown>>): boolean {
  const conditions = isRecord(statement.Condition) ? Object.values(statement.Condition) : [];
  return conditions
    .flatMap((operator) => (isRecord(operator) ? Object.keys(operator) : []))
    .some((name) => name === 'kms:ViaService' || name.startsWith('kms:EncryptionContext:'));
}
