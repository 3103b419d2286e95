/**
 * `webhooks audit stats` against the local stack: exact counts by provider, outcome and
 * reason from records written as ingest writes them, the attempts counted but not written,
 * the range flags, progress on stderr only, its own admin record, and a denied read.
 */
import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseInstant } from '../../cli/parse.ts';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { type AuditRecord, unregisteredProviderId } from '../../functions/audit/record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { accepted, auditRecord } from '../support/audit-records.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli } from './helpers.ts';

const minuteMs = 60_000;
const dayMs = 86_400_000;

let admin: AdminStack;
let nowMs: number;

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

/** A rejected, duplicate or failed attempt, `minutesAgo` before the tests began. */
async function attempt(minutesAgo: number, overrides: Partial<AuditRecord> = {}) {
  const { scheme, ...record } = auditRecord({
    receivedAtMs: nowMs - minutesAgo * minuteMs,
    ...overrides,
  });
  // An attempt at an unregistered id has no scheme to record.
  await auditStore().writeAttempt(
    record.providerId === unregisteredProviderId || scheme === undefined
      ? record
      : { ...record, scheme },
  );
}

/** An accepted delivery of stripe-live, its delivery item and payload copy written as ingest does. */
async function acceptedDelivery(minutesAgo: number, deliveryId: string) {
  const record = accepted({
    deliveryId,
    receivedAtMs: nowMs - minutesAgo * minuteMs,
    encryptedPayload: Buffer.from([9, 9, 9]),
  });
  await writeAccepted(new DynamoDBClient({}), admin.stack.resources.tables.audit, record);
}

beforeAll(async () => {
  admin = await startAdminStack();
  nowMs = Date.now();
  const added = await cli(
    ['providers', 'add', 'stripe-live', '--scheme', 'stripe', '--secret-stdin', '--local'],
    'whsec_x',
  );
  expect(added.code).toBe(0);
  // The last 24 hours.
  await acceptedDelivery(10, 'evt_a');
  await acceptedDelivery(20, 'evt_b');
  await attempt(15, { deliveryId: 'evt_a', outcome: 'duplicate', reason: 'already_accepted' });
  await attempt(30, { deliveryId: 'evt_c' });
  await attempt(31, { deliveryId: 'evt_d' });
  await attempt(32, { deliveryId: 'evt_e', suppressedAttempts: 4 });
  await attempt(40, { deliveryId: 'evt_f', reason: 'timestamp_out_of_tolerance' });
  await attempt(50, { deliveryId: 'evt_g', outcome: 'failed', reason: 'queue_unavailable' });
  for (const [minutesAgo, suppressedAttempts] of [
    [60, 12],
    [70, undefined],
  ] as const) {
    await attempt(minutesAgo, {
      providerId: unregisteredProviderId,
      requestedProviderId: 'stripe-typo',
      deliveryId: `req-${minutesAgo}`,
      reason: 'provider_not_found',
      ...(suppressedAttempts === undefined ? {} : { suppressedAttempts }),
    });
  }
  // Has records, but is not registered: read only when asked for by name.
  await attempt(80, { providerId: 'github-org', scheme: 'github', deliveryId: 'gh-1' });
  // Three days ago.
  await attempt(3 * 24 * 60, { deliveryId: 'evt_old' });
  // Past its retention (`minimal` keeps 30 days): DynamoDB's TTL has not removed it yet.
  await attempt(31 * 24 * 60, { deliveryId: 'evt_expired', retentionClass: 'minimal' });
}, startBudgetMs);

afterAll(() => admin?.close());

afterEach(() => {
  vi.restoreAllMocks();
});

const noOutcomes = { accepted: 0, duplicate: 0, rejected: 0, failed: 0 };

const stripeLast24h = {
  providerId: 'stripe-live',
  records: 8,
  outcomes: { accepted: 2, duplicate: 1, rejected: 4, failed: 1 },
  suppressedAttempts: 4,
  reasons: [
    { outcome: 'rejected', reason: 'signature_mismatch', count: 3 },
    { outcome: 'duplicate', reason: 'already_accepted', count: 1 },
    { outcome: 'failed', reason: 'queue_unavailable', count: 1 },
    { outcome: 'rejected', reason: 'timestamp_out_of_tolerance', count: 1 },
  ],
};

