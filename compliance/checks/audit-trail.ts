/** The audit trail and logs: written, complete, protected, and free of bodies and headers. */

import { auditTable } from '../../functions/config/tables.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import {
  actionsOf,
  describeValue,
  environmentOf,
  ingestFunction,
  isRecord,
  policyStatements,
  property,
  referencedId,
  resourceOfOutput,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import { type Evidence, observation, outcome, type TemplateCheck, withLive } from './check.ts';

/** Resource types that hold audit evidence and must outlive the stack. */
const evidenceTypes = ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'];

/** Access log fields PCI DSS 10.2.2 asks for: who, what, when, outcome, origin, resource. */
const accessLogFields = {
  '$context.requestId': 'request id',
  '$context.requestTime': 'time',
  '$context.identity.sourceIp': 'source IP',
  '$context.httpMethod': 'method',
  '$context.resourcePath': 'resource',
  '$context.status': 'status',
} as const;

/** Access log variables that would copy a body or a header into the log. */
const bodyOrHeader = /input\.body|header|requestOverride|responseOverride/i;

export const tablesPointInTimeRecovery: TemplateCheck = {
  summary:
    'Every DynamoDB table has point-in-time recovery (restore to any second of the last 35 days).',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::DynamoDB::Table').map((table) => {
      const pitr = property(table.resource, 'PointInTimeRecoverySpecification');
      if (valueAt(pitr, 'PointInTimeRecoveryEnabled') !== true) {
        problems.push(`table ${table.id} has no point-in-time recovery`);
      }
      return {
        resource: table.id,
        type: table.resource.Type,
        property: 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled',
        value: describeValue(valueAt(pitr, 'PointInTimeRecoveryEnabled')),
        ...withLive(context, (live) =>
          observation(live.tables.get(table.id)?.pointInTimeRecovery, (p) => [
            p.status === 'ENABLED',
            `${p.status ?? 'DISABLED'}${p.recoveryPeriodInDays === undefined ? '' : ` (${p.recoveryPeriodInDays} days)`}`,
          ]),
        ),
      };
    });
    return outcome(evidence, problems, 'the template has no DynamoDB table');
  },
};

export const tablesDeletionProtected: TemplateCheck = {
  summary: 'Every DynamoDB table has deletion protection on.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = resourcesOfType(context.template, 'AWS::DynamoDB::Table').map((table) => {
      const protectedTable = property(table.resource, 'DeletionProtectionEnabled') === true;
      if (!protectedTable) problems.push(`table ${table.id} has no deletion protection`);
      return {
        resource: table.id,
        type: table.resource.Type,
        property: 'DeletionProtectionEnabled',
        value: describeValue(property(table.resource, 'DeletionProtectionEnabled')),
        ...withLive(context, (live) =>
          observation(live.tables.get(table.id)?.description, (d) => [
            d.deletionProtection === true,
            String(d.deletionProtection ?? false),
          ]),
        ),
      };
    });
    return outcome(evidence, problems, 'the template has no DynamoDB table');
  },
};

export const auditEvidenceRetainedOnStackDeletion: TemplateCheck = {
  summary:
    'Tables, log groups and keys are kept when the stack is deleted or replaced (DeletionPolicy Retain), so deleting the stack never destroys audit evidence.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = evidenceTypes.flatMap((type) =>
      resourcesOfType(context.template, type).map(({ id, resource }) => {
        if (resource.DeletionPolicy !== 'Retain') {
          problems.push(`${id} (${type}) is deleted with the stack`);
        }
        return {
          resource: id,
          type,
          property: 'DeletionPolicy',
          value: resource.DeletionPolicy ?? '(not set: Delete)',
        };
      }),
    );
    return outcome(evidence, problems, 'the template has no table, log group or key');
  },
};

export const apiAccessLogging: TemplateCheck = {
  summary: `Every API stage writes a JSON access log line per request to a log group of this stack, with ${Object.values(accessLogFields).join(', ')}.`,
  evaluate(context) {
    const problems: string[] = [];
    const logGroups = new Set(
      resourcesOfType(context.template, 'AWS::Logs::LogGroup').map(({ id }) => id),
    );
    const evidence = resourcesOfType(context.template, 'AWS::ApiGateway::Stage').map((stage) => {
      const setting = property(stage.resource, 'AccessLogSetting');
      const destination = referencedId(valueAt(setting, 'DestinationArn'));
      const fields = accessLogValues(valueAt(setting, 'Format'));
      const missing = Object.entries(accessLogFields).filter(
        ([variable]) => !fields.includes(variable),
      );
      if (destination === undefined || !logGroups.has(destination)) {
        problems.push(`stage ${stage.id} writes no access log to a log group of this stack`);
      }
      if (missing.length > 0) {
        problems.push(
          `stage ${stage.id}'s access log lacks ${missing.map(([, name]) => name).join(', ')}`,
        );
      }
      return {
        resource: stage.id,
        type: stage.resource.Type,
        property: 'AccessLogSetting',
        value: `to ${destination ?? '(nowhere)'}: ${fields.map((field) => field.replace('$context.', '')).join(', ')}`,
      };
    });
    return outcome(evidence, problems, 'the template has no API stage');
  },
};

