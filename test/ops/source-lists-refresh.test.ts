/**
 * The published source list refresher (ops/source-lists/refresh.ts) on the local stack: a
 * provider registered with a published list through the registry store, refreshed from a fixed
 * copy of the list. A changed list replaces the provider's published ranges, at the next
 * revision, and leaves an admin record; an unchanged one writes nothing; a malformed, empty or
 * unreachable list keeps the provider exactly as it was, is reported, and records nothing.
 * Then the scheduled function itself, with STS and the providers' URLs stood in for: its
 * records name its role, and a list it cannot use fails the run and is counted by list.
 */
import { readFileSync } from 'node:fs';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kmsKeys } from '../../functions/config/keys.ts';
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import type { AdminRecord } from '../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { PublishedListError, readPublishedRanges } from '../../ops/source-lists/index.ts';
import {
  type RefreshPublishedSourcesOptions,
  rangeChanges,
  refreshPublishedSources,
} from '../../ops/source-lists/refresh.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';

const githubBody = readFileSync('test/fixtures/source-lists/github.json', 'utf8');
const githubRanges = readPublishedRanges('github', githubBody).ranges;
const stripeBody = readFileSync('test/fixtures/source-lists/stripe.json', 'utf8');

const writer = { actor: 'arn:aws:sts::123456789012:assumed-role/Refresher/fn', host: 'lambda:fn' };
/** The ranges stored before the refresh: one GitHub still lists, one it no longer does. */
const oldRanges = ['192.30.252.0/22', '203.0.113.0/24'];
const fetchedBefore = Date.UTC(2026, 0, 1);

let stack: AdminStack;
let registry: ProviderRegistryStore;
let trail: AdminTrailStore;
const startedAtMs = Date.now();

beforeAll(async () => {
  stack = await startAdminStack();
  registry = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: stack.stack.resources.tables.registry,
  });
  trail = new AdminTrailStore({
    dynamodb: stack.dynamodb,
    tableName: stack.stack.resources.tables.audit,
    sealer: stack.operatorSealer,
  });
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** A provider on `list`, as `providers add --allow-published` stores one, at revision 1. */
async function addProvider(
  providerId: string,
  list: string,
  ranges: readonly string[],
  ownRanges: readonly string[] = [],
): Promise<ProviderConfig> {
  return registry.create({
    providerId,
    scheme: list === 'stripe' ? 'stripe' : 'github',
    keys: [{ kind: 'secret', ciphertext: new Uint8Array([1, 2, 3]) }],
    sources: { ranges: ownRanges, published: { list, ranges, fetchedAtMs: fetchedBefore } },
  });
}

/** The saved bodies the run reads instead of the internet, and how often each was read. */
function savedLists(bodies: Readonly<Record<string, string>>) {
  const reads: string[] = [];
  const fetchRanges = async (list: string) => {
    reads.push(list);
    const body = bodies[list];
    if (body === undefined) {
      throw new PublishedListError(list, 'timeout', `https://example.invalid did not answer`);
    }
    return readPublishedRanges(list, body);
  };
  return { fetchRanges, reads };
}

const refresh = (overrides: Partial<RefreshPublishedSourcesOptions> = {}) =>
  refreshPublishedSources({
    registry,
    adminTrail: trail,
    fetchRanges: savedLists({ github: githubBody, stripe: stripeBody }).fetchRanges,
    nowMs: Date.now,
    writer,
    ...overrides,
  });

/** The refresh records of `providerId`, newest first. */
async function refreshRecords(providerId: string): Promise<AdminRecord[]> {
  const { records, malformed } = await trail.listAdminActions({
    sinceMs: startedAtMs - 1000,
    untilMs: Date.now() + 1000,
    limit: 1000,
  });
  expect(malformed).toEqual([]);
  return records.filter(
    (record) => record.action === 'provider.refresh-sources' && record.target === providerId,
  );
}

/** The only provider a run should see: every test adds its own, so each run reads one list. */
const only = (providerId: string) => ({
  list: async () => {
    const listing = await registry.list();
    return { ...listing, providers: listing.providers.filter((p) => p.providerId === providerId) };
  },
  get: (id: string) => registry.get(id),
  put: (config: ProviderConfig) => registry.put(config),
});

