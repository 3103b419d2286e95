/**
 * `webhooks send` against the local stack and its gateway, in process: the CLI signs, the
 * gateway runs the ingest Lambda's own handler, and the queue and audit trail are read back
 * through the real SDK clients.
 */
import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pastSendingWindow } from '../support/clock.ts';
import { denyKmsDecrypt } from '../support/kms-denial.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';
import { cli, jsonLines, tempFiles } from './helpers.ts';

let stack: GatewayStack;

const files = tempFiles({
  'stripe.json': '{"id":"evt_send_1","type":"payment_intent.succeeded","data":{"amount":1}}',
  'push.json': '{"ref":"refs/heads/main","commits":[]}',
  'interaction.json': '{"id":"int_send_1","type":2}',
  'interaction-2.json': '{"id":"int_send_2","type":2}',
  'sms.txt': 'From=%2B15551234567&Body=Hello+there&To=%2B15557654321',
  'call.json': '{"CallSid":"CA123","CallStatus":"completed"}',
  'standard.json': '{"type":"invoice.paid","data":{"n":1}}',
  'wrong.secret': 'whsec_not_the_one',
  'discord.pub': `${'ab'.repeat(32)}\n`,
  'placeholder.key': '{"kid":"the-provider-key"}',
});

const send = (providerId: string, args: readonly string[], stdin?: string) =>
  cli(['send', providerId, ...args, '--local', '--url', stack.webhookUrl], stdin);

const addProvider = async (id: string, args: readonly string[], stdin?: string) => {
  const added = await cli(['providers', 'add', id, ...args, '--local'], stdin);
  expect(added).toMatchObject({ code: 0 });
};

