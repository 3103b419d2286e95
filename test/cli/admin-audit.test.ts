/**
 * Every admin action leaves its own record in the audit table: who, what, when and how it
 * ended; reads of the audit trail too. Run against the local stack, through the whole CLI.
 */
import { hostname, userInfo } from 'node:os';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stackOutputKeys } from '../../cli/target.ts';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { encryptField } from '../../functions/audit/field-encryption.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import {
  type AdminRecord,
  adminPartitionKey,
  toAdminItem,
} from '../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { auditRecord } from '../support/audit-records.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, jsonLines, tempFiles } from './helpers.ts';
import { mockedStackClients } from './stack-clients.ts';

const firstSecret = 'whsec_first_5f1c9a0e7b3d4c2a';
const secondSecret = 'whsec_second_8e2d6b4f1a9c0e3b';
const localActor = `local:${userInfo().username}`;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let admin: AdminStack;

beforeAll(async () => {
  admin = await startAdminStack();
}, startBudgetMs);

afterAll(() => admin?.close());

const auditStore = () =>
  new AuditStore({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.audit,
    sealer: admin.sealer,
  });

const adminTrail = () =>
  new AdminTrailStore({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.audit,
    sealer: admin.operatorSealer,
  });

/** Every live admin record about `target`, newest first, read straight from the table. */
async function adminRecordsOf(target: string): Promise<AdminRecord[]> {
  const { records, malformed } = await adminTrail().listAdminActions({
    sinceMs: 0,
    untilMs: Date.now(),
    limit: 1_000,
  });
  expect(malformed).toEqual([]);
  return records.filter((record) => record.target === target);
}

/** The admin partition's raw items, every attribute, as DynamoDB holds them. */
async function rawAdminItems() {
  const { Items } = await new DynamoDBClient({}).send(
    new QueryCommand({
      TableName: admin.stack.resources.tables.audit,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: adminPartitionKey } },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/** Makes every write of an admin record fail, as an outage of the audit table would. */
function failAdminRecordWrites() {
  const send = DynamoDBClient.prototype.send;
  return vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
    this: DynamoDBClient,
    ...args: Parameters<typeof send>
  ) {
    const [command] = args;
    if (command instanceof PutItemCommand && command.input.Item?.pk?.S === adminPartitionKey) {
      return Promise.reject(Object.assign(new Error('injected'), { name: 'InternalServerError' }));
    }
    return send.apply(this, args);
  } as typeof send);
}

/** A rejected attempt of `stripe-live` with its headers encrypted as ingest does. */
async function writeDeliveryRecord(deliveryId: string): Promise<void> {
  const kms = new KMSClient({});
  const dataKeys = new DataKeyCache({ kms, keyId: admin.stack.resources.keys.audit.keyId });
  const base = auditRecord({ deliveryId, receivedAtMs: Date.now() - 60_000 });
  await auditStore().writeAttempt({
    ...base,
    encryptedHeaders: await encryptField(
      dataKeys,
      { providerId: base.providerId, deliveryId, field: 'headers' },
      Buffer.from(JSON.stringify({ 'user-agent': 'Stripe/1.0' })),
    ),
  });
}

