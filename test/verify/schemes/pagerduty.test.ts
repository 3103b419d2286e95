import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEventFields } from '../../../functions/verify/event-fields.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { officialVector, vectorFile } from '../../vectors.ts';
import { delivery } from '../delivery.ts';
import { describeSchemeProperties } from '../properties.ts';

const secret = 'pd-subscription-secret';
const body = '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.triggered"}}';
const hex = (payload: string | Uint8Array, key = secret) =>
  createHmac('sha256', key).update(payload).digest('hex');

const verify = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
  verifyDelivery({
    scheme: 'pagerduty',
    request: delivery(headers, payload),
    keys: [{ value: secret }],
  });

/**
 * The published body. The vector notes "no trailing newline", but the stored file ends in one
 * (the signature only matches without it), so a single final newline is dropped.
 */
function publishedBody(): Buffer {
  const file = vectorFile('pagerduty-body.txt');
  return file.at(-1) === 0x0a ? file.subarray(0, -1) : file;
}

describe('pagerduty', () => {
  it('accepts the published go-pagerduty vector and reads the event fields from its body', async () => {
    const vector = officialVector('pagerduty');
    const payload = publishedBody();
    const verdict = await verifyDelivery({
      scheme: 'pagerduty',
      request: delivery(
        { 'X-PagerDuty-Signature': vector['X-PagerDuty-Signature'], 'X-Webhook-Id': 'wh_1' },
        payload,
      ),
      keys: [{ value: vector.secret }],
    });
    expect(verdict).toMatchObject({ accepted: true, deliveryId: 'wh_1' });
    expect(readEventFields(getScheme('pagerduty'), payload)).toEqual({
      id: '01BWDWL3NYY7LUFPZCC28QUCMK',
      type: 'incident.priority_updated',
    });
  });

  it('accepts when any v1 signature matches, as during a secret rotation', async () => {
    const header = `v1=${hex(body, 'old-secret')},v1=${hex(body)}`;
    expect(await verify({ 'x-pagerduty-signature': header })).toMatchObject({ accepted: true });
  });

  it('accepts rotation signatures separated by comma and space', async () => {
    const header = `v1=${hex(body, 'old-secret')}, v1=${hex(body)}`;
    expect(await verify({ 'x-pagerduty-signature': header })).toMatchObject({ accepted: true });
  });

  it('skips unknown signature versions beside a valid v1', async () => {
    const header = `v2=abcd,v1=${hex(body)},v9=ef`;
    expect(await verify({ 'x-pagerduty-signature': header })).toMatchObject({ accepted: true });
  });

  it('accepts with whichever of several secrets signed', async () => {
    const verdict = await verifyDelivery({
      scheme: 'pagerduty',
      request: delivery({ 'x-pagerduty-signature': `v1=${hex(body)}` }, body),
      keys: [{ value: 'other' }, { id: 'new', value: secret }],
    });
    expect(verdict).toMatchObject({ accepted: true, keyIndex: 1, keyId: 'new' });
  });

  it.each([
    ['missing_header', {}],
    ['malformed_header', { 'x-pagerduty-signature': 'garbage' }],
    ['malformed_header', { 'x-pagerduty-signature': `v1=${hex(body)},` }],
    ['unsupported_version', { 'x-pagerduty-signature': `v2=${hex(body)}` }],
    ['signature_mismatch', { 'x-pagerduty-signature': `v1=${hex(body, 'wrong')}` }],
    ['signature_mismatch', { 'x-pagerduty-signature': 'v1=abcd' }],
    ['signature_mismatch', { 'x-pagerduty-signature': `v1=${hex('{"event":{}}')}` }],
  ])('rejects with %s', async (reason, headers) => {
    expect(await verify(headers)).toMatchObject({ accepted: false, reason });
  });

  it('rejects with no_keys when no secret is configured', async () => {
    const verdict = await verifyDelivery({
      scheme: 'pagerduty',
      request: delivery({ 'x-pagerduty-signature': `v1=${hex(body)}` }, body),
      keys: [],
    });
    expect(verdict).toMatchObject({ accepted: false, reason: 'no_keys' });
  });

  it('never quotes the secret, signature or body in a rejection', async () => {
    const signature = hex(body, 'forger');
    const text = JSON.stringify(await verify({ 'x-pagerduty-signature': `v1=${signature}` }));
    for (const leak of [secret, signature, 'incident.triggered']) expect(text).not.toContain(leak);
  });
});

describeSchemeProperties({
  scheme: 'pagerduty',
  keys: [{ value: secret }],
  signatureHeader: 'X-PagerDuty-Signature',
  sign: ({ body, id }) =>
    delivery(
      {
        'X-PagerDuty-Signature': `v1=${createHmac('sha256', secret).update(body).digest('hex')}`,
        'X-Webhook-Id': id,
      },
      body,
    ),
});
