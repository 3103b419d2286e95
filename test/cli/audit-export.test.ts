/**
 * `webhooks audit export` against the local stack: every field but the encrypted ones, oldest
 * first, as JSON Lines or CSV (RFC 4180, formula guard); no file unless the export is whole
 * and audited; progress on stderr only. And the reader's range read it is built on.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordView } from '../../cli/audit-trail.ts';
import { csvColumns, csvField } from '../../cli/commands/audit/export.ts';
import { AuditStore } from '../../functions/audit/audit-store.ts';
import { type AuditRecord, auditShardOf } from '../../functions/audit/record.ts';
import { adminPartitionKey } from '../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { type AuditBatch, AuditReader } from '../../ops/audit/audit-reader.ts';
import { accepted, auditRecord, sealedAs } from '../support/audit-records.ts';
import { writeAccepted } from '../support/delivery-items.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, tempFiles } from './helpers.ts';

const minuteMs = 60_000;

let admin: AdminStack;
let nowMs: number;
/** What the range [sinceMs, untilMs] holds for `shop`, oldest first. */
let inRange: AuditRecord[];
let sinceMs: number;
let untilMs: number;

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

const auditReader = () =>
  new AuditReader({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.audit,
  });

/** Writes a rejected attempt of `shop` (or, with `acceptedWithPayload`, an accepted one). */
async function write(overrides: Partial<AuditRecord>, acceptedWithPayload = false) {
  const base = { providerId: 'shop', scheme: 'shopify' as const, ...overrides };
  if (!acceptedWithPayload) {
    const record = auditRecord(base);
    await auditStore().writeAttempt(record);
    return record;
  }
  const record = accepted({ ...base, encryptedPayload: Buffer.from('a payload copy') });
  await writeAccepted(new DynamoDBClient({}), admin.stack.resources.tables.audit, record);
  return record;
}

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      index += 1;
    } else field += char;
  }
  return rows;
}

beforeAll(async () => {
  admin = await startAdminStack();
  nowMs = Date.now();
  sinceMs = nowMs - 120 * minuteMs;
  untilMs = nowMs - 10 * minuteMs;
  const at = (minutesAgo: number) => nowMs - minutesAgo * minuteMs;
  const written: AuditRecord[] = [];
  // On both edges of the range: both ends are inclusive.
  written.push(await write({ deliveryId: 'evt_first', receivedAtMs: sinceMs }));
  written.push(await write({ deliveryId: 'evt_last', receivedAtMs: untilMs }));
  written.push(
    await write({
      deliveryId: '-evt,"quoted"',
      receivedAtMs: at(100),
      userAgent: '=HYPERLINK("http://evil.example/","click")',
      eventType: '+cmd|calc',
    }),
  );
  written.push(
    await write({ deliveryId: 'evt_at', receivedAtMs: at(99), eventType: '@SUM(A1:A9)' }),
  );
  written.push(await write({ deliveryId: 'evt_paid', receivedAtMs: at(98) }, true));
  // Enough delivery ids to land in every shard, so the merge is exercised.
  for (let index = 0; index < 40; index += 1) {
    written.push(await write({ deliveryId: `evt_${index}`, receivedAtMs: at(90) + index * 1_000 }));
  }
  expect(new Set(written.map((record) => auditShardOf(record.deliveryId))).size).toBe(8);
  // Out of the range, and another provider's.
  await write({ deliveryId: 'evt_before', receivedAtMs: sinceMs - 1 });
  await write({ deliveryId: 'evt_after', receivedAtMs: untilMs + 1 });
  await write({ providerId: 'other', deliveryId: 'evt_other', receivedAtMs: at(50) });
  inRange = written.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
}, startBudgetMs);

afterAll(() => admin?.close());

afterEach(() => {
  vi.restoreAllMocks();
});

/** `audit export` of shop's range to a fresh folder; returns the result and the file's path. */
async function exportShop(args: readonly string[], folder = tempFiles({}).folder as string) {
  const out = join(folder, 'export.out');
  const result = await cli([
    'audit',
    'export',
    '--provider',
    'shop',
    '--since',
    new Date(sinceMs).toISOString(),
    '--until',
    new Date(untilMs).toISOString(),
    '--out',
    out,
    ...args,
    '--local',
  ]);
  return { ...result, out, folder };
}

