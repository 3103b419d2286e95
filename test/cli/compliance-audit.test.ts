/**
 * `webhooks compliance audit --local`, `compliance history --local`, `providers list [--review]`
 * and the scheduled self-audit function, against the local stack: a key aged past its
 * cryptoperiod and a provider left idle, by the command's injectable clock, both flagged, the
 * run recorded in the admin trail and listed; a check the stand-ins cannot run (the KMS
 * stand-in has no GetKeyPolicy) shown as not run, and the exit code saying so.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditCompliance } from '../../cli/commands/compliance/audit.ts';
import { listProviders } from '../../cli/commands/providers/list.ts';
import { stackOutputKeys } from '../../cli/target.ts';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { selfAudit, selfAuditCheckNames } from '../../functions/config/self-audit.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { DigestStore } from '../../ops/integrity/digest-store.ts';
import { writeDueDigests } from '../../ops/integrity/digest-writer.ts';
import { dayMs } from '../../ops/review/review-finding.ts';
import type { SelfAuditRun } from '../../ops/review/run-record.ts';
import { SelfAuditHistory } from '../../ops/review/run-store.ts';
import { accepted } from '../support/audit-records.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, memoryIo, tempFiles } from './helpers.ts';

/** A run reads the whole trail of the last day, in the local stack's minute-long periods. */
const runBudgetMs = 120_000;

let admin: AdminStack;
/** When the providers were registered: the run's clock counts from here. */
let registeredMs: number;

const roleArn = 'arn:aws:sts::123456789012:assumed-role/SelfAuditRole/self-audit';
const sts = mockClient(STSClient);

beforeAll(async () => {
  admin = await startAdminStack();
  const files = tempFiles({ secret: 'whsec_self_audit_example' });
  for (const providerId of ['delivered', 'quiet']) {
    const added = await cli([
      'providers',
      'add',
      providerId,
      '--scheme',
      'stripe',
      '--secret-file',
      files.secret as string,
      '--local',
    ]);
    expect(added.code).toBe(0);
  }
  registeredMs = Date.now();
  // An accepted delivery, as the ingest path writes it, 390 days after the registration.
  await writeAccepted(
    admin.dynamodb,
    admin.stack.resources.tables.audit,
    accepted({
      providerId: 'delivered',
      deliveryId: 'evt_self_audit',
      receivedAtMs: registeredMs + 390 * dayMs,
    }),
  );
}, startBudgetMs);

afterAll(async () => {
  sts.restore();
  await admin?.close();
});

const checkOf = (run: SelfAuditRun, name: string) => run.checks.find((c) => c.name === name);

/** Runs `compliance audit` as the CLI does, with the clock the test sets; the run as JSON. */
async function audit(flags: Record<string, string | boolean>, nowMs?: number) {
  const { io, output } = memoryIo();
  const code = await auditCompliance(
    { local: true, json: true, ...flags },
    io,
    nowMs === undefined ? {} : { now: () => nowMs },
  );
  return {
    code,
    stderr: output.stderr,
    run: JSON.parse(output.stdout) as SelfAuditRun & { runSha256: string },
  };
}

