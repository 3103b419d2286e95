/**
 * Per-provider source allowlists on the local stack, end to end: providers registered and
 * changed through the CLI (`providers add --allow-source|--allow-published`, `providers update`),
 * deliveries sent over real TCP from chosen loopback addresses (127.0.0.1 allowed, 127.0.0.2 not)
 * into the ingest Lambda's own handler behind the local gateway, which passes the socket's peer
 * address as API Gateway's `sourceIp`. A delivery from outside the list is refused 401 before its
 * signature is checked, queues nothing, and is audited `source_not_allowed`.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProviderView } from '../../cli/provider-view.ts';
import { configCacheSecondsVariable, maxBodySizeBytes } from '../../functions/config/limits.ts';
import { sourceNotAllowed } from '../../functions/ingest/refusals.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { type LocalGateway, startGateway } from '../../local/gateway.ts';
import { AuditReader } from '../../ops/audit/audit-reader.ts';
import { cli, githubSignature, jsonLines, tempFiles } from '../cli/helpers.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';

/** Short, so that `--wait` returns soon; long enough for a command and a delivery inside it. */
const cacheSeconds = 2;
const testBudgetMs = (4 * cacheSeconds + 20) * 1000;

const allowed = '127.0.0.1';
const outside = '127.0.0.2';

let stack: GatewayStack;
let audit: AuditReader;
let registry: ProviderRegistryStore;
const startedAtMs = Date.now();

beforeAll(async () => {
  // Before the stack writes its file and before the handler's first request reads it.
  vi.stubEnv(configCacheSecondsVariable, String(cacheSeconds));
  stack = await startGatewayStack();
  audit = new AuditReader({
    dynamodb: stack.dynamodb,
    tableName: stack.stack.resources.tables.audit,
  });
  registry = new ProviderRegistryStore({
    dynamodb: stack.dynamodb,
    tableName: stack.stack.resources.tables.registry,
  });
}, startBudgetMs);

afterAll(() => stack?.close());

