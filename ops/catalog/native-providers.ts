/**
 * The providers with a scheme of their own (functions/verify/schemes/<name>.ts): the scheme is
 * named for them and takes no options. Each proof names the strongest test its scheme has in
 * which our verifier itself accepts what the provider's side made: a test that only shows the
 * provider's SDK accepting what a test helper signed proves the helper, not the verifier.
 * Discord's fixed-seed vector is also accepted by discord-interactions (the test after it).
 */
import type { NamedProvider, Proof } from './named-provider.ts';

const schemeTest = (scheme: string) => `test/verify/schemes/${scheme}.test.ts`;
const sdk = (scheme: string, pkg: string, name: string): Proof => ({
  kind: 'provider-sdk',
  package: pkg,
  test: { file: schemeTest(scheme), name },
});
const published = (scheme: string, name: string): Proof => ({
  kind: 'published-vector',
  test: { file: schemeTest(scheme), name },
});
const independent = (scheme: string, name: string): Proof => ({
  kind: 'independent-vector',
  test: { file: schemeTest(scheme), name },
});
const documented: Proof = { kind: 'documented-algorithm' };
const pythonHmac =
  'accepts a signature computed independently (Python hmac) from the documented algorithm';
const outsideNode = 'accepts a known answer computed outside Node from the documented algorithm';

