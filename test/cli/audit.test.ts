import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notKeptField, notPermitted } from '../../cli/commands/audit/show.ts';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { DataKeyCache } from '../../functions/audit/data-key-cache.ts';
import { DeliveryClaims } from '../../functions/audit/delivery-claims.ts';
import { encryptField } from '../../functions/audit/field-encryption.ts';
import { type AuditRecord, unregisteredProviderId } from '../../functions/audit/record.ts';
import { accepted, auditRecord } from '../support/audit-records.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { denyKmsDecrypt } from '../support/kms-denial.ts';
import { localSealer } from '../support/sealer.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, jsonLines } from './helpers.ts';

const hourMs = 3_600_000;
const headers = { 'content-type': 'application/json', 'user-agent': 'Stripe/1.0' };

let admin: AdminStack;

/** Writes a rejected or duplicate attempt of `stripe-live` with its headers encrypted as ingest does. */
async function write(overrides: Partial<AuditRecord>): Promise<AuditRecord> {
  const kms = new KMSClient({});
  const dataKeys = new DataKeyCache({ kms, keyId: admin.stack.resources.keys.audit.keyId });
  const { scheme, ...unschemed } = auditRecord(overrides);
  // An attempt at an unregistered id has no scheme to record.
  const base: AuditRecord =
    overrides.providerId === unregisteredProviderId || scheme === undefined
      ? unschemed
      : { ...unschemed, scheme };
  const record = {
    ...base,
    encryptedHeaders: await encryptField(
      dataKeys,
      { providerId: base.providerId, deliveryId: base.deliveryId, field: 'headers' },
      Buffer.from(JSON.stringify(headers)),
    ),
  };
  const store = new AuditStore({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.audit,
    sealer: admin.sealer,
  });
  await store.writeAttempt(record);
  return record;
}

/**
 * An accepted delivery of `shop` (not registered) written as ingest writes it, its headers
 * encrypted, and a repeat of it a minute later: one delivery item with two attempts.
 */
async function writeAcceptedWithRepeat(deliveryId: string, receivedAtMs: number) {
  const kms = new KMSClient({});
  const dataKeys = new DataKeyCache({ kms, keyId: admin.stack.resources.keys.audit.keyId });
  const dynamodb = new DynamoDBClient({});
  const tableName = admin.stack.resources.tables.audit;
  const record = accepted({
    providerId: 'shop',
    deliveryId,
    receivedAtMs,
    encryptedHeaders: await encryptField(
      dataKeys,
      { providerId: 'shop', deliveryId, field: 'headers' },
      Buffer.from(JSON.stringify(headers)),
    ),
  });
  await writeAccepted(dynamodb, tableName, record);
  const repeat = await new DeliveryClaims({ dynamodb, tableName, sealer: localSealer() }).claim(
    accepted({ providerId: 'shop', deliveryId, receivedAtMs: receivedAtMs + 60_000 }),
    { sendingUntilMs: receivedAtMs, dedupUntilMs: receivedAtMs + hourMs },
  );
  expect(repeat).toEqual({ outcome: 'duplicate', recorded: true });
}

beforeAll(async () => {
  admin = await startAdminStack();
  const now = Date.now();
  await writeAcceptedWithRepeat('evt_shop', now - hourMs / 4);
  await write({ deliveryId: 'evt_recent', receivedAtMs: now - hourMs });
  await write({
    deliveryId: 'evt_recent',
    receivedAtMs: now - hourMs / 2,
    outcome: 'duplicate',
    reason: 'already_accepted',
  });
  await write({ deliveryId: 'evt_old', receivedAtMs: now - 72 * hourMs });
  await write({
    providerId: unregisteredProviderId,
    requestedProviderId: 'stripe-typo',
    deliveryId: 'req-unknown',
    reason: 'provider_not_found',
    suppressedAttempts: 12,
    receivedAtMs: now - hourMs,
  });
  await write({
    providerId: 'github-org',
    scheme: 'github',
    deliveryId: 'gh-1',
    receivedAtMs: now - 2 * hourMs,
  });
  const added = await cli(
    ['providers', 'add', 'stripe-live', '--scheme', 'stripe', '--secret-stdin', '--local'],
    'whsec_x',
  );
  expect(added.code).toBe(0);
}, startBudgetMs);

afterAll(() => admin?.close());

