/**
 * One self-audit run (scheduled/self-audit/run.ts) against AWS stood in for by SDK mocks, for
 * what the local stand-ins cannot produce: a throttled or denied call, a key policy and a table
 * resource policy that change between runs, a deployed template. Also the run's record within
 * the trail's limits, and the handler's settings. test/cli/compliance-audit.test.ts runs the
 * same code against the local stack.
 */
import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlsFor } from '../../compliance/controls.ts';
import { evaluateControl } from '../../compliance/report/control-result.ts';
import { asTemplate } from '../../compliance/report/template.ts';
import { subjectIndexSecretId } from '../../functions/audit/subject-index-secret.ts';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { InvalidSettingError } from '../../functions/config/errors.ts';
import { selfAudit, selfAuditCheckNames } from '../../functions/config/self-audit.ts';
import { type ProviderConfig, toItem, withDefaults } from '../../functions/registry/provider.ts';
import { adminFieldLimits, toAdminItem } from '../../ops/admin-trail/admin-record.ts';
import { dayMs } from '../../ops/review/review-finding.ts';
import {
  fromRunItem,
  runSha256,
  type SelfAuditRun,
  toRunItem,
} from '../../ops/review/run-record.ts';
import { adminRecordOf } from '../../ops/review/run-store.ts';
import { notRunReason } from '../../scheduled/self-audit/call.ts';
import { runSelfAudit, type SelfAuditTarget } from '../../scheduled/self-audit/run.ts';
import {
  profileCryptoperiodDays,
  type SelfAuditSettings,
  selfAuditSettings,
  settingsFrom,
} from '../../scheduled/self-audit/settings.ts';

const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const cloudFormation = mockClient(CloudFormationClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  for (const mock of [dynamodb, kms, cloudFormation, sqs]) mock.reset();
});
afterAll(() => {
  for (const mock of [dynamodb, kms, cloudFormation, sqs]) mock.restore();
});

const region = { region: 'eu-west-1' };
const createdMs = Date.parse('2026-01-01T00:00:00.000Z');
const nowMs = createdMs + 400 * dayMs;
const now = () => nowMs;
const auditKeyId = '1234abcd-0000-0000-0000-000000000001';

const target: SelfAuditTarget = {
  dynamodb: new DynamoDBClient(region),
  kms: new KMSClient(region),
  registryTableName: 'prod-registry',
  auditTableName: 'prod-audit',
  auditKeyId,
  access: { keys: { audit: auditKeyId }, tables: { audit: 'prod-audit' } },
};

const settings: SelfAuditSettings = selfAuditSettings(['pci-dss'], {
  cryptoperiodDays: 365,
  idleProviderDays: 30,
});

function provider(providerId: string, createdAtMs: number): ProviderConfig {
  return {
    ...withDefaults({ providerId, scheme: 'github' }),
    keys: [{ version: 1, kind: 'secret', ciphertext: new Uint8Array(32), createdAtMs }],
    updatedAtMs: createdAtMs,
    revision: 1,
  };
}

