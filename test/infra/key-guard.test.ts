/**
 * The key guard, the KeyChanges rule and the key custodians (infra/key-guard.ts,
 * infra/key-change-alarm.ts, infra/key-custodians.ts): what each adds to the synthesized key
 * policies, topic policy and event rule; what synthesis refuses; and that a deployment with all
 * of them passes the cdk-nag packs and AWS Control Tower's rules.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { keyUseBoundWithoutWildcards } from '../../compliance/checks/key-use-bound-without-wildcards.ts';
import { registerGuard } from '../../compliance/guard.ts';
import { registerNagPacks } from '../../compliance/nag.ts';
import { combineProfiles } from '../../compliance/profiles.ts';
import { asTemplate } from '../../compliance/report/template.ts';
import { auditFieldsKmsContext } from '../../functions/audit/data-key-cache.ts';
import { readAppContext } from '../../infra/context.ts';
import { GrantError } from '../../infra/grants.ts';
import { keyChangesId, keyChangesRunbook, watchedKeyEvents } from '../../infra/key-change-alarm.ts';
import { isCustodian } from '../../infra/key-custodians.ts';
import { DeploymentSettingsError } from '../../infra/settings.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { userConsumerFunction } from './deployment.ts';

const account = '123456789012';
const breakGlassRoleArn = `arn:aws:iam::${account}:role/break-glass`;
const auditorRoleArn = `arn:aws:iam::${account}:role/webhook-auditors`;
const ssoAuditors = `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Auditor_*`;
const consumerRoleArn = `arn:aws:iam::${account}:role/order-consumer`;

type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, unknown> };

const regulated = {
  complianceProfiles: ['pci-dss', 'hipaa'],
  alarmEmail: 'alarms@example.com',
} as const satisfies WebhookIngestionProps;

function deploy(props: WebhookIngestionProps, build?: (ingestion: WebhookIngestion) => void) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-key-guard-')) });
  const stack = new Stack(app, 'Webhooks');
  const ingestion = new WebhookIngestion(stack, 'Ingestion', props);
  build?.(ingestion);
  const template = () =>
    app.synth().getStackByName('Webhooks').template as { Resources: Record<string, Resource> };
  const logicalId = (key: kms.IKey) =>
    (stack.resolve(key.keyArn) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = (key: kms.IKey): Statement[] => {
    const resource = template().Resources[logicalId(key)];
    if (resource === undefined) throw new Error(`no key ${logicalId(key)}`);
    return (resource.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
  };
  const ofType = (type: string) =>
    Object.entries(template().Resources).filter(([, r]) => r.Type === type);
  return { app, stack, ingestion, template, statements, ofType, logicalId };
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const root = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
  ],
};
const sid = (statements: Statement[], name: string) => statements.find((s) => s.Sid === name);
/** The statements that allow `action` to the whole account, without naming who. */
const openToAccount = (statements: Statement[], action: string) =>
  statements.filter(
    (s) =>
      s.Effect === 'Allow' &&
      JSON.stringify(s.Principal) === JSON.stringify({ AWS: root }) &&
      actions(s).includes(action) &&
      s.Condition?.ArnLike?.['aws:PrincipalArn'] === undefined,
  );