describe('webhooks audit list --local', () => {
  it('shows attempts at unregistered ids, with the id asked for and the attempts not written', async () => {
    const { code, stdout } = await cli([
      'audit',
      'list',
      '--provider',
      unregisteredProviderId,
      '--local',
    ]);
    expect(code).toBe(0);
    const [, line] = stdout.trimEnd().split('\n');
    expect(line).toContain(`${unregisteredProviderId} ("stripe-typo")`);
    expect(line).toContain('provider_not_found (+12 not written)');

    const everything = await cli(['audit', 'list', '--json', '--local']);
    expect(jsonLines(everything.stdout)).toContainEqual(
      expect.objectContaining({
        providerId: unregisteredProviderId,
        requestedProviderId: 'stripe-typo',
        suppressedAttempts: 12,
      }),
    );
  });

  it("lists a provider's attempts of the last 24 hours, newest first", async () => {
    const { code, stdout, stderr } = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-live',
      '--local',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RECEIVED\s+PROVIDER\s+OUTCOME\s+REASON\s+EVENT\s+DELIVERY$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1, 4))).toEqual([
      ['stripe-live', 'duplicate', 'already_accepted'],
      ['stripe-live', 'rejected', 'signature_mismatch'],
    ]);
  });

  it('reaches further back with --since and filters by --outcome', async () => {
    const all = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-live',
      '--since',
      '7d',
      '--json',
      '--local',
    ]);
    expect(jsonLines(all.stdout).map((line) => line.deliveryId)).toEqual([
      'evt_recent',
      'evt_recent',
      'evt_old',
    ]);
    const rejected = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-live',
      '--since',
      '7d',
      '--outcome',
      'rejected',
      '--json',
      '--local',
    ]);
    expect(jsonLines(rejected.stdout).map((line) => [line.deliveryId, line.outcome])).toEqual([
      ['evt_recent', 'rejected'],
      ['evt_old', 'rejected'],
    ]);
  });

  it('prints no encrypted fields in a listing', async () => {
    const { stdout } = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-live',
      '--json',
      '--local',
    ]);
    for (const line of jsonLines(stdout)) {
      expect(Object.keys(line)).not.toContain('encryptedHeaders');
      expect(line.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
  });

  it('reads every registered provider without --provider', async () => {
    const { code, stdout } = await cli(['audit', 'list', '--json', '--local']);
    expect(code).toBe(0);
    // github-org has records but is not registered: only the registry's providers are read,
    // and the partition of attempts at unregistered ids.
    expect(new Set(jsonLines(stdout).map((line) => line.providerId))).toEqual(
      new Set(['stripe-live', unregisteredProviderId]),
    );
  });

  it.each([
    [['--outcome', 'maybe'], /--outcome must be one of accepted, duplicate, rejected, failed/],
    [['--since', 'yesterday'], /--since must be now, a duration back from now/],
    [['--provider', 'Not/An/Id'], /--provider 'Not\/An\/Id' is not a provider id/],
    [['--limit', '0'], /--limit must be a whole number from 1 to 1000/],
  ])('exits 2 on %j', async (args, message) => {
    const { code, stderr } = await cli(['audit', 'list', ...args, '--local']);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('webhooks audit list --local: the forms stats and export take, and unknown ids', () => {
  it('reads --since as an ISO date and --until as a time with its zone', async () => {
    const old = Date.now() - 72 * hourMs;
    const { code, stdout } = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-live',
      '--since',
      new Date(old - 24 * hourMs).toISOString().slice(0, 10),
      '--until',
      new Date(old + 60_000).toISOString(),
      '--json',
      '--local',
    ]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((line) => line.deliveryId)).toEqual(['evt_old']);
  });

  it('says so on stderr when --provider is not registered and has no records', async () => {
    const { code, stdout, stderr } = await cli([
      'audit',
      'list',
      '--provider',
      'stripe-tpyo',
      '--local',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^RECEIVED\s+PROVIDER/);
    expect(stderr).toMatch(
      /^warning: no provider 'stripe-tpyo' is registered \(webhooks providers list --local shows them\); no records found for it between \S+Z and \S+Z\n$/,
    );
  });

  it('lists an accepted delivery and its repeat as two attempts', async () => {
    const { code, stdout } = await cli(['audit', 'list', '--provider', 'shop', '--local']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1, 4))).toEqual([
      ['shop', 'duplicate', 'already_accepted'],
      ['shop', 'accepted', '-'],
    ]);
  });

  it("shows a removed provider's records, which stay until their retention ends, with no hint", async () => {
    const { code, stdout, stderr } = await cli([
      'audit',
      'list',
      '--provider',
      'github-org',
      '--json',
      '--local',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(jsonLines(stdout).map((line) => line.deliveryId)).toEqual(['gh-1']);
  });
});

describe('webhooks audit show --local', () => {
  it('shows every attempt of a delivery with its headers decrypted', async () => {
    const { code, stdout } = await cli(['audit', 'show', 'evt_recent', '--json', '--local']);
    expect(code).toBe(0);
    const attempts = jsonLines(stdout);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['duplicate', 'rejected']);
    for (const attempt of attempts) expect(attempt.headers).toEqual(headers);
  });

  it('prints one field a line without --json', async () => {
    const { stdout } = await cli(['audit', 'show', 'gh-1', '--local']);
    expect(stdout).toMatch(/^providerId\s+github-org$/m);
    expect(stdout).toMatch(/^headers\s+\{"content-type":"application\/json"/m);
  });

  it('marks the encrypted fields when KMS denies Decrypt', async () => {
    const kms = denyKmsDecrypt();
    try {
      const { code, stdout } = await cli(['audit', 'show', 'evt_old', '--json', '--local']);
      expect(code).toBe(0);
      expect(jsonLines(stdout)).toEqual([
        expect.objectContaining({ deliveryId: 'evt_old', headers: notPermitted }),
      ]);
    } finally {
      kms.restore();
    }
  });

  it("shows an accepted delivery's attempts: the accepted one's headers, none kept for a repeat", async () => {
    const { code, stdout } = await cli(['audit', 'show', 'evt_shop', '--json', '--local']);
    expect(code).toBe(0);
    expect(
      jsonLines(stdout).map((attempt) => [attempt.outcome, attempt.reason, attempt.headers]),
    ).toEqual([
      ['duplicate', 'already_accepted', notKeptField],
      ['accepted', undefined, headers],
    ]);
  });

  it('exits 1 for a delivery with no record, saying where an unsigned provider id is kept', async () => {
    const { code, stderr } = await cli(['audit', 'show', 'evt_never', '--local']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: no audit record of delivery 'evt_never'\n" +
        "hint: a provider that does not sign its delivery ids (GitHub, Shopify…) files each delivery under 'sha256:' and its body's SHA-256, with its own id as eventId: `webhooks audit list --provider <id> --json` shows both\n",
    );
    const hashed = await cli(['audit', 'show', `sha256:${'0'.repeat(64)}`, '--local']);
    expect(hashed.stderr).toBe(`error: no audit record of delivery 'sha256:${'0'.repeat(64)}'\n`);
  });
});
