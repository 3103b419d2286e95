/**
 * The construct's grants (infra/grants.ts): a consumer in another stack and operators' roles in
 * a third, granted through the construct, synthesize without a cycle and with the cdk-nag packs
 * clean; no grant adds a statement to a key policy, and every statement a grant writes that
 * names a key is bound to the service or the encryption context the data is kept with.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyUseBoundWithoutWildcards } from '../../compliance/checks/key-use-bound-without-wildcards.ts';
import { registerNagPacks } from '../../compliance/nag.ts';
import { type ComplianceProfileName, combineProfiles } from '../../compliance/profiles.ts';
import { asTemplate } from '../../compliance/report/template.ts';
import { auditFieldsKmsContext } from '../../functions/audit/data-key-cache.ts';
import { integrityKmsContext } from '../../functions/audit/record-seal.ts';
import { subjectIndexKmsContext } from '../../functions/audit/subject-index.ts';
import { subjectIndexSecretId } from '../../functions/audit/subject-index-secret.ts';
import { auditTable } from '../../functions/config/tables.ts';
import {
  providerKeyContextKeys,
  providerSecretPurpose,
} from '../../functions/registry/key-binding.ts';
import {
  adminPartition,
  type DeploymentGrantName,
  deploymentGrantNames,
  erasurePartition,
  GrantError,
} from '../../infra/grants.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import { adminPartitionKey } from '../../ops/admin-trail/admin-record.ts';
import { erasurePartitionKey } from '../../ops/erasure/erasure-receipt.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { nagFindings, userConsumerFunction } from './deployment.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/**
 * The deployment in its stack, a consumer function in a second, operators' roles in a third,
 * each granted through the construct (or, `withGrants: false`, the same app without them).
 */
function grantsApp(profile: ComplianceProfileName, withGrants = true) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-grants-')) });
  const ingestion = new WebhookIngestion(new Stack(app, 'Webhooks'), 'Ingestion', {
    complianceProfiles: [profile],
    alarmEmail: 'alarms@example.com',
  });
  const consumers = new Stack(app, 'Consumers');
  const onDelivery = userConsumerFunction(consumers, 'OnDelivery', ingestion.consumerPlacement());
  const mapping = new lambda.EventSourceMapping(consumers, 'Deliveries', {
    target: onDelivery,
    eventSourceArn: ingestion.queues.queue.queueArn,
    batchSize: 10,
    reportBatchItemFailures: true,
  });
  const operations = new Stack(app, 'Operations');
  const role = (id: string) =>
    new iam.Role(operations, id, { assumedBy: new iam.AccountRootPrincipal() });
  const roles = {
    auditor: role('Auditor'),
    investigator: role('Investigator'),
    operator: role('Operator'),
    eraser: role('Eraser'),
  };
  const consume = withGrants ? ingestion.grantConsumeDeliveries(onDelivery) : undefined;
  consume?.applyBefore(mapping);
  if (withGrants) {
    ingestion.grantReadAuditRecords(roles.auditor);
    ingestion.grantReadPayloadCopies(roles.investigator);
    ingestion.grantAdministerProviders(roles.operator);
    ingestion.grantEraseSubjects(roles.eraser);
  }
  return {
    app,
    ingestion,
    consumers,
    onDelivery,
    mapping,
    roles,
    consume,
  };
}

type GrantsApp = ReturnType<typeof grantsApp>;

/** The policy of grant `name`, as synthesized in the deployment's stack. */
function grantPolicy(
  built: GrantsApp,
  name: DeploymentGrantName,
): { logicalId: string; statements: Statement[] } {
  const policy = built.ingestion.grantPolicies[name];
  if (policy === undefined) throw new Error(`no ${name} policy`);
  const stack = Stack.of(policy);
  const logicalId = stack.getLogicalId(policy.node.defaultChild as iam.CfnManagedPolicy);
  const template = built.app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>;
  };
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`${logicalId} is not in ${stack.stackName}`);
  return { logicalId, statements: resource.Properties.PolicyDocument.Statement };
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const conditionKeys = (s: Statement) =>
  Object.values(s.Condition ?? {}).flatMap((operator) => Object.keys(operator));

