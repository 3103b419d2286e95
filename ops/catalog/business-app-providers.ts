/**
 * Business applications on the generic `hmac` scheme, configured by options: work management,
 * analytics, hiring, identity checks, content and publishing. Each is here only where its own
 * documentation states the header, the algorithm, the encoding, what is signed and with which
 * secret; the proof is a round trip with the provider's SDK where one is installed
 * (test/catalog/provider-sdks.test.ts), else the documented algorithm.
 */
import type { NamedProvider } from './named-provider.ts';

const documented = { kind: 'documented-algorithm' } as const;

export const businessAppProviders: readonly NamedProvider[] = [
  {
    name: 'clickup',
    displayName: 'ClickUp',
    scheme: 'hmac',
    options: { header: 'X-Signature', typeField: 'event' },
    docs: 'https://developer.clickup.com/docs/webhooksignature',
    proof: documented,
    note: 'The secret is returned once, when the webhook is created through the API.',
  },
  {
    name: 'todoist',
    displayName: 'Todoist',
    scheme: 'hmac',
    options: { header: 'X-Todoist-Hmac-SHA256', encoding: 'base64', typeField: 'event_name' },
    docs: 'https://doist.github.io/todoist-sdk-typescript/api/functions/verifyWebhookSignature',
    proof: documented,
    note: "The key is the app's OAuth client secret.",
  },
  {
    name: 'storyblok',
    displayName: 'Storyblok',
    scheme: 'hmac',
    options: { header: 'webhook-signature', algorithm: 'sha1', typeField: 'action' },
    docs: 'https://www.storyblok.com/tp/webhook-secret-with-different-technologies',
    proof: documented,
  },
  {
    name: 'webflow',
    displayName: 'Webflow',
    scheme: 'hmac',
    options: {
      header: 'x-webflow-signature',
      template: '{timestamp}:{body}',
      timestampHeader: 'x-webflow-timestamp',
      timestampUnit: 'milliseconds',
      toleranceSeconds: '300',
      typeField: 'triggerType',
    },
    docs: 'https://developers.webflow.com/data/docs/working-with-webhooks',
    proof: documented,
    note: 'Only webhooks created by an OAuth app (its client secret) or with their own secret are signed.',
  },
  {
    name: 'frame-io',
    displayName: 'Frame.io',
    scheme: 'hmac',
    options: {
      header: 'X-Frameio-Signature',
      prefix: 'v0=',
      template: 'v0:{timestamp}:{body}',
      timestampHeader: 'X-Frameio-Request-Timestamp',
      toleranceSeconds: '300',
      typeField: 'type',
    },
    docs: 'https://developer.adobe.com/frameio/guides/Webhooks/',
    proof: documented,
    note: 'The signing secret is shown once, in the response that creates the webhook.',
  },
  {
    name: 'dub',
    displayName: 'Dub',
    scheme: 'hmac',
    options: { header: 'Dub-Signature', idField: 'id', typeField: 'event' },
    docs: 'https://dub.co/docs/concepts/webhooks/verify-webhook-requests',
    proof: documented,
  },
  {
    name: 'segment',
    displayName: 'Segment (Webhooks destination)',
    scheme: 'hmac',
    options: { header: 'X-Signature', algorithm: 'sha1', idField: 'messageId', typeField: 'type' },
    docs: 'https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook',
    proof: documented,
    note: 'Leave batching off: a batch is signed over its first event only, so it fails verification.',
  },
  {
    name: 'onfido',
    displayName: 'Onfido',
    scheme: 'hmac',
    options: { header: 'X-SHA2-Signature', typeField: 'payload.action' },
    docs: 'https://documentation.identity.entrust.com/api/manual-webhook-signature-verification/',
    proof: {
      kind: 'provider-sdk',
      package: '@onfido/api',
      test: {
        file: 'test/catalog/provider-sdks.test.ts',
        name: '@onfido/api accepts what we sign, and so do we; both refuse a changed body',
      },
    },
    note: "The key is the webhook's own token, returned when it is registered, not the API token.",
  },
  {
    name: 'greenhouse',
    displayName: 'Greenhouse Recruiting',
    scheme: 'hmac',
    options: {
      header: 'Signature',
      prefix: 'sha256 ',
      idHeader: 'Greenhouse-Event-ID',
      typeField: 'action',
    },
    docs: 'https://developers.greenhouse.io/webhooks.html',
    proof: documented,
  },
  {
    name: 'ashby',
    displayName: 'Ashby',
    scheme: 'hmac',
    options: { header: 'Ashby-Signature', prefix: 'sha256=', typeField: 'action' },
    docs: 'https://developers.ashbyhq.com/docs/authenticating-webhooks',
    proof: documented,
    note: 'Set a secret token on the webhook: without one Ashby signs nothing. Its ping arrives as a delivery.',
  },
];
