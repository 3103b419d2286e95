/**
 * Providers that sign as Standard Webhooks do (functions/verify/schemes/standard-webhooks.ts),
 * most of them through Svix: `webhook-` or `svix-` id, timestamp and signature headers, an
 * HMAC-SHA256 over `<id>.<timestamp>.<body>` under the `whsec_` secret. The scheme's proof is
 * round trips with the `standardwebhooks` and `svix` packages; each entry says how we know the
 * provider signs this way.
 */
import type { NamedProvider, Proof } from './named-provider.ts';

const schemeTest = 'test/verify/schemes/standard-webhooks.test.ts';
/** The provider's own docs verify with the svix package. */
const svixLibrary: Proof = {
  kind: 'reference-library',
  package: 'svix',
  test: {
    file: schemeTest,
    name: "accepts a signature made by the svix SDK's sign, under svix- headers",
  },
};
/** The provider's own docs verify with the standardwebhooks package. */
const standardLibrary: Proof = {
  kind: 'reference-library',
  package: 'standardwebhooks',
  test: { file: schemeTest, name: "accepts a signature made by the standardwebhooks SDK's sign" },
};
const documented: Proof = { kind: 'documented-algorithm' };

export const standardWebhooksProviders: readonly NamedProvider[] = [
  {
    name: 'svix',
    displayName: 'Svix',
    scheme: 'standard-webhooks',
    docs: 'https://docs.svix.com/receiving/verifying-payloads/how-manual',
    proof: {
      kind: 'provider-sdk',
      package: 'svix',
      test: {
        file: schemeTest,
        name: "accepts a signature made by the svix SDK's sign, under svix- headers",
      },
    },
  },
  {
    name: 'clerk',
    displayName: 'Clerk',
    scheme: 'standard-webhooks',
    docs: 'https://clerk.com/docs/pr/2293/references/backend/verify-webhook',
    proof: svixLibrary,
  },
  {
    name: 'resend',
    displayName: 'Resend',
    scheme: 'standard-webhooks',
    docs: 'https://resend.com/docs/webhooks/verify-webhooks-requests',
    proof: svixLibrary,
  },
  {
    name: 'liveblocks',
    displayName: 'Liveblocks',
    scheme: 'standard-webhooks',
    docs: 'https://liveblocks.io/docs/platform/webhooks',
    proof: documented,
  },
  {
    name: 'replicate',
    displayName: 'Replicate',
    scheme: 'standard-webhooks',
    docs: 'https://replicate.com/docs/topics/webhooks/verify-webhook',
    proof: standardLibrary,
    note: 'The body is a prediction: its stage is `status`; there is no event type field.',
  },
  {
    name: 'openai',
    displayName: 'OpenAI',
    scheme: 'standard-webhooks',
    docs: 'https://rubydoc.info/github/openai/openai-ruby/OpenAI/Resources/Webhooks',
    proof: documented,
  },
  {
    name: 'polar',
    displayName: 'Polar',
    scheme: 'standard-webhooks',
    docs: 'https://docs.polar.sh/integrate/webhooks/delivery',
    proof: documented,
    note: "Polar's secret is used base64-encoded: register the base64 of the secret Polar shows.",
  },
  {
    name: 'brex',
    displayName: 'Brex',
    scheme: 'standard-webhooks',
    docs: 'https://developer.brex.com/docs/webhooks',
    proof: documented,
    note: 'The secrets come from GET /v1/webhooks/secrets; after a rotation, register both.',
  },
  {
    name: 'loops',
    displayName: 'Loops',
    scheme: 'standard-webhooks',
    docs: 'https://loops.so/docs/webhooks',
    proof: documented,
  },
  {
    name: 'render',
    displayName: 'Render',
    scheme: 'standard-webhooks',
    docs: 'https://render.com/docs/webhooks',
    proof: documented,
    note: 'Render signs with the `webhook-` headers; its workspace webhooks need a Professional plan.',
  },
];