describe('the key guard', { timeout: 120_000 }, () => {
  const guarded = deploy({ ...regulated, keyGuard: { breakGlassRoleArn } });

  it('denies disabling, deletion and rotation off on every key to all but the break-glass role', () => {
    const keys = guarded.ofType('AWS::KMS::Key');
    // The three data keys and the digests' signing key, and any other the deployment has.
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const [id, key] of keys) {
      const deny = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement.filter(
        (s) => s.Sid === 'KeyDeletionOnlyByBreakGlassRole',
      );
      expect(deny, id).toEqual([
        {
          Sid: 'KeyDeletionOnlyByBreakGlassRole',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation'],
          Resource: '*',
          Condition: { ArnNotLike: { 'aws:PrincipalArn': breakGlassRoleArn } },
        },
      ]);
    }
  });

  it('leaves key administration, policy changes included, to the account, so that updates work', () => {
    for (const key of guarded.ingestion.keys.all) {
      const admin = sid(guarded.statements(key), 'KeyAdministrationByAccountAdmins');
      expect(actions(admin as Statement)).toContain('kms:PutKeyPolicy');
      expect(actions(admin as Statement)).toContain('kms:CancelKeyDeletion');
    }
  });

  it('is not there without keyGuard', () => {
    const plain = deploy(regulated);
    for (const [, key] of plain.ofType('AWS::KMS::Key')) {
      expect(JSON.stringify(key.Properties.KeyPolicy)).not.toContain(
        'KeyDeletionOnlyByBreakGlassRole',
      );
    }
  });

  it("refuses removalPolicy 'destroy', whose stack deletion deletes the keys, and a bad ARN", () => {
    const refusal = (props: WebhookIngestionProps) => {
      try {
        deploy(props);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const destroy = refusal({ removalPolicy: 'destroy', keyGuard: { breakGlassRoleArn } });
    expect(destroy).toBeInstanceOf(DeploymentSettingsError);
    expect((destroy as DeploymentSettingsError).problems).toEqual([
      expect.stringMatching(/^keyGuard denies key deletion .* removalPolicy 'destroy'/),
    ]);
    const bad = refusal({ keyGuard: { breakGlassRoleArn: 'break-glass' } });
    expect((bad as DeploymentSettingsError).problems).toEqual([
      expect.stringMatching(/^keyGuard.breakGlassRoleArn must be an IAM role ARN/),
    ]);
  });

  it('is set by the app from -c breakGlassRoleArn', () => {
    expect(readAppContext((key) => ({ breakGlassRoleArn })[key]).props.keyGuard).toEqual({
      breakGlassRoleArn,
    });
    expect(() => readAppContext((key) => ({ breakGlassRoleArn: 'nobody' })[key])).toThrow(
      /breakGlassRoleArn: expected an IAM role ARN/,
    );
  });
});

describe('the KeyChanges rule', { timeout: 120_000 }, () => {
  const built = deploy(regulated);

  it("matches policy changes and disabling or deletion of every one of the deployment's keys", () => {
    const [[, rule] = []] = built
      .ofType('AWS::Events::Rule')
      .filter(([id]) => id.includes(keyChangesId));
    const pattern = rule?.Properties.EventPattern as {
      source: string[];
      'detail-type': string[];
      detail: {
        eventSource: string[];
        eventName: string[];
        requestParameters: { keyId: unknown[] };
      };
    };
    expect(pattern.source).toEqual(['aws.kms']);
    expect(pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    expect(pattern.detail.eventSource).toEqual(['kms.amazonaws.com']);
    expect(pattern.detail.eventName).toEqual([...watchedKeyEvents]);
    expect(pattern.detail.eventName).toEqual(
      expect.arrayContaining([
        'PutKeyPolicy',
        'ScheduleKeyDeletion',
        'DisableKey',
        'DisableKeyRotation',
      ]),
    );
    const keyIds = built.ofType('AWS::KMS::Key').map(([id]) => id);
    expect(pattern.detail.requestParameters.keyId).toEqual(
      expect.arrayContaining(keyIds.flatMap((id) => [{ Ref: id }, { 'Fn::GetAtt': [id, 'Arn'] }])),
    );
    expect(pattern.detail.requestParameters.keyId).toHaveLength(2 * keyIds.length);
    expect(rule?.Properties.State ?? 'ENABLED').toBe('ENABLED');
  });

  it('notifies the alarm topic, which lets EventBridge publish for this rule, over its key', () => {
    const topicArn = built.stack.resolve(built.ingestion.alarmTopic.topic.topicArn);
    const [[ruleId, rule] = []] = built
      .ofType('AWS::Events::Rule')
      .filter(([id]) => id.includes(keyChangesId));
    const targets = rule?.Properties.Targets as { Arn: unknown; InputTransformer?: unknown }[];
    expect(targets.map((t) => t.Arn)).toEqual([topicArn]);
    expect(JSON.stringify(targets[0]?.InputTransformer)).toContain('First check:');
    expect(keyChangesRunbook).toMatch(/\. First check: \S/);

    const [[, topicPolicy] = []] = built.ofType('AWS::SNS::TopicPolicy');
    if (topicPolicy === undefined) throw new Error('no topic policy');
    const topicStatements = (topicPolicy.Properties.PolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(sid(topicStatements, 'AlarmsPublishedByEventBridgeRules')).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: { ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': [ruleId, 'Arn'] }] } },
    });
    // Still TLS only: the topic's Deny of plain HTTP stands for EventBridge as for anyone.
    expect(topicStatements.some((s) => s.Effect === 'Deny')).toBe(true);
    expect(
      sid(built.statements(built.ingestion.keys.audit), 'AlarmNotificationsByEventBridge'),
    ).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:sns:topicArn': expect.anything() } },
    });
  });
});