describe('a changed list', () => {
  it('replaces the published ranges at the next revision and leaves an admin record', async () => {
    await addProvider('gh-changed', 'github', oldRanges, ['198.51.100.0/24']);
    const before = Date.now();
    const summary = await refresh({ registry: only('gh-changed') });
    expect(summary).toEqual({
      checked: 1,
      changed: 1,
      unchanged: 0,
      failed: [],
      changes: [
        {
          providerId: 'gh-changed',
          list: 'github',
          added: githubRanges.filter((range) => !oldRanges.includes(range)),
          removed: ['203.0.113.0/24'],
          revision: 2,
        },
      ],
    });
    const stored = await registry.get('gh-changed');
    expect(stored?.revision).toBe(2);
    expect(stored?.sources?.published?.list).toBe('github');
    expect(stored?.sources?.published?.ranges).toEqual(githubRanges);
    expect(stored?.sources?.published?.fetchedAtMs).toBeGreaterThanOrEqual(before);
    // The operator's own ranges are not the refresher's.
    expect(stored?.sources?.ranges).toEqual(['198.51.100.0/24']);

    const [record, ...others] = await refreshRecords('gh-changed');
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      actor: writer.actor,
      host: writer.host,
      action: 'provider.refresh-sources',
      target: 'gh-changed',
      outcome: 'succeeded',
      detail: {
        publishedList: 'github',
        rangesAdded: '5',
        rangesRemoved: '1',
        rangeChanges:
          '+140.82.112.0/20 +143.55.64.0/20 +185.199.108.0/22 +2606:50c0::/32 +2a0a:a440::/29 -203.0.113.0/24',
        revision: '2',
      },
    });
  });

  it('run again, finds the list unchanged: nothing written, nothing recorded', async () => {
    await addProvider('gh-same', 'github', githubRanges);
    const summary = await refresh({ registry: only('gh-same') });
    expect(summary).toEqual({ checked: 1, changed: 0, unchanged: 1, failed: [], changes: [] });
    const stored = await registry.get('gh-same');
    expect(stored?.revision).toBe(1);
    expect(stored?.sources?.published?.fetchedAtMs).toBe(fetchedBefore);
    expect(await refreshRecords('gh-same')).toEqual([]);
  });

  it('is fetched once a run however many providers use it', async () => {
    await addProvider('stripe-a', 'stripe', ['54.187.174.169/32']);
    await addProvider('stripe-b', 'stripe', ['54.187.174.169/32']);
    const saved = savedLists({ stripe: stripeBody });
    const registryOfBoth = {
      ...only('stripe-a'),
      list: async () => {
        const listing = await registry.list();
        return {
          ...listing,
          providers: listing.providers.filter((p) => p.providerId.startsWith('stripe-')),
        };
      },
    };
    const summary = await refresh({ registry: registryOfBoth, fetchRanges: saved.fetchRanges });
    expect(saved.reads).toEqual(['stripe']);
    expect(summary).toMatchObject({ checked: 2, changed: 2, unchanged: 0, failed: [] });
    for (const id of ['stripe-a', 'stripe-b']) {
      expect((await registry.get(id))?.sources?.published?.ranges).toHaveLength(12);
      expect(await refreshRecords(id)).toHaveLength(1);
    }
  });

  it('written while an operator changed the provider: read again, the change kept', async () => {
    await addProvider('gh-raced', 'github', oldRanges);
    let puts = 0;
    const racing = {
      ...only('gh-raced'),
      put: async (config: ProviderConfig) => {
        puts += 1;
        // An operator disables the provider between the refresher's read and its write.
        if (puts === 1) await registry.setEnabled('gh-raced', false);
        return registry.put(config);
      },
    };
    const summary = await refresh({ registry: racing });
    expect(puts).toBe(2);
    expect(summary).toMatchObject({ changed: 1, failed: [] });
    const stored = await registry.get('gh-raced');
    expect(stored).toMatchObject({ enabled: false, revision: 3 });
    expect(stored?.sources?.published?.ranges).toEqual(githubRanges);
    expect((await refreshRecords('gh-raced'))[0]?.detail.revision).toBe('3');
  });
});