const unregisteredLast24h = {
  providerId: unregisteredProviderId,
  records: 2,
  outcomes: { ...noOutcomes, rejected: 2 },
  suppressedAttempts: 12,
  reasons: [{ outcome: 'rejected', reason: 'provider_not_found', count: 2 }],
};

/** The JSON `audit stats --json` prints, parsed. */
async function statsJson(args: readonly string[]) {
  const { code, stdout, stderr } = await cli(['audit', 'stats', ...args, '--json', '--local']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout);
}

describe('webhooks audit stats --local', () => {
  it('counts every registered provider and the unregistered partition, exactly', async () => {
    const stats = await statsJson([]);
    expect(stats.providers).toEqual([stripeLast24h, unregisteredLast24h]);
    expect(stats.total).toEqual({
      records: 10,
      outcomes: { accepted: 2, duplicate: 1, rejected: 6, failed: 1 },
      suppressedAttempts: 16,
    });
    expect(Date.parse(stats.until) - Date.parse(stats.since)).toBe(dayMs);
  });

  it('prints a table per provider, a total, the reasons and what NOT WRITTEN means', async () => {
    const { code, stdout } = await cli(['audit', 'stats', '--local']);
    expect(code).toBe(0);
    const [range, blank, ...lines] = stdout.trimEnd().split('\n');
    expect(range).toMatch(/^\d{4}-.*Z to \d{4}-.*Z$/);
    expect(blank).toBe('');
    const rows = lines.map((line) => line.split(/\s{2,}/));
    expect(rows.slice(0, 4)).toEqual([
      ['PROVIDER', 'RECORDS', 'ACCEPTED', 'DUPLICATE', 'REJECTED', 'FAILED', 'NOT WRITTEN'],
      ['stripe-live', '8', '2', '1', '4', '1', '4'],
      [unregisteredProviderId, '2', '0', '0', '2', '0', '12'],
      ['TOTAL', '10', '2', '1', '6', '1', '16'],
    ]);
    expect(rows.slice(5, 11)).toEqual([
      ['PROVIDER', 'OUTCOME', 'REASON', 'RECORDS'],
      ['stripe-live', 'rejected', 'signature_mismatch', '3'],
      ['stripe-live', 'duplicate', 'already_accepted', '1'],
      ['stripe-live', 'failed', 'queue_unavailable', '1'],
      ['stripe-live', 'rejected', 'timestamp_out_of_tolerance', '1'],
      [unregisteredProviderId, 'rejected', 'provider_not_found', '2'],
    ]);
    expect(stdout).toMatch(/^NOT WRITTEN: refused attempts over their source's audit budget/m);
  });

  it('reads one provider by name, registered or not', async () => {
    const stats = await statsJson(['--provider', 'github-org']);
    expect(stats.providers).toEqual([
      {
        providerId: 'github-org',
        records: 1,
        outcomes: { ...noOutcomes, rejected: 1 },
        suppressedAttempts: 0,
        reasons: [{ outcome: 'rejected', reason: 'signature_mismatch', count: 1 }],
      },
    ]);
  });

  it('counts zero for an id that is not registered and has no records, and says so', async () => {
    const { code, stdout, stderr } = await cli([
      'audit',
      'stats',
      '--provider',
      'stripe-tpyo',
      '--json',
      '--local',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).total.records).toBe(0);
    expect(stderr).toMatch(
      /^warning: no provider 'stripe-tpyo' is registered \(webhooks providers list --local shows them\); no records found for it between \S+Z and \S+Z\n$/,
    );
  });

  it('reaches back with --since, and reads an ISO range with --until', async () => {
    const week = await statsJson(['--provider', 'stripe-live', '--since', '7d']);
    expect(week.providers[0].records).toBe(9);
    expect(week.providers[0].outcomes.rejected).toBe(5);

    const old = nowMs - 3 * dayMs;
    const around = await statsJson([
      '--provider',
      'stripe-live',
      '--since',
      new Date(old - minuteMs).toISOString(),
      '--until',
      new Date(old + minuteMs).toISOString(),
    ]);
    expect(around.providers[0]).toMatchObject({ records: 1, outcomes: { rejected: 1 } });
    expect(around.since).toBe(new Date(old - minuteMs).toISOString());
  });

  it('leaves out records past their retention that DynamoDB has not deleted yet', async () => {
    const month = await statsJson([
      '--provider',
      'stripe-live',
      '--since',
      '40d',
      '--until',
      '30d',
    ]);
    expect(month.providers[0].records).toBe(0);
  });

  it('writes progress to stderr only; stdout stays one JSON document', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => {
      clock += 60_000;
      return clock;
    });
    const { code, stdout, stderr } = await cli(['audit', 'stats', '--json', '--local']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).total.records).toBe(10);
    expect(stderr).toMatch(/^\d+ records read, \d+ pages \(provider 1 of 2\)$/m);
    expect(stderr).toMatch(/^10 records read, \d+ pages \(provider 2 of 2\)$/m);

    const quiet = await cli(['audit', 'stats', '--json', '--quiet', '--local']);
    expect(quiet.stderr).toBe('');
  });

  it('is itself recorded as a read of the audit trail', async () => {
    await statsJson(['--provider', 'stripe-live', '--since', '7d']);
    const { records } = await adminTrail().listAdminActions({
      sinceMs: nowMs,
      untilMs: Date.now(),
      limit: 1_000,
    });
    const [latest] = records.filter((record) => record.action === 'audit.stats');
    expect(latest).toMatchObject({
      target: 'stripe-live',
      outcome: 'succeeded',
      detail: {
        since: expect.stringMatching(/Z$/),
        until: expect.stringMatching(/Z$/),
        records: '9',
      },
    });
  });

  it.each([
    [['--since', 'yesterday'], /--since must be now, a duration back from now/],
    [['--until', '2024-02-30'], /--until must be .* got '2024-02-30'/],
    [['--since', '2024-05-01T12:00:00'], /--since must be .*with its zone/],
    [['--since', '1d', '--until', '2d'], /--since \(.*\) is after --until \(.*\)/],
    [['--provider', 'Not/An/Id'], /--provider 'Not\/An\/Id' is not a provider id/],
  ])('exits 2 on %j, and reads nothing', async (args, message) => {
    const { code, stdout, stderr } = await cli(['audit', 'stats', ...args, '--local']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(message);
  });

  it('names the action and table AWS denied, and records the read as failed', async () => {
    const send = DynamoDBClient.prototype.send;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
      this: DynamoDBClient,
      ...args: Parameters<typeof send>
    ) {
      const [command] = args;
      if (command instanceof QueryCommand || command instanceof ScanCommand) {
        const denied = Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
        });
        return Promise.reject(denied);
      }
      return send.apply(this, args);
    } as typeof send);
    const { tables } = admin.stack.resources;

    const one = await cli(['audit', 'stats', '--provider', 'stripe-live', '--local']);
    expect(one).toMatchObject({ code: 2, stdout: '' });
    expect(one.stderr).toBe(
      `error: access denied: your AWS credentials may not dynamodb:Query on table ${tables.audit}; an IAM policy must allow it\n`,
    );
    const every = await cli(['audit', 'stats', '--local']);
    expect(every.code).toBe(2);
    expect(every.stderr).toContain(`dynamodb:Scan on table ${tables.registry}`);

    vi.restoreAllMocks();
    const { records } = await adminTrail().listAdminActions({
      sinceMs: nowMs,
      untilMs: Date.now(),
      limit: 1_000,
    });
    expect(records.filter((record) => record.action === 'audit.stats').slice(0, 2)).toEqual([
      expect.objectContaining({ target: '*', outcome: 'failed', reason: 'access_denied' }),
      expect.objectContaining({
        target: 'stripe-live',
        outcome: 'failed',
        reason: 'access_denied',
      }),
    ]);
  });
});

describe('parseInstant', () => {
  const now = Date.parse('2024-05-10T12:00:00.000Z');

  it.each([
    ['now', now],
    ['90s', now - 90_000],
    ['24h', now - dayMs],
    ['2024-05-01', Date.parse('2024-05-01T00:00:00.000Z')],
    ['2024-02-29', Date.parse('2024-02-29T00:00:00.000Z')],
    ['2024-05-01T12:30Z', Date.parse('2024-05-01T12:30:00.000Z')],
    ['2024-05-01T12:30:15.250+02:00', Date.parse('2024-05-01T10:30:15.250Z')],
  ])('reads %s', (text, expected) => {
    expect(parseInstant(text, '--since', now)).toBe(expected);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-05-01T12:30', '1 day', '', '-1h'])(
    'refuses %j',
    (text) => {
      expect(() => parseInstant(text, '--since', now)).toThrow(/--since must be/);
    },
  );
});