export const nativeProviders: readonly NamedProvider[] = [
  {
    name: 'adyen',
    displayName: 'Adyen',
    scheme: 'adyen',
    proof: sdk(
      'adyen',
      '@adyen/api-library',
      "accepts an item signed by @adyen/api-library's HmacValidator.calculateHmac",
    ),
  },
  { name: 'bitbucket', displayName: 'Bitbucket', scheme: 'bitbucket', proof: documented },
  {
    name: 'box',
    displayName: 'Box',
    scheme: 'box',
    proof: published('box', "accepts the Box SDK's own test vector, under either of its keys"),
    note: "Register both of the app's signature keys, primary and secondary, in any order.",
  },
  {
    name: 'buildkite',
    displayName: 'Buildkite',
    scheme: 'buildkite',
    proof: independent('buildkite', outsideNode),
    note: 'Have the webhook send its token as an HMAC signature: a plain X-Buildkite-Token is refused.',
  },
  {
    name: 'calendly',
    displayName: 'Calendly',
    scheme: 'calendly',
    proof: independent('calendly', outsideNode),
  },
  {
    name: 'discord',
    displayName: 'Discord',
    scheme: 'discord',
    proof: independent('discord', 'accepts the fixed-seed known-answer vector'),
  },
  {
    name: 'docusign',
    displayName: 'DocuSign',
    scheme: 'docusign',
    proof: independent('docusign', pythonHmac),
  },
  {
    name: 'github',
    displayName: 'GitHub',
    scheme: 'github',
    proof: sdk(
      'github',
      '@octokit/webhooks-methods',
      'accepts a signature made by @octokit/webhooks-methods and reports delivery and event',
    ),
  },
  { name: 'gitlab', displayName: 'GitLab', scheme: 'gitlab', proof: documented },
  {
    name: 'hubspot',
    displayName: 'HubSpot',
    scheme: 'hubspot',
    proof: sdk(
      'hubspot',
      '@hubspot/api-client',
      'accepts a %s signature made by @hubspot/api-client Signature.getSignature',
    ),
  },
  {
    name: 'intercom',
    displayName: 'Intercom',
    scheme: 'intercom',
    proof: independent('intercom', pythonHmac),
  },
  { name: 'jira', displayName: 'Jira', scheme: 'jira', proof: documented },
  {
    name: 'knock',
    displayName: 'Knock',
    scheme: 'knock',
    proof: independent('knock', outsideNode),
  },
  {
    name: 'lemon-squeezy',
    displayName: 'Lemon Squeezy',
    scheme: 'lemon-squeezy',
    proof: independent(
      'lemon-squeezy',
      'accepts a signature computed independently (Python hmac) and reports X-Event-Name',
    ),
  },
  {
    name: 'linear',
    displayName: 'Linear',
    scheme: 'linear',
    proof: sdk(
      'linear',
      '@linear/sdk',
      'accepts what the @linear/sdk handler accepts, end to end on one request',
    ),
  },
  {
    name: 'mailgun',
    displayName: 'Mailgun',
    scheme: 'mailgun',
    proof: published('mailgun', 'accepts the published mailgun vector in a JSON webhook'),
  },
  { name: 'mux', displayName: 'Mux', scheme: 'mux', proof: independent('mux', outsideNode) },
  {
    name: 'netlify',
    displayName: 'Netlify',
    scheme: 'netlify',
    proof: independent('netlify', outsideNode),
    note: 'Set a JWS secret token on the outgoing webhook: without one Netlify signs nothing. Nothing is dated, so a replay is caught only as a repeated body.',
  },
  {
    name: 'paddle',
    displayName: 'Paddle',
    scheme: 'paddle',
    proof: published(
      'paddle',
      "accepts both published vectors from the Paddle SDK's tests at their mock clock",
    ),
  },
  {
    name: 'pagerduty',
    displayName: 'PagerDuty',
    scheme: 'pagerduty',
    proof: published(
      'pagerduty',
      'accepts the published go-pagerduty vector and reads the event fields from its body',
    ),
  },
  {
    name: 'persona',
    displayName: 'Persona',
    scheme: 'persona',
    proof: independent('persona', outsideNode),
  },
  {
    name: 'plaid',
    displayName: 'Plaid',
    scheme: 'plaid',
    proof: {
      kind: 'captured-delivery',
      test: {
        file: schemeTest('plaid'),
        name: 'accepts the published webhook with its JWK configured, at its iat',
      },
    },
  },
  {
    name: 'recurly',
    displayName: 'Recurly',
    scheme: 'recurly',
    proof: independent('recurly', outsideNode),
    note: 'Only JSON webhook endpoints are signed: choose JSON, not XML.',
  },
  {
    name: 'sanity',
    displayName: 'Sanity',
    scheme: 'sanity',
    proof: sdk(
      'sanity',
      '@sanity/webhook',
      'accepts what @sanity/webhook signs, and its isValidSignature accepts what we sign',
    ),
    note: 'The body is your GROQ projection: no event id or type is read from it.',
  },
  {
    name: 'sendgrid',
    displayName: 'SendGrid',
    scheme: 'sendgrid',
    proof: published('sendgrid', 'accepts the published vector from the SendGrid SDK'),
  },
  {
    name: 'shopify',
    displayName: 'Shopify',
    scheme: 'shopify',
    proof: published('shopify', 'accepts the published shopify-app-js vector'),
  },
  {
    name: 'slack',
    displayName: 'Slack',
    scheme: 'slack',
    proof: published('slack', 'accepts the worked example from Slack’s documentation'),
  },
  {
    name: 'square',
    displayName: 'Square',
    scheme: 'square',
    proof: sdk(
      'square',
      'square',
      'signs what the Square SDK WebhooksHelper.verifySignature accepts',
    ),
  },
  {
    name: 'stripe',
    displayName: 'Stripe',
    scheme: 'stripe',
    proof: sdk('stripe', 'stripe', "accepts a header made by the Stripe SDK's own test signer"),
  },
  {
    name: 'telnyx',
    displayName: 'Telnyx',
    scheme: 'telnyx',
    proof: sdk(
      'telnyx',
      'telnyx',
      "signs what the telnyx SDK's webhooks.unwrap accepts, and both refuse a tampered body",
    ),
    note: 'Register the public key from Mission Control (Keys & Credentials), base64.',
  },
  {
    name: 'twilio',
    displayName: 'Twilio',
    scheme: 'twilio',
    proof: published('twilio', 'accepts the published form-post vector'),
  },
  {
    name: 'twitch',
    displayName: 'Twitch',
    scheme: 'twitch',
    proof: independent(
      'twitch',
      'accepts a known answer computed outside Node and reports the delivery',
    ),
  },
  { name: 'typeform', displayName: 'Typeform', scheme: 'typeform', proof: documented },
  {
    name: 'workos',
    displayName: 'WorkOS',
    scheme: 'workos',
    proof: sdk('workos', '@workos-inc/node', 'accepts a signature computed by @workos-inc/node'),
  },
  { name: 'xero', displayName: 'Xero', scheme: 'xero', proof: independent('xero', pythonHmac) },
  {
    name: 'zendesk',
    displayName: 'Zendesk',
    scheme: 'zendesk',
    proof: independent('zendesk', outsideNode),
    note: "Register the webhook's signing secret; never Zendesk's published test secret, which anyone can sign with.",
  },
  { name: 'zoom', displayName: 'Zoom', scheme: 'zoom', proof: independent('zoom', outsideNode) },
];
