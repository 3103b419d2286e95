/**
 * The internet-facing ingest function writes the audit trail append-only (docs/audit-integrity.md,
 * "Append-only writes"), proven from the synthesized policies of its role, for the default
 * profile and for pci-dss with hipaa: no statement lets it delete an audit item, every statement
 * that lets it update one names the attributes it may touch, none of them a record field, a
 * seal or `expiresAt`, and no wildcard action reaches the table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ingestUpdatedAttributes, toDeliveryItem } from '../../functions/audit/delivery-item.ts';
import { erasedPersonalFields, toAuditItem, toPayloadItem } from '../../functions/audit/record.ts';
import {
  erasureSealAttributes,
  recordSealAttributes,
} from '../../functions/audit/seal-attributes.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import { accepted, auditRecord } from '../support/audit-records.ts';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

type Resource = { Type: string; Properties: Record<string, unknown> };

const profiles = [
  ['the default profile', {}],
  ['pci-dss and hipaa', { complianceProfiles: ['pci-dss', 'hipaa'] as const }],
] as const;

/** The deployment's template, the ingest role's logical id and the audit table's. */
function synthesize(props: (typeof profiles)[number][1]) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-append-only-')) });
  const stack = new Stack(app, 'Webhooks');
  const ingestion = new WebhookIngestion(stack, 'Ingestion', {
    ...props,
    alarmEmail: 'alarms@example.com',
  });
  const template = app.synth().getStackByName('Webhooks').template as {
    Resources: Record<string, Resource>;
  };
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
  return {
    template,
    roleId: logicalId(ingestion.ingest.role),
    tableId: logicalId(ingestion.auditTable),
  };
}

/** Every statement of every policy attached to the role: managed (by either side) and inline. */
function roleStatements(template: { Resources: Record<string, Resource> }, roleId: string) {
  const role = template.Resources[roleId];
  if (role === undefined) throw new Error(`no ${roleId}`);
  const namesRole = (roles: unknown) =>
    Array.isArray(roles) &&
    roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }));
  const listed = new Set(
    ((role.Properties.ManagedPolicyArns as unknown[] | undefined) ?? []).map((arn) =>
      JSON.stringify(arn),
    ),
  );
  const documents: unknown[] = [
    ...((role.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
      (policy) => policy.PolicyDocument,
    ),
  ];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const attached =
      (resource.Type === 'AWS::IAM::ManagedPolicy' &&
        (namesRole(resource.Properties.Roles) || listed.has(JSON.stringify({ Ref: id })))) ||
      (resource.Type === 'AWS::IAM::Policy' && namesRole(resource.Properties.Roles));
    if (attached) documents.push(resource.Properties.PolicyDocument);
  }
  return documents.flatMap((document) => (document as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Whether an IAM action pattern (with `*` and `?`) matches `action`. */
function matches(pattern: string, action: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** Whether the statement names the audit table (or every resource). */
const reachesTable = (s: Statement, tableId: string) =>
  resourcesOf(s).some((r) => r === '*' || JSON.stringify(r).includes(`"${tableId}"`));

/**
 * Every attribute of an audit record or its seal, as the items the ingest function writes hold
 * them (a delivery item, a record item, a payload copy), and those erasure sets: what no update
 * of the ingest function may touch. Only the keys and `attempts` (a repeat appended) are not.
 */
function recordAttributes(): Set<string> {
  const record = accepted();
  const sealed = {
    ...record,
    seal: {
      scope: 'record' as const,
      key: Buffer.from('key'),
      fields: Buffer.from('fields'),
      personal: Buffer.from('personal'),
    },
  };
  const times = { sendingUntilMs: record.receivedAtMs, dedupUntilMs: record.receivedAtMs + 1 };
  const names = new Set([
    ...Object.keys(toDeliveryItem(sealed, times, sealed.seal)),
    ...Object.keys(toAuditItem({ ...auditRecord(), seal: sealed.seal })),
    ...Object.keys(toPayloadItem({ ...record, encryptedPayload: Buffer.of(1) }) ?? {}),
    ...erasedPersonalFields,
    ...Object.values(recordSealAttributes).filter((v): v is string => typeof v === 'string'),
    ...Object.values(erasureSealAttributes),
    'erasedAtMs',
    'erasureReceiptId',
    auditTable.timeToLiveAttribute,
  ]);
  for (const bookkeeping of ['pk', 'sk', 'attempts']) names.delete(bookkeeping);
  return names;
}

describe.each(profiles)('the ingest role, under %s', (_, props) => {
  const { template, roleId, tableId } = synthesize(props);
  const statements = roleStatements(template, roleId).filter((s) => s.Effect === 'Allow');
  const onTable = statements.filter((s) => reachesTable(s, tableId));

  it('holds policies that reach the audit table (the test looks where they are)', () => {
    expect(onTable.length).toBeGreaterThan(0);
    expect(onTable.flatMap(actionsOf)).toContain('dynamodb:PutItem');
  });

  it('cannot delete an audit item, nor reach the table with a wildcard action', () => {
    for (const statement of onTable) {
      const actions = actionsOf(statement);
      expect(
        actions.filter((a) => a.includes('*') || a.includes('?')),
        statement.Sid,
      ).toEqual([]);
      for (const forbidden of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
        expect(
          actions.some((a) => matches(a, forbidden)),
          `${statement.Sid} ${forbidden}`,
        ).toBe(false);
      }
    }
  });

  it('updates an audit item only naming its keys and repeat bookkeeping: never a record field, a seal or expiresAt', () => {
    const updates = onTable.filter((s) =>
      actionsOf(s).some((a) => matches(a, 'dynamodb:UpdateItem')),
    );
    expect(updates.length).toBeGreaterThan(0);
    const forbidden = recordAttributes();
    expect(forbidden).toContain('expiresAt');
    expect(forbidden).toContain('seal');
    expect(forbidden).toContain('listSk');
    for (const statement of updates) {
      // ForAllValues:StringEquals: every attribute the request names is in the list.
      const listed = statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'];
      expect(Array.isArray(listed), `${statement.Sid} names its attributes`).toBe(true);
      const attributes = listed as string[];
      expect(attributes).toEqual([...ingestUpdatedAttributes]);
      expect(attributes.filter((name) => forbidden.has(name))).toEqual([]);
      expect(attributes.filter((name) => /[*?]/.test(name))).toEqual([]);
      // Nothing else loosens it: no other operator on the key, and nothing returned.
      const operators = Object.entries(statement.Condition ?? {}).filter(
        ([, keys]) => 'dynamodb:Attributes' in keys,
      );
      expect(operators.map(([operator]) => operator)).toEqual(['ForAllValues:StringEquals']);
      expect(statement.Condition?.StringEqualsIfExists?.['dynamodb:ReturnValues']).toEqual('NONE');
    }
  });
});
