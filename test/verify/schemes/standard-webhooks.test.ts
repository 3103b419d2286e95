import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import {
  maxSignatureChecks,
  maxSignatureEntries,
} from '../../../functions/verify/signature-budget.ts';
import type { VerificationKey } from '../../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const v1 = officialVector('standardwebhooks_v1');
const v1a = officialVector('standardwebhooks_v1a_ed25519');

// Our own keys, written from the spec: a whsec_ secret is base64 key bytes; whpk_ is the
// base64 of the raw 32-byte Ed25519 public key.
const secretBytes = Buffer.from('a fixed 24-byte secret!!');
const secret = `whsec_${secretBytes.toString('base64')}`;
const pair = generateKeyPairSync('ed25519');
const publicKey = `whpk_${Buffer.from(pair.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;

const body = '{"type":"user.created","data":{"id":"user_1"}}';
const now = 1_700_000_000;

function hmacSignature(
  id: string,
  timestamp: number,
  payload: string | Uint8Array,
  key = secretBytes,
) {
  const mac = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(payload)
    .digest('base64');
  return `v1,${mac}`;
}

function ed25519Signature(
  id: string,
  timestamp: number,
  payload: string | Uint8Array,
  key: KeyObject = pair.privateKey,
) {
  const message = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), Buffer.from(payload)]);
  return `v1a,${sign(null, message, key).toString('base64')}`;
}

const standardHeaders = (signature: string, id = 'msg_1', timestamp = now) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

const verify = (
  headers: Record<string, string>,
  keys: readonly VerificationKey[] = [{ value: secret }],
  clock = now,
  payload: string | Uint8Array = body,
) =>
  verifyDelivery({
    scheme: 'standard-webhooks',
    request: delivery(headers, payload),
    keys,
    clock: at(clock),
  });

describe('standard-webhooks', () => {
  it('accepts the published v1 vector and reports the id and timestamp', async () => {
    const headers = {
      'webhook-id': v1.msg_id,
      'webhook-timestamp': String(v1.timestamp),
      'webhook-signature': v1.signature,
    };
    const verdict = await verify(headers, [{ value: v1.secret }], v1.timestamp, v1.payload);
    expect(verdict).toMatchObject({
      accepted: true,
      deliveryId: v1.msg_id,
      timestamp: v1.timestamp,
    });
  });

  it('accepts the published v1 vector under the svix- header names', async () => {
    const headers = {
      'svix-id': v1.msg_id,
      'svix-timestamp': String(v1.timestamp),
      'svix-signature': v1.signature,
    };
    const verdict = await verify(headers, [{ value: v1.secret }], v1.timestamp, v1.payload);
    expect(verdict).toMatchObject({ accepted: true, deliveryId: v1.msg_id });
  });

  it('accepts the v1 vector secret without its whsec_ prefix, as the reference libraries do', async () => {
    const headers = {
      'webhook-id': v1.msg_id,
      'webhook-timestamp': String(v1.timestamp),
      'webhook-signature': v1.signature,
    };
    const unprefixed = [{ value: (v1.secret as string).slice('whsec_'.length) }];
    expect(await verify(headers, unprefixed, v1.timestamp, v1.payload)).toMatchObject({
      accepted: true,
    });
  });

  it('accepts the published v1a (Ed25519) vector with its whpk_ public key', async () => {
    const headers = {
      'webhook-id': v1a.msg_id,
      'webhook-timestamp': String(v1a.timestamp),
      'webhook-signature': v1a.signature,
    };
    const verdict = await verify(headers, [{ value: v1a.public_key }], v1a.timestamp, v1a.payload);
    expect(verdict).toMatchObject({ accepted: true, timestamp: v1a.timestamp });
  });

  it('rejects the v1a vector with a body changed', async () => {
    const headers = {
      'webhook-id': v1a.msg_id,
      'webhook-timestamp': String(v1a.timestamp),
      'webhook-signature': v1a.signature,
    };
    const verdict = await verify(headers, [{ value: v1a.public_key }], v1a.timestamp, '{}');
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it("accepts a signature made by the standardwebhooks SDK's sign", async () => {
    const signature = new StandardWebhook(secret).sign('msg_sdk', new Date(now * 1000), body);
    expect(await verify(standardHeaders(signature, 'msg_sdk'))).toMatchObject({
      accepted: true,
      deliveryId: 'msg_sdk',
    });
  });

  it("signs what the standardwebhooks SDK's verify accepts", () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = standardHeaders(hmacSignature('msg_2', timestamp, body), 'msg_2', timestamp);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("accepts a signature made by the svix SDK's sign, under svix- headers", async () => {
    const signature = new SvixWebhook(secret).sign('msg_svix', new Date(now * 1000), body);
    const verdict = await verify({
      'svix-id': 'msg_svix',
      'svix-timestamp': String(now),
      'svix-signature': signature,
    });
    expect(verdict).toMatchObject({ accepted: true, deliveryId: 'msg_svix' });
  });

  it("signs what the svix SDK's verify accepts, under svix- headers", () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'svix-id': 'msg_3',
      'svix-timestamp': String(timestamp),
      'svix-signature': hmacSignature('msg_3', timestamp, body),
    };
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('accepts when any entry of a rotation list matches, skipping unknown versions', async () => {
    const old = hmacSignature('msg_1', now, body, Buffer.from('an older secret, rotated'));
    const list = `v2,abcd ${old} ${hmacSignature('msg_1', now, body)}`;
    expect(await verify(standardHeaders(list))).toMatchObject({ accepted: true });
  });

  it('accepts a v1a entry beside a v1 entry, with a public key configured beside a secret', async () => {
    const list = `${hmacSignature('msg_1', now, body, Buffer.from('someone else'))} ${ed25519Signature('msg_1', now, body)}`;
    const keys = [{ value: secret }, { id: 'ed', value: publicKey }];
    expect(await verify(standardHeaders(list), keys)).toMatchObject({
      accepted: true,
      keyIndex: 1,
      keyId: 'ed',
    });
  });

  // The spec puts several signatures in one header, space-separated; the header sent twice is
  // ambiguous (which copy did the provider send?), so it is refused before any check, as every
  // credential header sent twice is (issue 11, point 9).
  it('refuses signatures sent as a repeated header, even with a valid one among them', async () => {
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': ['v1,AAAA', hmacSignature('msg_1', now, body)],
    };
    const verdict = await verifyDelivery({
      scheme: 'standard-webhooks',
      request: delivery(headers, body),
      keys: [{ value: secret }],
      clock: at(now),
    });
    expect(verdict).toMatchObject({
      accepted: false,
      reason: 'malformed_header',
      detail: 'webhook-signature came more than once',
    });
  });

  it('reads one header set whole: svix- when svix-signature is present', async () => {
    const good = {
      'svix-id': 'msg_1',
      'svix-timestamp': String(now),
      'svix-signature': hmacSignature('msg_1', now, body),
    };
    const bad = standardHeaders('v1,AAAA', 'msg_other');
    expect(await verify({ ...good, ...bad })).toMatchObject({
      accepted: true,
      deliveryId: 'msg_1',
    });
    const swapped = {
      ...standardHeaders(hmacSignature('msg_1', now, body)),
      'svix-signature': 'v1,AAAA',
    };
    expect(await verify(swapped)).toMatchObject({ accepted: false, reason: 'missing_header' });
  });

  it("names the event type field for readEventFields, since the id is the header's", () => {
    const fields = readEventFields(getScheme('standard-webhooks'), Buffer.from(body));
    expect(fields).toEqual({ type: 'user.created' });
  });

  it.each([
    ['missing_header', { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now) }],
    ['missing_header', { 'webhook-timestamp': String(now), 'webhook-signature': 'v1,AAAA' }],
    ['missing_header', { 'webhook-id': 'msg_1', 'webhook-signature': 'v1,AAAA' }],
    ['malformed_header', standardHeaders('v1,AAAA', 'msg_1', Number.NaN)],
    ['malformed_header', { ...standardHeaders('v1,AAAA'), 'webhook-timestamp': '1700000000.5' }],
    ['unsupported_version', standardHeaders('v2,AAAA v1b,BBBB')],
    ['unsupported_version', standardHeaders('no-comma-here')],
    ['signature_mismatch', standardHeaders(hmacSignature('msg_1', now, 'other body'))],
    ['signature_mismatch', standardHeaders(hmacSignature('msg_2', now, body))],
    ['signature_mismatch', standardHeaders(hmacSignature('msg_1', now + 1, body))],
    ['signature_mismatch', standardHeaders('v1,AAAA')],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects a v1a signature that is not canonical base64 of 64 bytes, without throwing', async () => {
    const genuine = ed25519Signature('msg_1', now, body);
    for (const signature of [genuine.slice(0, -4), `${genuine}AAAA`, genuine.replace(/==$/, '')]) {
      expect(await verify(standardHeaders(signature), [{ value: publicKey }])).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    }
  });

  it('rejects a v1a signature whose last character differs only in unused bits', async () => {
    // 64 bytes in base64 leave 4 unused bits before "=="; node would decode both texts alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const genuine = ed25519Signature('msg_1', now, body);
    const last = genuine.length - 3;
    const sibling = alphabet[alphabet.indexOf(genuine[last] as string) ^ 1] as string;
    const altered = genuine.slice(0, last) + sibling + genuine.slice(last + 1);
    expect(Buffer.from(altered.slice(4), 'base64')).toEqual(
      Buffer.from(genuine.slice(4), 'base64'),
    );
    expect(await verify(standardHeaders(altered), [{ value: publicKey }])).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('names the standard webhook-signature header when neither set is present', async () => {
    expect(await verify({})).toMatchObject({
      accepted: false,
      reason: 'missing_header',
      detail: 'webhook-signature header is missing',
    });
  });

  it('rejects a v1 signature of the wrong length without throwing', async () => {
    const genuine = hmacSignature('msg_1', now, body);
    for (const signature of [genuine.slice(0, -1), `${genuine}A`, 'v1,A']) {
      expect(await verify(standardHeaders(signature))).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    }
  });

  it('checks a v1 signature only against secrets and v1a only against public keys', async () => {
    const verdict = await verify(standardHeaders(hmacSignature('msg_1', now, body)), [
      { value: publicKey },
    ]);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it.each([
    ['a whsk_ signing key', 'whsk_AAAA'],
    ['a secret that is not base64', 'whsec_not*base64'],
    ['an empty secret', 'whsec_'],
    ['a public key that is not 32 bytes', `whpk_${Buffer.alloc(31).toString('base64')}`],
  ])('rejects with invalid_key when the only key is %s', async (_, value) => {
    const verdict = await verify(standardHeaders(hmacSignature('msg_1', now, body)), [{ value }]);
    expect(verdict).toMatchObject({ accepted: false, reason: 'invalid_key' });
  });

  it('accepts with a good key even when another configured key is unreadable', async () => {
    const verdict = await verify(standardHeaders(hmacSignature('msg_1', now, body)), [
      { value: 'whsk_AAAA' },
      { value: secret },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });

  it('rejects a timestamp one second past the 300 s tolerance as too old', async () => {
    const verdict = await verify(
      standardHeaders(hmacSignature('msg_1', now, body)),
      undefined,
      now + 301,
    );
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 300 s ahead as too new', async () => {
    const verdict = await verify(
      standardHeaders(hmacSignature('msg_1', now, body)),
      undefined,
      now - 301,
    );
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('reports a forged and stale delivery as a signature mismatch, not as stale', async () => {
    const verdict = await verify(standardHeaders('v1,AAAA'), undefined, now + 10_000);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('rejects with no_keys when no key is configured', async () => {
    const verdict = await verify(standardHeaders(hmacSignature('msg_1', now, body)), []);
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  describe('work per request', () => {
    const other = (n: number) => Buffer.from(`another 24-byte secret${String(n).padStart(2, '0')}`);
    const otherSecret = (n: number) => `whsec_${other(n).toString('base64')}`;
    /** A `whpk_` public key whose private half signs nothing here. */
    const strangerPublicKey = () => {
      const { x } = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
      return `whpk_${Buffer.from(x as string, 'base64url').toString('base64')}`;
    };
    /** `count` v1 entries by secrets the receiver does not hold. */
    const strangers = (count: number) =>
      Array.from({ length: count }, (_, n) => hmacSignature('msg_1', now, body, other(n)));

    it(`refuses more than ${maxSignatureEntries} v1 entries even when one is valid`, async () => {
      const list = [...strangers(maxSignatureEntries), hmacSignature('msg_1', now, body)];
      const verdict = await verify(standardHeaders(list.join(' ')));
      expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
      expect(verdict).toHaveProperty('detail', expect.stringContaining('webhook-signature'));
    });

    it('refuses too many entries under the svix- names, counting v1a entries too', async () => {
      const list = [...strangers(maxSignatureEntries), ed25519Signature('msg_1', now, body)];
      const verdict = await verify(
        {
          'svix-id': 'msg_1',
          'svix-timestamp': String(now),
          'svix-signature': list.join(' '),
        },
        [{ value: publicKey }],
      );
      expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
    });

    it('counts only v1 and v1a entries towards the cap, as other versions are skipped', async () => {
      const unknown = Array.from({ length: 3 * maxSignatureEntries }, (_, n) => `v9,${n}`);
      const list = [...unknown, hmacSignature('msg_1', now, body)].join(' ');
      expect(await verify(standardHeaders(list))).toMatchObject({ accepted: true });
    });

    it(`accepts ${maxSignatureEntries} entries, the valid one last, with the last of ten keys`, async () => {
      const list = [
        ...strangers(maxSignatureEntries - 2),
        ed25519Signature('msg_1', now, body, generateKeyPairSync('ed25519').privateKey),
        hmacSignature('msg_1', now, body),
      ];
      const keys = [
        ...Array.from({ length: 6 }, (_, n) => ({ value: otherSecret(40 + n) })),
        ...Array.from({ length: 3 }, () => ({ value: strangerPublicKey() })),
        { id: 'current', value: secret },
      ];
      expect(await verify(standardHeaders(list.join(' ')), keys)).toMatchObject({
        accepted: true,
        keyIndex: 9,
        keyId: 'current',
      });
    });

    it('accepts a full rotation list of v1a entries against several public keys', async () => {
      const strangerKeys = Array.from({ length: 3 }, () => generateKeyPairSync('ed25519'));
      const list = [
        ...strangerKeys.map(({ privateKey }) => ed25519Signature('msg_1', now, body, privateKey)),
        ed25519Signature('msg_1', now, body),
      ];
      const keys = [
        { value: strangerPublicKey() },
        { value: strangerPublicKey() },
        { id: 'ed', value: publicKey },
      ];
      expect(await verify(standardHeaders(list.join(' ')), keys)).toMatchObject({
        accepted: true,
        keyId: 'ed',
      });
    });

    it(`refuses a list whose checks against the keys would pass ${maxSignatureChecks}`, async () => {
      // Within the entry cap, but more keys than a registry holds (a CLI caller's many files).
      const perEntry = Math.floor(maxSignatureChecks / maxSignatureEntries) + 1;
      const keys = [
        ...Array.from({ length: perEntry - 1 }, (_, n) => ({ value: otherSecret(40 + n) })),
        { value: secret },
      ];
      const list = [...strangers(maxSignatureEntries - 1), hmacSignature('msg_1', now, body)];
      const verdict = await verify(standardHeaders(list.join(' ')), keys);
      expect(verdict).toMatchObject({ accepted: false, reason: 'too_many_signatures' });
      // As many entries as fit the budget against the same keys verify: it counts checks.
      const fewer = list.slice(-Math.floor(maxSignatureChecks / perEntry)).join(' ');
      expect(await verify(standardHeaders(fewer), keys)).toMatchObject({
        accepted: true,
        keyIndex: perEntry - 1,
      });
    });
  });

  it('never quotes a secret, signature or body in a rejection', async () => {
    const v1Signature = hmacSignature('msg_1', now, 'tampered');
    const v1aSignature = ed25519Signature('msg_1', now, 'tampered');
    const keys = [{ value: secret }, { value: publicKey }, { value: 'whsk_private' }];
    for (const signature of [v1Signature, v1aSignature]) {
      const text = JSON.stringify(await verify(standardHeaders(signature), keys));
      for (const leak of [
        secret,
        secretBytes.toString('base64'),
        'whsk_private',
        signature.slice(4),
        body,
      ]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describeSchemeProperties({
  scheme: 'standard-webhooks',
  keys: [{ value: secret }],
  signatureHeader: 'webhook-signature',
  timestampHeader: 'webhook-timestamp',
  idHeader: 'webhook-id',
  sign: ({ body, timestampSeconds, id }) =>
    delivery(
      standardHeaders(hmacSignature(id, timestampSeconds, body), id, timestampSeconds),
      body,
    ),
});

describe('v1a (Ed25519)', () => {
  describeSchemeProperties({
    scheme: 'standard-webhooks',
    keys: [{ value: publicKey }],
    signatureHeader: 'webhook-signature',
    timestampHeader: 'webhook-timestamp',
    idHeader: 'webhook-id',
    sign: ({ body, timestampSeconds, id }) =>
      delivery(
        standardHeaders(ed25519Signature(id, timestampSeconds, body), id, timestampSeconds),
        body,
      ),
  });
});

describe('svix- header names', () => {
  describeSchemeProperties({
    scheme: 'standard-webhooks',
    keys: [{ value: secret }],
    signatureHeader: 'svix-signature',
    timestampHeader: 'svix-timestamp',
    idHeader: 'svix-id',
    sign: ({ body, timestampSeconds, id }) =>
      delivery(
        {
          'svix-id': id,
          'svix-timestamp': String(timestampSeconds),
          'svix-signature': hmacSignature(id, timestampSeconds, body),
        },
        body,
      ),
  });
});
