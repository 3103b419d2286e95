/**
 * What `webhooks providers add|rotate|disable|enable|remove` print about when a change holds,
 * checked against the ingest Lambda's own handler behind the local gateway, run with a short
 * configuration cache (PROVIDER_CONFIG_CACHE_SECONDS, recorded in the stack file for --local).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configCacheSecondsVariable } from '../../functions/config/limits.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';
import { cli, githubSignature } from './helpers.ts';

/** Short, so that each test waits it out; long enough for a command and a delivery inside it. */
const cacheSeconds = 5;
/** A test waits out the cache time, rounded up to a second, once or twice. */
const testBudgetMs = (2 * cacheSeconds + 10) * 1000;

let stack: GatewayStack;

beforeAll(async () => {
  // Before the stack writes its file and before the handler's first request reads it.
  vi.stubEnv(configCacheSecondsVariable, String(cacheSeconds));
  stack = await startGatewayStack();
}, startBudgetMs);

afterAll(() => stack?.close());

/** A GitHub delivery signed with `secret`; its HTTP status. */
async function deliver(providerId: string, secret: string): Promise<number> {
  const body = JSON.stringify({ zen: randomUUID() });
  const response = await fetch(stack.webhookUrl.replace('{providerId}', providerId), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-GitHub-Delivery': randomUUID(),
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': githubSignature(secret, body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const providers = async (args: readonly string[], stdin?: string) => {
  const result = await cli(['providers', ...args, '--local'], stdin);
  expect(result.code, result.stderr).toBe(0);
  return result;
};

const addGithub = (id: string, secret: string) =>
  providers(['add', id, '--scheme', 'github', '--secret-stdin'], secret);

/** The moment a change's message says it holds by. */
function printedHoldTime(stdout: string): number {
  const match =
    /until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \(running ingest functions re-read provider settings every (\d+) s/.exec(
      stdout,
    );
  expect(match?.[2], stdout).toBe(String(cacheSeconds));
  return Date.parse(match?.[1] ?? '');
}

/** Runs a change and checks its printed time is the cache time after it, rounded up. */
async function change(args: readonly string[], stdin?: string) {
  const before = Date.now();
  const result = await providers(args, stdin);
  const after = Date.now();
  const holdsAtMs = printedHoldTime(result.stdout);
  expect(holdsAtMs).toBeGreaterThanOrEqual(before + cacheSeconds * 1000);
  expect(holdsAtMs).toBeLessThanOrEqual(after + cacheSeconds * 1000 + 1000);
  return { ...result, holdsAtMs };
}

/** Delivers, and checks that it was made before the printed time: what it sees is the old way. */
async function deliverBefore(holdsAtMs: number, providerId: string, secret: string) {
  const status = await deliver(providerId, secret);
  expect(Date.now()).toBeLessThan(holdsAtMs);
  return status;
}

async function sleepUntil(ms: number) {
  while (Date.now() < ms) await sleep(ms - Date.now());
}

/** Runs a change with --wait; checks it returns only after its printed time, and says so. */
async function changeAndWait(args: readonly string[], held: string, stdin?: string) {
  const { stdout, stderr, holdsAtMs } = await change([...args, '--wait'], stdin);
  expect(Date.now()).toBeGreaterThanOrEqual(holdsAtMs);
  expect(stdout).not.toContain('--wait returns only then');
  expect(stdout.split('\n')[1]).toBe(held);
  expect(stderr).toBe(
    `waiting until ${new Date(holdsAtMs).toISOString().replace('.000Z', 'Z')} for running ingest functions to re-read provider settings…\n`,
  );
}

// Each test waits out the cache on providers of its own, so they wait side by side.
describe.concurrent('changes to providers', () => {
  describe('providers rotate without --grace', { timeout: testBudgetMs }, () => {
    it('says until when the old key may still be accepted, and it is, until then only', async () => {
      await addGithub('rotate-now', 'old-secret');
      expect(await deliver('rotate-now', 'old-secret')).toBe(202);
      const { stdout, holdsAtMs } = await change(['rotate', 'rotate-now', '--secret-stdin'], 'new');
      expect(stdout).toMatch(
        /^rotated provider 'rotate-now' to key v2; v1 may still be accepted, and v2 refused, until \S+ \(running ingest functions re-read provider settings every 5 s; --wait returns only then\)\n$/,
      );
      expect(await deliverBefore(holdsAtMs, 'rotate-now', 'old-secret')).toBe(202);
      expect(await deliverBefore(holdsAtMs, 'rotate-now', 'new')).toBe(401);
      await sleepUntil(holdsAtMs);
      expect(await deliver('rotate-now', 'old-secret')).toBe(401);
      expect(await deliver('rotate-now', 'new')).toBe(202);
    });

    it('with --wait returns once the old key is refused everywhere', async () => {
      await addGithub('rotate-wait', 'old-secret');
      expect(await deliver('rotate-wait', 'old-secret')).toBe(202);
      await changeAndWait(
        ['rotate', 'rotate-wait', '--secret-stdin'],
        "provider 'rotate-wait' verifies with key v2 everywhere now; v1 no longer accepted",
        'new',
      );
      expect(await deliver('rotate-wait', 'old-secret')).toBe(401);
      expect(await deliver('rotate-wait', 'new')).toBe(202);
    });

    it('with a grace shorter than the cache time, gives the cache bound as the old key end', async () => {
      await addGithub('rotate-grace', 'old-secret');
      const { stdout, holdsAtMs } = await change(
        ['rotate', 'rotate-grace', '--secret-stdin', '--grace', '1s'],
        'new',
      );
      const oldKeyEnd = /v1 accepted until (\S+);/.exec(stdout)?.[1];
      expect(oldKeyEnd).toBe(new Date(holdsAtMs).toISOString().replace('.000Z', 'Z'));
    });
  });

  describe('providers disable', { timeout: testBudgetMs }, () => {
    it('says until when deliveries may still be accepted, and they are, until then only', async () => {
      await addGithub('disable-now', 'secret');
      expect(await deliver('disable-now', 'secret')).toBe(202);
      const { stdout, holdsAtMs } = await change(['disable', 'disable-now']);
      expect(stdout).toMatch(
        /^disabled provider 'disable-now'; its deliveries may still be accepted until \S+ \(running ingest functions re-read provider settings every 5 s; --wait returns only then\)\n$/,
      );
      expect(await deliverBefore(holdsAtMs, 'disable-now', 'secret')).toBe(202);
      await sleepUntil(holdsAtMs);
      expect(await deliver('disable-now', 'secret')).toBe(401);
    });

    it('with --wait returns once deliveries are refused everywhere', async () => {
      await addGithub('disable-wait', 'secret');
      expect(await deliver('disable-wait', 'secret')).toBe(202);
      await changeAndWait(
        ['disable', 'disable-wait'],
        "provider 'disable-wait' is disabled everywhere now: its deliveries are refused",
      );
      expect(await deliver('disable-wait', 'secret')).toBe(401);
    });
  });

  describe('providers enable', { timeout: testBudgetMs }, () => {
    const addDisabled = async (id: string) => {
      await addGithub(id, 'secret');
      await providers(['disable', id]);
      expect(await deliver(id, 'secret')).toBe(401);
    };

    it('says until when deliveries may still be refused, and they are, until then only', async () => {
      await addDisabled('enable-now');
      const { stdout, holdsAtMs } = await change(['enable', 'enable-now']);
      expect(stdout).toMatch(
        /^enabled provider 'enable-now'; its deliveries may still be refused until \S+ \(running ingest functions re-read provider settings every 5 s; --wait returns only then\)\n$/,
      );
      expect(await deliverBefore(holdsAtMs, 'enable-now', 'secret')).toBe(401);
      await sleepUntil(holdsAtMs);
      expect(await deliver('enable-now', 'secret')).toBe(202);
    });

    it('with --wait returns once deliveries are accepted everywhere', async () => {
      await addDisabled('enable-wait');
      await changeAndWait(
        ['enable', 'enable-wait'],
        "provider 'enable-wait' is enabled everywhere now: its deliveries are accepted",
      );
      expect(await deliver('enable-wait', 'secret')).toBe(202);
    });
  });

  describe('providers remove', { timeout: testBudgetMs }, () => {
    it('says until when deliveries may still be accepted, and they are, until then only', async () => {
      await addGithub('remove-now', 'secret');
      expect(await deliver('remove-now', 'secret')).toBe(202);
      const { stdout, holdsAtMs } = await change(['remove', 'remove-now']);
      expect(stdout).toMatch(
        /^removed provider 'remove-now'; its deliveries may still be accepted until \S+ \(running ingest functions re-read provider settings every 5 s; --wait returns only then\)\n$/,
      );
      expect(await deliverBefore(holdsAtMs, 'remove-now', 'secret')).toBe(202);
      await sleepUntil(holdsAtMs);
      expect(await deliver('remove-now', 'secret')).toBe(401);
    });

    it('with --wait returns once deliveries are refused everywhere', async () => {
      await addGithub('remove-wait', 'secret');
      expect(await deliver('remove-wait', 'secret')).toBe(202);
      await changeAndWait(
        ['remove', 'remove-wait'],
        "provider 'remove-wait' is removed everywhere now: its deliveries are refused",
      );
      expect(await deliver('remove-wait', 'secret')).toBe(401);
    });
  });

  describe('providers add of an id asked for shortly before', { timeout: testBudgetMs }, () => {
    it('says until when deliveries may still be refused as unknown, and they are, until then only', async () => {
      expect(await deliver('add-late', 'secret')).toBe(401);
      const { stdout, holdsAtMs } = await change(
        ['add', 'add-late', '--scheme', 'github', '--secret-stdin'],
        'secret',
      );
      expect(stdout).toMatch(
        /^added provider 'add-late' \(scheme github, key v1\); its deliveries may still be refused as unknown until \S+ \(running ingest functions re-read provider settings every 5 s; --wait returns only then\)\n$/,
      );
      expect(await deliverBefore(holdsAtMs, 'add-late', 'secret')).toBe(401);
      await sleepUntil(holdsAtMs);
      expect(await deliver('add-late', 'secret')).toBe(202);
    });

    it('with --wait returns once deliveries are accepted everywhere', async () => {
      expect(await deliver('add-wait', 'secret')).toBe(401);
      await changeAndWait(
        ['add', 'add-wait', '--scheme', 'github', '--secret-stdin'],
        "provider 'add-wait' is known everywhere now: its deliveries are accepted",
        'secret',
      );
      expect(await deliver('add-wait', 'secret')).toBe(202);
    });
  });

  describe('the cache time a deployment runs with', { timeout: testBudgetMs }, () => {
    it('is recorded in the local stack file when npm start was given it', () => {
      expect(stack.stack.environment[configCacheSecondsVariable]).toBe(String(cacheSeconds));
    });
  });
});
