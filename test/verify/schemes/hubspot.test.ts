import { createHash, createHmac } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HubspotOptions } from '../../../functions/verify/schemes/hubspot.ts';
import type { DeliveryRequest, VerificationKey } from '../../../functions/verify/types.ts';
import { verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const url = 'https://hooks.example.com/v1/webhooks/test';
const body = '[{"eventId":1,"subscriptionType":"contact.creation","objectId":123}]';
const nowMs = 1_700_000_000_000;
const legacyOff: HubspotOptions = { allowV1: false, allowV2: false };
const legacyOn: HubspotOptions = { allowV1: true, allowV2: true };

/** v3 as HubSpot documents it, over the URI as HubSpot signs it (already decoded). */
function v3(
  timestampMs: number,
  signedUri = url,
  payload: string | Uint8Array = body,
  key = secret,
) {
  return createHmac('sha256', key)
    .update(`POST${signedUri}`)
    .update(payload)
    .update(String(timestampMs))
    .digest('base64');
}

const sha256Hex = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

function v3Headers(timestampMs = nowMs, signature = v3(timestampMs)) {
  return {
    'X-HubSpot-Signature-v3': signature,
    'X-HubSpot-Request-Timestamp': String(timestampMs),
  };
}

const verify = (
  request: DeliveryRequest,
  options: HubspotOptions = legacyOff,
  now = nowMs,
  keys: readonly VerificationKey[] = [{ value: secret }],
) => verifyDelivery({ scheme: 'hubspot', request, keys, options, clock: () => now });

describe('hubspot', () => {
  it('accepts the published v1 vector when v1 is enabled', async () => {
    const vector = officialVector('hubspot_v1');
    const request = delivery(
      { 'X-HubSpot-Signature': vector.sig, 'X-HubSpot-Signature-Version': 'v1' },
      vector.body,
    );
    const verdict = await verifyDelivery({
      scheme: 'hubspot',
      request,
      keys: [{ value: vector.secret }],
      options: { allowV1: true, allowV2: false },
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it.each([0, 1])('accepts published v2 vector #%i when v2 is enabled', async (index) => {
    const vector = officialVector('hubspot_v2')[index];
    const request = delivery(
      { 'X-HubSpot-Signature': vector.sig, 'X-HubSpot-Signature-Version': 'v2' },
      vector.body,
      vector.url,
      vector.method,
    );
    const verdict = await verifyDelivery({
      scheme: 'hubspot',
      request,
      keys: [{ value: vector.secret }],
      options: { allowV1: false, allowV2: true },
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('accepts the v3 vector published in HubSpot/hubspot-api-python tests/spec/utils/test_signature.py', async () => {
    // TEST_DATA there: POST, this URL, this body, timestamp 15000000 (ms), HMAC keyed with `secret`.
    const request = delivery(
      {
        'X-HubSpot-Signature-v3': 'HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=',
        'X-HubSpot-Request-Timestamp': '15000000',
      },
      "{'example_field':'example_value'}",
      'https://www.example.com/webhook_uri',
    );
    expect(await verify(request, legacyOff, 15_000_000)).toMatchObject({
      accepted: true,
      timestamp: 15_000,
    });
  });

  it.each(['v1', 'v2', 'v3'] as const)(
    'accepts a %s signature made by @hubspot/api-client Signature.getSignature',
    async (version) => {
      const signature = Signature.getSignature('POST', version, {
        signature: '',
        clientSecret: secret,
        requestBody: body,
        url,
        timestamp: nowMs,
      });
      const headers: Record<string, string> =
        version === 'v3'
          ? v3Headers(nowMs, signature)
          : { 'X-HubSpot-Signature': signature, 'X-HubSpot-Signature-Version': version };
      expect(await verify(delivery(headers, body), legacyOn)).toMatchObject({ accepted: true });
    },
  );

  it('signs v1, v2 and v3 exactly as @hubspot/api-client Signature.isValid expects', () => {
    const common = { clientSecret: secret, requestBody: body, url, method: 'POST' };
    const now = Date.now();
    expect(
      Signature.isValid({ ...common, signatureVersion: 'v3', timestamp: now, signature: v3(now) }),
    ).toBe(true);
    expect(
      Signature.isValid({ ...common, signatureVersion: 'v1', signature: sha256Hex(secret, body) }),
    ).toBe(true);
    expect(
      Signature.isValid({
        ...common,
        signatureVersion: 'v2',
        signature: sha256Hex(secret, 'POST', url, body),
      }),
    ).toBe(true);
  });

  it('decodes the characters HubSpot lists in the URI before checking v3, and no others', async () => {
    const received =
      'https://hooks.example.com/hub%3Aspot/%28a%29%2Cb?x=%40%21%24%27%2A%3B%2F%3F&y=c%20d%26e%3Df';
    const asSigned = "https://hooks.example.com/hub:spot/(a),b?x=@!$'*;/?&y=c%20d%26e%3Df";
    const accepted = delivery(v3Headers(nowMs, v3(nowMs, asSigned)), body, received);
    expect(await verify(accepted)).toMatchObject({ accepted: true });
    const overDecoded = "https://hooks.example.com/hub:spot/(a),b?x=@!$'*;/?&y=c d&e=f";
    const refused = delivery(v3Headers(nowMs, v3(nowMs, overDecoded)), body, received);
    expect(await verify(refused)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('decodes lower-case percent escapes too, but only once', async () => {
    const received = 'https://hooks.example.com/a%3ab%253A';
    const request = delivery(
      v3Headers(nowMs, v3(nowMs, 'https://hooks.example.com/a:b%253A')),
      body,
      received,
    );
    expect(await verify(request)).toMatchObject({ accepted: true });
  });

  it('signs the v2 URI exactly as received, without decoding', async () => {
    const received = 'https://hooks.example.com/hub%3Aspot';
    const headers = {
      'X-HubSpot-Signature': sha256Hex(secret, 'POST', received, body),
      'X-HubSpot-Signature-Version': 'v2',
    };
    expect(await verify(delivery(headers, body, received), legacyOn)).toMatchObject({
      accepted: true,
    });
  });

  it('accepts with whichever of several client secrets signed, and reports its index', async () => {
    const verdict = await verify(delivery(v3Headers(), body), legacyOff, nowMs, [
      { value: 'old-secret' },
      { id: 'current', value: secret },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'current' });
  });

  it('lets a present v3 signature decide, even when a valid enabled v1 signature is beside it', async () => {
    const headers = {
      ...v3Headers(nowMs, v3(nowMs, url, body, 'wrong')),
      'X-HubSpot-Signature': sha256Hex(secret, body),
      'X-HubSpot-Signature-Version': 'v1',
    };
    expect(await verify(delivery(headers, body), legacyOn)).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  const legacy = (version: string, signature = sha256Hex(secret, body)) => ({
    'X-HubSpot-Signature': signature,
    'X-HubSpot-Signature-Version': version,
  });

  it.each([
    ['missing_header', 'no signature at all', {}, legacyOff],
    [
      'missing_header',
      'v3 without its timestamp',
      { 'X-HubSpot-Signature-v3': v3(nowMs) },
      legacyOff,
    ],
    ['missing_header', 'v1 without its version', { 'X-HubSpot-Signature': 'abcd' }, legacyOn],
    [
      'malformed_header',
      'a timestamp with a fraction',
      { ...v3Headers(), 'X-HubSpot-Request-Timestamp': '1700000000.5' },
      legacyOff,
    ],
    [
      'malformed_header',
      'a negative timestamp',
      { ...v3Headers(), 'X-HubSpot-Request-Timestamp': '-1700000000000' },
      legacyOff,
    ],
    ['unsupported_version', 'v1 when v1 is not enabled', legacy('v1'), legacyOff],
    [
      'unsupported_version',
      'v2 when v2 is not enabled',
      legacy('v2', sha256Hex(secret, 'POST', url, body)),
      { allowV1: true, allowV2: false },
    ],
    ['unsupported_version', 'an unknown version', legacy('v4'), legacyOn],
    [
      'signature_mismatch',
      'a v3 signature by another secret',
      v3Headers(nowMs, v3(nowMs, url, body, 'other')),
      legacyOff,
    ],
    [
      'signature_mismatch',
      'a v3 signature of the wrong length',
      v3Headers(nowMs, 'c2hvcnQ='),
      legacyOff,
    ],
    [
      'signature_mismatch',
      'a v1 signature of another body',
      legacy('v1', sha256Hex(secret, '[]')),
      legacyOn,
    ],
    [
      'signature_mismatch',
      'a v2 signature for another URL',
      legacy('v2', sha256Hex(secret, 'POST', `${url}/x`, body)),
      legacyOn,
    ],
  ] as const)('rejects with %s: %s', async (reason, _, headers, options) => {
    expect(await verify(delivery(headers, body), options)).toMatchObject({
      accepted: false,
      reason,
    });
  });

  it('rejects a timestamp one second past the 5 minute tolerance as too old', async () => {
    const verdict = await verify(delivery(v3Headers(), body), legacyOff, nowMs + 301_000);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_old' });
  });

  it('rejects a timestamp more than 5 minutes ahead as too new', async () => {
    const verdict = await verify(delivery(v3Headers(), body), legacyOff, nowMs - 301_000);
    expect(verdict).toMatchObject({ accepted: false, reason: 'timestamp_too_new' });
  });

  it('reports a forged stale delivery as a signature mismatch, not as stale', async () => {
    const headers = v3Headers(nowMs, v3(nowMs, url, body, 'forger'));
    const verdict = await verify(delivery(headers, body), legacyOff, nowMs + 3_600_000);
    expect(verdict).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
  });

  it('rejects with no_keys when no client secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'hubspot',
      request: delivery(v3Headers(), body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = v3(nowMs, url, '[{"tampered":true}]');
    for (const options of [legacyOff, legacyOn]) {
      const verdicts = [
        await verify(delivery(v3Headers(nowMs, signature), body), options),
        await verify(delivery(legacy('v1', signature), body), options),
      ];
      for (const verdict of verdicts) {
        expect(verdict.accepted).toBe(false);
        const text = JSON.stringify(verdict);
        for (const leak of [secret, signature, body]) expect(text).not.toContain(leak);
      }
    }
  });
});

// The v3 scheme through the shared harness, on a URL with characters HubSpot decodes.
const receivedUrl = 'https://hooks.example.com/hubspot%3Aapp/%28x%29?portal=1%2C2&q=a%20b';
const signedUrl = 'https://hooks.example.com/hubspot:app/(x)?portal=1,2&q=a%20b';

describeSchemeProperties({
  scheme: 'hubspot',
  keys: [{ value: secret }],
  options: legacyOff,
  signatureHeader: 'X-HubSpot-Signature-v3',
  timestampHeader: 'X-HubSpot-Request-Timestamp',
  sign: ({ body, timestampSeconds }) => {
    const timestampMs = String(timestampSeconds * 1000);
    const signature = createHmac('sha256', secret)
      .update(`POST${signedUrl}`)
      .update(body)
      .update(timestampMs)
      .digest('base64');
    return delivery(
      { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestampMs },
      body,
      receivedUrl,
    );
  },
});

/*
 * v1 and v2 sign no timestamp, so the shared harness (whose tolerance properties follow the
 * scheme's 300 s default) cannot run them; the same invariants, written here.
 */
describe.each(['v1', 'v2'] as const)('hubspot %s properties (legacy, when enabled)', (version) => {
  const sign = (payload: Uint8Array) =>
    version === 'v1' ? sha256Hex(secret, payload) : sha256Hex(secret, 'POST', url, payload);
  const request = (payload: Uint8Array, signature = sign(payload)) =>
    delivery({ 'X-HubSpot-Signature': signature, 'X-HubSpot-Signature-Version': version }, payload);
  const bodies = fc.uint8Array({ maxLength: 512 });

  it('accepts every delivery signed as HubSpot signs it', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (payload) => {
        expect(await verify(request(payload), legacyOn)).toMatchObject({ accepted: true });
      }),
    );
  });

  it('rejects a delivery with any one body byte changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies.filter((payload) => payload.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (payload, position, mask) => {
          const tampered = Uint8Array.from(payload);
          const index = position % tampered.length;
          tampered[index] = (tampered[index] as number) ^ mask;
          const verdict = await verify({ ...request(payload), body: tampered }, legacyOn);
          expect(verdict.accepted).toBe(false);
        },
      ),
    );
  });

  it('rejects any one signature character changed, or a resized signature, without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.nat(),
        fc.string({ maxLength: 80 }),
        async (payload, at, junk) => {
          const signature = sign(payload);
          const index = at % signature.length;
          const flipped = `${signature.slice(0, index)}${signature[index] === 'x' ? 'y' : 'x'}${signature.slice(index + 1)}`;
          for (const candidate of [flipped, `${signature}A`, signature.slice(0, -1), junk]) {
            if (candidate === signature) continue;
            const verdict = await verify(request(payload, candidate), legacyOn);
            expect(verdict.accepted).toBe(false);
          }
        },
      ),
    );
  });
});