describe('the construct grants', () => {
  const gdpr = grantsApp('gdpr');
  beforeAll(() => {
    gdpr.app.synth();
  }, 120_000);

  it('add no statement to any key policy', () => {
    const keyPolicies = (built: GrantsApp) =>
      Object.values(
        built.app.synth().getStackByName('Webhooks').template.Resources as Record<string, Resource>,
      )
        .filter((r) => r.Type === 'AWS::KMS::Key')
        .map((r) => r.Properties.KeyPolicy);
    const without = keyPolicies(grantsApp('gdpr', false));
    expect(without.length).toBeGreaterThanOrEqual(3);
    expect(keyPolicies(gdpr)).toEqual(without);
  }, 120_000);

  it.each(deploymentGrantNames)(
    'bind every statement of %s that names a key to the service or the context of its data',
    (name) => {
      const { statements } = grantPolicy(gdpr, name);
      const keyStatements = statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith('kms:')),
      );
      expect(keyStatements.length).toBeGreaterThan(0);
      for (const statement of keyStatements) {
        expect(
          conditionKeys(statement).some(
            (key) => key === 'kms:ViaService' || key.startsWith('kms:EncryptionContext:'),
          ),
          `${name} ${statement.Sid}`,
        ).toBe(true);
      }
      // Every action and resource written out: no wildcard action, no resource `*`.
      for (const statement of statements) {
        expect(actionsOf(statement).filter((a) => a.includes('*'))).toEqual([]);
        expect(statement.Resource).not.toEqual('*');
      }
    },
  );

  it('let a consumer decrypt deliveries only through SQS for this queue and S3 for this bucket', () => {
    const { statements } = grantPolicy(gdpr, 'consumeDeliveries');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const contextOf = (sid: string) => Object.keys(bySid[sid]?.Condition?.StringEquals ?? {});
    expect(contextOf('DecryptDeliveries')).toEqual([
      'kms:ViaService',
      'kms:EncryptionContext:aws:sqs:arn',
    ]);
    expect(contextOf('DecryptLargeBodies')).toEqual([
      'kms:ViaService',
      'kms:EncryptionContext:aws:s3:arn',
    ]);
    expect(actionsOf(bySid.DecryptDeliveries as Statement)).toEqual(['kms:Decrypt']);
  });

  it('bind direct key use to the encryption context each writer uses, and no other key', () => {
    const bound = (context: Readonly<Record<string, string>>, keys: readonly string[]) => ({
      StringEquals: Object.fromEntries(
        Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
      ),
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...keys] },
    });
    const condition = (name: DeploymentGrantName, sid: string) =>
      grantPolicy(gdpr, name).statements.find((s) => s.Sid === sid)?.Condition;
    // functions/audit/field-encryption.ts: payload copies and headers.
    expect(condition('readPayloadCopies', 'DecryptAuditFields')).toEqual(
      bound(auditFieldsKmsContext, ['purpose']),
    );
    expect(condition('readAuditRecords', 'DecryptAuditFields')).toBeUndefined();
    // The CLI's seals (record-seal.ts, writer `operator`) and its subject-index secret.
    for (const name of ['readAuditRecords', 'administerProviders'] as const) {
      expect(condition(name, 'SealAdminRecords')).toEqual(
        bound(integrityKmsContext('operator'), ['purpose', 'writer']),
      );
    }
    expect(condition('administerProviders', 'SubjectIndexSecret')).toEqual(
      bound(subjectIndexKmsContext, ['purpose']),
    );
    // functions/registry/key-binding.ts: provider keys, encrypted and re-encrypted, never decrypted.
    const encrypt = grantPolicy(gdpr, 'administerProviders').statements.find(
      (s) => s.Sid === 'EncryptProviderKeys',
    );
    expect(encrypt?.Condition).toEqual(
      bound({ purpose: providerSecretPurpose }, providerKeyContextKeys),
    );
    expect(actionsOf(encrypt as Statement)).not.toContain('kms:Decrypt');
  });

  it('let readers and operators write admin records and nothing else of the audit table', () => {
    expect(adminPartition).toBe(adminPartitionKey);
    for (const name of ['readAuditRecords', 'readPayloadCopies', 'administerProviders'] as const) {
      const writes = grantPolicy(gdpr, name).statements.filter((s) =>
        actionsOf(s).some((a) => /^dynamodb:(Put|Update|Delete)/.test(a)),
      );
      const onAudit = writes.filter((s) => JSON.stringify(s.Resource).includes('AuditTable'));
      expect(onAudit.map((s) => [actionsOf(s), s.Condition])).toEqual([
        [
          ['dynamodb:PutItem'],
          { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [adminPartitionKey] } },
        ],
      ]);
    }
    // Reads name the audit table's indexes one by one.
    const reads = grantPolicy(gdpr, 'readAuditRecords').statements.find(
      (s) => s.Sid === 'ReadAuditRecords',
    );
    expect(reads?.Resource).toHaveLength(1 + auditTable.globalSecondaryIndexes.length);
  });

  it("give an eraser exactly erasure's calls (ops/erasure/, cli/commands/audit/erase.ts), and no other grant an update or delete of an audit record", () => {
    expect(erasurePartition).toBe(erasurePartitionKey);
    const statements = grantPolicy(gdpr, 'eraseSubjects').statements;
    const table = (s: Statement) => JSON.stringify(s.Resource);
    const granted = statements.map((s) => [s.Sid, actionsOf(s)]);
    expect(granted).toEqual([
      ['FindRecordsToErase', ['dynamodb:GetItem', 'dynamodb:Query']],
      ['EraseRecords', ['dynamodb:UpdateItem', 'dynamodb:DeleteItem']],
      ['WriteErasureReceipts', ['dynamodb:PutItem']],
      ['FindBodyObjects', ['s3:ListBucket']],
      ['DeleteBodyObjects', ['s3:DeleteObject']],
      ['ReadProviderSettings', ['dynamodb:GetItem']],
      ['CreateSubjectIndexSecret', ['dynamodb:PutItem']],
      ['RegistryEncryptedThroughDynamoDb', expect.any(Array)],
      ['SubjectIndexSecret', ['kms:GenerateDataKey', 'kms:Decrypt']],
      ['RecordAdminActions', ['dynamodb:PutItem']],
      ['AuditTableEncryptedThroughDynamoDb', expect.any(Array)],
      ['SealAdminRecords', ['kms:GenerateDataKey']],
    ]);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    // The records: the table and its indexes by name; updated and deleted on the table only.
    expect(bySid.FindRecordsToErase?.Resource).toHaveLength(
      1 + auditTable.globalSecondaryIndexes.length,
    );
    expect(table(bySid.EraseRecords as Statement)).toMatch(/AuditTable/);
    expect(table(bySid.EraseRecords as Statement)).not.toMatch(/index/);
    // Puts: receipts only on the audit table, the subject-index secret only on the registry.
    expect(bySid.WriteErasureReceipts?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [erasurePartitionKey] },
    });
    expect(bySid.CreateSubjectIndexSecret?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [subjectIndexSecretId] },
    });
    expect(table(bySid.ReadProviderSettings as Statement)).toMatch(/RegistryTable/);
    expect(bySid.SealAdminRecords?.Condition).toMatchObject({
      StringEquals: { 'kms:EncryptionContext:writer': 'operator' },
    });
    // No other grant may change or delete an audit record.
    for (const name of deploymentGrantNames.filter((n) => n !== 'eraseSubjects')) {
      const changes = grantPolicy(gdpr, name).statements.filter(
        (s) =>
          actionsOf(s).some((a) => /^dynamodb:(Update|Delete)/.test(a)) &&
          table(s).includes('AuditTable'),
      );
      expect(changes, name).toEqual([]);
    }
  });

  it('synthesize a consumer in another stack and operators in a third without a cycle', () => {
    const assembly = gdpr.app.synth();
    const dependencies = (name: string) =>
      assembly.getStackByName(name).dependencies.map((dependency) => dependency.id);
    expect(
      dependencies('Webhooks').filter((id) => id === 'Consumers' || id === 'Operations'),
    ).toEqual([]);
    expect(dependencies('Consumers')).toContain('Webhooks');
    expect(dependencies('Operations')).toContain('Webhooks');
    // Each grantee's role lists its grant's policy, imported from the deployment's stack.
    const resources = (stack: string) =>
      (
        assembly.getStackByName(stack).template as {
          Resources: Record<string, { DependsOn?: string[]; Properties?: Record<string, unknown> }>;
        }
      ).Resources;
    const attached = (stack: string, role: iam.Role) =>
      JSON.stringify(
        resources(stack)[Stack.of(role).getLogicalId(role.node.defaultChild as iam.CfnRole)]
          ?.Properties?.ManagedPolicyArns,
      );
    const exported = (name: DeploymentGrantName) => {
      const policy = gdpr.ingestion.grantPolicies[name] as iam.ManagedPolicy;
      return `ExportsOutputRef${Stack.of(policy).getLogicalId(policy.node.defaultChild as iam.CfnManagedPolicy)}`;
    };
    expect(attached('Consumers', gdpr.onDelivery.role as iam.Role)).toContain(
      exported('consumeDeliveries'),
    );
    expect(attached('Operations', gdpr.roles.auditor)).toContain(exported('readAuditRecords'));
    expect(attached('Operations', gdpr.roles.investigator)).toContain(
      exported('readPayloadCopies'),
    );
    expect(attached('Operations', gdpr.roles.operator)).toContain(exported('administerProviders'));
    expect(attached('Operations', gdpr.roles.eraser)).toContain(exported('eraseSubjects'));
    // The mapping is created after the role lists the policy (Lambda checks it then).
    const mappingId = gdpr.consumers.getLogicalId(
      gdpr.mapping.node.defaultChild as lambda.CfnEventSourceMapping,
    );
    const roleId = gdpr.consumers.getLogicalId(
      (gdpr.onDelivery.role as iam.Role).node.defaultChild as iam.CfnRole,
    );
    expect(resources('Consumers')[mappingId]?.DependsOn).toContain(roleId);
  });

  it('make one policy per grant, and one grant per grantee however often it is asked', () => {
    expect(gdpr.ingestion.grantConsumeDeliveries(gdpr.onDelivery)).toBe(gdpr.consume);
    const second = userConsumerFunction(gdpr.consumers, 'SecondReader');
    const policy = gdpr.ingestion.grantPolicies.consumeDeliveries;
    const grant = gdpr.ingestion.grantConsumeDeliveries(second);
    expect(gdpr.ingestion.grantPolicies.consumeDeliveries).toBe(policy);
    expect(grant).not.toBe(gdpr.consume);
    expect(grant.principalStatements.map((s) => s.sid)).toEqual([
      'ReceiveDeliveries',
      'ReadLargeBodies',
      'DecryptDeliveries',
      'DecryptLargeBodies',
    ]);
    expect(Object.keys(gdpr.ingestion.grantPolicies).sort()).toEqual(
      [...deploymentGrantNames].sort(),
    );
  });

  it.each(['gdpr', 'hipaa'] as const)(
    'synthesize with every cdk-nag pack registered, adding no finding anywhere (%s)',
    (profile) => {
      // The user's function and its mapping are theirs to make compliant (DLQ, concurrency,
      // tracing…): what the packs find on them without any grant is acknowledged as theirs.
      const without = grantsApp(profile, false);
      const theirs = nagFindings(without.app).filter((finding) =>
        finding.includes(' at Consumers/'),
      );
      expect(theirs.length).toBeGreaterThan(0);
      const built = grantsApp(profile);
      const byPath = new Map(built.app.node.findAll().map((c) => [c.node.path, c]));
      for (const finding of theirs) {
        const [rule, path] = finding.split(' at ') as [string, string];
        Validations.of(byPath.get(path) as IConstruct).acknowledge({
          id: rule,
          reason: "the user's own function, there without any grant",
        });
      }
      registerNagPacks(built.app);
      expect(() => built.app.synth()).not.toThrow();
    },
    180_000,
  );

  // cfn-lint (AWS's own template rules) on all three stacks, as on the stock app's templates.
  it.runIf(hasCfnLint || process.env.CI)(
    'pass cfn-lint in every stack',
    () => {
      const assembly = grantsApp('hipaa').app.synth();
      const stacks = ['Webhooks', 'Consumers', 'Operations'];
      const run = cfnLint(
        Object.fromEntries(
          stacks.map((name) => [
            `grants-${name}`,
            Template.fromJSON(assembly.getStackByName(name).template),
          ]),
        ),
      );
      expect(run.output).toContain(cleanRun(stacks.length));
      expect(run.status).toBe(0);
    },
    180_000,
  );

  it('open the VPC endpoints to a function placed in the VPC, and to nobody else', () => {
    expect(combineProfiles(['hipaa']).vpcPlacementRequired).toBe(true);
    const endpointStatements = (built: GrantsApp, service: string) => {
      const resources = built.app.synth().getStackByName('Webhooks').template.Resources as Record<
        string,
        Resource
      >;
      const endpoint = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::EC2::VPCEndpoint' &&
          JSON.stringify(r.Properties.ServiceName).includes(`.${service}"`),
      );
      if (endpoint === undefined) throw new Error(`no ${service} endpoint`);
      return (endpoint.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    };
    const granted = grantsApp('hipaa');
    const without = grantsApp('hipaa', false);
    // The consumer function fetches large bodies from inside the VPC: the S3 endpoint lets
    // exactly that through, beside what it did.
    const added = endpointStatements(granted, 's3').filter(
      (statement) =>
        !endpointStatements(without, 's3').some(
          (before) => JSON.stringify(before) === JSON.stringify(statement),
        ),
    );
    expect(added.map((statement) => statement.Action)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(added[0]?.Resource)).toContain('PayloadBucket');
    // The operators' roles are no functions in the VPC: the other endpoints stay as they were.
    for (const service of ['dynamodb', 'kms']) {
      expect(endpointStatements(granted, service)).toEqual(endpointStatements(without, service));
    }
  }, 180_000);

  it('refuse a grantee no policy can be attached to, or one in another account', () => {
    const app = new App();
    const ingestion = new WebhookIngestion(
      new Stack(app, 'Webhooks', { env: { account: '111111111111', region: 'eu-west-1' } }),
      'Ingestion',
    );
    expect(() =>
      ingestion.grantReadAuditRecords(new iam.ServicePrincipal('lambda.amazonaws.com')),
    ).toThrow(GrantError);
    const elsewhere = new Stack(app, 'Elsewhere', {
      env: { account: '222222222222', region: 'eu-west-1' },
    });
    const role = new iam.Role(elsewhere, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => ingestion.grantReadAuditRecords(role)).toThrow(/another account or Region/);
  });
});

