/**
 * `webhooks replay` against the local stack: deliveries are sent through the gateway with
 * `webhooks send`, so each has the audit record and payload copy ingest really writes; the
 * replayed message is read back from the queue through the real SDK client.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { auditEncryptedFields, encryptField } from '../../functions/audit/field-encryption.ts';
import { toAuditItem } from '../../functions/audit/record.ts';
import { accepted } from '../support/audit-records.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { denyKmsDecrypt } from '../support/kms-denial.ts';
import { localSealer } from '../support/sealer.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';
import { cli, jsonLines, tempFiles } from './helpers.ts';

let stack: GatewayStack;

const files = tempFiles({
  'order.json': '{"id":"evt_replay_1","type":"order.paid","customer":{"email":"ann@example.com"}}',
  'lean.json': '{"id":"evt_lean_1","type":"order.paid"}',
  'other.json': '{"id":"evt_replay_2","type":"order.paid"}',
  'wrong.secret': 'whsec_wrong',
});

const dayMs = 86_400_000;

const send = async (providerId: string, payload: string, ...args: string[]) =>
  cli([
    'send',
    providerId,
    '--payload-file',
    payload,
    ...args,
    '--local',
    '--url',
    stack.webhookUrl,
  ]);

const replay = (deliveryId: string, ...args: string[]) =>
  cli(['replay', deliveryId, ...args, '--local']);

/** An accepted delivery of `shop` received eight days ago: its seven-day payload copy is gone. */
async function acceptedEightDaysAgo(deliveryId: string): Promise<void> {
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  const tableName = stack.stack.resources.tables.audit;
  try {
    const dataKeys = new DataKeyCache({ kms, keyId: stack.stack.resources.keys.audit.keyId });
    const encrypt = (field: string) =>
      encryptField(dataKeys, { providerId: 'shop', deliveryId, field }, Buffer.from('{}'));
    await writeAccepted(
      dynamodb,
      tableName,
      accepted({
        providerId: 'shop',
        deliveryId,
        receivedAtMs: Date.now() - 8 * dayMs,
        encryptedHeaders: await encrypt(auditEncryptedFields.headers),
        encryptedPayload: await encrypt(auditEncryptedFields.payload),
      }),
    );
  } finally {
    dynamodb.destroy();
    kms.destroy();
  }
}

/**
 * An accepted delivery of `shop` as ingest wrote it before delivery items: a record of its own
 * that names the message it was queued as, with its payload copy beside it.
 */
async function acceptedAsRecord(deliveryId: string, queueMessageId: string): Promise<void> {
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  const tableName = stack.stack.resources.tables.audit;
  try {
    const dataKeys = new DataKeyCache({ kms, keyId: stack.stack.resources.keys.audit.keyId });
    const encrypt = (field: string, plaintext: string) =>
      encryptField(dataKeys, { providerId: 'shop', deliveryId, field }, Buffer.from(plaintext));
    const record = accepted({
      providerId: 'shop',
      deliveryId,
      queueMessageId,
      receivedAtMs: Date.now() - 60_000,
      encryptedHeaders: await encrypt(auditEncryptedFields.headers, '{}'),
      encryptedPayload: await encrypt(
        auditEncryptedFields.payload,
        `{"id":"${deliveryId}","type":"order.paid"}`,
      ),
    });
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: toAuditItem(record) }));
    await new AuditStore({ dynamodb, tableName, sealer: localSealer() }).writePayloadCopy(record);
  } finally {
    dynamodb.destroy();
    kms.destroy();
  }
}

