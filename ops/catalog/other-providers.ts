/**
 * Providers that sign with a scheme shared by others, configured by options: the generic
 * `hmac` (a header holding an HMAC of the body) and `static` (a credential the provider sends
 * as is). Each is here only where its own documentation states what is signed, with what and
 * how it is encoded; each proof is the documented algorithm unless a test names the provider.
 */
import type { NamedProvider } from './named-provider.ts';

const documented = { kind: 'documented-algorithm' } as const;
/** Meta's Graph API webhooks: HMAC-SHA256 of the body under the app secret. */
const metaSignature = { header: 'X-Hub-Signature-256', prefix: 'sha256=', algorithm: 'sha256' };
const metaDocs = 'https://developers.facebook.com/docs/graph-api/webhooks/getting-started';
const metaNote =
  "Meta first checks the endpoint with a GET (`hub.challenge`), which is not answered yet: subscribe with Meta's dashboard tool, or answer it elsewhere, until it is.";

export const otherProviders: readonly NamedProvider[] = [
  {
    name: 'whatsapp',
    displayName: 'WhatsApp (Meta)',
    scheme: 'hmac',
    options: metaSignature,
    docs: metaDocs,
    proof: documented,
    note: metaNote,
  },
  {
    name: 'instagram',
    displayName: 'Instagram (Meta)',
    scheme: 'hmac',
    options: metaSignature,
    docs: metaDocs,
    proof: documented,
    note: metaNote,
  },
  {
    name: 'messenger',
    displayName: 'Messenger (Meta)',
    scheme: 'hmac',
    options: metaSignature,
    docs: metaDocs,
    proof: documented,
    note: metaNote,
  },
  {
    name: 'gitea',
    displayName: 'Gitea',
    scheme: 'hmac',
    options: { header: 'X-Gitea-Signature', algorithm: 'sha256', idHeader: 'X-Gitea-Delivery' },
    docs: 'https://docs.gitea.com/usage/repository/webhooks',
    proof: documented,
    note: 'Choose the application/json content type: with a form body Gitea signs the JSON, not what it sends.',
  },
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
    name: 'launchdarkly',
    displayName: 'LaunchDarkly',
    scheme: 'hmac',
    options: { header: 'X-LD-Signature', algorithm: 'sha256' },
    docs: 'https://launchdarkly.com/docs/home/infrastructure/webhooks',
    proof: documented,
    note: 'Set a secret on the webhook: without one LaunchDarkly signs nothing.',
  },
  {
    name: 'nylas',
    displayName: 'Nylas',
    scheme: 'hmac',
    options: { header: 'X-Nylas-Signature', algorithm: 'sha256' },
    docs: 'https://developer.nylas.com/docs/cookbook/use-cases/build/verify-webhook-signatures/',
    proof: documented,
    note: 'Nylas activates a destination with a GET `challenge`, which is not answered yet.',
  },
  {
    name: 'webex',
    displayName: 'Webex',
    scheme: 'hmac',
    options: { header: 'X-Spark-Signature', algorithm: 'sha1' },
    docs: 'https://developer.webex.com/docs/receive-and-verify-webhooks',
    proof: documented,
  },
  {
    name: 'postmark',
    displayName: 'Postmark',
    scheme: 'static',
    options: { mode: 'basic' },
    docs: 'https://postmarkapp.com/developer/webhooks/webhooks-overview',
    proof: documented,
    note: 'Postmark signs nothing: it sends the basic-auth credentials put in the webhook URL, registered here as `user:password`. Allow its IP ranges at the front too.',
  },
];
