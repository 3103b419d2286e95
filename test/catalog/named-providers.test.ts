/**
 * Every named provider, end to end on the local stack as `npm start` runs it: registered with
 * `webhooks providers add ID --provider NAME`, a delivery signed as its scheme signs is accepted
 * through the gateway (202), and a tampered one is refused (401): one body byte changed where
 * the scheme authenticates the body, a wrong key where it authenticates only the sender.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SigningKey } from '../../functions/verify/scheme.sign.ts';
import { signedFieldsOf } from '../../functions/verify/scheme.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { loadSigners } from '../../functions/verify/schemes/signers.ts';
import { getScheme } from '../../functions/verify/verify.ts';
import { namedProviders } from '../../ops/catalog/catalog.ts';
import type { NamedProvider } from '../../ops/catalog/named-provider.ts';
import { cli, tempFiles } from '../cli/helpers.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';

const signers = await loadSigners();
let stack: GatewayStack;

beforeAll(async () => {
  stack = await startGatewayStack();
}, startBudgetMs);

afterAll(() => stack?.close());

/** A secret of the form the scheme's keys take (most take any text). */
function secretFor(scheme: SchemeName): string {
  if (scheme === 'adyen') return randomBytes(32).toString('hex').toUpperCase();
  if (scheme === 'standard-webhooks') return `whsec_${randomBytes(24).toString('base64')}`;
  if (scheme === 'static') return `catalog:${randomBytes(8).toString('hex')}`;
  return `${scheme}-test-${randomBytes(8).toString('hex')}`;
}

/** A body the scheme's provider could send: Adyen's carries notification items. */
function bodyFor(provider: NamedProvider): Uint8Array {
  const event = { id: `evt_${provider.name}`, type: 'catalog.test', object: 'event' };
  if (provider.scheme !== 'adyen') return Buffer.from(JSON.stringify(event));
  const item = {
    pspReference: `psp_${provider.name}`,
    merchantAccountCode: 'Catalog',
    merchantReference: 'ref-1',
    amount: { value: 100, currency: 'EUR' },
    eventCode: 'AUTHORISATION',
    success: 'true',
  };
  return Buffer.from(
    JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] }),
  );
}

/** Registers the provider as an operator would; answers a signing key and a wrong one. */
async function register(provider: NamedProvider, id: string) {
  const signer = signers[provider.scheme];
  const args = ['providers', 'add', id, '--provider', provider.name, '--local'];
  if (signer.signsWith === 'test-key') {
    const pair = signer.generateTestKey?.();
    const other = signer.generateTestKey?.();
    if (pair === undefined || other === undefined)
      throw new Error(`${provider.scheme}: no test key`);
    const files = tempFiles({ 'key.pub': pair.publicKeyText });
    expect(await cli([...args, '--public-key-file', files['key.pub'] as string])).toMatchObject({
      code: 0,
    });
    const asKey = (p: typeof pair): SigningKey => ({
      kind: 'test-key',
      privateKey: p.privateKey,
      ...(p.keyId === undefined ? {} : { keyId: p.keyId }),
    });
    return { key: asKey(pair), wrong: asKey(other) };
  }
  const secret = secretFor(provider.scheme);
  expect(await cli([...args, '--secret-stdin'], secret)).toMatchObject({ code: 0 });
  const wrong = secretFor(provider.scheme);
  return {
    key: { kind: 'secret', value: secret } as SigningKey,
    wrong: { kind: 'secret', value: wrong } as SigningKey,
  };
}

async function post(id: string, provider: NamedProvider, key: SigningKey, tamper: boolean) {
  // URL-signing schemes sign the URL as the handler rebuilds it: https, whatever the gateway.
  const url = stack.webhookUrl.replace('{providerId}', id).replace(/^http:/, 'https:');
  const scheme = getScheme(provider.scheme);
  const options = scheme.parseOptions?.(provider.options ?? {}) ?? {};
  const signed = signers[provider.scheme].sign({
    url,
    method: 'POST',
    body: bodyFor(provider),
    contentType: 'application/json',
    key,
    options,
    nowMs: Date.now(),
    deliveryId: `dlv_${randomBytes(6).toString('hex')}`,
  });
  const body = Buffer.from(signed.body);
  // One byte of the event id changed: still JSON, no longer what was signed.
  const at = body.indexOf('evt_') + 4;
  if (tamper) body.writeUInt8((body[at] ?? 0) ^ 0x01, at);
  const response = await fetch(signed.url.replace(/^https:/, 'http:'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body,
  });
  return response.status;
}

describe('every named provider, registered by name and verified end to end', () => {
  it.each(namedProviders.map((provider) => [provider.name, provider] as const))(
    '%s: a delivery signed as it signs is accepted, a tampered one refused',
    async (name, provider) => {
      const id = `cat-${name}`;
      const { key, wrong } = await register(provider, id);
      expect(await post(id, provider, key, false)).toBe(202);
      const scheme = getScheme(provider.scheme);
      const options = scheme.parseOptions?.(provider.options ?? {}) ?? {};
      const bodySigned = signedFieldsOf(scheme, options).body;
      // Where the body is signed, a changed byte; where only the sender is, a wrong key.
      expect(await post(id, provider, bodySigned ? key : wrong, bodySigned)).toBe(401);
    },
  );
});

describe('providers add --provider', () => {
  it('refuses an unknown named provider, and one given with another scheme, before anything is stored', async () => {
    const unknown = await cli(
      ['providers', 'add', 'x', '--provider', 'no-such', '--local', '--secret-stdin'],
      's',
    );
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/unknown provider 'no-such'/);
    const clash = await cli(
      [
        'providers',
        'add',
        'x',
        '--provider',
        'whatsapp',
        '--scheme',
        'github',
        '--local',
        '--secret-stdin',
      ],
      's',
    );
    expect(clash).toMatchObject({ code: 2 });
    expect(clash.stderr).toMatch(/--provider whatsapp signs with scheme hmac, not github/);
    expect((await cli(['providers', 'show', 'x', '--local'])).code).toBe(1);
  });
});