beforeAll(async () => {
  stack = await startGatewayStack();
  for (const [id, extra] of [
    ['shop', ['--redact', 'customer.email']],
    ['lean', ['--retention', 'minimal']],
  ] as const) {
    const added = await cli(
      ['providers', 'add', id, '--scheme', 'stripe', '--secret-stdin', ...extra, '--local'],
      'whsec_replay',
    );
    expect(added.code).toBe(0);
  }
  for (const [provider, payload] of [
    ['shop', files['order.json']],
    ['lean', files['lean.json']],
    ['shop', files['other.json']],
  ] as const) {
    expect((await send(provider, payload as string)).code).toBe(0);
  }
  await stack.drainQueue();
}, startBudgetMs);

afterAll(() => stack?.close());

describe('webhooks replay --local', () => {
  it('queues the redacted payload copy again, marked as a replay, and audits it', async () => {
    const [original] = jsonLines(
      (await cli(['audit', 'show', 'evt_replay_1', '--json', '--local'])).stdout,
    );
    // Written before the send, the accepted record names no queue message to replay.
    expect(original).toMatchObject({ outcome: 'accepted' });
    expect(original).not.toHaveProperty('queueMessageId');
    const result = await replay('evt_replay_1');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^replayed delivery evt_replay_1 of provider 'shop' \(received \S+\) from its redacted payload copy: queued as message \S+, marked replay=true\n$/,
    );
    const [message, ...more] = await stack.drainQueue();
    expect(more).toEqual([]);
    expect(message?.envelope).toMatchObject({
      deliveryId: 'evt_replay_1',
      eventId: 'evt_replay_1',
      providerId: 'shop',
      scheme: 'stripe',
      eventType: 'order.paid',
      receivedAt: original?.receivedAt,
    });
    expect(message?.envelope.headers['content-type']).toBe('application/json');
    const body = JSON.parse(String(message?.envelope.body));
    expect(body.id).toBe('evt_replay_1');
    expect(body.customer.email).not.toBe('ann@example.com');
    expect(message?.attributes).toMatchObject({
      providerId: 'shop',
      replay: 'true',
      replayedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(message?.attributes).not.toHaveProperty('replayOf');

    const [record] = jsonLines(
      (await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout,
    ).filter((entry) => entry.action === 'delivery.replay');
    expect(record).toMatchObject({
      target: 'evt_replay_1',
      outcome: 'succeeded',
      detail: {
        providers: 'shop',
        queueMessageId: expect.stringMatching(/\S/),
      },
    });
    expect(record?.detail).not.toHaveProperty('replayOf');
    const { queueMessageId } = (record?.detail ?? {}) as { queueMessageId?: string };
    expect(result.stdout).toContain(`queued as message ${queueMessageId},`);
  });

  it('prints one JSON line with --json', async () => {
    const result = await replay('evt_replay_2', '--json');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        deliveryId: 'evt_replay_2',
        providerId: 'shop',
        queueMessageId: expect.any(String),
        replayOf: null,
        receivedAt: expect.any(String),
        replayedAt: expect.any(String),
      },
    ]);
    expect(await stack.drainQueue()).toHaveLength(1);
  });

  it('names the message an older accepted record was queued as (replayOf)', async () => {
    await acceptedAsRecord('evt_as_record', 'm-first-queued');
    const result = await replay('evt_as_record', '--json');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      expect.objectContaining({ deliveryId: 'evt_as_record', replayOf: 'm-first-queued' }),
    ]);
    const [message, ...more] = await stack.drainQueue();
    expect(more).toEqual([]);
    expect(message?.attributes).toMatchObject({ replay: 'true', replayOf: 'm-first-queued' });
    expect(String(message?.envelope.body)).toBe('{"id":"evt_as_record","type":"order.paid"}');
    const [record] = jsonLines(
      (await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout,
    ).filter((entry) => entry.action === 'delivery.replay');
    expect(record).toMatchObject({
      target: 'evt_as_record',
      detail: { providers: 'shop', replayOf: 'm-first-queued' },
    });
  });

  it.each([
    ['evt_never', "error: cannot replay delivery 'evt_never': no audit record of it\n"],
    [
      'evt_lean_1',
      "error: cannot replay delivery 'evt_lean_1': its retention class 'minimal' keeps no payload copy\n",
    ],
  ])('refuses %s with exit code 1', async (deliveryId, stderr) => {
    expect(await replay(deliveryId)).toEqual({ code: 1, stdout: '', stderr });
    expect(await stack.drainQueue()).toEqual([]);
  });

  it('refuses a delivery whose payload copy has expired', async () => {
    await acceptedEightDaysAgo('evt_old');
    const result = await replay('evt_old');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot replay delivery 'evt_old': its payload copy expired at \S+ \(class 'standard' keeps one 7 days\)\n$/,
    );
  });

  it('refuses a delivery that was never accepted, and records the refusal', async () => {
    expect(
      (
        await send(
          'shop',
          files['order.json'] as string,
          '--secret-file',
          files['wrong.secret'] as string,
        )
      ).code,
    ).toBe(1);
    const [rejected] = jsonLines(
      (
        await cli([
          'audit',
          'list',
          '--provider',
          'shop',
          '--outcome',
          'rejected',
          '--json',
          '--local',
        ])
      ).stdout,
    );
    const deliveryId = String(rejected?.deliveryId);
    const result = await replay(deliveryId);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot replay delivery '${deliveryId}': it was never accepted (its attempts: rejected), and only an accepted delivery has a payload copy\n`,
    });
    const [record] = jsonLines(
      (await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout,
    ).filter((entry) => entry.action === 'delivery.replay');
    expect(record).toMatchObject({
      target: deliveryId,
      outcome: 'failed',
      reason: 'delivery_not_accepted',
    });
  });

  it('names kms:Decrypt on the audit key when KMS denies it, and queues nothing', async () => {
    const kms = denyKmsDecrypt();
    try {
      const result = await replay('evt_replay_1');
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: missing permission: kms:Decrypt on the audit key ${stack.stack.resources.keys.audit.keyId} (KMS answered AccessDeniedException): the payload copy is encrypted under it\n`,
      });
    } finally {
      kms.restore();
    }
    expect(await stack.drainQueue()).toEqual([]);
  });

  it('refuses a bad --provider with exit code 2, and shows examples in --help', async () => {
    const bad = await replay('evt_replay_1', '--provider', 'Not/An/Id');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/provider id must be/);
    const help = await cli(['replay', '--help']);
    expect(help.stdout).toMatch(/Examples:\n {2}\$ webhooks replay evt_1NG8Du2eZvKYlo2C --local/);
  });
});