const keyPolicy = (...roles: string[]) =>
  JSON.stringify({
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*' },
      ...roles.map((role) => ({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::123456789012:role/${role}` },
        Action: 'kms:Decrypt',
      })),
    ],
  });

const denied = (action: string) =>
  Object.assign(new Error(`not authorized to perform ${action}`), {
    name: 'AccessDeniedException',
  });

/** A deployment with an old provider key and a recent one, no recorded run and no deliveries. */
function deployment(options: { readonly runs?: SelfAuditRun[] } = {}) {
  dynamodb.on(ScanCommand).resolves({
    Items: [toItem(provider('old-shop', createdMs)), toItem(provider('new-shop', nowMs - dayMs))],
  });
  dynamodb.on(QueryCommand, { IndexName: 'byTime' }).resolves({ Items: [] });
  dynamodb.on(QueryCommand, { KeyConditionExpression: '#pk = :pk' }).resolves({
    Items: (options.runs ?? []).map((run) =>
      toRunItem({ run, actor: 'local:ops', host: 'laptop', trigger: 'operator', target: 'prod' }),
    ),
  });
  dynamodb.on(DescribeTableCommand).resolves({
    Table: { TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/prod-audit' },
  });
  dynamodb
    .on(GetResourcePolicyCommand)
    .rejects(Object.assign(new Error('no policy'), { name: 'PolicyNotFoundException' }));
  kms.on(GetKeyPolicyCommand).resolves({ Policy: keyPolicy('ingest') });
}

const checkOf = (run: SelfAuditRun, name: string) => run.checks.find((c) => c.name === name);

describe('a self-audit run', () => {
  it('runs every check in order, each passed, failed or not run, never passed without looking', async () => {
    deployment();
    const run = await runSelfAudit(target, settings, { now, runId: () => 'run-1' });
    expect(run.checks.map((check) => check.name)).toEqual([...selfAuditCheckNames]);
    expect(run).toMatchObject({
      runId: 'run-1',
      startedAt: new Date(nowMs).toISOString(),
      profiles: ['pci-dss'],
      settings: { cryptoperiodDays: 365, idleProviderDays: 30, integrityWindowSeconds: 86_400 },
    });
    expect(checkOf(run, 'template-controls')).toEqual({
      name: 'template-controls',
      status: 'not_run',
      reason: 'no CloudFormation stack: the local stack has no template',
      findings: [],
    });
    expect(checkOf(run, 'key-cryptoperiod')).toMatchObject({
      status: 'failed',
      findings: [expect.stringMatching(/^provider 'old-shop' key v1 \(secret\) .* 400 days ago/)],
    });
    expect(checkOf(run, 'key-grace-overdue')).toMatchObject({ status: 'passed', findings: [] });
    expect(checkOf(run, 'idle-providers')).toMatchObject({
      status: 'failed',
      findings: [expect.stringMatching(/^provider 'old-shop' has had no accepted delivery since/)],
    });
    expect(checkOf(run, 'audit-integrity')).toMatchObject({
      status: 'not_run',
      reason: 'this deployment keeps no audit digests (it predates them)',
    });
    // One Query per shard of the byTime index per enabled provider, newest first, five items (a released claim is skipped: ops/review/last-delivery.ts).
    const byTime = dynamodb
      .commandCalls(QueryCommand)
      .filter((c) => c.args[0].input.IndexName === 'byTime');
    expect(byTime).toHaveLength(16);
    expect(byTime[0]?.args[0].input).toMatchObject({ ScanIndexForward: false, Limit: 5 });
  });

  it('flags the subject-index secret past the cryptoperiod beside the provider keys', async () => {
    deployment();
    const secretItem = {
      providerId: { S: subjectIndexSecretId },
      ciphertext: { B: new Uint8Array(184) },
      createdAt: { S: new Date(createdMs).toISOString() },
    };
    dynamodb.on(ScanCommand).resolves({
      Items: [toItem(provider('new-shop', nowMs - dayMs)), secretItem],
    });
    const run = await runSelfAudit(target, settings, { now });
    expect(checkOf(run, 'key-cryptoperiod')).toEqual({
      name: 'key-cryptoperiod',
      status: 'failed',
      summary: '1 keys of 1 providers and the subject-index secret against a 365-day cryptoperiod',
      findings: [
        'the subject-index secret v1 was created 2026-01-01T00:00:00.000Z, 400 days ago: past the 365-day cryptoperiod; rotate it (webhooks audit rotate-subject-secret)',
      ],
    });
    // Read by Scan, as the providers are: the role may not GetItem.
    expect(
      dynamodb
        .commandCalls(ScanCommand)
        .some((c) => c.args[0].input.FilterExpression === 'providerId = :id'),
    ).toBe(true);

    // An item it cannot read is a finding, not a pass.
    dynamodb.on(ScanCommand).resolves({
      Items: [{ ...secretItem, createdAt: { S: 'not a time' } }],
    });
    const unreadable = await runSelfAudit(target, settings, { now });
    expect(checkOf(unreadable, 'key-cryptoperiod')).toMatchObject({
      status: 'failed',
      findings: [
        expect.stringMatching(
          /^subject-index secret not readable, its age not checked: .*createdAt/,
        ),
      ],
    });
  });

  it('records the first reading of who may decrypt or read as the baseline, and passes', async () => {
    deployment();
    const run = await runSelfAudit(target, settings, { now });
    expect(checkOf(run, 'access-changes')).toMatchObject({
      status: 'passed',
      summary: 'first reading: 2 principals on 2 resources recorded as the baseline',
    });
    expect(run.principals).toEqual({
      [`key audit (${auditKeyId})`]: [
        'AWS:arn:aws:iam::123456789012:role/ingest',
        'AWS:arn:aws:iam::123456789012:root',
      ],
      'table audit (prod-audit)': [],
    });
    expect(kms.commandCalls(GetKeyPolicyCommand)[0]?.args[0].input).toEqual({
      KeyId: auditKeyId,
      PolicyName: 'default',
    });
  });

  it('names each principal added or removed since the previous run, and fails', async () => {
    deployment();
    const first = await runSelfAudit(target, settings, { now: () => nowMs - dayMs });
    deployment({ runs: [first] });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: keyPolicy('auditor') });
    const second = await runSelfAudit(target, settings, { now });
    expect(checkOf(second, 'access-changes')).toMatchObject({
      status: 'failed',
      findings: [
        `key audit (${auditKeyId}): AWS:arn:aws:iam::123456789012:role/auditor added to its policy since ${first.startedAt}`,
        `key audit (${auditKeyId}): AWS:arn:aws:iam::123456789012:role/ingest removed from its policy since ${first.startedAt}`,
      ],
    });
    // The next run compares with this reading: each change is reported once.
    expect(second.principals?.[`key audit (${auditKeyId})`]).toContain(
      'AWS:arn:aws:iam::123456789012:role/auditor',
    );
  });

  it('reports a throttled call as not run, naming the action and error; the other checks still run', async () => {
    deployment();
    const first = await runSelfAudit(target, settings, { now: () => nowMs - dayMs });
    deployment({ runs: [first] });
    kms
      .on(GetKeyPolicyCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const run = await runSelfAudit(target, settings, { now });
    expect(checkOf(run, 'access-changes')).toEqual({
      name: 'access-changes',
      status: 'not_run',
      reason: 'kms:GetKeyPolicy failed (ThrottlingException: Rate exceeded)',
      findings: [],
    });
    expect(checkOf(run, 'key-cryptoperiod')?.status).toBe('failed');
    // Not read now: the previous reading is carried over for the next run to compare with.
    expect(run.principals).toEqual(first.principals);
    expect(run.principalsReadAt).toBe(first.startedAt);
  });

  it('reports the provider checks as not run when the registry cannot be listed', async () => {
    deployment();
    dynamodb.on(ScanCommand).rejects(denied('dynamodb:Scan'));
    const run = await runSelfAudit(target, settings, { now });
    for (const name of ['key-cryptoperiod', 'key-grace-overdue', 'idle-providers']) {
      expect(checkOf(run, name)).toEqual({
        name,
        status: 'not_run',
        reason: 'permission missing: dynamodb:Scan (AccessDeniedException)',
        findings: [],
      });
    }
    expect(checkOf(run, 'access-changes')?.status).toBe('passed');
  });
});

describe('template-controls', () => {
  const stackTarget: SelfAuditTarget = {
    ...target,
    stack: {
      name: 'webhooks-prod',
      cloudFormation: new CloudFormationClient(region),
      sqs: new SQSClient(region),
    },
  };
  const templateBody = JSON.stringify({
    Resources: {
      AuditKey: { Type: 'AWS::KMS::Key', Properties: {} },
      AuditTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    },
    Outputs: { AuditKeyId: { Value: { Ref: 'AuditKey' } } },
  });

  beforeEach(() => {
    deployment();
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'webhooks-prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [{ OutputKey: 'AuditKeyId', OutputValue: auditKeyId }],
        },
      ],
    });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: templateBody });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  });

  it("runs the compliance report's controls on the deployed template, and names its version", async () => {
    const run = await runSelfAudit(stackTarget, selfAuditSettings(['gdpr']), { now });
    expect(cloudFormation.commandCalls(GetTemplateCommand)[0]?.args[0].input).toEqual({
      StackName: 'webhooks-prod',
      TemplateStage: 'Processed',
    });
    expect(run.stack).toBe('webhooks-prod');
    expect(run.templateSha256).toBe(createHash('sha256').update(templateBody).digest('hex'));
    // The same evaluation as `compliance report`: the failed controls, with their problems.
    const template = asTemplate(JSON.parse(templateBody), 'test');
    const failed = controlsFor(['gdpr'])
      .map((control) => evaluateControl(control, template, undefined))
      .filter((control) => !control.passed);
    const check = checkOf(run, 'template-controls');
    expect(check?.status).toBe('failed');
    expect(check?.findings).toEqual(
      failed.map(
        (c) =>
          `${c.regulation} ${c.clause} (${c.title}): ${c.checks.flatMap((x) => x.problems).join('; ')}`,
      ),
    );
  });

  it('is not run when the template cannot be read', async () => {
    cloudFormation.on(GetTemplateCommand).rejects(denied('cloudformation:GetTemplate'));
    const run = await runSelfAudit(stackTarget, settings, { now });
    expect(checkOf(run, 'template-controls')).toMatchObject({
      status: 'not_run',
      reason: 'permission missing: cloudformation:GetTemplate (AccessDeniedException)',
    });
    expect(run.templateSha256).toBeUndefined();
  });

  it('is not run when no control fails but a live setting could not be read', async () => {
    kms.on(GetKeyRotationStatusCommand).rejects(denied('kms:GetKeyRotationStatus'));
    const run = await runSelfAudit(stackTarget, selfAuditSettings(['baseline']), { now });
    expect(checkOf(run, 'template-controls')).toMatchObject({
      status: 'not_run',
      reason:
        'live settings not read: permission missing: kms:GetKeyRotationStatus (AccessDeniedException)',
    });
  });
});

describe("a run's record", () => {
  it('keeps every check within bounds, and an admin record within the trail limits', async () => {
    deployment();
    const run = await runSelfAudit(target, settings, { now, runId: () => 'run-long' });
    const long: SelfAuditRun = {
      ...run,
      checks: run.checks.map((check) =>
        check.name === 'idle-providers'
          ? { ...check, findings: Array.from({ length: 80 }, (_, i) => `${i} ${'x'.repeat(2000)}`) }
          : check,
      ),
    };
    const record = {
      run: long,
      actor: 'local:ops',
      host: 'laptop',
      trigger: 'operator',
      target: 'local',
    } as const;
    const item = toRunItem(record);
    const read = fromRunItem(item);
    const idle = read.run.checks.find((check) => check.name === 'idle-providers');
    expect(idle?.findings).toHaveLength(51);
    expect(idle?.findings.at(-1)).toBe('… and 30 more findings, not kept');
    expect(Math.max(...(idle?.findings ?? []).map((finding) => finding.length))).toBe(500);
    expect(read.run.checks.find((check) => check.name === 'key-cryptoperiod')).toEqual(
      run.checks.find((check) => check.name === 'key-cryptoperiod'),
    );
    const admin = adminRecordOf(record, runSha256(item));
    expect(() => toAdminItem(admin)).not.toThrow();
    expect(admin).toMatchObject({
      requestId: 'run-long',
      action: 'compliance.audit',
      target: 'local',
      outcome: 'succeeded',
      detail: {
        trigger: 'operator',
        checksFailed: 'key-cryptoperiod,idle-providers',
        checksNotRun: 'template-controls,audit-integrity',
        checksPassed: 'key-grace-overdue,access-changes',
        runSha256: createHash('sha256')
          .update(item.run?.S ?? '')
          .digest('hex'),
      },
    });
    expect(admin.detail.findingSummary?.length).toBe(adminFieldLimits.detailValue);
    expect(admin.detail.notRunReasons).toBe(
      'template-controls: no CloudFormation stack: the local stack has no template; audit-integrity: this deployment keeps no audit digests (it predates them)',
    );
  });
});

describe('the handler settings', () => {
  it("read the profiles, cryptoperiod and idle days, with the profiles' cryptoperiod by default", () => {
    expect(
      settingsFrom({
        [selfAudit.profilesVariable]: 'pci-dss,gdpr',
        [selfAudit.idleDaysVariable]: '60',
      }),
    ).toEqual({
      profiles: ['pci-dss', 'gdpr'],
      cryptoperiodDays: profileCryptoperiodDays(['pci-dss', 'gdpr']),
      idleProviderDays: 60,
      integrityWindowSeconds: selfAudit.integrityWindowSeconds,
    });
    expect(settingsFrom({ [selfAudit.cryptoperiodVariable]: '90' })).toMatchObject({
      profiles: ['baseline'],
      cryptoperiodDays: 90,
      idleProviderDays: selfAudit.defaultIdleProviderDays,
    });
    expect(() => settingsFrom({ [selfAudit.cryptoperiodVariable]: '0' })).toThrow(
      InvalidSettingError,
    );
    expect(() => settingsFrom({ [selfAudit.profilesVariable]: 'sox' })).toThrow(
      InvalidSettingError,
    );
  });

  it('names a failed call through the adapters that wrap it', () => {
    const wrapped = new DependencyUnavailableError('dynamodb', 'Query', 'x', {
      cause: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    });
    expect(notRunReason(wrapped)).toBe(
      'dynamodb:Query failed (ThrottlingException: Rate exceeded)',
    );
    expect(notRunReason(new TypeError('boom'))).toBe('TypeError: boom');
  });
});
