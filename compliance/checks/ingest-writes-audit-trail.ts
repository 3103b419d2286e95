/**
 * Every delivery attempt recorded (PCI DSS 10.2.1, HIPAA §164.312(b), GDPR 30): the ingest
 * Lambda is told which table is the audit trail, and its role may write there. With `--stack`,
 * the function's live variable names the stack's audit table, and the live policy (iam:GetPolicy
 * and GetPolicyVersion, or GetRolePolicy) still allows the write on it.
 */
import { auditTable } from '../../functions/config/tables.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import type { LivePolicy } from '../report/live-policies.ts';
import {
  actionsOf,
  describeValue,
  environmentOf,
  ingestFunction,
  policyStatements,
  property,
  referencedId,
  resourceOfOutput,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  livePhysicalId,
  liveResource,
  notApplicable,
  type TemplateRule,
} from './rule.ts';

export const ingestWritesAuditTrail: TemplateRule<'ingest-writes-audit-trail'> = {
  name: 'ingest-writes-audit-trail',
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
      return notApplicable('the template has no audit table output or no ingest Lambda');
    }
    const findings: Finding[] = [];
    const variable = environmentOf(ingest.resource)[auditTable.nameVariable];
    if (referencedId(variable) !== table.id) {
      findings.push(
        finding(`the ingest Lambda's ${auditTable.nameVariable} is not the audit table`, ingest.id),
      );
    }
    const role = referencedId(property(ingest.resource, 'Role'));
    const writes = policyStatements(template).filter(
      ({ owner, statement }) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).includes('dynamodb:PutItem') &&
        JSON.stringify(statement.Resource ?? null).includes(`"${table.id}"`) &&
        attachedTo(template.Resources[owner]?.Properties, role),
    );
    if (writes.length === 0) {
      findings.push(
        finding(
          "the ingest Lambda's role may not write to the audit table",
          ...(role === undefined ? [ingest.id] : [role]),
        ),
      );
    }
    const evidence: Evidence[] = [
      {
        resource: ingest.id,
        type: ingest.resource.Type,
        property: `Environment.Variables.${auditTable.nameVariable}`,
        value: describeValue(variable),
        ...liveResource(context, 'functions', ingest.id, ({ settings }) => {
          const name = settings[auditTable.nameVariable];
          const wanted = livePhysicalId(context, table.id);
          return [name !== undefined && name === wanted, name ?? '(not set)'];
        }),
      },
      ...writes.map(({ owner, statement }) => ({
        resource: owner,
        type: template.Resources[owner]?.Type ?? '?',
        property: `PolicyDocument${typeof statement.Sid === 'string' ? ` (${statement.Sid})` : ''}`,
        value: `${actionsOf(statement).join(', ')} on ${table.id}`,
        ...liveResource(context, 'policies', owner, ({ statements }: LivePolicy) => {
          const tableName = livePhysicalId(context, table.id);
          const allowed = statements.some(
            (s) =>
              s.Effect === 'Allow' &&
              actionsOf(s).includes('dynamodb:PutItem') &&
              tableName !== undefined &&
              JSON.stringify(s.Resource ?? null).includes(`:table/${tableName}`),
          );
          return [
            allowed,
            allowed
              ? `dynamodb:PutItem on table/${tableName}`
              : 'no dynamodb:PutItem on the audit table',
          ];
        }),
      })),
    ];
    return compliantUnless(findings, evidence);
  },
};

/** Whether a managed policy's or role's properties attach it to `role`. */
function attachedTo(properties: unknown, role: string | undefined): boolean {
  const roles = valueAt(properties, 'Roles');
  return role !== undefined && Array.isArray(roles) && roles.some((r) => referencedId(r) === role);
}
