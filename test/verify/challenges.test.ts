/**
 * The GET handshakes of the `hmac` scheme's option `challenge` (functions/verify/challenges.ts):
 * Meta's verify token derived from each key, and the challenge echoed only when it is short and
 * plain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  challengeReply,
  checkChallenge,
  checkDropboxChallenge,
  checkMetaVerification,
  checkNylasChallenge,
  isSafeChallenge,
  maxChallengeChars,
  metaVerifyToken,
} from '../../functions/verify/challenges.ts';

const secret = 'meta-app-secret-example';
const base = 'https://hooks.example.com/v1/webhooks/wa';
const url = (query: Record<string, string> | string) =>
  `${base}?${typeof query === 'string' ? query : new URLSearchParams(query)}`;
const meta = (token: string, extra: Record<string, string> = {}) =>
  url({
    'hub.mode': 'subscribe',
    'hub.challenge': '1158201444',
    'hub.verify_token': token,
    ...extra,
  });

describe('metaVerifyToken', () => {
  it('is the first 32 base64url characters of HMAC-SHA256(secret, a fixed label)', () => {
    // printf '%s' 'webhook-ingestion/meta-verify-token' \
    //   | openssl dgst -sha256 -hmac 'meta-app-secret-example' -binary | base64 | tr '+/' '-_' | cut -c1-32
    expect(metaVerifyToken(secret)).toBe('JWxLcdWs_WD6ysBI6lYfF26D_EE7Rasi');
  });

  it('is the same for the same secret, different for another, and never the secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const token = metaVerifyToken(a);
        expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
        expect(metaVerifyToken(a)).toBe(token);
        expect(token).not.toBe(a);
        if (a !== b) expect(metaVerifyToken(b)).not.toBe(token);
      }),
    );
  });
});

describe("Meta's verification GET", () => {
  const keys = [{ value: 'old-app-secret' }, { value: secret }];

  it('accepts the token of any key as a handshake, naming that key', () => {
    expect(checkMetaVerification(meta(metaVerifyToken(secret)), keys)).toEqual({
      accepted: true,
      keyIndex: 1,
      handshake: 'meta_verification',
    });
    expect(checkMetaVerification(meta(metaVerifyToken('old-app-secret')), keys)).toMatchObject({
      accepted: true,
      keyIndex: 0,
    });
  });

  it('refuses any other token, whatever its length, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (token) => {
        fc.pre(!keys.some((key) => metaVerifyToken(key.value) === token));
        expect(checkMetaVerification(meta(token), keys)).toEqual({
          accepted: false,
          reason: 'signature_mismatch',
          detail: 'hub.verify_token matches no key',
        });
      }),
    );
  });

  it('refuses the secret itself, or a token one character off', () => {
    const token = metaVerifyToken(secret);
    const offByOne = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of [secret, offByOne, token.slice(0, -1), `${token}A`]) {
      expect(checkMetaVerification(meta(wrong), keys)).toMatchObject({
        accepted: false,
        reason: 'signature_mismatch',
      });
    }
  });

  it.each([
    ['no token', url({ 'hub.mode': 'subscribe', 'hub.challenge': '1' }), 'missing_header'],
    ['an empty token', meta(''), 'missing_header'],
    [
      'the token twice',
      `${meta(metaVerifyToken(secret))}&hub.verify_token=${metaVerifyToken(secret)}`,
      'malformed_header',
    ],
    [
      'a mode other than subscribe',
      meta(metaVerifyToken(secret), { 'hub.mode': 'unsubscribe' }),
      'malformed_header',
    ],
    [
      'no mode',
      url({ 'hub.challenge': '1', 'hub.verify_token': metaVerifyToken(secret) }),
      'missing_header',
    ],
  ])('refuses %s', (_, request, reason) => {
    expect(checkMetaVerification(request, keys)).toMatchObject({ accepted: false, reason });
  });

  it('never quotes the token or the secret in a refusal', () => {
    const verdict = JSON.stringify(checkMetaVerification(meta('not-the-token'), keys));
    for (const leak of ['not-the-token', secret, metaVerifyToken(secret)]) {
      expect(verdict).not.toContain(leak);
    }
  });
});

describe("Nylas's and Dropbox's challenge GETs", () => {
  it('carry no credential, so each is accepted as its own handshake', () => {
    expect(checkNylasChallenge()).toEqual({
      accepted: true,
      keyIndex: 0,
      handshake: 'nylas_challenge',
    });
    expect(checkDropboxChallenge()).toEqual({
      accepted: true,
      keyIndex: 0,
      handshake: 'dropbox_challenge',
    });
    expect(checkChallenge('nylas', url({ challenge: 'x' }), [{ value: 's' }])).toEqual(
      checkNylasChallenge(),
    );
  });
});

describe('challengeReply', () => {
  it('echoes the challenge each kind reads, as text/plain', () => {
    expect(challengeReply('nylas', url({ challenge: 'bc609b38-c81f-47fb' }))).toEqual({
      contentType: 'text/plain',
      body: 'bc609b38-c81f-47fb',
    });
    expect(challengeReply('dropbox', url({ challenge: 'abc123' }))?.body).toBe('abc123');
    expect(challengeReply('meta', meta('t'))?.body).toBe('1158201444');
    // Meta's challenge is `hub.challenge`; a bare `challenge` is not it, and the other way round.
    expect(challengeReply('meta', url({ challenge: 'abc123' }))).toBeUndefined();
    expect(challengeReply('dropbox', meta('t'))).toBeUndefined();
  });

  it(`echoes up to ${maxChallengeChars} characters of [A-Za-z0-9._~+/=-], and nothing else`, () => {
    const longest = 'a'.repeat(maxChallengeChars);
    expect(challengeReply('nylas', url({ challenge: longest }))?.body).toBe(longest);
    expect(challengeReply('nylas', url({ challenge: `${longest}a` }))).toBeUndefined();
    expect(challengeReply('nylas', url({ challenge: 'Az09._~+/=-' }))?.body).toBe('Az09._~+/=-');
    for (const odd of ['<b>', '"x"', "x'", 'a b', 'a\nb', 'a\r\nX: y', '%41', 'é', 'a&b', 'a;b']) {
      expect(challengeReply('dropbox', url({ challenge: odd }))).toBeUndefined();
    }
  });

  it('echoes nothing for a missing, empty or repeated challenge, or a URL that does not parse', () => {
    expect(challengeReply('nylas', base)).toBeUndefined();
    expect(challengeReply('nylas', url('challenge='))).toBeUndefined();
    expect(challengeReply('nylas', url('challenge=a&challenge=b'))).toBeUndefined();
    expect(challengeReply('nylas', 'not a url')).toBeUndefined();
  });

  it('holds isSafeChallenge for every reply it builds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (challenge) => {
        const reply = challengeReply('dropbox', url({ challenge }));
        if (reply !== undefined) {
          expect(reply.body).toBe(challenge);
          expect(isSafeChallenge(reply.body)).toBe(true);
          expect(reply.body).not.toMatch(/[<>"'\s&%]/);
        }
      }),
    );
  });
});
