/**
 * How a verified delivery is named: only what the signature covers decides the delivery id,
 * the provider's own id stays as information, and `signed` says which names are covered.
 */
import { describe, expect, it } from 'vitest';
import { nameDelivery } from '../../functions/ingest/delivery-names.ts';
import { bodySigned } from '../../functions/verify/scheme.ts';
import type { Accepted } from '../../functions/verify/types.ts';

const bodySha256 = 'ab'.repeat(32);
const byBody = `sha256:${bodySha256}`;
const verdict = (details: Partial<Accepted> = {}): Accepted => ({
  accepted: true,
  scheme: 'github',
  keyIndex: 0,
  keyId: 'v1',
  ...details,
});
const idSigned = { ...bodySigned, deliveryId: true };
const nothingSigned = { ...bodySigned, body: false, eventFields: false };

describe('nameDelivery', () => {
  it('names a delivery with an unsigned header id by its body, keeping the id as information', () => {
    const names = nameDelivery(
      verdict({ deliveryId: 'guid-a', eventType: 'push' }),
      {},
      bodySigned,
      bodySha256,
    );
    expect(names).toEqual({
      deliveryId: byBody,
      eventId: 'guid-a',
      eventType: 'push',
      signed: ['body'],
    });
  });

  it('keys a signed header id, with the signed timestamp and the body type', () => {
    const names = nameDelivery(
      verdict({ deliveryId: 'msg_1', timestamp: 1_700_000_000 }),
      { type: 'invoice.paid' },
      idSigned,
      bodySha256,
    );
    expect(names).toEqual({
      deliveryId: 'msg_1',
      eventId: 'msg_1',
      eventType: 'invoice.paid',
      signed: ['body', 'eventId', 'eventType', 'timestamp'],
    });
  });

  it('prefers a signed body id to an unsigned header id, which stays the event id', () => {
    const names = nameDelivery(
      verdict({ deliveryId: 'webhook-header-id' }),
      { id: 'event-in-body', type: 'incident.triggered' },
      bodySigned,
      bodySha256,
    );
    expect(names).toMatchObject({
      deliveryId: 'event-in-body',
      eventId: 'webhook-header-id',
      signed: ['body', 'eventType'],
    });
  });

  it('does not key a body id the signature does not cover', () => {
    const names = nameDelivery(
      verdict(),
      { id: 'evt_1', type: 'delivered' },
      nothingSigned,
      bodySha256,
    );
    expect(names).toEqual({
      deliveryId: byBody,
      eventId: 'evt_1',
      eventType: 'delivered',
      signed: [],
    });
  });

  it('keys signed body fields though the body as a whole is not signed', () => {
    const itemsSigned = { ...nothingSigned, eventFields: true };
    const names = nameDelivery(
      verdict(),
      { id: 'psp_1', type: 'AUTHORISATION' },
      itemsSigned,
      bodySha256,
    );
    expect(names).toEqual({
      deliveryId: 'psp_1',
      eventId: 'psp_1',
      eventType: 'AUTHORISATION',
      signed: ['eventId', 'eventType'],
    });
  });

  it('falls back to the body for a signed id the audit record could not hold', () => {
    const tooLong = 'x'.repeat(257);
    expect(nameDelivery(verdict({ deliveryId: tooLong }), {}, idSigned, bodySha256)).toMatchObject({
      deliveryId: byBody,
      eventId: tooLong,
    });
    const withControl = 'msg\n1';
    expect(
      nameDelivery(verdict({ deliveryId: withControl }), {}, idSigned, bodySha256).deliveryId,
    ).toBe(byBody);
  });
});