export const ingestWritesAuditTrail: TemplateCheck = {
  summary:
    'The ingest Lambda is given the audit table and may write to it, so every delivery attempt it handles is recorded there.',
  evaluate(context) {
    const { template } = context;
    const table = resourceOfOutput(
      template,
      stackOutputKeys.auditTableName,
      'AWS::DynamoDB::Table',
    );
    const ingest = ingestFunction(template, auditTable.nameVariable);
    if (table === undefined || ingest === undefined) {
      return outcome([], [], 'the template has no audit table output or no ingest Lambda');
    }
    const problems: string[] = [];
    const variable = environmentOf(ingest.resource)[auditTable.nameVariable];
    if (referencedId(variable) !== table.id) {
      problems.push(`the ingest Lambda's ${auditTable.nameVariable} is not the audit table`);
    }
    const role = referencedId(property(ingest.resource, 'Role'));
    const writes = policyStatements(template).filter(
      ({ owner, statement }) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).includes('dynamodb:PutItem') &&
        JSON.stringify(statement.Resource ?? null).includes(`"${table.id}"`) &&
        attachedTo(template.Resources[owner]?.Properties, role),
    );
    if (writes.length === 0)
      problems.push("the ingest Lambda's role may not write to the audit table");
    const evidence: Evidence[] = [
      {
        resource: ingest.id,
        type: ingest.resource.Type,
        property: `Environment.Variables.${auditTable.nameVariable}`,
        value: describeValue(variable),
      },
      ...writes.map(({ owner, statement }) => ({
        resource: owner,
        type: template.Resources[owner]?.Type ?? '?',
        property: `PolicyDocument${typeof statement.Sid === 'string' ? ` (${statement.Sid})` : ''}`,
        value: `${actionsOf(statement).join(', ')} on ${table.id}`,
      })),
    ];
    return { evidence, problems };
  },
};

export const noBodiesOrHeadersInLogs: TemplateCheck = {
  summary:
    'No log holds a request body or header: API Gateway logs no data trace, access logs name no header or body, and WAF logs redact the Authorization header.',
  evaluate(context) {
    const problems: string[] = [];
    const evidence: Evidence[] = resourcesOfType(
      context.template,
      'AWS::ApiGateway::Stage',
    ).flatMap((stage) => {
      const settings = property(stage.resource, 'MethodSettings');
      const traced = (Array.isArray(settings) ? settings : []).some(
        (setting) => valueAt(setting, 'DataTraceEnabled') === true,
      );
      const leaks = accessLogValues(
        valueAt(property(stage.resource, 'AccessLogSetting'), 'Format'),
      ).filter((field) => bodyOrHeader.test(field));
      if (traced) problems.push(`stage ${stage.id} logs full requests (DataTraceEnabled)`);
      if (leaks.length > 0)
        problems.push(`stage ${stage.id}'s access log holds ${leaks.join(', ')}`);
      return [
        {
          resource: stage.id,
          type: stage.resource.Type,
          property: 'MethodSettings[].DataTraceEnabled',
          value: String(traced),
        },
        {
          resource: stage.id,
          type: stage.resource.Type,
          property: 'AccessLogSetting.Format',
          value: leaks.length === 0 ? 'no header or body field' : leaks.join(', '),
        },
      ];
    });
    for (const { id, resource } of resourcesOfType(
      context.template,
      'AWS::WAFv2::LoggingConfiguration',
    )) {
      const redacted = property(resource, 'RedactedFields');
      const authorization = JSON.stringify(redacted ?? null)
        .toLowerCase()
        .includes('"authorization"');
      if (!authorization)
        problems.push(`WAF logging ${id} does not redact the Authorization header`);
      evidence.push({
        resource: id,
        type: resource.Type,
        property: 'RedactedFields',
        value: describeValue(redacted),
      });
    }
    return outcome(evidence, problems, 'the template has no API stage');
  },
};

/** The `$context…` variables of an access log format (JSON, as this stack writes it). */
function accessLogValues(format: unknown): string[] {
  if (typeof format !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(format);
    return isRecord(parsed) ? Object.values(parsed).map(String) : [];
  } catch {
    return format.match(/\$context\.[A-Za-z.]+/g) ?? [];
  }
}

/** Whether a managed policy's or role's properties attach it to `role`. */
function attachedTo(properties: unknown, role: string | undefined): boolean {
  const roles = valueAt(properties, 'Roles');
  return role !== undefined && Array.isArray(roles) && roles.some((r) => referencedId(r) === role);
}