describe('webhooks audit export --local', () => {
  it('writes every field but the encrypted ones, oldest first, as JSON Lines', async () => {
    const { code, stdout, stderr, out } = await exportShop([]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(
      `exported ${inRange.length} records of shop (${new Date(sinceMs).toISOString()} to ${new Date(untilMs).toISOString()}) to ${out}\n`,
    );
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(inRange.map((record) => JSON.parse(JSON.stringify(recordView(record)))));
    expect(lines[0]).toMatchObject({
      deliveryId: 'evt_first',
      receivedAt: expect.stringMatching(/Z$/),
    });
    for (const line of lines) {
      expect(line).not.toHaveProperty('encryptedHeaders');
      expect(line).not.toHaveProperty('encryptedPayload');
      expect(line).not.toHaveProperty('receivedAtMs');
    }
  });

  it('writes CSV with a header row, RFC 4180 quoting and the formula guard', async () => {
    const { code, out } = await exportShop(['--format', 'csv']);
    expect(code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith(`${csvColumns.join(',')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    // Quoted for the comma and quotes, quotes doubled, and a leading ' against formulas.
    expect(text).toContain(`,"'-evt,""quoted""",`);
    expect(text).toContain(`,"'=HYPERLINK(""http://evil.example/"",""click"")",`);
    expect(text).toContain(`,'+cmd|calc,`);
    expect(text).toContain(`,'@SUM(A1:A9),`);

    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(csvColumns);
    expect(rows).toHaveLength(inRange.length);
    const column = (name: (typeof csvColumns)[number]) => csvColumns.indexOf(name);
    expect(rows.map((row) => row[column('deliveryId')])).toEqual(
      inRange.map((record) =>
        record.deliveryId.startsWith('-') ? `'${record.deliveryId}` : record.deliveryId,
      ),
    );
    const tricky = rows.find((row) => row[column('eventType')] === "'+cmd|calc");
    expect(tricky?.[column('userAgent')]).toBe(`'=HYPERLINK("http://evil.example/","click")`);
    const paid = rows.find((row) => row[column('deliveryId')] === 'evt_paid');
    expect(paid?.[column('outcome')]).toBe('accepted');
    expect(paid?.[column('reason')]).toBe('');
    expect(paid?.[column('receivedAt')]).toBe(new Date(nowMs - 98 * minuteMs).toISOString());
  });

  it("exports a provider that is not registered: its records (as shop's), or 0 and says why", async () => {
    // `shop` is not registered: its records stay until their retention ends, so they export.
    const kept = await exportShop([]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).not.toMatch(/not registered/);

    const out = join(tempFiles({}).folder as string, 'nobody.jsonl');
    const since = new Date(sinceMs).toISOString();
    const until = new Date(untilMs).toISOString();
    const empty = await cli([
      'audit',
      'export',
      '--provider',
      'nobody',
      '--since',
      since,
      '--until',
      until,
      '--out',
      out,
      '--quiet',
      '--local',
    ]);
    // Still 0: the file is written, and an empty export can be what was asked for.
    expect(empty.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(empty.stderr).toBe(
      `warning: exported 0 records: provider 'nobody' is not registered and has no records between ${since} and ${until}\n`,
    );
  });

  it('makes the file readable by its owner only', async () => {
    const { out } = await exportShop([]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace a file without --force, and replaces it with --force', async () => {
    const folder = tempFiles({ 'export.out': 'keep me' }).folder as string;
    const refused = await exportShop([], folder);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      `error: --out '${refused.out}' exists; give --force to replace it\n`,
    );
    expect(readFileSync(refused.out, 'utf8')).toBe('keep me');

    const forced = await exportShop(['--force'], folder);
    expect(forced.code).toBe(0);
    expect(readFileSync(forced.out, 'utf8').split('\n')).toHaveLength(inRange.length + 1);
    expect(readdirSync(folder)).toEqual(['export.out']);
  });

  it('leaves no file, not even a partial one, when the read fails', async () => {
    const send = DynamoDBClient.prototype.send;
    let queries = 0;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
      this: DynamoDBClient,
      ...args: Parameters<typeof send>
    ) {
      const [command] = args;
      // The first shards answer; a later one fails, as in a throttling storm.
      if (command instanceof QueryCommand && ++queries > 5) {
        return Promise.reject(
          Object.assign(new Error('injected'), { name: 'InternalServerError' }),
        );
      }
      return send.apply(this, args);
    } as typeof send);
    const { code, stdout, stderr, folder } = await exportShop([]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/dynamodb Query failed: InternalServerError/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('leaves no file when the export cannot be audited', async () => {
    const send = DynamoDBClient.prototype.send;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
      this: DynamoDBClient,
      ...args: Parameters<typeof send>
    ) {
      const [command] = args;
      if (command instanceof PutItemCommand && command.input.Item?.pk?.S === adminPartitionKey) {
        return Promise.reject(
          Object.assign(new Error('injected'), { name: 'InternalServerError' }),
        );
      }
      return send.apply(this, args);
    } as typeof send);
    const { code, stdout, stderr, folder } = await exportShop([]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^error: not shown: this read of the audit trail could not be recorded/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('names the action and table AWS denied, and writes no file', async () => {
    const send = DynamoDBClient.prototype.send;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(function (
      this: DynamoDBClient,
      ...args: Parameters<typeof send>
    ) {
      if (args[0] instanceof QueryCommand) {
        return Promise.reject(
          Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
        );
      }
      return send.apply(this, args);
    } as typeof send);
    const { code, stderr, folder } = await exportShop([]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `error: access denied: your AWS credentials may not dynamodb:Query on table ${admin.stack.resources.tables.audit}; an IAM policy must allow it\n`,
    );
    expect(readdirSync(folder)).toEqual([]);
  });

  it('shows progress on stderr only; --json prints the summary as one JSON line', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => {
      clock += 60_000;
      return clock;
    });
    const { code, stdout, stderr, out } = await exportShop(['--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      providerId: 'shop',
      since: new Date(sinceMs).toISOString(),
      until: new Date(untilMs).toISOString(),
      format: 'jsonl',
      records: inRange.length,
      out,
    });
    const progress = stderr.trimEnd().split('\n');
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^\d+ records written, \d+ pages read$/);
    expect(progress.at(-1)).toMatch(new RegExp(`^${inRange.length} records written`));
    expect(readFileSync(out, 'utf8')).not.toContain('records written');

    const quiet = await exportShop(['--json', '--quiet']);
    expect(quiet.stderr).toBe('');
  });

  it('records the export: provider, range, format and count', async () => {
    const startedMs = Date.now();
    await exportShop(['--format', 'csv']);
    const { records } = await adminTrail().listAdminActions({
      sinceMs: startedMs,
      untilMs: Date.now(),
      limit: 1_000,
    });
    expect(records.filter((record) => record.action === 'audit.export')).toEqual([
      expect.objectContaining({
        target: 'shop',
        outcome: 'succeeded',
        detail: {
          since: new Date(sinceMs).toISOString(),
          until: new Date(untilMs).toISOString(),
          format: 'csv',
          records: String(inRange.length),
        },
      }),
    ]);
  });

  it.each([
    [['--format', 'xml'], /--format must be one of jsonl, csv, got 'xml'/],
    [['--provider', 'Not/An/Id'], /--provider 'Not\/An\/Id' is not a provider id/],
    [['--since', 'last week'], /--since must be now, a duration back from now/],
  ])('exits 2 on %j, and writes nothing', async (args, message) => {
    const { code, stderr, folder } = await exportShop(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('names a missing required flag', async () => {
    const { code, stderr } = await cli([
      'audit',
      'export',
      '--provider',
      'shop',
      '--since',
      '7d',
      '--until',
      'now',
      '--local',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/required option '--out <file>' not specified/);
  });

  it('says when the folder of --out cannot be written', async () => {
    const folder = tempFiles({}).folder as string;
    const out = join(folder, 'missing', 'export.jsonl');
    const { code, stderr } = await cli([
      'audit',
      'export',
      '--provider',
      'shop',
      '--since',
      '7d',
      '--until',
      'now',
      '--out',
      out,
      '--local',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: cannot write --out '${out}' (ENOENT)\n`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('csvField', () => {
  it.each([
    [undefined, ''],
    [12, '12'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['=A1,"x"', `"'=A1,""x"""`],
    ['a=b', 'a=b'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe('AuditReader.readRangeByProvider', () => {
  // Records as stored: sealed, and the payload copy is an item of its own, which a range read
  // skips.
  const storedInRange = () =>
    inRange.map(({ encryptedPayload: _payload, ...record }) => sealedAs(record, 'record'));

  async function readAll(pageSize?: number) {
    const batches: AuditBatch[] = [];
    for await (const batch of auditReader().readRangeByProvider({
      providerId: 'shop',
      sinceMs,
      untilMs,
      ...(pageSize === undefined ? {} : { pageSize }),
    })) {
      batches.push(batch);
    }
    return batches;
  }

  it('merges the shards page by page, oldest first, records only', async () => {
    const batches = await readAll(2);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.flatMap((batch) => batch.records)).toEqual(storedInRange());
    expect(batches.flatMap((batch) => batch.malformed)).toEqual([]);
    const pages = batches.map((batch) => batch.pagesRead);
    expect(pages).toEqual([...pages].sort((a, b) => a - b));
    // 44 records and one payload copy over the table's 8 shards, two items a page; the
    // accepted delivery in the byTime index, whose 8 shards are read at least a page each.
    expect(pages.at(-1)).toBeGreaterThanOrEqual(Math.ceil(45 / 2) + 8);
  });

  it('reads the same with DynamoDB pages: one a shard of the table, one of the index', async () => {
    const batches = await readAll();
    expect(batches.flatMap((batch) => batch.records)).toEqual(storedInRange());
    expect(batches.at(-1)?.pagesRead).toBe(16);
  });

  it('refuses a bad query before reading', async () => {
    const read = auditReader().readRangeByProvider({
      providerId: 'shop',
      sinceMs: untilMs,
      untilMs: sinceMs,
      pageSize: 0,
    });
    await expect(read.next()).rejects.toThrow(
      /sinceMs and untilMs must be whole milliseconds, since <= until.*pageSize must be a whole number from 1/,
    );
  });
});

describe('a file in the way', () => {
  it('is kept when the export is refused for another reason', async () => {
    const folder = tempFiles({}).folder as string;
    const out = join(folder, 'export.jsonl');
    writeFileSync(out, 'mine');
    const { code } = await cli([
      'audit',
      'export',
      '--provider',
      'shop',
      '--since',
      '1d',
      '--until',
      '2d',
      '--out',
      out,
      '--force',
      '--local',
    ]);
    expect(code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });
});
