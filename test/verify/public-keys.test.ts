import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ed25519PublicKey,
  publicKeyProblem,
  readPublicKey,
} from '../../functions/verify/public-keys.ts';
import type { VerificationKey } from '../../functions/verify/types.ts';
import { verifyDelivery } from '../../functions/verify/verify.ts';
import { at, delivery } from './delivery.ts';

const now = 1_700_000_000;
const bodies = Array.from({ length: 16 }, (_, index) => `{"id":"${index}","type":2}`);

// ---- Ed25519 ----------------------------------------------------------------------------

const p = 2n ** 255n - 19n;

/** A y coordinate as the 32 little-endian bytes of its encoding, the sign bit set or not. */
function encoding(y: bigint, signBit: 0 | 1): Buffer {
  const bytes = Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse();
  bytes[31] = (bytes[31] as number) | (signBit << 7);
  return bytes;
}

/**
 * The y coordinates of Ed25519's eight small-order points, as RFC 8032's curve gives them and
 * libsodium's blocklist and "Taming the many EdDSAs" (Chalkias et al., 2020) list them: 1 (the
 * identity), p − 1 (order 2), 0 (two points of order 4), and ±y8 (four points of order 8).
 */
const y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
const smallOrderY = { identity: 1n, order2: p - 1n, order4: 0n, order8: y8, order8Neg: p - y8 };

/**
 * Every encoding of a small-order point: each y with either sign bit (both signs of x, and for
 * x = 0 the non-canonical "negative zero"), and y + p for the y that leave room for it (0, 1).
 */
const smallOrderEncodings: [string, Buffer][] = [
  ...Object.entries(smallOrderY).flatMap(([name, y]): [string, Buffer][] => [
    [`${name} (y = ${y.toString(16).slice(0, 8)}…)`, encoding(y, 0)],
    [`${name} with the sign bit`, encoding(y, 1)],
  ]),
  ['order4 spelt y = p', encoding(p, 0)],
  ['order4 spelt y = p, sign bit', encoding(p, 1)],
  ['identity spelt y = p + 1', encoding(p + 1n, 0)],
  ['identity spelt y = p + 1, sign bit', encoding(p + 1n, 1)],
];

/** y ≥ p that name no small-order point: refused as non-canonical. */
const nonCanonicalEncodings: [string, Buffer][] = [
  ['y = p + 2', encoding(p + 2n, 0)],
  ['y = 2^255 - 1 with the sign bit', encoding(2n ** 255n - 1n, 1)],
];

