import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { at, delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'netlify-jws-secret';
const keys = [{ id: 'current', value: secret }];
const body =
  '{"id":"665f1c2a9d1e4b0008a1b2c3","site_id":"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d","state":"ready","name":"example-site","context":"production","branch":"main"}';
const now = 1_719_921_600;

const segment = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sha256 = (payload: string | Uint8Array) => createHash('sha256').update(payload).digest('hex');

/** A compact JWS as Netlify documents it: HS256 over `<header>.<payload>`, both base64url. */
function jws(
  claims: unknown = { iss: 'netlify', sha256: sha256(body) },
  { key = secret, header = { alg: 'HS256', typ: 'JWT' } as unknown } = {},
): string {
  const signingInput = `${segment(header)}.${segment(claims)}`;
  const signature = createHmac('sha256', key).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

const verify = (signature: string | undefined, payload: string | Uint8Array = body, clock = now) =>
  verifyDelivery({
    scheme: 'netlify',
    request: delivery(signature === undefined ? {} : { 'X-Webhook-Signature': signature }, payload),
    keys,
    clock: at(clock),
  });

describe('netlify', () => {
  it('accepts a known answer computed outside Node from the documented algorithm', async () => {
    // python3 -c 'import hmac,hashlib,base64,json;b64=lambda x:base64.urlsafe_b64encode(x).rstrip(b"=");
    //   body=b"<body above>";h=b64(json.dumps({"alg":"HS256","typ":"JWT"},separators=(",",":")).encode());
    //   p=b64(json.dumps({"iss":"netlify","sha256":hashlib.sha256(body).hexdigest()},separators=(",",":")).encode());
    //   s=b64(hmac.new(b"netlify-jws-secret",h+b"."+p,hashlib.sha256).digest());print((h+b"."+p+b"."+s).decode())'
    const header =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJuZXRsaWZ5Iiwic2hhMjU2IjoiY2NjZjBmNzhiMDViZTg1NGQ3ZDI5NGMwYjEwNjRiYTkzMTEyNGQ5NDMxNDAxNDg0M2ZkNmE2ODdmZDE0YWRjNCJ9.dc4LuDXIkRIR_OJQWunv7f-ZWmLbmOQpr2OXSxkz2L0';
    expect(await verify(header)).toMatchObject({ accepted: true, keyId: 'current', keyIndex: 0 });
  });

  it('refuses the JWS for another body, or signed with another secret', async () => {
    expect(await verify(jws(), `${body} `)).toMatchObject({
      accepted: false,
      reason: 'body_hash_mismatch',
    });
    expect(await verify(jws(undefined, { key: 'other-secret' }))).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses alg none, and every algorithm but HS256, whatever the signature', async () => {
    const claims = { iss: 'netlify', sha256: sha256(body) };
    for (const alg of ['none', 'None', 'HS384', 'HS512', 'RS256', 'ES256', 'hs256']) {
      expect(await verify(jws(claims, { header: { alg, typ: 'JWT' } }))).toMatchObject({
        accepted: false,
        reason: 'unsupported_version',
      });
    }
    // An unsecured JWS (RFC 7515 appendix A.5) has an empty signature: not even a JWS to us.
    const unsecured = `${segment({ alg: 'none' })}.${segment(claims)}.`;
    expect(await verify(unsecured)).toMatchObject({ accepted: false, reason: 'malformed_header' });
  });

  it('refuses critical header extensions it does not know', async () => {
    const header = { alg: 'HS256', crit: ['exp'], exp: now };
    expect(await verify(jws(undefined, { header }))).toMatchObject({
      accepted: false,
      reason: 'unsupported_version',
    });
  });

  it.each([
    ['a header that is not JSON', `${segment('not json')}.${segment({ iss: 'netlify' })}.c2ln`],
    ['a header that is a JSON array', jws(undefined, { header: ['HS256'] })],
    ['a header with no alg', jws(undefined, { header: { typ: 'JWT' } })],
    ['two segments', jws().split('.').slice(0, 2).join('.')],
    ['four segments', `${jws()}.e30`],
    ['an empty segment', `.${jws().split('.').slice(1).join('.')}`],
    ['padded base64url', jws().replace('.', '=.')],
    [
      'base64 rather than base64url',
      `${jws().split('.')[0]}+.${jws().split('.').slice(1).join('.')}`,
    ],
    ['a bearer prefix', `Bearer ${jws()}`],
  ])('refuses %s as malformed', async (_case, header) => {
    expect(await verify(header)).toMatchObject({ accepted: false, reason: 'malformed_header' });
  });

  it('checks the HMAC before it reads the payload', async () => {
    // An unsigned payload that is not even JSON is a forgery, not a malformed delivery...
    const [header = '', , signature = ''] = jws().split('.');
    const forged = `${header}.${segment('not json')}.${signature}`;
    expect(await verify(forged)).toMatchObject({ accepted: false, reason: 'signature_mismatch' });
    // ...while the same payload signed with the secret is one Netlify sent, and still refused.
    expect(await verify(jws('not json'))).toMatchObject({
      accepted: false,
      reason: 'malformed_header',
    });
  });

  it('refuses a signed payload whose iss is not netlify or that carries no sha256', async () => {
    for (const claims of [
      { iss: 'Netlify', sha256: sha256(body) },
      { sha256: sha256(body) },
      { iss: 'netlify' },
      { iss: 'netlify', sha256: 42 },
    ]) {
      expect(await verify(jws(claims))).toMatchObject({
        accepted: false,
        reason: 'malformed_header',
      });
    }
  });

  it('compares the body digest exactly, as lowercase hex', async () => {
    const claims = { iss: 'netlify', sha256: sha256(body).toUpperCase() };
    expect(await verify(jws(claims))).toMatchObject({
      accepted: false,
      reason: 'body_hash_mismatch',
    });
  });

  it('signs no timestamp, so no clock bounds it: there is no tolerance to apply', async () => {
    expect(getScheme('netlify').defaultToleranceSeconds).toBeUndefined();
    for (const clock of [0, now - 86_400 * 365, now + 86_400 * 365]) {
      const verdict = await verify(jws(), body, clock);
      expect(verdict).toMatchObject({ accepted: true });
      expect(verdict).not.toHaveProperty('timestamp');
    }
  });

  it('reads no event id from the body: a deploy keeps its id across its notifications', () => {
    expect(readEventFields(getScheme('netlify'), Buffer.from(body))).toEqual({});
  });

  it('accepts with whichever of several secrets signed, and refuses with none', async () => {
    const request = delivery({ 'x-webhook-signature': jws() }, body);
    const rotated = [{ value: 'old-secret' }, { value: secret }];
    expect(
      await verifyDelivery({ scheme: 'netlify', request, keys: rotated, clock: at(now) }),
    ).toMatchObject({ accepted: true, keyIndex: 1 });
    expect(await verify(undefined)).toMatchObject({ accepted: false, reason: 'missing_header' });
    expect(await verify('')).toMatchObject({ accepted: false, reason: 'missing_header' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = jws(undefined, { key: 'other-secret' });
    const text = JSON.stringify(await verify(signature));
    for (const leak of [secret, signature, body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'netlify',
  keys,
  signatureHeader: 'X-Webhook-Signature',
  sign: ({ body }) =>
    delivery({ 'X-Webhook-Signature': jws({ iss: 'netlify', sha256: sha256(body) }) }, body),
});