describe('webhooks compliance audit --local, 400 days on', () => {
  let result: Awaited<ReturnType<typeof audit>>;
  let atMs: number;
  beforeAll(async () => {
    atMs = registeredMs + 400 * dayMs;
    result = await audit({ cryptoperiodDays: '365' }, atMs);
  }, runBudgetMs);

  it('flags both keys and the subject-index secret past the 365-day cryptoperiod, and the provider never delivered to', () => {
    const { run } = result;
    expect(run.checks.map((check) => check.name)).toEqual([...selfAuditCheckNames]);
    expect(run.settings).toMatchObject({ cryptoperiodDays: 365, idleProviderDays: 30 });
    expect(checkOf(run, 'key-cryptoperiod')).toMatchObject({
      status: 'failed',
      findings: [
        expect.stringMatching(
          /^provider 'delivered' key v1 \(secret\) .* 400 days ago: past the 365-day cryptoperiod/,
        ),
        expect.stringMatching(
          /^provider 'quiet' key v1 \(secret\) .* 400 days ago: past the 365-day cryptoperiod/,
        ),
        // The local stack created the subject-index secret at start, as old as the keys.
        expect.stringMatching(
          /^the subject-index secret v1 was created .* 400 days ago: past the 365-day cryptoperiod; rotate it \(webhooks audit rotate-subject-secret\)$/,
        ),
      ],
    });
    // 'delivered' accepted a delivery 10 days ago: within the 30 idle days.
    expect(checkOf(run, 'idle-providers')).toMatchObject({
      status: 'failed',
      findings: [
        expect.stringMatching(
          /^provider 'quiet' has had no accepted delivery since it was registered \(.*\), 400 days ago, more than 30/,
        ),
      ],
    });
    expect(checkOf(run, 'key-grace-overdue')?.status).toBe('passed');
    expect(result.code).toBe(1);
  });

  it('shows template-controls as not run: the local stack has no template', () => {
    expect(checkOf(result.run, 'template-controls')).toEqual({
      name: 'template-controls',
      status: 'not_run',
      reason: 'no CloudFormation stack: the local stack has no template',
      findings: [],
    });
    expect(result.run.templateSha256).toBeUndefined();
  });

  it('shows access-changes as not run, naming the call the KMS stand-in does not answer', () => {
    expect(checkOf(result.run, 'access-changes')).toMatchObject({
      status: 'not_run',
      reason: expect.stringMatching(/^kms:GetKeyPolicy failed \(\w+/),
      findings: [],
    });
  });

  it('writes the run to the admin trail, sealed, naming the run record by its SHA-256', async () => {
    const trail = new AdminTrailStore({
      dynamodb: admin.dynamodb,
      tableName: admin.stack.resources.tables.audit,
      sealer: admin.operatorSealer,
    });
    const { records } = await trail.listAdminActions({
      sinceMs: atMs - 1,
      untilMs: atMs + 1,
      limit: 10,
    });
    expect(records).toEqual([
      expect.objectContaining({
        requestId: result.run.runId,
        action: 'compliance.audit',
        target: 'local',
        actor: expect.stringMatching(/^local:/),
        outcome: 'succeeded',
        detail: expect.objectContaining({
          trigger: 'operator',
          profiles: 'baseline',
          cryptoperiodDays: '365',
          checksFailed: expect.stringContaining('key-cryptoperiod,idle-providers'),
          checksNotRun: expect.stringContaining('template-controls'),
          runSha256: result.run.runSha256,
          findingSummary: expect.stringContaining("key-cryptoperiod: provider 'delivered' key v1"),
        }),
      }),
    ]);
    const { runs } = await new SelfAuditHistory({
      dynamodb: admin.dynamodb,
      tableName: admin.stack.resources.tables.audit,
    }).listRuns(5);
    expect(runs.map(({ run }) => run.runId)).toContain(result.run.runId);
  });

  it('lists the run in compliance history --local', async () => {
    const history = await cli(['compliance', 'history', '--local']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      /^STARTED\s+BY\s+PASSED\s+FAILED\s+NOT RUN\s+FAILED CHECKS\s+TEMPLATE$/m,
    );
    const row = history.stdout.split('\n').find((line) => line.startsWith(result.run.startedAt));
    expect(row).toMatch(
      /^\S+Z\s+local:\S+\s+\d\s+\d\s+\d\s+key-cryptoperiod,idle-providers(,\S+)?\s+-$/,
    );
    const json = await cli(['compliance', 'history', '--local', '--json', '--limit', '1']);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        trigger: 'operator',
        target: 'local',
        run: expect.objectContaining({ runId: result.run.runId }),
      }),
    ]);
  });

  it("lists each provider's oldest key age and last accepted delivery; --review what the run flags", async () => {
    const listed = await cli(['providers', 'list', '--local']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^PROVIDER\s+SCHEME\s+ENABLED\s+KEYS\s+RETENTION\s+SOURCES\s+KEY AGE\s+LAST DELIVERY$/m,
    );
    const deliveredOn = new Date(registeredMs + 390 * dayMs).toISOString().slice(0, 10);
    expect(listed.stdout).toMatch(
      new RegExp(`^delivered\\s+stripe\\s+yes\\s+v1\\s+\\S+\\s+any\\s+0d\\s+${deliveredOn}$`, 'm'),
    );
    expect(listed.stdout).toMatch(/^quiet\s+stripe\s+yes\s+v1\s+\S+\s+any\s+0d\s+never$/m);

    const { io, output } = memoryIo();
    const code = await listProviders({ local: true, review: true }, io, { now: () => atMs });
    expect(code).toBe(0);
    expect(output.stderr).toContain('keys older than 365 days');
    expect(output.stderr).toContain(
      'enabled providers without an accepted delivery for more than 30 days',
    );
    const rows = output.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^PROVIDER\s+CHECK\s+REASON$/);
    expect(rows.slice(1).map((row) => row.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'delivered key-cryptoperiod',
      'quiet key-cryptoperiod',
      'quiet idle-providers',
    ]);
  });

  it('refuses a cryptoperiod that is no whole number of days, before doing anything', async () => {
    const { code, stderr } = await cli([
      'compliance',
      'audit',
      '--local',
      '--cryptoperiod-days',
      'a year',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: --cryptoperiod-days must be a whole number of days from 1, got 'a year'\n",
    );
  });
});

