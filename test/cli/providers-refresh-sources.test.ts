/**
 * `webhooks providers refresh-sources --local --published-list NAME=FILE`: the daily refresher's
 * run from the operator's machine, reading a saved copy of the list. Against the local stack,
 * through the whole CLI: the provider's published ranges replaced and the change recorded under
 * the operator; a malformed copy refused (exit 1) with the provider as it was; mistakes in the
 * command refused before anything is read (exit 2).
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import type { AdminRecord } from '../../ops/admin-trail/admin-record.ts';
import { AdminTrailStore } from '../../ops/admin-trail/admin-trail-store.ts';
import { readPublishedRanges } from '../../ops/source-lists/index.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, tempFiles } from './helpers.ts';

const githubFile = 'test/fixtures/source-lists/github.json';
const stripeFile = 'test/fixtures/source-lists/stripe.json';
const localActor = `local:${userInfo().username}`;

let admin: AdminStack;
let registry: ProviderRegistryStore;

beforeAll(async () => {
  admin = await startAdminStack();
  registry = new ProviderRegistryStore({
    dynamodb: admin.dynamodb,
    tableName: admin.stack.resources.tables.registry,
  });
  for (const [providerId, list, ranges] of [
    ['gh', 'github', ['192.30.252.0/22', '203.0.113.0/24']],
    ['stripe-live', 'stripe', ['54.187.174.169/32']],
  ] as const) {
    await registry.create({
      providerId,
      scheme: list === 'github' ? 'github' : 'stripe',
      keys: [{ kind: 'secret', ciphertext: new Uint8Array([1, 2, 3]) }],
      sources: { ranges: [], published: { list, ranges, fetchedAtMs: Date.UTC(2026, 0, 1) } },
    });
  }
}, startBudgetMs);

afterAll(() => admin?.close());

async function refreshRecordsOf(target: string): Promise<AdminRecord[]> {
  const trail = new AdminTrailStore({
    dynamodb: admin.dynamodb,
    tableName: admin.stack.resources.tables.audit,
    sealer: admin.operatorSealer,
  });
  const { records } = await trail.listAdminActions({
    sinceMs: 0,
    untilMs: Date.now() + 1000,
    limit: 1000,
  });
  return records.filter(
    (record) => record.action === 'provider.refresh-sources' && record.target === target,
  );
}

describe('webhooks providers refresh-sources', () => {
  it('refuses a malformed saved copy: exit 1, the provider as it was, nothing recorded', async () => {
    const files = tempFiles({ 'meta.json': '{"hooks": "192.30.252.0/22"}' });
    const before = await registry.get('gh');
    const run = await cli([
      'providers',
      'refresh-sources',
      '--local',
      '--published-list',
      `github=${files['meta.json']}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/1 provider\(s\) checked, 0 changed, 0 unchanged, 1 failure\(s\)/);
    expect(run.stderr).toMatch(
      /^error: published list 'github': `hooks` is not an array; expected .* \(malformed\); kept as they were: gh\n$/,
    );
    expect(await registry.get('gh')).toEqual(before);
    expect(await refreshRecordsOf('gh')).toEqual([]);
  });

  it('--published-list github=FILE: refreshes the providers of that list only, recorded under the operator', async () => {
    const run = await cli([
      'providers',
      'refresh-sources',
      '--local',
      '--published-list',
      `github=${githubFile}`,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^refreshed published source lists: 1 provider\(s\) checked, 1 changed, 0 unchanged, 0 failure\(s\)\nrefreshed provider 'gh' from list github to revision 2: 5 range\(s\) added, 1 removed; its deliveries may still be checked against the former ranges until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(running ingest functions re-read provider settings every \d+ s\)\n$/,
    );
    const stored = await registry.get('gh');
    expect(stored?.revision).toBe(2);
    expect(stored?.sources?.published?.ranges).toEqual(
      readPublishedRanges('github', readFileSync(githubFile, 'utf8')).ranges,
    );
    // The stripe provider's list was not given: it is not part of the run.
    expect((await registry.get('stripe-live'))?.revision).toBe(1);
    const [record, ...others] = await refreshRecordsOf('gh');
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      actor: localActor,
      action: 'provider.refresh-sources',
      target: 'gh',
      outcome: 'succeeded',
      detail: { publishedList: 'github', rangesAdded: '5', rangesRemoved: '1', revision: '2' },
    });
  });

  it('--json prints the run; an unchanged list writes and records nothing', async () => {
    const run = await cli([
      'providers',
      'refresh-sources',
      '--local',
      '--published-list',
      `github=${githubFile}`,
      '--published-list',
      `stripe=${stripeFile}`,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ checked: 2, changed: 1, unchanged: 1, failed: [] });
    expect(summary.changes).toMatchObject([{ providerId: 'stripe-live', list: 'stripe' }]);
    expect((await registry.get('gh'))?.revision).toBe(2);
    expect(await refreshRecordsOf('gh')).toHaveLength(1);
    expect(await refreshRecordsOf('stripe-live')).toHaveLength(1);
  });

  it.each([
    [['--published-list', 'github'], /--published-list 'github': give NAME=FILE/],
    [['--published-list', 'twilio=x.json'], /no published list 'twilio' \(known: checkout-com, /],
    [
      ['--published-list', `github=${githubFile}`, '--published-list', `github=${githubFile}`],
      /'github' is given twice/,
    ],
    [['--published-list', 'github=no-such-file.json'], /cannot read the file \(ENOENT\)/],
  ])('refuses %j before anything is read (exit 2)', async (flags, message) => {
    const run = await cli(['providers', 'refresh-sources', '--local', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