describe('webhooks replay --local keeps the received bytes outside the redacted fields', () => {
  const received =
    '{"id":"evt_bigint_1","type":"order.paid","order_id":820982911946154508,"price":1.10,"customer":{"email":"ada@example.com"},"name":"caf\\u00e9"}';
  const stored =
    '{"id":"evt_bigint_1","type":"order.paid","order_id":820982911946154508,"price":1.10,"customer":{"email":"[redacted]"},"name":"caf\\u00e9"}';

  it('stores, shows and replays big integers, 1.10 and \\u00e9 as sent, the email masked', async () => {
    const { 'bigint.json': payload } = tempFiles({ 'bigint.json': received });
    expect((await send('shop', payload as string)).code).toBe(0);
    const [queued] = await stack.drainQueue();
    expect(String(queued?.envelope.body)).toBe(received);

    const shown = await cli(['audit', 'show', 'evt_bigint_1', '--json', '--local']);
    expect(jsonLines(shown.stdout)[0]?.payload).toBe(stored);
    const text = await cli(['audit', 'show', 'evt_bigint_1', '--local']);
    expect(text.stdout).toContain(`\npayload         ${stored}\n`);

    expect((await replay('evt_bigint_1')).code).toBe(0);
    const [replayed, ...more] = await stack.drainQueue();
    expect(more).toEqual([]);
    expect(replayed?.envelope.body.equals(Buffer.from(stored))).toBe(true);
  });
});
