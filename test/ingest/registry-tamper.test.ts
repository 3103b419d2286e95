/**
 * Issue 11, point 1: a write to the registry table alone, with no KMS call, must not change how
 * a provider is verified. Each case registers a provider as the CLI does, changes its item with
 * one raw UpdateItem, and sends what that change would let through: the answer is 503
 * `provider_keys_rejected` (the provider retries once the registry is put right), never 202,
 * and nothing is queued.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { type AttributeValue, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { type HttpApiEvent, readHttpEvent } from '../../functions/ingest/http-event.ts';
import { ingest } from '../../functions/ingest/ingest.ts';
import { httpApiEvent } from '../support/http-api-event.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';

let stack: IngestStack;
let providers = 0;

beforeAll(async () => {
  stack = await startIngestStack();
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

/** One raw write to the provider's item: what a holder of dynamodb:UpdateItem alone can do. */
async function tamper(
  providerId: string,
  set: string,
  values: Record<string, AttributeValue>,
  names?: Record<string, string>,
) {
  await stack.dynamodb.send(
    new UpdateItemCommand({
      TableName: registryTable.localName,
      Key: { providerId: { S: providerId } },
      UpdateExpression: `SET ${set}`,
      ExpressionAttributeValues: values,
      ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
      ConditionExpression: 'attribute_exists(providerId)',
    }),
  );
}

/** Through the handler's own ports, cold: a fresh container reads the tampered item. */
async function deliver(httpEvent: HttpApiEvent) {
  return ingest(readHttpEvent(httpEvent), createIngestPorts(), Date.now);
}

const githubHeaders = (secret: string, body: string, id: string) => ({
  'x-github-delivery': id,
  'x-github-event': 'push',
  'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
});

describe('a registry write without KMS cannot change how a provider is verified', () => {
  it('turning a Discord provider into GitHub does not make its public key an HMAC secret', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicHex = publicKey
      .export({ format: 'der', type: 'spki' })
      .subarray(-32)
      .toString('hex');
    await registerProvider(stack, 'discord-app', publicHex, 'discord');

    // Genuine first: the provider works as registered.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const genuine = JSON.stringify({ type: 2, id: 'interaction-1' });
    const signature = sign(null, Buffer.from(timestamp + genuine), privateKey).toString('hex');
    const before = await deliver(
      httpApiEvent(
        'discord-app',
        { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp },
        genuine,
      ),
    );
    expect(before.response.statusCode).toBe(202);
    await stack.drainQueue();

    const forged = JSON.stringify({ ref: 'refs/heads/main', forged: true });
    const forge = (id: string) =>
      deliver(httpApiEvent('discord-app', githubHeaders(publicHex, forged, id), forged));

    // The scheme alone: its public key is now of the wrong kind for the scheme.
    await tamper('discord-app', 'scheme = :github', { ':github': { S: 'github' } });
    expect(await forge('forged-1')).toMatchObject({
      outcome: 'unavailable',
      reason: 'provider_item_malformed',
      response: { statusCode: 503 },
    });
    // The kind as well, to pass that rule: the key was bound to another scheme and kind.
    await tamper(
      'discord-app',
      '#keys[0].kind = :secret',
      { ':secret': { S: 'secret' } },
      {
        '#keys': 'keys',
      },
    );
    expect(await forge('forged-2')).toMatchObject({
      outcome: 'unavailable',
      reason: 'provider_keys_rejected',
      response: { statusCode: 503 },
    });
    expect(await stack.drainQueue()).toEqual([]);
  });

  it.each([
    ['widens the tolerance', 'toleranceSeconds = :wide', { ':wide': { N: '86400' } }],
    ['shortens the dedup window', 'dedupWindowSeconds = :short', { ':short': { N: '60' } }],
    ['changes the retention class', 'retentionClass = :class', { ':class': { S: 'minimal' } }],
    [
      'turns on SHA-1 signatures',
      'options = :options',
      { ':options': { M: { allowSha1: { S: 'true' } } } },
    ],
    ['drops the redaction rules', 'redaction = :none', { ':none': { L: [] } }],
  ] as const satisfies readonly (readonly [string, string, Record<string, AttributeValue>])[])(
    'a write that %s leaves every key shut',
    async (_what, set, values) => {
      providers += 1;
      const id = `gh-tampered-${providers}`;
      const secret = `gh-secret-${id}`;
      await registerProvider(stack, id, secret, 'github', {
        redaction: [{ path: 'sender.email', action: 'mask' }],
      });
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', n: providers });
      const genuine = await deliver(httpApiEvent(id, githubHeaders(secret, body, `${id}-a`), body));
      expect(genuine.response.statusCode).toBe(202);
      await stack.drainQueue();

      await tamper(id, set, values);
      const again = JSON.stringify({ zen: 'Design for failure.', n: providers });
      const result = await deliver(
        httpApiEvent(id, githubHeaders(secret, again, `${id}-b`), again),
      );
      expect(result.response.statusCode).toBe(503);
      expect(result).toMatchObject({ reason: 'provider_keys_rejected' });
      expect(await stack.drainQueue()).toEqual([]);
    },
  );

  it("flipping a key's kind is refused both ways, never verified", async () => {
    const secret = 'gh-secret-kind-flip';
    await registerProvider(stack, 'gh-kind', secret, 'github');
    await tamper(
      'gh-kind',
      '#keys[0].kind = :kind',
      { ':kind': { S: 'public-key' } },
      { '#keys': 'keys' },
    );
    const body = JSON.stringify({ zen: 'Half measures are as bad as nothing at all.' });
    const result = await deliver(
      httpApiEvent('gh-kind', githubHeaders(secret, body, 'kind-1'), body),
    );
    expect(result.response.statusCode).toBe(503);
    expect(result).toMatchObject({ reason: 'provider_item_malformed' });
    expect(await stack.drainQueue()).toEqual([]);
  });

  it('enabling and disabling stay outside the binding: a disabled provider enabled again verifies', async () => {
    const secret = 'gh-secret-enable';
    await registerProvider(stack, 'gh-enable', secret, 'github', { enabled: false });
    await tamper('gh-enable', 'enabled = :on', { ':on': { BOOL: true } });
    const body = JSON.stringify({ zen: 'Approachable is better than simple.' });
    const result = await deliver(
      httpApiEvent('gh-enable', githubHeaders(secret, body, 'en-1'), body),
    );
    expect(result.response.statusCode).toBe(202);
    await stack.drainQueue();
  });
});