describe('a run where nothing fails but a check cannot run', () => {
  it(
    'shows the check as not run with its reason, and exits 1: not run is not passed',
    async () => {
      const digests = admin.stack.resources.digests;
      if (digests === undefined) throw new Error('the local stack made no digest bucket');
      const s3 = new S3Client({});
      await writeDueDigests({
        dynamodb: admin.dynamodb,
        auditTableName: admin.stack.resources.tables.audit,
        registryTableName: admin.stack.resources.tables.registry,
        store: new DigestStore({ s3, kms: admin.kms, ...digests }),
        timing: auditDigests.local,
      });
      s3.destroy();
      const { code, run } = await audit({ cryptoperiodDays: '1000', idleDays: '1000' });
      expect(Object.fromEntries(run.checks.map((check) => [check.name, check.status]))).toEqual({
        'template-controls': 'not_run',
        'key-cryptoperiod': 'passed',
        'key-grace-overdue': 'passed',
        'idle-providers': 'passed',
        'audit-integrity': 'passed',
        'access-changes': 'not_run',
      });
      expect(code).toBe(1);
    },
    runBudgetMs,
  );
});

describe('webhooks compliance audit --stack', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  afterAll(() => cloudFormation.restore());

  it(
    "checks the deployed template's controls, records its version and the caller",
    async () => {
      const operatorArn = 'arn:aws:iam::123456789012:user/auditor';
      sts.on(GetCallerIdentityCommand).resolves({ Arn: operatorArn });
      const { resources } = admin.stack;
      const values: Record<string, string> = {
        [stackOutputKeys.registryTableName]: resources.tables.registry,
        [stackOutputKeys.auditTableName]: resources.tables.audit,
        [stackOutputKeys.queueUrl]: resources.queueUrl,
        [stackOutputKeys.secretsKeyId]: resources.keys.secrets.keyId,
        [stackOutputKeys.auditKeyId]: resources.keys.audit.keyId,
        [operatorOutputKeys.complianceProfiles]: 'gdpr',
      };
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'webhooks-prod',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: Object.entries(values).map(([OutputKey, OutputValue]) => ({
              OutputKey,
              OutputValue,
            })),
          },
        ],
      });
      // A template that keeps the audit table without point-in-time recovery: GDPR Art. 32 fails.
      const templateBody = JSON.stringify({
        Resources: { AuditTable: { Type: 'AWS::DynamoDB::Table', Properties: {} } },
        Outputs: { AuditTableName: { Value: { Ref: 'AuditTable' } } },
      });
      cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: templateBody });
      const { io, output } = memoryIo();
      const code = await auditCompliance({ stack: 'webhooks-prod', json: true }, io);
      const run = JSON.parse(output.stdout) as SelfAuditRun;
      expect(code).toBe(1);
      expect(run).toMatchObject({ stack: 'webhooks-prod', profiles: ['gdpr'] });
      expect(run.templateSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(checkOf(run, 'template-controls')).toMatchObject({
        status: 'failed',
        findings: expect.arrayContaining([expect.stringMatching(/^GDPR .* Art\. 32 /)]),
      });
      expect(checkOf(run, 'audit-integrity')).toMatchObject({
        status: 'not_run',
        reason: 'this deployment keeps no audit digests (it predates them)',
      });
      const history = await cli(['compliance', 'history', '--local', '--limit', '3']);
      const row = history.stdout.split('\n').find((line) => line.startsWith(run.startedAt));
      expect(row).toContain(operatorArn);
      expect(row).toMatch(
        new RegExp(`template-controls\\S*\\s+${run.templateSha256?.slice(0, 12)}$`),
      );
    },
    runBudgetMs,
  );
});

describe('the scheduled function (scheduled/self-audit/handler.ts) against the local stack', () => {
  it(
    'runs, counts each failed and not-run check by name, and records the run under its role',
    async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Arn: roleArn });
      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'self-audit');
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
      vi.stubEnv(selfAudit.profilesVariable, 'baseline');
      const counted = vi.spyOn(Metrics.prototype, 'addMetric');
      const dimensions = vi.spyOn(Metrics.prototype, 'addDimension');
      const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const { handler, selfAuditRunMessage } = await import(
        '../../scheduled/self-audit/handler.ts'
      );
      const summary = await handler();
      expect(summary.notRun).toEqual(['template-controls', 'access-changes']);
      expect(counted).toHaveBeenCalledWith(selfAudit.checkNotRunMetric, 'Count', 1);
      expect(dimensions).toHaveBeenCalledWith('check', 'template-controls');
      expect(dimensions).toHaveBeenCalledWith('check', 'access-changes');
      const line = logged.mock.calls
        .map(([text]) => String(text))
        .find((text) => text.includes(selfAuditRunMessage));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        message: selfAuditRunMessage,
        runId: summary.runId,
        notRun: [
          {
            check: 'template-controls',
            reason: `no CloudFormation stack: ${selfAudit.stackNameVariable} is not set`,
          },
          { check: 'access-changes', reason: expect.stringMatching(/^kms:GetKeyPolicy failed/) },
        ],
      });
      for (const spy of [counted, dimensions, logged]) spy.mockRestore();

      const history = await cli(['compliance', 'history', '--local', '--json']);
      expect(JSON.parse(history.stdout)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            trigger: 'schedule',
            actor: roleArn,
            host: 'lambda:self-audit',
            run: expect.objectContaining({ runId: summary.runId }),
          }),
        ]),
      );
    },
    runBudgetMs,
  );
});
