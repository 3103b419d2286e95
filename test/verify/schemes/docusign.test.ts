import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const keyOne = 'docusign-key-one=';
const keyTwo = 'docusign-key-two=';
const body =
  '{"event":"envelope-completed","apiVersion":"v2.1","uri":"/restapi/v2.1/accounts/1/envelopes/2","retryCount":0,"configurationId":10,"generatedDateTime":"2024-01-01T00:00:00.0000000Z","data":{"accountId":"1","envelopeId":"2"}}';
/** Computed independently with Python's hmac module from DocuSign's documented algorithm. */
const published = {
  [keyOne]: 'YABkmIcgkOVVpI2Wllbf2yTJW3Th8WmeuySuJDCb3/c=',
  [keyTwo]: 'g+uMBvl1GUXanZbHJ01nPIBd8XtTs9iJvgokaPX6vfk=',
};
const sign = (key: string, payload: string | Uint8Array = body) =>
  createHmac('sha256', key).update(payload).digest('base64');

const verify = (headers: Record<string, string>, keys = [{ value: keyOne }]) =>
  verifyDelivery({ scheme: 'docusign', request: delivery(headers, body), keys });

describe('docusign', () => {
  it('accepts a signature computed independently (Python hmac) from the documented algorithm', async () => {
    const verdict = await verify({ 'X-DocuSign-Signature-1': published[keyOne] });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 0 });
  });

  it('accepts when any signature header matches any key, as while Connect keys rotate', async () => {
    const headers = {
      'X-DocuSign-Signature-1': published[keyOne],
      'X-DocuSign-Signature-2': published[keyTwo],
    };
    expect(await verify(headers, [{ value: keyTwo }])).toMatchObject({
      accepted: true,
      keyIndex: 0,
    });
    expect(await verify(headers, [{ value: 'retired' }, { value: keyOne }])).toMatchObject({
      accepted: true,
      keyIndex: 1,
    });
  });

  it('reads the signature from any numbered header up to 100', async () => {
    const verdict = await verify({
      'x-docusign-signature-1': sign('some-other-account-key'),
      'x-docusign-signature-100': sign(keyOne),
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('ignores headers that are not numbered 1 to 100', async () => {
    for (const name of [
      'x-docusign-signature-0',
      'x-docusign-signature-101',
      'x-docusign-signature-01',
      'x-docusign-signature',
    ]) {
      expect(await verify({ [name]: sign(keyOne) })).toMatchObject({ reason: 'missing_header' });
    }
  });

  it('skips a garbled header when another one matches', async () => {
    const verdict = await verify({
      'X-DocuSign-Signature-1': '!!garbled!!',
      'X-DocuSign-Signature-2': sign(keyOne),
    });
    expect(verdict).toMatchObject({ accepted: true });
  });

  it('names the body field that holds the event type', () => {
    expect(readEventFields(getScheme('docusign'), Buffer.from(body))).toEqual({
      type: 'envelope-completed',
    });
  });

  it.each([
    ['missing_header', {}],
    ['missing_header', { 'X-DocuSign-Signature-1': '' }],
    ['malformed_header', { 'X-DocuSign-Signature-1': 'not base64!' }],
    ['signature_mismatch', { 'X-DocuSign-Signature-1': sign(keyTwo) }],
    ['signature_mismatch', { 'X-DocuSign-Signature-1': sign(keyOne, `${body}\r\n`) }],
    ['signature_mismatch', { 'X-DocuSign-Signature-1': 'AAAA', 'X-DocuSign-Signature-2': 'BBBB' }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no Connect key is configured', async () => {
    expect(await verify({ 'X-DocuSign-Signature-1': sign(keyOne) }, [])).toMatchObject({
      accepted: false,
      reason: 'no_keys',
    });
  });

  it('never quotes a key, signature or body in a rejection', async () => {
    const signature = sign(keyOne, 'tampered');
    const text = JSON.stringify(await verify({ 'X-DocuSign-Signature-1': signature }));
    for (const leak of [keyOne, signature, body]) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'docusign',
  keys: [{ value: keyOne }],
  signatureHeader: 'X-DocuSign-Signature-1',
  sign: ({ body }) =>
    delivery(
      { 'X-DocuSign-Signature-1': createHmac('sha256', keyOne).update(body).digest('base64') },
      body,
    ),
});

describeSchemeProperties({
  scheme: 'docusign',
  keys: [{ value: keyTwo }],
  // The header of a key we do hold, beside one signed by a key we no longer hold.
  signatureHeader: 'X-DocuSign-Signature-2',
  sign: ({ body }) =>
    delivery(
      {
        'X-DocuSign-Signature-1': createHmac('sha256', 'retired').update(body).digest('base64'),
        'X-DocuSign-Signature-2': createHmac('sha256', keyTwo).update(body).digest('base64'),
      },
      body,
    ),
});
