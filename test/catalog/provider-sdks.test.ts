/**
 * Named providers catalogued on the generic `hmac` scheme, checked against each provider's own
 * SDK: what our signer sends under the catalog's options, the SDK's verifier accepts, and so does
 * verifyDelivery; with one body byte changed, both refuse. Each test is the proof its catalog
 * entry names (ops/catalog/).
 */
import EasyPost from '@easypost/api';
import { OnfidoInvalidSignatureError, WebhookEventVerifier } from '@onfido/api';
import coinbase from 'coinbase-commerce-node';
import { InvalidSignatureError, parse as parseGoCardless } from 'gocardless-nodejs/webhooks';
import Pusher from 'pusher';
import { describe, expect, it } from 'vitest';
import { type HmacOptions, hmac } from '../../functions/verify/schemes/hmac.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import { verifyDelivery } from '../../functions/verify/verify.ts';
import { namedProvider } from '../../ops/catalog/catalog.ts';
import { delivery } from '../verify/delivery.ts';

/**
 * The EasyPost client class. Its types describe the CommonJS build, whose default import is
 * the whole module; the ES build this test loads exports the class itself as its default.
 */
const EasyPostClient = EasyPost as unknown as typeof EasyPost.default;

const signer = await signerFor('hmac');
const nowMs = Date.UTC(2024, 6, 2, 12);

/** The request as Node hands it to a handler: header names in lower case. */
type Headers = Readonly<Record<string, string>>;

interface ProviderCase {
  readonly provider: string;
  readonly secret: string;
  readonly event: unknown;
  /** Asserts the package's verifier accepts the request. */
  readonly sdkAccepts: (body: string, headers: Headers, secret: string) => void;
  /** Asserts the package's verifier refuses the request as a signature mismatch. */
  readonly sdkRefuses: (body: string, headers: Headers, secret: string) => void;
}

/** What `run` throws, or undefined when it returns. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Pusher names the app in X-Pusher-Key, beside the signature; the SDK checks it is its own. */
const pusherWebhook = (body: string, headers: Headers, secret: string) =>
  new Pusher({ appId: '1790001', key: 'app-key', secret, cluster: 'eu' }).webhook({
    headers: { ...headers, 'x-pusher-key': 'app-key' },
    rawBody: body,
  });

const cases: readonly ProviderCase[] = [
  {
    provider: 'coinbase-commerce',
    secret: 'cc-shared-secret',
    event: {
      id: '1f4a6d3e-8b6e-4d0c-9a65-3b2f9e0c7d11',
      scheduled_for: '2024-07-02T12:00:00Z',
      attempt_number: 1,
      event: {
        id: '24934862-d980-46cb-9402-43c81b0cdba6',
        resource: 'event',
        type: 'charge:confirmed',
        api_version: '2018-03-22',
        created_at: '2024-07-02T12:00:00Z',
        data: { code: '66BEOV2A', name: 'The Sovereign Individual', pricing_type: 'fixed_price' },
      },
    },
    sdkAccepts: (body, headers, secret) => {
      const signature = headers['x-cc-webhook-signature'] ?? '';
      const event = coinbase.Webhook.verifyEventBody(body, signature, secret);
      expect(event.id).toBe('24934862-d980-46cb-9402-43c81b0cdba6');
    },
    sdkRefuses: (body, headers, secret) => {
      const signature = headers['x-cc-webhook-signature'] ?? '';
      expect(
        thrownBy(() => coinbase.Webhook.verifyEventBody(body, signature, secret)),
      ).toBeInstanceOf(coinbase.errors.SignatureVerificationError);
    },
  },
  {
    provider: 'gocardless',
    secret: 'gc-endpoint-secret',
    event: {
      events: [
        {
          id: 'EV0012ABCDEF',
          created_at: '2024-07-02T12:00:00.000Z',
          resource_type: 'payments',
          action: 'confirmed',
          links: { payment: 'PM0012ABCDEF' },
          details: { origin: 'gocardless', cause: 'payment_confirmed' },
          metadata: {},
        },
      ],
      meta: { webhook_id: 'WB0012ABCDEF' },
    },
    sdkAccepts: (body, headers, secret) => {
      const events = parseGoCardless(body, secret, headers['webhook-signature'] ?? '');
      expect(events.map((event) => event.id)).toEqual(['EV0012ABCDEF']);
    },
    sdkRefuses: (body, headers, secret) => {
      const signature = headers['webhook-signature'] ?? '';
      expect(thrownBy(() => parseGoCardless(body, secret, signature))).toBeInstanceOf(
        InvalidSignatureError,
      );
    },
  },
  {
    provider: 'easypost',
    secret: 'easypost-webhook-secret',
    // A non-integer weight: the SDK rewrites an integer `"weight": N` to `N.0` before it MACs.
    event: {
      id: 'evt_3f4c9a2b7e1d4c8a',
      object: 'Event',
      mode: 'test',
      description: 'tracker.updated',
      previous_attributes: { status: 'in_transit' },
      result: {
        id: 'trk_7a9c2e4f6b8d',
        object: 'Tracker',
        tracking_code: 'EZ4000000004',
        status: 'delivered',
        weight: 17.6,
        carrier: 'USPS',
      },
      status: 'pending',
    },
    sdkAccepts: (body, headers, secret) => {
      const utils = new EasyPostClient('EZTK-unused').Utils;
      const event = utils.validateWebhook(Buffer.from(body), headers, secret);
      expect(event).toMatchObject({ id: 'evt_3f4c9a2b7e1d4c8a' });
    },
    sdkRefuses: (body, headers, secret) => {
      const utils = new EasyPostClient('EZTK-unused').Utils;
      expect(() => utils.validateWebhook(Buffer.from(body), headers, secret)).toThrow(
        'Webhook received did not originate from EasyPost or had a webhook secret mismatch.',
      );
    },
  },
  {
    provider: 'pusher',
    secret: 'pusher-app-secret',
    event: {
      time_ms: nowMs,
      events: [{ name: 'member_added', channel: 'presence-lobby', user_id: 'user-42' }],
    },
    sdkAccepts: (body, headers, secret) => {
      const webhook = pusherWebhook(body, headers, secret);
      expect(webhook.isValid()).toBe(true);
      expect(webhook.getEvents()).toEqual([
        { name: 'member_added', channel: 'presence-lobby', user_id: 'user-42' },
      ]);
    },
    sdkRefuses: (body, headers, secret) => {
      const webhook = pusherWebhook(body, headers, secret);
      // Still JSON, so false is the signature's answer, not the body's.
      expect(webhook.isBodyValid()).toBe(true);
      expect(webhook.isValid()).toBe(false);
    },
  },
  {
    provider: 'onfido',
    secret: 'onfido-webhook-token',
    event: {
      payload: {
        resource_type: 'check',
        action: 'check.completed',
        object: {
          id: 'c6b3d2a1-5e4f-4a7b-8c9d-0e1f2a3b4c5d',
          status: 'complete',
          completed_at_iso8601: '2024-07-02T12:00:00Z',
          href: 'https://api.eu.onfido.com/v3.6/checks/c6b3d2a1-5e4f-4a7b-8c9d-0e1f2a3b4c5d',
        },
      },
    },
    sdkAccepts: (body, headers, secret) => {
      const verifier = new WebhookEventVerifier(secret);
      const event = verifier.readPayload(body, headers['x-sha2-signature'] ?? '');
      expect(event.payload?.action).toBe('check.completed');
    },
    sdkRefuses: (body, headers, secret) => {
      const verifier = new WebhookEventVerifier(secret);
      const signature = headers['x-sha2-signature'] ?? '';
      expect(thrownBy(() => verifier.readPayload(body, signature))).toBeInstanceOf(
        OnfidoInvalidSignatureError,
      );
    },
  },
];