describe('providers commands --local', () => {
  it('write one record each, naming the caller, the action and the provider', async () => {
    const files = tempFiles({ first: firstSecret });
    const add = await cli([
      'providers',
      'add',
      'audited',
      '--scheme',
      'stripe',
      '--secret-file',
      files.first as string,
      '--redact',
      'data.object.customer_email',
      '--redact',
      'data.object.card=drop',
      '--option',
      'toleranceSeconds=600',
      '--local',
    ]);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    const rotate = await cli(
      ['providers', 'rotate', 'audited', '--secret-stdin', '--grace', '24h', '--local'],
      secondSecret,
    );
    expect(rotate).toMatchObject({ code: 0, stderr: '' });
    for (const step of ['disable', 'enable', 'remove']) {
      expect(await cli(['providers', step, 'audited', '--local'])).toMatchObject({
        code: 0,
        stderr: '',
      });
    }

    const records = await adminRecordsOf('audited');
    expect(records.map((record) => record.action)).toEqual([
      'provider.remove',
      'provider.enable',
      'provider.disable',
      'provider.rotate',
      'provider.add',
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ actor: localActor, host: hostname(), outcome: 'succeeded' });
      expect(record.requestId).toMatch(uuid);
      expect(record.reason).toBeUndefined();
    }
    expect(new Set(records.map((record) => record.requestId)).size).toBe(records.length);
    const [remove, enable, disable, rotated, added] = records;
    expect(added?.detail).toEqual({
      scheme: 'stripe',
      keyKind: 'secret',
      keyVersion: '1',
      retentionClass: 'standard',
      options: 'toleranceSeconds',
      redaction: 'data.object.customer_email=mask,data.object.card=drop',
      revision: '1',
    });
    expect(rotated?.detail).toEqual({
      graceSeconds: '86400',
      keyKind: 'secret',
      keyVersion: '2',
      olderKeysNotAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      revision: '2',
    });
    expect(disable?.detail).toEqual({ revision: '3' });
    expect(enable?.detail).toEqual({ revision: '4' });
    expect(remove?.detail).toEqual({});
    // Newest first, and each written after the one before it.
    const times = records.map((record) => record.atMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('keeps no key text in any admin record', async () => {
    const items = await rawAdminItems();
    expect(items.length).toBeGreaterThan(0);
    const stored = JSON.stringify(items, (_, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
    );
    for (const secret of [firstSecret, secondSecret]) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
      expect(stored).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('keeps each record for the extended retention class, off the delivery index', async () => {
    const days = retentionClasses.extended.auditDays;
    for (const item of await rawAdminItems()) {
      const atMs = Number(item.atMs?.N);
      expect(Number(item.expiresAt?.N)).toBe(Math.floor(atMs / 1000) + days * 86_400);
      expect(item.deliveryId).toBeUndefined();
    }
  });

  it('records an action the deployment refused as failed, with the error code', async () => {
    const rotate = await cli(
      ['providers', 'rotate', 'never-added', '--secret-stdin', '--local'],
      secondSecret,
    );
    expect(rotate.code).toBe(1);
    expect(await adminRecordsOf('never-added')).toEqual([
      expect.objectContaining({
        actor: localActor,
        action: 'provider.rotate',
        outcome: 'failed',
        reason: 'provider_not_found',
        detail: { graceSeconds: '0' },
      }),
    ]);

    const add = ['providers', 'add', 'twice', '--scheme', 'github', '--secret-stdin', '--local'];
    expect((await cli(add, 'one')).code).toBe(0);
    expect((await cli(add, 'two')).code).toBe(1);
    expect((await adminRecordsOf('twice')).map((record) => record.outcome)).toEqual([
      'failed',
      'succeeded',
    ]);
    expect((await adminRecordsOf('twice'))[0]?.reason).toBe('provider_exists');
  });

  it('leaves no record of a command refused before it reached the deployment', async () => {
    const mistakes = [
      ['providers', 'add', 'mistaken', '--scheme', 'gihub', '--secret-stdin'],
      ['providers', 'add', 'mistaken', '--scheme', 'github', '--secret-stdin', '--redact', 'a=x'],
      ['providers', 'add', 'mistaken', '--scheme', 'github', '--secret-stdin', '--redact', 'a..b'],
      ['providers', 'rotate', 'mistaken', '--secret-stdin', '--grace', '1w'],
    ];
    for (const argv of mistakes) expect((await cli([...argv, '--local'], 's')).code).toBe(2);
    expect(await adminRecordsOf('mistaken')).toEqual([]);
  });
});

describe('audit commands --local', () => {
  it('record a decrypting show before printing it, and a show that found nothing', async () => {
    await writeDeliveryRecord('evt_read_1');
    const shown = await cli(['audit', 'show', 'evt_read_1', '--json', '--local']);
    expect(shown.code).toBe(0);
    expect(jsonLines(shown.stdout)[0]?.headers).toEqual({ 'user-agent': 'Stripe/1.0' });
    expect(await adminRecordsOf('evt_read_1')).toEqual([
      expect.objectContaining({
        actor: localActor,
        action: 'audit.show',
        outcome: 'succeeded',
        detail: {
          records: '1',
          providers: 'stripe-live',
          fieldsDecrypted: '1',
          fieldsNotDecrypted: '0',
        },
      }),
    ]);

    expect((await cli(['audit', 'show', 'evt_nowhere', '--local'])).code).toBe(1);
    expect(await adminRecordsOf('evt_nowhere')).toEqual([
      expect.objectContaining({
        action: 'audit.show',
        outcome: 'failed',
        reason: 'delivery_not_found',
      }),
    ]);
  });

  it('record a listing of delivery attempts', async () => {
    const listed = await cli(['audit', 'list', '--provider', 'stripe-live', '--local']);
    expect(listed.code).toBe(0);
    const [record] = await adminRecordsOf('stripe-live');
    expect(record).toMatchObject({
      action: 'audit.list',
      outcome: 'succeeded',
      detail: { trail: 'deliveries', records: expect.stringMatching(/^\d+$/) },
    });
  });

  it('list --admin prints admin actions newest first, and records the listing too', async () => {
    const first = await cli(['audit', 'list', '--admin', '--json', '--local']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const lines = jsonLines(first.stdout);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const times = lines.map((line) => Date.parse(line.at as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(lines.filter((line) => line.target === 'audited').map((line) => line.action)).toEqual([
      'provider.remove',
      'provider.enable',
      'provider.disable',
      'provider.rotate',
      'provider.add',
    ]);
    expect(lines[0]).toEqual({
      at: expect.stringMatching(/Z$/),
      requestId: expect.stringMatching(uuid),
      actor: localActor,
      host: hostname(),
      action: expect.any(String),
      target: expect.any(String),
      outcome: expect.stringMatching(/^(succeeded|failed)$/),
      ...(lines[0]?.reason === undefined ? {} : { reason: expect.any(String) }),
      detail: expect.any(Object),
    });

    const second = await cli(['audit', 'list', '--admin', '--local']);
    expect(second.stdout).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+DETAIL$/m);
    const newest = second.stdout.split('\n')[1] ?? '';
    expect(newest).toMatch(
      /^\S+Z\s+\S+\s+audit\.list\s+\*\s+succeeded\s+trail=admin since=\S+Z records=\d+$/,
    );
    expect(second.stdout).toMatch(
      /provider\.rotate\s+never-added\s+failed \(provider_not_found\)\s+graceSeconds=0$/m,
    );
  });

  it('list --admin refuses the delivery filters', async () => {
    const { code, stderr } = await cli([
      'audit',
      'list',
      '--admin',
      '--outcome',
      'rejected',
      '--local',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--provider and --outcome filter delivery attempts: not with --admin/);
  });

  it('list --admin leaves out records past their retention', async () => {
    const sevenYearsMs = 7 * 365 * 86_400_000;
    const expired = {
      requestId: 'expired-1',
      actor: localActor,
      host: 'old-host',
      action: 'provider.remove',
      target: 'long-gone',
      atMs: Date.now() - sevenYearsMs,
      outcome: 'succeeded',
      detail: {},
    } as const;
    await new DynamoDBClient({}).send(
      new PutItemCommand({
        TableName: admin.stack.resources.tables.audit,
        Item: toAdminItem(expired),
      }),
    );
    const { stdout } = await cli([
      'audit',
      'list',
      '--admin',
      '--since',
      '3000d',
      '--json',
      '--local',
    ]);
    expect(jsonLines(stdout).map((line) => line.target)).not.toContain('long-gone');
  });
});

describe('when the admin record cannot be written', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a change is made, reported, and the command exits 2 saying it was not audited', async () => {
    const add = ['providers', 'add', 'unaudited', '--scheme', 'github', '--secret-stdin'];
    expect((await cli([...add, '--local'], 's')).code).toBe(0);
    failAdminRecordWrites();
    const { code, stdout, stderr } = await cli(['providers', 'disable', 'unaudited', '--local']);
    expect(code).toBe(2);
    expect(stdout).toMatch(
      /^disabled provider 'unaudited'; its deliveries may still be accepted until /,
    );
    expect(stderr).toMatch(
      /^error: provider\.disable of 'unaudited' was done, but its audit record could not be written \(dynamodb PutItem failed: InternalServerError\); record it by hand: request [0-9a-f-]{36}, actor local:/,
    );
    vi.restoreAllMocks();
    const registry = new ProviderRegistryStore({
      dynamodb: new DynamoDBClient({}),
      tableName: admin.stack.resources.tables.registry,
    });
    expect((await registry.get('unaudited'))?.enabled).toBe(false);
    expect((await adminRecordsOf('unaudited')).map((record) => record.action)).toEqual([
      'provider.add',
    ]);
  });

  it('a read of the audit trail shows nothing and exits 2', async () => {
    await writeDeliveryRecord('evt_unaudited_read');
    failAdminRecordWrites();
    const { code, stdout, stderr } = await cli(['audit', 'show', 'evt_unaudited_read', '--local']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: not shown: this read of the audit trail could not be recorded (dynamodb PutItem failed: InternalServerError)\n',
    );
    const listed = await cli(['audit', 'list', '--admin', '--local']);
    expect(listed).toMatchObject({ code: 2, stdout: '' });
  });

  it('a refused action still reports its refusal, and that it went unrecorded', async () => {
    failAdminRecordWrites();
    const { code, stderr } = await cli(['providers', 'remove', 'not-there', '--local']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: this failed provider.remove of 'not-there' could not be recorded in the audit trail (dynamodb PutItem failed: InternalServerError)\n" +
        'error: provider "not-there" is not registered\n',
    );
  });
});

describe('providers commands --stack', () => {
  const { cloudFormation, sts } = mockedStackClients();
  const arn = 'arn:aws:sts::123456789012:assumed-role/WebhooksAdmin/alice';

  const describeStack = () => {
    const { resources } = admin.stack;
    const values: Record<keyof typeof stackOutputKeys, string> = {
      registryTableName: resources.tables.registry,
      auditTableName: resources.tables.audit,
      queueUrl: resources.queueUrl,
      secretsKeyId: resources.keys.secrets.keyId,
      auditKeyId: resources.keys.audit.keyId,
    };
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'webhooks-prod',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: Object.entries(stackOutputKeys).map(([name, key]) => ({
            OutputKey: key,
            OutputValue: values[name as keyof typeof values],
          })),
        },
      ],
    });
  };

  it("audit under the caller's ARN from STS GetCallerIdentity", async () => {
    describeStack();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: arn, Account: '123456789012' });
    const added = await cli(
      [
        'providers',
        'add',
        'by-arn',
        '--scheme',
        'github',
        '--secret-stdin',
        '--stack',
        'webhooks-prod',
      ],
      's',
    );
    expect(added.code).toBe(0);
    expect(await adminRecordsOf('by-arn')).toEqual([
      expect.objectContaining({ actor: arn, action: 'provider.add', outcome: 'succeeded' }),
    ]);
  });

  it('change nothing when STS cannot name the caller', async () => {
    describeStack();
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('expired'), { name: 'ExpiredTokenException' }));
    const added = await cli(
      [
        'providers',
        'add',
        'nameless',
        '--scheme',
        'github',
        '--secret-stdin',
        '--stack',
        'webhooks-prod',
      ],
      's',
    );
    expect(added.code).toBe(2);
    expect(added.stderr).toBe(
      'error: cannot tell who you are (STS GetCallerIdentity failed: ExpiredTokenException); nothing was done\n',
    );
    const registry = new ProviderRegistryStore({
      dynamodb: new DynamoDBClient({}),
      tableName: admin.stack.resources.tables.registry,
    });
    expect(await registry.get('nameless')).toBeUndefined();
    expect(await adminRecordsOf('nameless')).toEqual([]);
  });
});
