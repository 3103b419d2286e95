/** How long each record class is kept, and that it goes when its time is up. */

import {
  isRetentionClassName,
  payloadCopyCeilingVariable,
  type RetentionClassName,
  retentionClasses,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import { adminRetentionClass } from '../../ops/admin-trail/admin-record.ts';
import {
  describeValue,
  environmentOf,
  ingestFunction,
  property,
  resourceOfOutput,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import {
  type CheckContext,
  type CheckOutcome,
  notReadable,
  observation,
  outcome,
  type TemplateCheck,
  withLive,
} from './check.ts';

const auditDays = (name: RetentionClassName) => retentionClasses[name].auditDays;
const payloadDays = (name: RetentionClassName) => retentionClasses[name].payloadDays;

/** `standard (400 days)` */
const describeAuditClass = (name: RetentionClassName) => `${name} (${auditDays(name)} days)`;

/** `minimal (no copy)` or `standard (7 days)` */
function describePayloadClass(name: RetentionClassName): string {
  const days = payloadDays(name);
  return `${name} (${days === 0 ? 'no copy' : `${days} days`})`;
}

/**
 * The retention class the ingest Lambda's `variable` names, judged by `keeps` against the
 * class the profile asks for; one evidence row.
 */
function lambdaClassCheck(
  context: CheckContext,
  variable: string,
  describe: (name: RetentionClassName) => string,
  keeps: (deployed: RetentionClassName) => string | undefined,
): CheckOutcome {
  const ingest = ingestFunction(context.template, auditTable.nameVariable);
  if (ingest === undefined) {
    return outcome([], [], 'the template has no ingest Lambda (no function names the audit table)');
  }
  const value = environmentOf(ingest.resource)[variable];
  const problem = !isRetentionClassName(value)
    ? `the ingest Lambda's ${variable} is ${describeValue(value)}, not a retention class`
    : keeps(value);
  return {
    evidence: [
      {
        resource: ingest.id,
        type: ingest.resource.Type,
        property: `Environment.Variables.${variable}`,
        value: isRetentionClassName(value) ? describe(value) : describeValue(value),
        ...notReadable(context, '@aws-sdk/client-lambda'),
      },
    ],
    problems: problem === undefined ? [] : [problem],
  };
}

export const deliveryAuditRetention: TemplateCheck = {
  summary:
    "Every delivery audit record is kept at least as long as the profile's delivery audit class (the Lambda's retention floor).",
  evaluate(context) {
    const floor = context.requirements.deliveryAuditFloor;
    return lambdaClassCheck(context, retentionFloorVariable, describeAuditClass, (deployed) =>
      auditDays(deployed) < auditDays(floor)
        ? `delivery audit records keep ${describeAuditClass(deployed)}, less than ${describeAuditClass(floor)}`
        : undefined,
    );
  },
};

export const payloadCopyCeiling: TemplateCheck = {
  summary:
    "A redacted payload copy is kept no longer than the profile's payload ceiling allows (none at all under gdpr).",
  evaluate(context) {
    const ceiling = context.requirements.payloadCopyCeiling;
    return lambdaClassCheck(
      context,
      payloadCopyCeilingVariable,
      describePayloadClass,
      (deployed) =>
        payloadDays(deployed) > payloadDays(ceiling)
          ? `payload copies keep ${describePayloadClass(deployed)}, longer than ${describePayloadClass(ceiling)}`
          : undefined,
    );
  },
};

export const adminAuditRetention: TemplateCheck = {
  summary:
    "Every admin action's record (who changed a provider or read the trail) is kept at least as long as the profile asks.",
  evaluate(context) {
    const floor = context.requirements.adminAuditFloor;
    const short = auditDays(adminRetentionClass) < auditDays(floor);
    return {
      evidence: [
        {
          resource: 'ops/admin-trail/admin-record.ts',
          type: 'code',
          property: 'adminRetentionClass',
          value: describeAuditClass(adminRetentionClass),
        },
      ],
      problems: short
        ? [
            `admin records keep ${describeAuditClass(adminRetentionClass)}, less than ${describeAuditClass(floor)}`,
          ]
        : [],
    };
  },
};

export const logRetention: TemplateCheck = {
  summary: "Every log group has a retention period, at least the profile's log retention.",
  evaluate(context) {
    const required = context.requirements.logRetentionDays;
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::Logs::LogGroup').map((group) => {
      const days = property(group.resource, 'RetentionInDays');
      if (typeof days !== 'number') {
        problems.push(`log group ${group.id} sets no RetentionInDays: it is kept forever`);
      } else if (days < required) {
        problems.push(`log group ${group.id} keeps ${days} days, less than ${required}`);
      }
      return {
        resource: group.id,
        type: group.resource.Type,
        property: 'RetentionInDays',
        value: typeof days === 'number' ? `${days} days` : '(not set: forever)',
        ...notReadable(context, '@aws-sdk/client-cloudwatch-logs'),
      };
    });
    return outcome(evidence, problems, 'the template has no log group');
  },
};

export const auditRecordsExpireByTtl: TemplateCheck = {
  summary: `DynamoDB's time to live deletes audit records and payload copies when their retention ends (attribute ${auditTable.timeToLiveAttribute}).`,
  evaluate(context) {
    const table = resourceOfOutput(
      context.template,
      stackOutputKeys.auditTableName,
      'AWS::DynamoDB::Table',
    );
    if (table === undefined) {
      return outcome(
        [],
        [],
        `the template's ${stackOutputKeys.auditTableName} output names no table`,
      );
    }
    const ttl = property(table.resource, 'TimeToLiveSpecification');
    const expected = auditTable.timeToLiveAttribute;
    const enabled = valueAt(ttl, 'Enabled') === true && valueAt(ttl, 'AttributeName') === expected;
    return {
      evidence: [
        {
          resource: table.id,
          type: table.resource.Type,
          property: 'TimeToLiveSpecification',
          value: describeValue(ttl),
          ...withLive(context, (live) =>
            observation(live.tables.get(table.id)?.timeToLive, (t) => [
              t.status === 'ENABLED' && t.attributeName === expected,
              `${t.status ?? 'DISABLED'} on ${t.attributeName ?? '(none)'}`,
            ]),
          ),
        },
      ],
      problems: enabled ? [] : [`audit table ${table.id} has no time to live on ${expected}`],
    };
  },
};