/** The body with its last letter's case flipped: one byte, inside a string, still JSON. */
function oneByteChanged(body: string): string {
  const index = body.search(/[A-Za-z][^A-Za-z]*$/);
  const bytes = Buffer.from(body);
  bytes[index] = (bytes[index] ?? 0) ^ 0x20;
  const changed = bytes.toString();
  expect(JSON.parse(changed)).toBeTruthy();
  return changed;
}

/** The round trip for one provider, under the options the catalog registers it with. */
function roundTrip(provider: string) {
  const found = cases.find((entry) => entry.provider === provider);
  const named = namedProvider(provider);
  if (found === undefined || named === undefined) throw new Error(`no case for ${provider}`);
  const { secret, event, ...sdk } = found;
  const options = hmac.parseOptions?.(named.options ?? {}) as HmacOptions;
  const ours = (body: string, headers: Headers) =>
    verifyDelivery({
      scheme: 'hmac',
      request: delivery(headers, body),
      keys: [{ value: secret }],
      options,
    });
  return async () => {
    expect(named.scheme).toBe('hmac');
    const body = JSON.stringify(event);
    const signed = signer.sign({
      url: 'https://hooks.example.com/v1/webhooks/test',
      method: 'POST',
      body: Buffer.from(body),
      contentType: 'application/json',
      key: { kind: 'secret', value: secret },
      options,
      nowMs,
      deliveryId: 'delivery-1',
    });
    const headers: Headers = {
      'content-type': 'application/json',
      ...Object.fromEntries(
        Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    };
    expect(Buffer.from(signed.body).toString()).toBe(body);

    sdk.sdkAccepts(body, headers, secret);
    expect(await ours(body, headers)).toMatchObject({ accepted: true, keyIndex: 0 });

    const changed = oneByteChanged(body);
    sdk.sdkRefuses(changed, headers, secret);
    expect(await ours(changed, headers)).toMatchObject({
      accepted: false,
      reason: 'signature_mismatch',
    });
  };
}

describe('named providers on hmac, against their own SDKs', () => {
  it(
    'coinbase-commerce-node accepts what we sign, and so do we; both refuse a changed body',
    roundTrip('coinbase-commerce'),
  );
  it(
    'gocardless-nodejs accepts what we sign, and so do we; both refuse a changed body',
    roundTrip('gocardless'),
  );
  it(
    '@easypost/api accepts what we sign, and so do we; both refuse a changed body',
    roundTrip('easypost'),
  );
  it('pusher accepts what we sign, and so do we; both refuse a changed body', roundTrip('pusher'));
  it(
    '@onfido/api accepts what we sign, and so do we; both refuse a changed body',
    roundTrip('onfido'),
  );
});