describe("CDK's own queue grant, which the docs steer away from", () => {
  it('still works in the construct stack, with an unconditioned statement in the queue key policy', () => {
    const app = new App();
    const stack = new Stack(app, 'Webhooks');
    const ingestion = new WebhookIngestion(stack, 'Ingestion');
    ingestion.queues.queue.grantConsumeMessages(userConsumerFunction(stack));
    const template = asTemplate(app.synth().getStackByName('Webhooks').template, 'Webhooks');
    const { verdict } = keyUseBoundWithoutWildcards.evaluate({
      template,
      requirements: combineProfiles(['baseline']),
    });
    expect(verdict).toMatchObject({
      kind: 'non-compliant',
      findings: expect.arrayContaining([
        expect.objectContaining({ why: expect.stringMatching(/grants kms:Decrypt.* without/) }),
      ]),
    });
  });

  it('makes a cycle from another stack, as SqsEventSource does', () => {
    const app = new App();
    const ingestion = new WebhookIngestion(new Stack(app, 'Webhooks'), 'Ingestion');
    const fn = userConsumerFunction(new Stack(app, 'Consumers'));
    fn.addEventSource(new SqsEventSource(ingestion.queues.queue));
    expect(() => app.synth()).toThrow(/cyclic reference/);
  });

  it('is named in docs/consumer.md beside the construct grant to use instead', () => {
    const doc = readFileSync('docs/consumer.md', 'utf8');
    expect(doc).toContain('grantConsumeDeliveries');
    expect(doc).toMatch(/not `queue\.grantConsumeMessages`/);
    expect(doc).toContain('SqsEventSource');
  });
});