/** The admin records of this test run's sends, newest first. */
const adminRecords = async (action: string) =>
  jsonLines((await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout).filter(
    (record) => record.action === action,
  );

beforeAll(async () => {
  stack = await startGatewayStack();
  await addProvider('stripe-demo', ['--scheme', 'stripe', '--secret-stdin'], 'whsec_demo_secret');
  await addProvider('gh', ['--scheme', 'github', '--secret-stdin'], 'gh-secret');
  await addProvider('sms', ['--scheme', 'twilio', '--secret-stdin'], 'twilio-auth-token');
  await addProvider(
    'std',
    ['--scheme', 'standard-webhooks', '--secret-stdin'],
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  );
  await addProvider('discord-app', [
    '--scheme',
    'discord',
    '--public-key-file',
    files['discord.pub'] as string,
  ]);
  await addProvider('off', ['--scheme', 'stripe', '--secret-stdin'], 'whsec_off');
  expect((await cli(['providers', 'disable', 'off', '--local'])).code).toBe(0);
}, startBudgetMs);

afterAll(() => stack?.close());

describe('webhooks send --local', () => {
  it('signs with the registered secret: 202, queued and audited; the same payload again is a duplicate', async () => {
    const first = await send('stripe-demo', ['--payload-file', files['stripe.json'] as string]);
    expect(first).toEqual({
      code: 0,
      stdout:
        "accepted (HTTP 202): delivery evt_send_1 queued for provider 'stripe-demo' (scheme stripe, signed with registered key v1)\n",
      stderr: '',
    });
    const [queued, ...more] = await stack.drainQueue();
    expect(more).toEqual([]);
    expect(queued?.envelope).toMatchObject({
      deliveryId: 'evt_send_1',
      providerId: 'stripe-demo',
      eventType: 'payment_intent.succeeded',
    });
    expect(queued?.envelope.body.toString()).toBe(
      '{"id":"evt_send_1","type":"payment_intent.succeeded","data":{"amount":1}}',
    );

    const again = await pastSendingWindow(() =>
      send('stripe-demo', ['--payload-file', files['stripe.json'] as string, '--json']),
    );
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)).toEqual([
      {
        outcome: 'duplicate',
        httpStatus: 200,
        deliveryId: 'evt_send_1',
        providerId: 'stripe-demo',
        scheme: 'stripe',
        url: stack.webhookUrl.replace('{providerId}', 'stripe-demo'),
        signedWith: 'registered key v1',
      },
    ]);
    expect(await stack.drainQueue()).toEqual([]);

    const trail = jsonLines(
      (await cli(['audit', 'show', 'evt_send_1', '--json', '--local'])).stdout,
    );
    expect(trail.map((record) => record.outcome)).toEqual(['duplicate', 'accepted']);
    // Read as of the retry's (moved) time, so that its admin record is not in the future.
    const sends = await pastSendingWindow(() => adminRecords('delivery.send'));
    expect(sends.slice(0, 2)).toEqual([
      expect.objectContaining({
        target: 'stripe-demo',
        outcome: 'succeeded',
        detail: expect.objectContaining({
          keySource: 'registered',
          keyVersion: '1',
          httpStatus: '200',
        }),
      }),
      expect.objectContaining({
        outcome: 'succeeded',
        detail: expect.objectContaining({ deliveryId: 'evt_send_1', httpStatus: '202' }),
      }),
    ]);
  });

  it('puts --event-type in the header of a scheme that has one, and ids a header delivery by its payload', async () => {
    const args = ['--payload-file', files['push.json'] as string, '--event-type', 'push'];
    const first = await send('gh', args);
    expect(first.code).toBe(0);
    const [queued] = await stack.drainQueue();
    expect(queued?.envelope).toMatchObject({ providerId: 'gh', eventType: 'push' });
    // GitHub does not sign X-GitHub-Delivery: the send's id is kept as information, and the
    // delivery is named by its signed body (issue 11, point 5).
    expect(queued?.envelope.eventId).toMatch(/^test_[0-9a-f]{32}$/);
    expect(queued?.envelope.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await pastSendingWindow(() => send('gh', args))).stdout).toMatch(
      /^duplicate \(HTTP 200\)/,
    );
  });

  it('signs the URL as the receiver rebuilds it, for Twilio forms and JSON', async () => {
    const form = await send('sms', ['--payload-file', files['sms.txt'] as string]);
    expect(form.stdout).toMatch(/^accepted \(HTTP 202\)/);
    const json = await send('sms', ['--payload-file', files['call.json'] as string]);
    expect(json.stdout).toMatch(/^accepted \(HTTP 202\)/);
    expect(
      (await stack.drainQueue()).map(({ envelope }) => envelope.headers['content-type']),
    ).toEqual(['application/x-www-form-urlencoded', 'application/json']);
  });

  it('sends a Standard Webhooks v1 delivery with the registered whsec_ secret', async () => {
    const result = await send('std', [
      '--payload-file',
      files['standard.json'] as string,
      '--delivery-id',
      'msg_1',
    ]);
    expect(result.stdout).toMatch(/^accepted \(HTTP 202\): delivery msg_1 /);
    expect((await stack.drainQueue())[0]?.envelope).toMatchObject({
      deliveryId: 'msg_1',
      eventType: 'invoice.paid',
    });
  });

  it('exits 1 for a rejected delivery and says where the reason is', async () => {
    const result = await send('stripe-demo', [
      '--payload-file',
      files['stripe.json'] as string,
      '--secret-file',
      files['wrong.secret'] as string,
    ]);
    expect(result).toEqual({
      code: 1,
      stdout: "rejected (HTTP 401): provider 'stripe-demo' refused the signed delivery\n",
      stderr:
        'hint: the reason is in its audit record: webhooks audit list --provider stripe-demo --outcome rejected --since 10m --local\n',
    });
    const rejected = jsonLines(
      (
        await cli([
          'audit',
          'list',
          '--provider',
          'stripe-demo',
          '--outcome',
          'rejected',
          '--json',
          '--local',
        ])
      ).stdout,
    );
    expect(rejected[0]).toMatchObject({ reason: 'signature_mismatch' });
    expect((await adminRecords('delivery.send'))[0]).toMatchObject({
      outcome: 'failed',
      reason: 'delivery_rejected',
      detail: expect.objectContaining({ keySource: 'file', httpStatus: '401' }),
    });
  });

  it('names kms:Decrypt on the secrets key, and the flags to use instead, when KMS denies it', async () => {
    const kms = denyKmsDecrypt();
    try {
      const result = await send('stripe-demo', ['--payload-file', files['stripe.json'] as string]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: missing permission: kms:Decrypt on the secrets key ${stack.stack.resources.keys.secrets.keyId} (KMS answered AccessDeniedException). A deployed key policy lets only the ingest function decrypt provider secrets: give the secret with --secret-stdin or --secret-file instead\n`,
      );
    } finally {
      kms.restore();
    }
    expect((await adminRecords('delivery.send'))[0]).toMatchObject({
      outcome: 'failed',
      reason: 'kms_access_denied',
    });
  });
});

describe('webhooks send with a test key', () => {
  it('refuses a public-key scheme without one, naming the flag', async () => {
    const result = await send('discord-app', [
      '--payload-file',
      files['interaction.json'] as string,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--register-test-key --test-key-file <file>/);
  });

  it('registers a test key, keeps its private half 0600, and signs with it now and later', async () => {
    const keyFile = `${files.folder}/discord.key`;
    const first = await send('discord-app', [
      '--payload-file',
      files['interaction.json'] as string,
      '--register-test-key',
      '--test-key-file',
      keyFile,
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^added test key v2 to provider 'discord-app', accepted until \S+; its private key is in .*discord\.key \(mode 0600\)/,
    );
    expect(first.stdout).toMatch(
      /\naccepted \(HTTP 202\): delivery int_send_1 .*signed with test key v2\)\n$/,
    );
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const later = await send('discord-app', [
      '--payload-file',
      files['interaction-2.json'] as string,
      '--test-key-file',
      keyFile,
    ]);
    expect(later.stdout).toMatch(/^accepted \(HTTP 202\): delivery int_send_2 /);
    expect((await stack.drainQueue()).map(({ envelope }) => envelope.deliveryId)).toEqual([
      'int_send_1',
      'int_send_2',
    ]);

    const shown = JSON.parse(
      (await cli(['providers', 'show', 'discord-app', '--json', '--local'])).stdout,
    );
    expect(shown.keys).toEqual([
      expect.objectContaining({ version: 1, kind: 'public-key', notAfter: null }),
      expect.objectContaining({ version: 2, kind: 'public-key', notAfter: expect.any(String) }),
    ]);
    const hoursValid = (Date.parse(shown.keys[1].notAfter) - Date.now()) / 3_600_000;
    expect(hoursValid).toBeGreaterThan(23.9);
    expect(hoursValid).toBeLessThanOrEqual(24);
    expect((await adminRecords('provider.add-test-key'))[0]).toMatchObject({
      target: 'discord-app',
      outcome: 'succeeded',
      detail: expect.objectContaining({ keyVersion: '2', keyKind: 'public-key' }),
    });

    const again = await send('discord-app', ['--register-test-key', '--test-key-file', keyFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists: name a new file/);
  });

  it.each([
    ['sendgrid', ['--public-key-file', 'placeholder.key']],
    ['plaid', ['--public-key-file', 'placeholder.key']],
    ['standard-webhooks', ['--secret-stdin']],
  ])('registers a %s test key and signs with it', async (scheme, keyArgs) => {
    const provider = `${scheme}-test`;
    const args = keyArgs.map((arg) => files[arg] ?? arg);
    await addProvider(
      provider,
      ['--scheme', scheme, ...args],
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
    const result = await send(provider, [
      '--payload-file',
      files['standard.json'] as string,
      '--register-test-key',
      '--test-key-file',
      `${files.folder}/${provider}.key`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/\naccepted \(HTTP 202\): .*signed with test key v2\)\n$/);
    expect(await stack.drainQueue()).toHaveLength(1);
  });

  it('refuses a test key file of another provider', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const keyFile = tempFiles({
      'other.key': JSON.stringify({
        format: 'webhooks-test-key/1',
        providerId: 'someone-else',
        scheme: 'discord',
        keyVersion: 2,
        notAfter: new Date(Date.now() + 60_000).toISOString(),
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      }),
    })['other.key'] as string;
    const result = await send('discord-app', [
      '--payload-file',
      files['interaction.json'] as string,
      '--test-key-file',
      keyFile,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/holds a test key of provider 'someone-else'/);
  });
});

describe('webhooks send refuses', () => {
  it.each([
    [
      'stripe-demo',
      ['--payload-file', 'x', '--event-type', 'invoice.paid'],
      /--event-type: scheme 'stripe' carries the event type in the body's 'type' field; set it in --payload-file/,
    ],
    ['stripe-demo', [], /--payload-file is required/],
    [
      'stripe-demo',
      ['--payload-file', 'nope.json'],
      /cannot read --payload-file 'nope.json' \(ENOENT\)/,
    ],
    ['stripe-demo', ['--payload-file', '-', '--secret-stdin'], /cannot both read standard input/],
    ['stripe-demo', ['--payload-file', 'x', '--register-test-key'], /takes no test key/],
    ['Not/An/Id', ['--payload-file', 'x'], /provider id must be/],
  ])('%s %j with exit code 2', async (provider, args, message) => {
    const result = await send(provider, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('an unknown provider, and a disabled one, with exit code 1', async () => {
    const unknown = await send('nobody', ['--payload-file', files['stripe.json'] as string]);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'error: provider "nobody" is not registered\n',
    });
    const disabled = await send('off', ['--payload-file', files['stripe.json'] as string]);
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toMatch(/provider 'off' is disabled/);
  });

  it('an unreachable URL with exit code 2', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const result = await cli([
      'send',
      'stripe-demo',
      '--payload-file',
      files['stripe.json'] as string,
      '--local',
      '--url',
      `http://127.0.0.1:${port}/v1/webhooks/{providerId}`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^error: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
  });

  it('shows examples in --help', async () => {
    const help = await cli(['send', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /Examples:\n {2}\$ webhooks send stripe-demo --payload-file event.json --local/,
    );
  });
});