interface Sent {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request to the gateway at `base`, made from the local address `from`. */
function send(
  base: string,
  path: string,
  options: { from: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Sent> {
  const { from, method = 'POST', headers = {}, body } = options;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, base),
      { method, headers, localAddress: from },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A GitHub delivery of a fresh body, signed with `secret` (or a wrong signature), from `from`. */
function deliver(
  providerId: string,
  from: string,
  secret: string,
  extra: { headers?: Record<string, string>; base?: string; forged?: boolean } = {},
): Promise<Sent> {
  const body = JSON.stringify({ zen: randomUUID() });
  const signature = githubSignature(extra.forged ? 'not-the-secret' : secret, body);
  return send(extra.base ?? stack.gateway.url, `/v1/webhooks/${providerId}`, {
    from,
    headers: {
      'content-type': 'application/json',
      'X-GitHub-Delivery': randomUUID(),
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': signature,
      ...extra.headers,
    },
    body,
  });
}

const providers = (args: readonly string[], stdin?: string) =>
  cli(['providers', ...args, '--local'], stdin);

/** Registers a GitHub provider through the CLI, with `args` (its allowlist). */
async function addGithub(providerId: string, secret: string, args: readonly string[]) {
  const added = await providers(
    ['add', providerId, '--provider', 'github', '--secret-stdin', ...args],
    secret,
  );
  expect(added.code, added.stderr).toBe(0);
  return added;
}

/** The provider's rejected attempts, newest first. */
async function rejections(providerId: string) {
  const { records } = await audit.listByProvider({
    providerId,
    sinceMs: startedAtMs,
    untilMs: Date.now() + 60_000,
    outcome: 'rejected',
    limit: 50,
  });
  return records;
}

const showJson = async (providerId: string) =>
  JSON.parse((await providers(['show', providerId, '--json'])).stdout) as ProviderView;

describe('a provider with an allowlist, on the local stack', () => {
  const secret = 'github-allowlist-secret';

  beforeAll(async () => {
    const added = await addGithub('gh-allow', secret, ['--allow-source', '127.0.0.1/32']);
    expect(added.stdout).toMatch(
      /^added provider 'gh-allow' \(scheme github, key v1, sources 1 range\); /,
    );
  });

  it('accepts a signed delivery from an allowed address and queues it', async () => {
    const accepted = await deliver('gh-allow', allowed, secret);
    expect(accepted.status).toBe(202);
    const queued = await stack.drainQueue();
    expect(queued.map(({ envelope }) => envelope.providerId)).toEqual(['gh-allow']);
  });

  it('refuses one from elsewhere with the 401 of every refusal, queues nothing and audits why', async () => {
    const refused = await deliver('gh-allow', outside, secret);
    expect(refused).toEqual({ status: 401, body: '{"error":"unauthorized"}' });
    expect(await stack.drainQueue()).toEqual([]);
    expect((await rejections('gh-allow'))[0]).toMatchObject({
      providerId: 'gh-allow',
      outcome: 'rejected',
      reason: sourceNotAllowed,
      sourceIp: outside,
    });
  });

  it('refuses before the signature is checked: a forgery from elsewhere is source_not_allowed', async () => {
    expect((await deliver('gh-allow', outside, secret, { forged: true })).status).toBe(401);
    expect((await rejections('gh-allow'))[0]).toMatchObject({
      reason: sourceNotAllowed,
      sourceIp: outside,
    });
    // From an allowed address, the same forgery reaches the verifier.
    expect((await deliver('gh-allow', allowed, secret, { forged: true })).status).toBe(401);
    expect((await rejections('gh-allow'))[0]).toMatchObject({
      reason: 'signature_mismatch',
      sourceIp: allowed,
    });
    expect(await stack.drainQueue()).toEqual([]);
  });

  it('matches the TCP peer only: a forwarding header the client sends is never the source', async () => {
    const spoofed = {
      'X-Forwarded-For': allowed,
      'X-Real-IP': allowed,
      Forwarded: `for=${allowed}`,
    };
    expect((await deliver('gh-allow', outside, secret, { headers: spoofed })).status).toBe(401);
    expect((await rejections('gh-allow'))[0]).toMatchObject({ reason: sourceNotAllowed });
    const blamed = { 'X-Forwarded-For': outside };
    expect((await deliver('gh-allow', allowed, secret, { headers: blamed })).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);
  });

  it('refuses a GET handshake from elsewhere, and answers one from an allowed address', async () => {
    await providers(
      ['add', 'nylas-allow', '--provider', 'nylas', '--secret-stdin', '--allow-source', allowed],
      'nylas-allowlist-secret',
    ).then((added) => expect(added.code, added.stderr).toBe(0));
    const path = '/v1/webhooks/nylas-allow?challenge=allowlist-check';
    expect(await send(stack.gateway.url, path, { from: allowed, method: 'GET' })).toEqual({
      status: 200,
      body: 'allowlist-check',
    });
    expect(await send(stack.gateway.url, path, { from: outside, method: 'GET' })).toEqual({
      status: 401,
      body: '{"error":"unauthorized"}',
    });
    expect((await rejections('nylas-allow'))[0]).toMatchObject({
      reason: sourceNotAllowed,
      sourceIp: outside,
    });
  });

  it('keeps the 405 and 413 of a request refused before the allowlist is looked at', async () => {
    const get = await send(stack.gateway.url, '/v1/webhooks/gh-allow', {
      from: outside,
      method: 'GET',
    });
    expect(get.status).toBe(405);
    expect((await rejections('gh-allow'))[0]).toMatchObject({ reason: 'method_not_allowed' });
    const large = await send(stack.gateway.url, '/v1/webhooks/gh-allow', {
      from: outside,
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(maxBodySizeBytes + 1),
    });
    expect(large.status).toBe(413);
    expect((await rejections('gh-allow'))[0]).toMatchObject({ reason: 'payload_too_large' });
  });

  it('shows the allowlist in show, show --json and list', async () => {
    const shown = await providers(['show', 'gh-allow']);
    expect(shown.stdout).toMatch(/^sources\s+127\.0\.0\.1\/32$/m);
    expect(shown.stdout).toMatch(/^published\s+-$/m);
    expect((await showJson('gh-allow')).sources).toEqual({
      ranges: ['127.0.0.1/32'],
      published: null,
    });
    const listed = await providers(['list']);
    expect(listed.stdout).toMatch(
      /^PROVIDER\s+SCHEME\s+ENABLED\s+KEYS\s+RETENTION\s+SOURCES\s+KEY AGE\s+LAST DELIVERY$/m,
    );
    expect(listed.stdout).toMatch(/^gh-allow\s+github\s+yes\s+v1\s+standard\s+1 range\s+0d\s/m);
  });
});

describe('IPv6 senders', () => {
  const secret = 'github-ipv6-secret';
  let ipv6Gateway: LocalGateway | undefined;

  beforeAll(async () => {
    // A second gateway on ::1, in front of the same handler; where IPv6 is off, the tests skip.
    ipv6Gateway = await startGateway({ host: '::1', port: 0 }).catch(() => undefined);
    await addGithub('gh-ipv6', secret, ['--allow-source', '::1']);
    await addGithub('gh-ipv4-only', secret, ['--allow-source', '127.0.0.1/32']);
  });

  afterAll(() => ipv6Gateway?.close());

  it('allows ::1 where ::1/128 is listed, and refuses it where only IPv4 is', async (context) => {
    if (ipv6Gateway === undefined) return context.skip();
    const base = ipv6Gateway.url;
    expect((await deliver('gh-ipv6', '::1', secret, { base })).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);
    expect((await deliver('gh-ipv4-only', '::1', secret, { base })).status).toBe(401);
    expect((await rejections('gh-ipv4-only'))[0]).toMatchObject({
      reason: sourceNotAllowed,
      sourceIp: '::1',
    });
    expect((await deliver('gh-ipv6', allowed, secret)).status).toBe(401);
    expect((await showJson('gh-ipv6')).sources?.ranges).toEqual(['::1/128']);
  });
});

describe('providers add refuses a range that does not restrict, registering nothing', () => {
  it.each([
    [
      '0.0.0.0/0',
      "'0.0.0.0/0' is too wide: an allowlist must restrict, so IPv4 ranges must be /8 or narrower",
    ],
    [
      '::/0',
      "'::/0' is too wide: an allowlist must restrict, so IPv6 ranges must be /24 or narrower",
    ],
    ['10.0.0.7/8', "'10.0.0.7/8' has host bits set: did you mean 10.0.0.0/8?"],
    ['not-an-ip', "'not-an-ip' is not an IPv4 or IPv6 address or CIDR range"],
    [
      '::/24',
      "'::/24' covers the IPv4-mapped range ::ffff:0:0/96, so it would allow every IPv4 address: write IPv4 ranges as IPv4",
    ],
  ])('%s', async (range, problem) => {
    const added = await providers(
      ['add', 'gh-refused', '--provider', 'github', '--secret-stdin', '--allow-source', range],
      'never-read',
    );
    expect(added).toEqual({ code: 2, stdout: '', stderr: `error: --allow-source ${problem}\n` });
    expect(await registry.get('gh-refused')).toBeUndefined();
  });
});

describe('providers update', { timeout: testBudgetMs }, () => {
  const secret = 'github-update-secret';

  it('adds and removes ranges, refuses an empty list, and removes the allowlist with --allow-any-source', async () => {
    await addGithub('gh-update', secret, ['--allow-source', '127.0.0.2/32']);
    expect((await deliver('gh-update', allowed, secret)).status).toBe(401);

    // No key re-bound: the allowlist is not among the settings the key is bound to.
    const widened = await providers([
      'update',
      'gh-update',
      '--allow-source',
      '127.0.0.1',
      '--wait',
    ]);
    expect(widened.code, widened.stderr).toBe(0);
    expect(widened.stdout).toMatch(
      /^updated the source allowlist of provider 'gh-update' \(added 127\.0\.0\.1\/32\): now 2 ranges; its deliveries may still be checked against the previous allowlist \(1 range\) until \S+ \(running ingest functions re-read provider settings every 2 s\)\nprovider 'gh-update' accepts deliveries from 2 ranges everywhere now\n$/,
    );
    expect((await showJson('gh-update')).sources?.ranges).toEqual(['127.0.0.1/32', '127.0.0.2/32']);
    expect((await deliver('gh-update', allowed, secret)).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);

    const narrowed = await providers([
      'update',
      'gh-update',
      '--remove-source',
      '127.0.0.2/32',
      '--wait',
    ]);
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(narrowed.stdout).toMatch(
      /^updated the source allowlist of provider 'gh-update' \(removed 127\.0\.0\.2\/32\): now 1 range; /,
    );
    expect((await showJson('gh-update')).sources?.ranges).toEqual(['127.0.0.1/32']);
    expect((await deliver('gh-update', outside, secret)).status).toBe(401);

    const emptied = await providers(['update', 'gh-update', '--remove-source', '127.0.0.1/32']);
    expect(emptied).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: this would leave provider 'gh-update' with an empty source allowlist, which would refuse every delivery: to accept deliveries from any address, remove the allowlist with --allow-any-source\n",
    });
    const absent = await providers(['update', 'gh-update', '--remove-source', '10.0.0.0/8']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(
      /^error: --remove-source 10\.0\.0\.0\/8: not among the own ranges of provider 'gh-update'/,
    );

    const opened = await providers(['update', 'gh-update', '--allow-any-source', '--wait']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(
      /^removed the source allowlist of provider 'gh-update'; its deliveries may still be checked against the previous allowlist \(1 range\) until .*\nprovider 'gh-update' accepts deliveries from any address everywhere now\n$/,
    );
    expect((await showJson('gh-update')).sources).toBeNull();
    expect((await providers(['show', 'gh-update'])).stdout).toMatch(/^sources\s+any address$/m);
    expect((await deliver('gh-update', outside, secret)).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);

    const again = await providers(['update', 'gh-update', '--allow-any-source']);
    expect(again.stdout).toMatch(
      /^provider 'gh-update' has no source allowlist, nothing changed; its deliveries are answered as before until /,
    );

    const records = jsonLines((await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout)
      .filter((record) => record.action === 'provider.update' && record.target === 'gh-update')
      .map((record) => (record.detail as Record<string, string>).sources);
    // Newest first; the refused changes left none.
    expect(records).toEqual(['any', 'any', 'ranges=1', 'ranges=2']);
  });

  it.each([
    [
      [],
      'nothing to change: give --allow-source, --remove-source, --allow-published, --no-published or --allow-any-source',
    ],
    [
      ['--allow-any-source', '--allow-source', '127.0.0.1/32'],
      '--allow-any-source removes the allowlist: it cannot be given with --allow-source',
    ],
    [
      ['--allow-published', 'github', '--no-published'],
      '--allow-published and --no-published cannot be given together',
    ],
    [
      ['--allow-source', '0.0.0.0/0'],
      "--allow-source '0.0.0.0/0' is too wide: an allowlist must restrict, so IPv4 ranges must be /8 or narrower",
    ],
    [
      ['--remove-source', 'not-an-ip'],
      "--remove-source 'not-an-ip' is not an IPv4 or IPv6 address or CIDR range",
    ],
    [
      ['--published-list', 'hooks.json', '--allow-source', '127.0.0.1'],
      '--published-list is read only with --allow-published',
    ],
  ])('refuses %j with exit code 2, changing nothing', async (args, problem) => {
    const refused = await providers(['update', 'gh-allow', ...args]);
    expect(refused).toEqual({ code: 2, stdout: '', stderr: `error: ${problem}\n` });
  });

  it('refuses a provider that does not exist with exit code 1', async () => {
    const missing = await providers(['update', 'nobody', '--allow-source', '127.0.0.1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nobody/);
  });
});

describe('--allow-published with a saved copy of the list (--published-list)', {
  timeout: testBudgetMs,
}, () => {
  const secret = 'github-published-secret';
  const files = tempFiles({
    'meta.json': JSON.stringify({ hooks: ['127.0.0.1/32'], web: ['192.0.2.0/24'] }),
    'meta-2.json': JSON.stringify({ hooks: ['127.0.0.1/32', '127.0.0.2/32'] }),
    'empty.json': JSON.stringify({ hooks: [] }),
    'wide.json': JSON.stringify({ hooks: ['0.0.0.0/0'] }),
  });

  it("stores the provider's published ranges, named by --provider, and allows only them", async () => {
    const added = await addGithub('gh-published', secret, [
      '--allow-published',
      '--published-list',
      files['meta.json'] as string,
    ]);
    expect(added.stdout).toMatch(/\(scheme github, key v1, sources github \(1\)\)/);
    const config = await registry.get('gh-published');
    expect(config?.sources).toEqual({
      ranges: [],
      published: { list: 'github', ranges: ['127.0.0.1/32'], fetchedAtMs: expect.any(Number) },
    });
    expect((await deliver('gh-published', allowed, secret)).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);
    expect((await deliver('gh-published', outside, secret)).status).toBe(401);
    expect((await rejections('gh-published'))[0]).toMatchObject({ reason: sourceNotAllowed });

    const view = await showJson('gh-published');
    expect(view.sources).toEqual({
      ranges: [],
      published: { list: 'github', rangeCount: 1, fetchedAt: expect.any(String) },
    });
    expect((await providers(['show', 'gh-published'])).stdout).toMatch(
      /^published\s+github: 1 range, fetched \d{4}-\d\d-\d\dT\S+Z$/m,
    );
    expect((await providers(['list'])).stdout).toMatch(/^gh-published\s.*\sgithub \(1\)\s+0d\s/m);
  });

  it('on update, reads the stored list again by default, and drops it with --no-published', async () => {
    const refreshed = await providers([
      'update',
      'gh-published',
      '--allow-published',
      '--published-list',
      files['meta-2.json'] as string,
      '--wait',
    ]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toMatch(
      /^updated the source allowlist of provider 'gh-published' \(read published list github \(2\)\): now github \(2\); /,
    );
    expect((await registry.get('gh-published'))?.sources?.published?.ranges).toEqual([
      '127.0.0.1/32',
      '127.0.0.2/32',
    ]);
    expect((await deliver('gh-published', outside, secret)).status).toBe(202);
    expect(await stack.drainQueue()).toHaveLength(1);

    const onlyList = await providers(['update', 'gh-published', '--no-published']);
    expect(onlyList.code).toBe(2);
    expect(onlyList.stderr).toMatch(/empty source allowlist.*--allow-any-source/);

    const dropped = await providers([
      'update',
      'gh-published',
      '--no-published',
      '--allow-source',
      '127.0.0.1',
    ]);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toMatch(
      /^updated the source allowlist of provider 'gh-published' \(added 127\.0\.0\.1\/32; dropped published list github\): now 1 range; /,
    );
    expect((await registry.get('gh-published'))?.sources).toEqual({ ranges: ['127.0.0.1/32'] });
    const records = jsonLines((await cli(['audit', 'list', '--admin', '--json', '--local'])).stdout)
      .filter((record) => record.target === 'gh-published')
      .map((record) => [record.action, (record.detail as Record<string, string>).sources]);
    expect(records).toEqual([
      ['provider.update', 'ranges=1'],
      ['provider.update', 'ranges=0,published=github'],
      ['provider.add', 'ranges=0,published=github'],
    ]);
  });

  it('refuses an empty or too wide list, an unknown list and a provider that publishes none', async () => {
    const add = (args: readonly string[]) =>
      providers(['add', 'gh-unlisted', '--provider', 'github', '--secret-stdin', ...args], 's');
    const empty = await add([
      '--allow-published',
      '--published-list',
      files['empty.json'] as string,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /^error: --allow-published: published list 'github': .*empty list never allows everyone/,
    );
    const wide = await add(['--allow-published', '--published-list', files['wide.json'] as string]);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(/too wide/);
    const unknown = await add(['--allow-published', 'nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: --allow-published: no published list is known for 'nowhere'/,
    );
    const missing = await add([
      '--allow-published',
      '--published-list',
      `${files.folder}/none.json`,
    ]);
    expect(missing.stderr).toMatch(
      /^error: cannot read --published-list '.*none\.json' \(ENOENT\)/,
    );
    expect(await registry.get('gh-unlisted')).toBeUndefined();

    const bySchemeOnly = await providers(
      ['add', 'plain-gh', '--scheme', 'github', '--secret-stdin', '--allow-published'],
      's',
    );
    expect(bySchemeOnly.stderr).toMatch(
      /^error: --allow-published needs a list name: give one, or add the provider with --provider NAME/,
    );
    const regional = await providers(
      ['add', 'pd', '--provider', 'pagerduty', '--secret-stdin', '--allow-published'],
      's',
    );
    expect(regional.stderr).toMatch(
      /^error: --allow-published: provider 'pagerduty' publishes one list per region or environment: name one \(pagerduty-eu, pagerduty-us\)/,
    );
  });
});