// Independent proof that the fixtures above are of small order: decompressing each (RFC 8032
// §5.1.3) and doubling three times gives the identity (0, 1).
const mod = (value: bigint) => ((value % p) + p) % p;
const power = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  for (let b = mod(base), e = exponent; e > 0n; e >>= 1n, b = (b * b) % p) {
    if (e & 1n) result = (result * b) % p;
  }
  return result;
};
const inverse = (value: bigint) => power(value, p - 2n);
const d = mod(-121665n * inverse(121666n));
function decompress(bytes: Buffer): [bigint, bigint] {
  const y = mod(BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`) & (2n ** 255n - 1n));
  const x2 = mod((y * y - 1n) * inverse(d * y * y + 1n));
  let x = power(x2, (p + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * power(2n, (p - 1n) / 4n));
  expect(mod(x * x - x2)).toBe(0n);
  return [x, y];
}
function double([x, y]: [bigint, bigint]): [bigint, bigint] {
  const t = mod(d * x * x * y * y);
  return [mod(2n * x * y * inverse(1n + t)), mod((y * y + x * x) * inverse(1n - t))];
}

/** R = the identity, S = 0: with the identity as the key, [S]B = R + [k]A for every message. */
const forgedEd25519 = Buffer.concat([encoding(1n, 0), Buffer.alloc(32)]);

const rawOf = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
const genuine = generateKeyPairSync('ed25519');
/** RFC 8032 §7.1, TEST 1: a genuine public key from the literature. */
const rfc8032Key = Buffer.from(
  'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  'hex',
);

const discord = (signature: Buffer, body: string, keys: readonly VerificationKey[]) =>
  verifyDelivery({
    scheme: 'discord',
    request: delivery(
      {
        'X-Signature-Ed25519': signature.toString('hex'),
        'X-Signature-Timestamp': String(now),
      },
      body,
    ),
    keys,
    clock: at(now),
  });

const standardWebhooks = (signature: Buffer, body: string, keys: readonly VerificationKey[]) =>
  verifyDelivery({
    scheme: 'standard-webhooks',
    request: delivery(
      {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(now),
        'webhook-signature': `v1a,${signature.toString('base64')}`,
      },
      body,
    ),
    keys,
    clock: at(now),
  });

const whpk = (raw: Uint8Array) => `whpk_${Buffer.from(raw).toString('base64')}`;

describe('Ed25519 public keys (Discord, Standard Webhooks whpk_)', () => {
  it.each(smallOrderEncodings)('the fixture %s is of small order', (_, bytes) => {
    expect(double(double(double(decompress(bytes))))).toEqual([0n, 1n]);
  });

  it.each(smallOrderEncodings)(
    'discord refuses the small-order key %s: no body verifies, invalid_key',
    async (_, bytes) => {
      for (const body of bodies) {
        const verdict = await discord(forgedEd25519, body, [{ value: bytes.toString('hex') }]);
        expect(verdict).toMatchObject({ accepted: false, reason: 'invalid_key' });
      }
    },
  );

  it.each(smallOrderEncodings)(
    'standard-webhooks refuses the small-order whpk_ key %s: no body verifies, invalid_key',
    async (_, bytes) => {
      for (const body of bodies) {
        const verdict = await standardWebhooks(forgedEd25519, body, [{ value: whpk(bytes) }]);
        expect(verdict).toMatchObject({ accepted: false, reason: 'invalid_key' });
      }
    },
  );

  it.each(nonCanonicalEncodings)('both refuse the non-canonical key %s', async (_, bytes) => {
    expect(
      await discord(forgedEd25519, bodies[0] as string, [{ value: bytes.toString('hex') }]),
    ).toMatchObject({ accepted: false, reason: 'invalid_key' });
    expect(
      await standardWebhooks(forgedEd25519, bodies[0] as string, [{ value: whpk(bytes) }]),
    ).toMatchObject({ accepted: false, reason: 'invalid_key' });
  });

  it('refuses every one of them at load, and says why', () => {
    for (const [, bytes] of smallOrderEncodings) {
      expect(ed25519PublicKey(bytes)).toBeUndefined();
      const key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
        format: 'jwk',
      });
      expect(publicKeyProblem(key)).toMatch(/small-order Ed25519 point/);
    }
    for (const [, bytes] of nonCanonicalEncodings) {
      expect(ed25519PublicKey(bytes)).toBeUndefined();
      expect(
        readPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
          format: 'jwk',
        }),
      ).toMatch(/not a canonical Ed25519 encoding/);
    }
  });

  it('still reads genuine keys, the RFC 8032 one among them', () => {
    expect(ed25519PublicKey(rfc8032Key)?.asymmetricKeyType).toBe('ed25519');
    expect(ed25519PublicKey(rawOf(genuine.publicKey))?.asymmetricKeyType).toBe('ed25519');
    expect(publicKeyProblem(genuine.publicKey)).toBeUndefined();
  });

  it('still verifies deliveries signed with a genuine key, in both schemes', async () => {
    const body = bodies[1] as string;
    const raw = rawOf(genuine.publicKey);
    const discordSignature = sign(null, Buffer.from(`${now}${body}`), genuine.privateKey);
    expect(await discord(discordSignature, body, [{ value: raw.toString('hex') }])).toMatchObject({
      accepted: true,
    });
    const standardSignature = sign(null, Buffer.from(`msg_1.${now}.${body}`), genuine.privateKey);
    expect(await standardWebhooks(standardSignature, body, [{ value: whpk(raw) }])).toMatchObject({
      accepted: true,
    });
  });

  it('accepts with a genuine key configured beside a refused one', async () => {
    const body = bodies[2] as string;
    const raw = rawOf(genuine.publicKey);
    const signature = sign(null, Buffer.from(`${now}${body}`), genuine.privateKey);
    const verdict = await discord(signature, body, [
      { value: encoding(1n, 0).toString('hex') },
      { value: raw.toString('hex') },
    ]);
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1 });
  });
});

// ---- P-256 ------------------------------------------------------------------------------

const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const bigEndian = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
const scalar = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');

/** A SubjectPublicKeyInfo for P-256 around `point` (SEC 1 encoded), as DER. */
function p256Spki(point: Buffer): Buffer {
  const algorithm = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  return Buffer.concat([
    Buffer.from([0x30, algorithm.length + bitString.length]),
    algorithm,
    bitString,
  ]);
}

/** The point at infinity, which node:crypto parses from an SPKI. */
const infinitySpki = p256Spki(Buffer.from([0x00]));

/** A DER ECDSA signature (r, s). */
function derSignature(r: bigint, s: bigint): Buffer {
  const integer = (value: bigint) => {
    let bytes = scalar(value);
    while (bytes.length > 1 && bytes[0] === 0 && !((bytes[1] as number) & 0x80)) {
      bytes = bytes.subarray(1);
    }
    if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * A signature over `message` that the point at infinity verifies, made with no private key:
 * with Q = ∞ the check is x(u1·G) = r, so take any k, r = x(k·G) and s = e / k.
 */
function forgedForInfinity(message: Buffer): Buffer {
  const nonce = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    format: 'jwk',
  });
  const k = bigEndian(Buffer.from(nonce.d ?? '', 'base64url'));
  const r = bigEndian(Buffer.from(nonce.x ?? '', 'base64url')) % n;
  const e = bigEndian(createHash('sha256').update(message).digest());
  let kInverse = 1n;
  for (let base = k, exponent = n - 2n; exponent > 0n; exponent >>= 1n, base = (base * base) % n) {
    if (exponent & 1n) kInverse = (kInverse * base) % n;
  }
  return derSignature(r, (e * kInverse) % n);
}

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p256Jwk = p256.publicKey.export({ format: 'jwk' });
const p256Der = p256.publicKey.export({ format: 'der', type: 'spki' });
/** The genuine key with the last byte of y changed: a point off the curve. */
const offCurveDer = Buffer.from(p256Der);
offCurveDer[offCurveDer.length - 1] = (offCurveDer.at(-1) as number) ^ 1;
const offCurveY = Buffer.from(p256Jwk.y ?? '', 'base64url');
offCurveY[31] = (offCurveY[31] as number) ^ 1;

const sendgrid = (signature: Buffer, body: string, key: Buffer) =>
  verifyDelivery({
    scheme: 'sendgrid',
    request: delivery(
      {
        'X-Twilio-Email-Event-Webhook-Signature': signature.toString('base64'),
        'X-Twilio-Email-Event-Webhook-Timestamp': String(now),
      },
      body,
    ),
    keys: [{ value: key.toString('base64') }],
    clock: at(now),
  });

describe('P-256 public keys (SendGrid, Plaid)', () => {
  it('sendgrid refuses the point at infinity, with which a forged signature verifies any body', async () => {
    for (const body of bodies.slice(0, 4)) {
      const signature = forgedForInfinity(Buffer.from(`${now}${body}`));
      expect(await sendgrid(signature, body, infinitySpki)).toMatchObject({
        accepted: false,
        reason: 'invalid_key',
      });
    }
  });

  it('refuses the point at infinity and points off the curve at load, and says why', () => {
    expect(readPublicKey({ key: infinitySpki, format: 'der', type: 'spki' })).toMatch(
      /point at infinity/,
    );
    expect(readPublicKey({ key: offCurveDer, format: 'der', type: 'spki' })).toEqual(
      expect.any(String),
    );
    expect(
      readPublicKey({
        key: { ...p256Jwk, y: offCurveY.toString('base64url') },
        format: 'jwk',
      }),
    ).toEqual(expect.any(String));
  });

  it('sendgrid refuses a key off the curve with invalid_key', async () => {
    const body = bodies[0] as string;
    const signature = sign('sha256', Buffer.from(`${now}${body}`), p256.privateKey);
    expect(await sendgrid(signature, body, offCurveDer)).toMatchObject({
      accepted: false,
      reason: 'invalid_key',
    });
  });

  it('refuses an EC key on a curve other than P-256', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    expect(publicKeyProblem(p384)).toMatch(/not P-256/);
  });

  it('still reads and verifies with a genuine P-256 key, and its compressed spelling', async () => {
    expect(publicKeyProblem(p256.publicKey)).toBeUndefined();
    const x = Buffer.from(p256Jwk.x ?? '', 'base64url');
    const yOdd = Number(bigEndian(Buffer.from(p256Jwk.y ?? '', 'base64url')) & 1n);
    const compressed = p256Spki(Buffer.concat([Buffer.from([0x02 + yOdd]), x]));
    expect(readPublicKey({ key: compressed, format: 'der', type: 'spki' })).not.toEqual(
      expect.any(String),
    );
    const body = bodies[3] as string;
    const signature = sign('sha256', Buffer.from(`${now}${body}`), p256.privateKey);
    expect(await sendgrid(signature, body, p256Der)).toMatchObject({ accepted: true });
  });
});
