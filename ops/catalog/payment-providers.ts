/**
 * Payments, banking and commerce providers on the generic schemes, configured by options:
 * `hmac` where the provider signs, `static` where it only sends a token. Each is here only
 * where its own documentation or its own SDK states what is signed, how and with which
 * secret; the proof is a round trip with that SDK where one is installed
 * (test/catalog/provider-sdks.test.ts), else the documented algorithm.
 */
import type { NamedProvider, Proof } from './named-provider.ts';

const documented = { kind: 'documented-algorithm' } as const;
const sdk = (pkg: string): Proof => ({
  kind: 'provider-sdk',
  package: pkg,
  test: {
    file: 'test/catalog/provider-sdks.test.ts',
    name: `${pkg} accepts what we sign, and so do we; both refuse a changed body`,
  },
});

export const paymentProviders: readonly NamedProvider[] = [
  {
    name: 'razorpay',
    displayName: 'Razorpay',
    scheme: 'hmac',
    options: {
      header: 'X-Razorpay-Signature',
      algorithm: 'sha256',
      idHeader: 'x-razorpay-event-id',
    },
    docs: 'https://razorpay.com/docs/webhooks/validate-test/',
    proof: documented,
  },
  {
    name: 'checkout-com',
    displayName: 'Checkout.com',
    scheme: 'hmac',
    options: { header: 'Cko-Signature', algorithm: 'sha256' },
    docs: 'https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks/set-up-your-webhook-receiver',
    proof: documented,
  },
  {
    name: 'coinbase-commerce',
    displayName: 'Coinbase Commerce',
    scheme: 'hmac',
    options: { header: 'X-CC-Webhook-Signature', idField: 'event.id', typeField: 'event.type' },
    docs: 'https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security',
    proof: sdk('coinbase-commerce-node'),
    note: 'The key is the shared secret from Settings > Notifications, not the API key.',
  },
  {
    name: 'gocardless',
    displayName: 'GoCardless',
    scheme: 'hmac',
    options: { header: 'Webhook-Signature' },
    docs: 'https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks/',
    proof: sdk('gocardless-nodejs'),
    note: 'One delivery carries a batch of events: the consumer handles each, by its id.',
  },
  {
    name: 'dwolla',
    displayName: 'Dwolla',
    scheme: 'hmac',
    options: { header: 'X-Request-Signature-SHA-256', idField: 'id', typeField: 'topic' },
    docs: 'https://developers.dwolla.com/docs/balance/webhooks/frequently-asked-questions',
    proof: documented,
    note: 'The key is the secret given when the webhook subscription was created.',
  },
  {
    name: 'revolut-business',
    displayName: 'Revolut Business',
    scheme: 'hmac',
    options: {
      header: 'Revolut-Signature',
      prefix: 'v1=',
      template: 'v1.{timestamp}.{body}',
      timestampHeader: 'Revolut-Request-Timestamp',
      timestampUnit: 'milliseconds',
      toleranceSeconds: '300',
      typeField: 'event',
    },
    docs: 'https://developer.revolut.com/docs/guides/manage-accounts/webhooks/verify-the-payload-signature',
    proof: documented,
    note: 'Rotate the secret without an expiration period: while two secrets overlap Revolut sends two signatures, which are not read.',
  },
  {
    name: 'airwallex',
    displayName: 'Airwallex',
    scheme: 'hmac',
    options: {
      header: 'x-signature',
      template: '{timestamp}{body}',
      timestampHeader: 'x-timestamp',
      timestampUnit: 'milliseconds',
      toleranceSeconds: '300',
      idField: 'id',
      typeField: 'name',
    },
    docs: 'https://www.airwallex.com/docs/developer-tools/webhooks/listen-for-webhook-events',
    proof: documented,
    note: 'Airwallex names no replay window: 300 s is ours.',
  },
  {
    name: 'modern-treasury',
    displayName: 'Modern Treasury',
    scheme: 'hmac',
    options: { header: 'X-Signature', idHeader: 'X-Webhook-ID', typeField: 'event' },
    docs: 'https://docs.moderntreasury.com/platform/docs/verifying-webhooks',
    proof: documented,
  },
  {
    name: 'easypost',
    displayName: 'EasyPost',
    scheme: 'hmac',
    options: {
      header: 'X-Hmac-Signature',
      prefix: 'hmac-sha256-hex=',
      idField: 'id',
      typeField: 'description',
    },
    docs: 'https://docs.easypost.com/docs/webhooks',
    proof: sdk('@easypost/api'),
    note: 'Use an ASCII webhook secret: EasyPost normalises the secret (NFKD) before signing.',
  },
  {
    name: 'aftership',
    displayName: 'AfterShip Tracking',
    scheme: 'hmac',
    options: {
      header: 'aftership-hmac-sha256',
      encoding: 'base64',
      idField: 'event_id',
      typeField: 'event',
    },
    docs: 'https://www.aftership.com/docs/tracking/webhook/webhook-signature',
    proof: documented,
  },
  {
    name: 'xendit',
    displayName: 'Xendit',
    scheme: 'static',
    options: { mode: 'header', header: 'x-callback-token' },
    docs: 'https://docs.xendit.co/api-integration/callback/setup',
    proof: documented,
    note: 'Xendit signs nothing: it sends its callback verification token as is. Register that token.',
  },
];