describe('a list that cannot be used keeps the provider as it was', () => {
  it.each([
    ['malformed', '{"hooks": "192.30.252.0/22"}', 'malformed'],
    ['empty', '{"hooks": []}', 'empty'],
    ['too wide', '{"hooks": ["192.30.252.0/22", "0.0.0.0/0"]}', 'invalid_range'],
    ['unreachable', undefined, 'timeout'],
  ] as const)('%s', async (what, body, code) => {
    const providerId = `gh-${what.replace(' ', '-')}`;
    const before = await addProvider(providerId, 'github', oldRanges);
    const saved = savedLists(body === undefined ? {} : { github: body });
    const summary = await refresh({ registry: only(providerId), fetchRanges: saved.fetchRanges });
    expect(summary).toMatchObject({ checked: 1, changed: 0, unchanged: 0, changes: [] });
    expect(summary.failed).toEqual([
      {
        list: 'github',
        code,
        reason: expect.stringMatching(/^published list 'github': /),
        providers: [providerId],
      },
    ]);
    // Never widened, never emptied: the item is exactly as it was.
    expect(await registry.get(providerId)).toEqual(before);
    expect(await refreshRecords(providerId)).toEqual([]);
  });

  it('a list that answers with no ranges, whoever supplied it, is refused too', async () => {
    const before = await addProvider('gh-nothing', 'github', oldRanges);
    const summary = await refresh({
      registry: only('gh-nothing'),
      fetchRanges: async () => ({ ranges: [] }),
    });
    expect(summary.failed).toMatchObject([{ list: 'github', code: 'empty' }]);
    expect(await registry.get('gh-nothing')).toEqual(before);
  });

  it('a change whose admin record cannot be written is reported, the change kept', async () => {
    await addProvider('gh-unrecorded', 'github', oldRanges);
    const summary = await refresh({
      registry: only('gh-unrecorded'),
      adminTrail: {
        writeAdminAction: async () => {
          throw new Error('dynamodb PutItem failed: TimeoutError');
        },
      },
    });
    expect(summary).toMatchObject({ changed: 1 });
    expect(summary.failed).toEqual([
      {
        list: 'github',
        code: 'admin_record_not_written',
        reason: expect.stringMatching(
          /^provider 'gh-unrecorded' was refreshed to revision 2, but its admin record \(request [0-9a-f-]{36}\) could not be written: /,
        ),
        providers: ['gh-unrecorded'],
      },
    ]);
  });
});

describe('rangeChanges', () => {
  it('lists gains then losses, cut at the detail limit', () => {
    expect(rangeChanges({ added: ['192.0.2.0/24'], removed: ['198.51.100.0/24'] })).toBe(
      '+192.0.2.0/24 -198.51.100.0/24',
    );
    const many = Array.from({ length: 200 }, (_, index) => `10.${index}.0.0/16`);
    const text = rangeChanges({ added: many, removed: [] });
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(text).toMatch(/^\+10\.0\.0\.0\/16 .* …$/);
    expect(text).not.toMatch(/\+10\.\d+\.0\.0\/1? …$/);
  });
});

describe('the scheduled function (scheduled/source-ranges.ts)', () => {
  const roleArn = 'arn:aws:sts::123456789012:assumed-role/SourceRefresherRole/refresher';
  const sts = mockClient(STSClient);
  let published: Record<string, () => Response>;

  beforeAll(() => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: roleArn });
    // The construct names the audit key; the local stack's process.env has the table names.
    vi.stubEnv(kmsKeys.audit.idVariable, stack.stack.resources.keys.audit.keyId);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'refresher');
    vi.stubGlobal('fetch', async (url: string) => {
      const answer = published[url];
      return answer === undefined ? new Response('not found', { status: 404 }) : answer();
    });
  });

  afterAll(() => {
    sts.restore();
    vi.unstubAllGlobals();
  });

  it('refreshes every provider from the fetched lists, recorded under its role', async () => {
    published = {
      'https://api.github.com/meta': () => new Response(githubBody),
      'https://stripe.com/files/ips/ips_webhooks.json': () => new Response(stripeBody),
    };
    await addProvider('gh-scheduled', 'github', oldRanges);
    const { handler } = await import('../../scheduled/source-ranges.ts');
    const result = await handler();
    expect(result.checked).toBeGreaterThan(1);
    expect(result.changed).toBeGreaterThanOrEqual(1);
    expect((await registry.get('gh-scheduled'))?.sources?.published?.ranges).toEqual(githubRanges);
    const [record] = await refreshRecords('gh-scheduled');
    expect(record).toMatchObject({
      actor: roleArn,
      host: 'lambda:refresher',
      outcome: 'succeeded',
    });
  });

  it('fails the run when a list could not be used, counting it by list, the providers kept', async () => {
    published = {
      'https://api.github.com/meta': () => new Response(githubBody),
      'https://stripe.com/files/ips/ips_webhooks.json': () =>
        new Response('busy', { status: 503, statusText: 'Service Unavailable' }),
    };
    const before = await addProvider('stripe-scheduled', 'stripe', ['54.187.174.169/32']);
    const counted = vi.spyOn(Metrics.prototype, 'addMetric');
    const dimensions = vi.spyOn(Metrics.prototype, 'addDimension');
    const { handler, publishedListFailedMetric } = await import('../../scheduled/source-ranges.ts');
    await expect(handler()).rejects.toThrow(
      /^published source lists not refreshed: stripe \(http_status\); their providers keep their current ranges$/,
    );
    expect(counted).toHaveBeenCalledWith(publishedListFailedMetric, 'Count', 1);
    expect(dimensions).toHaveBeenCalledWith('list', 'stripe');
    expect(await registry.get('stripe-scheduled')).toEqual(before);
    counted.mockRestore();
    dimensions.mockRestore();
  });
});
