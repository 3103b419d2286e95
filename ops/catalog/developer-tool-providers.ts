/**
 * Developer tools that sign with the generic `hmac` scheme, configured by options: forges,
 * CI, error tracking and infrastructure. Each is here only where its own documentation (or
 * its own source, for the self-hosted forges and Cal.com) states the header, the algorithm,
 * the encoding, what is signed and with which secret; each proof is that documented
 * algorithm. `typeHeader`, `idField` and `typeField` say where the provider puts its event
 * type and id, so the delivery is named by them (functions/ingest/delivery-names.ts).
 */
import type { NamedProvider } from './named-provider.ts';

const documented = { kind: 'documented-algorithm' } as const;
const jsonOnly =
  'Choose the application/json content type: with a form body it signs the JSON, not what it sends.';

export const developerToolProviders: readonly NamedProvider[] = [
  {
    name: 'gitea',
    displayName: 'Gitea',
    scheme: 'hmac',
    options: {
      header: 'X-Gitea-Signature',
      algorithm: 'sha256',
      idHeader: 'X-Gitea-Delivery',
      typeHeader: 'X-Gitea-Event',
    },
    docs: 'https://docs.gitea.com/usage/repository/webhooks',
    proof: documented,
    note: jsonOnly,
  },
  {
    name: 'forgejo',
    displayName: 'Forgejo',
    scheme: 'hmac',
    options: {
      header: 'X-Forgejo-Signature',
      idHeader: 'X-Forgejo-Delivery',
      typeHeader: 'X-Forgejo-Event',
    },
    docs: 'https://forgejo.org/docs/latest/user/webhooks/',
    proof: documented,
    note: `Add the webhook as type Forgejo, method POST. ${jsonOnly}`,
  },
  {
    name: 'gogs',
    displayName: 'Gogs',
    scheme: 'hmac',
    options: {
      header: 'X-Gogs-Signature',
      idHeader: 'X-Gogs-Delivery',
      typeHeader: 'X-Gogs-Event',
    },
    docs: 'https://github.com/gogs/gogs/blob/main/internal/database/webhook.go',
    proof: documented,
    note: jsonOnly,
  },
  {
    name: 'circleci',
    displayName: 'CircleCI',
    scheme: 'hmac',
    options: { header: 'circleci-signature', prefix: 'v1=', idField: 'id', typeField: 'type' },
    docs: 'https://circleci.com/docs/guides/integration/outbound-webhooks/',
    proof: documented,
    note: 'CircleCI sends one `v1=` signature today; a second version in the list would not be read.',
  },
  {
    name: 'sentry',
    displayName: 'Sentry (integration platform)',
    scheme: 'hmac',
    options: {
      header: 'Sentry-Hook-Signature',
      idHeader: 'Request-ID',
      typeHeader: 'Sentry-Hook-Resource',
    },
    docs: 'https://docs.sentry.io/organization/integrations/integration-platform/webhooks/',
    proof: documented,
    note: "The key is the integration's client secret. Sentry-Hook-Timestamp is not signed, so it is not checked.",
  },
  {
    name: 'snyk',
    displayName: 'Snyk',
    scheme: 'hmac',
    options: {
      header: 'X-Hub-Signature',
      prefix: 'sha256=',
      idHeader: 'X-Snyk-Transport-ID',
      typeHeader: 'X-Snyk-Event',
    },
    docs: 'https://docs.snyk.io/snyk-api/snyk-webhooks/validation-and-versioning-of-payloads',
    proof: documented,
  },
  {
    name: 'hcp-terraform',
    displayName: 'HCP Terraform',
    scheme: 'hmac',
    options: { header: 'X-TFE-Notification-Signature', algorithm: 'sha512' },
    docs: 'https://developer.hashicorp.com/terraform/cloud-docs/api-docs/notification-configurations#notification-authenticity',
    proof: documented,
    note: 'Use a generic notification with a token: only those are signed. Its verification request arrives as a delivery.',
  },
  {
    name: 'pulumi',
    displayName: 'Pulumi Cloud',
    scheme: 'hmac',
    options: {
      header: 'Pulumi-Webhook-Signature',
      idHeader: 'Pulumi-Webhook-ID',
      typeHeader: 'Pulumi-Webhook-Kind',
    },
    docs: 'https://www.pulumi.com/docs/pulumi-cloud/webhooks/',
    proof: documented,
    note: 'Set a shared secret on the webhook: without one Pulumi signs nothing.',
  },
  {
    name: 'heroku',
    displayName: 'Heroku (app webhooks)',
    scheme: 'hmac',
    options: { header: 'Heroku-Webhook-Hmac-SHA256', encoding: 'base64' },
    docs: 'https://devcenter.heroku.com/articles/app-webhooks',
    proof: documented,
    note: 'The key is the `secret` given when the webhook was created.',
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
    name: 'alchemy',
    displayName: 'Alchemy Notify',
    scheme: 'hmac',
    options: { header: 'X-Alchemy-Signature', idField: 'id', typeField: 'type' },
    docs: 'https://docs.alchemy.com/reference/notify-api-faq',
    proof: documented,
    note: "The key is the webhook's signing key from its page, not the Notify auth token.",
  },
  {
    name: 'cal-com',
    displayName: 'Cal.com',
    scheme: 'hmac',
    options: { header: 'X-Cal-Signature-256', typeField: 'triggerEvent' },
    docs: 'https://github.com/calcom/cal.com/blob/main/packages/features/webhooks/lib/sendPayload.ts',
    proof: documented,
  },
];