describe('the key custodians', { timeout: 120_000 }, () => {
  const custodians = {
    auditorRoleArns: [auditorRoleArn, ssoAuditors],
    consumerRoleArns: [consumerRoleArn],
  };
  const built = deploy(
    { ...regulated, keyGuard: { breakGlassRoleArn }, keyCustodians: custodians },
    (ingestion) => {
      ingestion.addConsumer(
        userConsumerFunction(Stack.of(ingestion), 'OnDelivery', ingestion.consumerPlacement()),
      );
    },
  );
  const audit = () => built.statements(built.ingestion.keys.audit);
  const queue = () => built.statements(built.ingestion.keys.queue);
  const ingestRole = () => built.stack.resolve(built.ingestion.ingest.function.role?.roleArn);

  it('name the auditors by ARN, and nobody else, for decrypting audit fields', () => {
    const purpose = auditFieldsKmsContext.purpose;
    expect(sid(audit(), 'AuditFieldDecryptionByAuditors')).toBeUndefined();
    expect(sid(audit(), 'AuditFieldDecryptionByCustodians')).toMatchObject({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: { 'kms:EncryptionContext:purpose': purpose },
        ArnLike: { 'aws:PrincipalArn': [auditorRoleArn, ssoAuditors] },
      },
    });
    // No statement lets the account's principals decrypt under the audit-field purpose unnamed.
    const underPurpose = openToAccount(audit(), 'kms:Decrypt').filter(
      (s) => s.Condition?.StringEquals?.['kms:EncryptionContext:purpose'] === purpose,
    );
    expect(underPurpose).toEqual([]);
    expect(sid(audit(), 'AuditFieldsDecryptedOnlyByCustodians')).toEqual({
      Sid: 'AuditFieldsDecryptedOnlyByCustodians',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:EncryptionContext:purpose': purpose },
        ArnNotLike: { 'aws:PrincipalArn': [auditorRoleArn, ssoAuditors, ingestRole()] },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
  });

  it("name the consumers and the construct's own consumer for decrypting deliveries", () => {
    const onDelivery = built.stack.node.findChild('OnDelivery') as unknown as { role: iam.IRole };
    const ownConsumer = built.stack.resolve(onDelivery.role.roleArn);
    expect(sid(queue(), 'DeliveryDecryptionByCustodians')).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { ArnLike: { 'aws:PrincipalArn': [consumerRoleArn, ownConsumer] } },
    });
    // The account keeps SQS's data keys for senders, which cannot read a message with them.
    expect(actions(sid(queue(), 'QueueEncryptionThroughSqs') as Statement)).toEqual([
      'kms:GenerateDataKey',
      'kms:DescribeKey',
    ]);
    expect(sid(queue(), 'DeliveriesDecryptedOnlyByCustodians')).toMatchObject({
      Effect: 'Deny',
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Condition: {
        ArnNotLike: { 'aws:PrincipalArn': [consumerRoleArn, ownConsumer, ingestRole()] },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    // The payload bucket's statement for the account stays, and the Deny above bounds it.
    expect(openToAccount(queue(), 'kms:Decrypt').map((s) => s.Sid)).toEqual([
      'BodyObjectsDecryptedByConsumers',
    ]);
  });

  it('show in the compliance evidence whether the key policies name custodians and a guard', () => {
    const evidence = (d: ReturnType<typeof deploy>) => {
      const outcome = keyUseBoundWithoutWildcards.evaluate({
        template: asTemplate(d.template(), 'Webhooks'),
        requirements: combineProfiles(['pci-dss']),
      });
      expect(outcome.verdict).toEqual({ kind: 'compliant' });
      return outcome.evidence.map((row) => row.value).join('\n');
    };
    const named = evidence(built);
    expect(named).toContain(
      `decryption named in the key policy: ${auditorRoleArn}, ${ssoAuditors}`,
    );
    expect(named).toContain(`decryption named in the key policy: ${consumerRoleArn}`);
    expect(named).toContain(
      `key guard: disabling, deletion and rotation off denied but to ${breakGlassRoleArn}`,
    );
    const plain = evidence(deploy(regulated));
    expect(plain).toContain('decryption: principals of the account as IAM allows');
    expect(plain).toContain('no key guard: administrators as IAM allows may disable or delete it');
    expect(plain).not.toContain('named in the key policy');
  });

  it.runIf(hasCfnLint || process.env.CI)(
    'pass cfn-lint, guard, custodians and the KeyChanges rule included',
    () => {
      const run = cfnLint({ 'key-guard': Template.fromJSON(built.template()) });
      expect(run.output).toContain(cleanRun(1));
      expect(run.status).toBe(0);
    },
    180_000,
  );

  it('keep the account-wide statements without keyCustodians, as IAM decides then', () => {
    const plain = deploy(regulated);
    const auditStatements = plain.statements(plain.ingestion.keys.audit);
    expect(sid(auditStatements, 'AuditFieldDecryptionByAuditors')?.Principal).toEqual({
      AWS: root,
    });
    expect(sid(auditStatements, 'AuditFieldsDecryptedOnlyByCustodians')).toBeUndefined();
    const queueStatements = plain.statements(plain.ingestion.keys.queue);
    expect(actions(sid(queueStatements, 'QueueEncryptionThroughSqs') as Statement)).toContain(
      'kms:Decrypt',
    );
    expect(sid(queueStatements, 'DeliveriesDecryptedOnlyByCustodians')).toBeUndefined();
  });

  it('grant a custodian, and refuse a grantee the key policy does not name', () => {
    const grants = deploy({ ...regulated, keyCustodians: custodians });
    const imported = (id: string, arn: string) => iam.Role.fromRoleArn(grants.stack, id, arn);
    expect(() =>
      grants.ingestion.grantReadPayloadCopies(imported('Auditors', auditorRoleArn)),
    ).not.toThrow();
    expect(() =>
      grants.ingestion.grantReadPayloadCopies(
        imported(
          'Sso',
          `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Auditor_0a1b2c`,
        ),
      ),
    ).not.toThrow();
    expect(() =>
      grants.ingestion.grantConsumeDeliveries(imported('Consumer', consumerRoleArn)),
    ).not.toThrow();
    const stranger = imported('Stranger', `arn:aws:iam::${account}:role/someone-else`);
    expect(() => grants.ingestion.grantReadPayloadCopies(stranger)).toThrow(GrantError);
    expect(() => grants.ingestion.grantReadPayloadCopies(stranger)).toThrow(
      /readPayloadCopies: .*Stranger is not among keyCustodians\.auditorRoleArns/,
    );
    expect(() => grants.ingestion.grantConsumeDeliveries(stranger)).toThrow(
      /consumeDeliveries: .*is not among keyCustodians\.consumerRoleArns/,
    );
    // Reading records without their fields needs no custodian.
    expect(() => grants.ingestion.grantReadAuditRecords(stranger)).not.toThrow();
  });

  it("grant a custodian role of the deployment's own stack without a dependency cycle", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-key-guard-')) });
    const stack = new Stack(app, 'Webhooks');
    const role = new iam.Role(stack, 'Investigator', { assumedBy: new iam.AccountRootPrincipal() });
    const ingestion = new WebhookIngestion(stack, 'Ingestion', {
      ...regulated,
      keyCustodians: { auditorRoleArns: [role.roleArn] },
    });
    ingestion.grantReadPayloadCopies(role);
    const resources = app.synth().getStackByName('Webhooks').template.Resources as Record<
      string,
      Resource
    >;
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    // The policy lists the role, not the role the policy: the key policy names the role.
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    const policy = ingestion.grantPolicies.readPayloadCopies as iam.ManagedPolicy;
    const policyId = stack.getLogicalId(policy.node.defaultChild as iam.CfnManagedPolicy);
    expect(resources[policyId]?.Properties.Roles).toEqual([{ Ref: roleId }]);
  });

  it('match ARNs as the key policy does, a * in the name matching any characters', () => {
    expect(isCustodian(auditorRoleArn, [auditorRoleArn])).toBe(true);
    expect(isCustodian(`${auditorRoleArn}-2`, [auditorRoleArn])).toBe(false);
    expect(isCustodian(ssoAuditors.replace('*', 'abc'), [ssoAuditors])).toBe(true);
    expect(
      isCustodian(`arn:aws:iam::${account}:role/webhook.auditors`, [
        `arn:aws:iam::${account}:role/webhook*auditors`,
      ]),
    ).toBe(true);
    expect(
      isCustodian(`arn:aws:iam::${account}:role/webhookXauditors`, [
        auditorRoleArn.replace('-', '.'),
      ]),
    ).toBe(false);
  });

  it('refuse an empty list or an ARN that names no role, and come from the app context', () => {
    expect(() => deploy({ keyCustodians: { auditorRoleArns: [] } })).toThrow(
      /keyCustodians\.auditorRoleArns is empty/,
    );
    expect(() =>
      deploy({ keyCustodians: { consumerRoleArns: ['arn:aws:iam::123456789012:user/bob'] } }),
    ).toThrow(/keyCustodians\.consumerRoleArns: .* is no IAM role ARN/);
    const context: Record<string, unknown> = {
      auditorRoleArns: `${auditorRoleArn}, ${ssoAuditors}`,
      consumerRoleArns: [consumerRoleArn],
    };
    expect(readAppContext((key) => context[key]).props.keyCustodians).toEqual(custodians);
  });

  it('pass every cdk-nag pack and Control Tower rule under pci-dss and hipaa, guard and custodians on', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-key-guard-')) });
    new WebhookIngestion(new Stack(app, 'Webhooks'), 'Ingestion', {
      ...regulated,
      keyGuard: { breakGlassRoleArn },
      keyCustodians: custodians,
    });
    registerNagPacks(app);
    registerGuard(app);
    expect(() => app.synth()).not.toThrow();
  }, 180_000);
});
