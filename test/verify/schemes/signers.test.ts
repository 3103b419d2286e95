/**
 * Every signer against the verification core: a delivery signed by a scheme's signer (the one
 * `webhooks send` uses) is what the receiver accepts, whatever the body, and a delivery with one
 * body byte changed is refused wherever the scheme authenticates the body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnknownSchemeError } from '../../../functions/verify/errors.ts';
import type { SignedDelivery, SigningKey } from '../../../functions/verify/scheme.sign.ts';
import { type SchemeName, schemes } from '../../../functions/verify/schemes/index.ts';
import { loadSigners, signerFor } from '../../../functions/verify/schemes/signers.ts';
import type { Verdict } from '../../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../../functions/verify/verify.ts';
import { githubDocs, stripeSignature } from '../../cli/helpers.ts';

const signers = await loadSigners();

const nowMs = 1_700_000_000_123;
const url = 'https://hooks.example.com/v1/webhooks/test-provider';

type BodyKind = 'bytes' | 'json' | 'form' | 'adyen-items';

const contentTypes: Record<BodyKind, string> = {
  bytes: 'application/octet-stream',
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  'adyen-items': 'application/json',
};

/** One way a provider of a scheme can be set up, and the bodies it sends. */
interface SignerCase {
  readonly name: string;
  readonly scheme: SchemeName;
  /** The registered secret; a test key pair is generated when absent. */
  readonly secret?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly body: BodyKind;
  /** Why a changed body byte can still verify: the scheme does not authenticate every byte. */
  readonly bodyNotCovered?: string;
}

const cases: readonly SignerCase[] = [
  { name: 'stripe', scheme: 'stripe', secret: 'whsec_test', body: 'bytes' },
  { name: 'paddle', scheme: 'paddle', secret: 'pdl_ntfset_test', body: 'bytes' },
  { name: 'calendly', scheme: 'calendly', secret: 'calendly-key', body: 'bytes' },
  { name: 'workos', scheme: 'workos', secret: 'workos-secret', body: 'bytes' },
  { name: 'mux', scheme: 'mux', secret: 'mux-secret', body: 'bytes' },
  { name: 'netlify', scheme: 'netlify', secret: 'netlify-jws-secret', body: 'bytes' },
  { name: 'recurly', scheme: 'recurly', secret: 'recurly-webhook-key', body: 'bytes' },
  { name: 'buildkite', scheme: 'buildkite', secret: 'buildkite-token', body: 'bytes' },
  { name: 'sanity', scheme: 'sanity', secret: 'sanity-secret', body: 'bytes' },
  { name: 'persona', scheme: 'persona', secret: 'wbhsec_test', body: 'bytes' },
  { name: 'knock', scheme: 'knock', secret: 'knock-secret', body: 'bytes' },
  { name: 'github', scheme: 'github', secret: 'gh-secret', body: 'bytes' },
  { name: 'shopify', scheme: 'shopify', secret: 'shpss_test', body: 'bytes' },
  { name: 'intercom', scheme: 'intercom', secret: 'intercom-secret', body: 'bytes' },
  { name: 'lemon-squeezy', scheme: 'lemon-squeezy', secret: 'lemon', body: 'bytes' },
  { name: 'xero', scheme: 'xero', secret: 'xero-key', body: 'bytes' },
  { name: 'typeform', scheme: 'typeform', secret: 'typeform', body: 'bytes' },
  { name: 'bitbucket', scheme: 'bitbucket', secret: 'bb', body: 'bytes' },
  { name: 'box', scheme: 'box', secret: 'box-primary-key', body: 'bytes' },
  { name: 'jira', scheme: 'jira', secret: 'jira', body: 'bytes' },
  { name: 'docusign', scheme: 'docusign', secret: 'docusign-hmac-key', body: 'bytes' },
  { name: 'pagerduty', scheme: 'pagerduty', secret: 'pd', body: 'bytes' },
  { name: 'slack', scheme: 'slack', secret: 'slack-signing-secret', body: 'bytes' },
  { name: 'zoom', scheme: 'zoom', secret: 'zoom-secret-token', body: 'bytes' },
  { name: 'twitch', scheme: 'twitch', secret: 'twitch-secret', body: 'bytes' },
  { name: 'zendesk', scheme: 'zendesk', secret: 'zendesk-signing-secret', body: 'bytes' },
  { name: 'linear', scheme: 'linear', secret: 'lin_wh_test', body: 'json' },
  { name: 'hubspot', scheme: 'hubspot', secret: 'hubspot-client-secret', body: 'bytes' },
  { name: 'square', scheme: 'square', secret: 'square-key', body: 'bytes' },
  {
    name: 'square with notificationUrl',
    scheme: 'square',
    secret: 'square-key',
    options: { notificationUrl: 'https://public.example.com/square' },
    body: 'bytes',
  },
  { name: 'twilio, JSON', scheme: 'twilio', secret: 'twilio-auth-token', body: 'json' },
  {
    name: 'twilio, form',
    scheme: 'twilio',
    secret: 'twilio-auth-token',
    body: 'form',
    bodyNotCovered: 'Twilio signs the decoded parameters, so %2b and %2B sign alike',
  },
  {
    name: 'mailgun, JSON',
    scheme: 'mailgun',
    secret: 'mailgun-key',
    body: 'json',
    bodyNotCovered: 'Mailgun signs only the timestamp and token',
  },
  {
    name: 'mailgun, form',
    scheme: 'mailgun',
    secret: 'mailgun-key',
    body: 'form',
    bodyNotCovered: 'Mailgun signs only the timestamp and token',
  },
  {
    name: 'adyen, notification',
    scheme: 'adyen',
    secret: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
    body: 'adyen-items',
    bodyNotCovered: 'Adyen signs eight fields of each item, not the body',
  },
  {
    name: 'adyen, banking',
    scheme: 'adyen',
    secret: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
    options: { variant: 'banking' },
    body: 'bytes',
  },
  {
    name: 'gitlab',
    scheme: 'gitlab',
    secret: 'glpat-token',
    body: 'bytes',
    bodyNotCovered: 'GitLab sends a token and signs nothing',
  },
  {
    name: 'static, basic',
    scheme: 'static',
    secret: 'postmark:s3cret',
    options: { mode: 'basic' },
    body: 'bytes',
    bodyNotCovered: 'static credentials sign nothing',
  },
  {
    name: 'static, header',
    scheme: 'static',
    secret: 'okta-hook-key',
    options: { mode: 'header', header: 'X-Hook-Key' },
    body: 'bytes',
    bodyNotCovered: 'static credentials sign nothing',
  },
  {
    name: 'hmac, body only',
    scheme: 'hmac',
    secret: 'generic',
    options: { header: 'X-Signature' },
    body: 'bytes',
  },
  {
    name: 'hmac, template with timestamp and id',
    scheme: 'hmac',
    secret: 'generic',
    options: {
      header: 'X-Signature',
      prefix: 'sha512=',
      algorithm: 'sha512',
      encoding: 'base64',
      template: 'v2:{timestamp}:{id}:{body}',
      timestampHeader: 'X-Timestamp',
      timestampUnit: 'milliseconds',
      toleranceSeconds: '300',
      idHeader: 'X-Delivery',
    },
    body: 'bytes',
  },
  {
    name: 'standard-webhooks, v1 secret',
    scheme: 'standard-webhooks',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    body: 'bytes',
  },
  { name: 'standard-webhooks, v1a test key', scheme: 'standard-webhooks', body: 'bytes' },
  { name: 'discord', scheme: 'discord', body: 'bytes' },
  { name: 'telnyx', scheme: 'telnyx', body: 'bytes' },
  { name: 'sendgrid', scheme: 'sendgrid', body: 'bytes' },
  { name: 'plaid', scheme: 'plaid', body: 'bytes' },
];

const printable = fc.string({ maxLength: 24 });
const bodies: Record<BodyKind, fc.Arbitrary<Uint8Array>> = {
  bytes: fc.uint8Array({ maxLength: 512 }),
  json: fc
    .dictionary(printable, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
    .map((document) => Buffer.from(JSON.stringify(document))),
  form: fc
    .array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), printable), { maxLength: 6 })
    .map((pairs) => Buffer.from(new URLSearchParams(pairs).toString())),
  'adyen-items': fc
    .array(
      fc.record({
        pspReference: printable,
        merchantAccountCode: printable,
        merchantReference: printable,
        amount: fc.record({ value: fc.nat(), currency: fc.constantFrom('EUR', 'USD') }),
        eventCode: fc.constantFrom('AUTHORISATION', 'REFUND'),
        success: fc.constantFrom('true', 'false'),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((items) =>
      Buffer.from(
        JSON.stringify({
          live: 'false',
          notificationItems: items.map((item) => ({ NotificationRequestItem: item })),
        }),
      ),
    ),
};

/** The signing key and the key the receiver holds: the secret, or a fresh test key's halves. */
function keysFor(testCase: SignerCase): { signing: SigningKey; verifying: string } {
  if (testCase.secret !== undefined) {
    return { signing: { kind: 'secret', value: testCase.secret }, verifying: testCase.secret };
  }
  const pair = signers[testCase.scheme].generateTestKey?.();
  if (pair === undefined) throw new Error(`${testCase.scheme} has no test keys`);
  const signing: SigningKey = {
    kind: 'test-key',
    privateKey: pair.privateKey,
    ...(pair.keyId === undefined ? {} : { keyId: pair.keyId }),
  };
  return { signing, verifying: pair.publicKeyText };
}

/** Signs `body` for the case and returns a verifier for the result, or for any changed copy. */
function signFor(testCase: SignerCase, key: SigningKey, body: Uint8Array, deliveryId = 'dlv_1') {
  const options = getScheme(testCase.scheme).parseOptions?.(testCase.options ?? {}) ?? {};
  return {
    options,
    signed: signers[testCase.scheme].sign({
      url,
      method: 'POST',
      body,
      contentType: contentTypes[testCase.body],
      key,
      options,
      nowMs,
      deliveryId,
      eventType: 'thing.happened',
    }),
  };
}

function verify(
  testCase: SignerCase,
  verifying: string,
  options: unknown,
  signed: SignedDelivery,
  body = signed.body,
): Promise<Verdict> {
  return verifyDelivery({
    scheme: testCase.scheme,
    request: {
      method: 'POST',
      url: signed.url,
      headers: { 'content-type': contentTypes[testCase.body], ...signed.headers },
      body,
    },
    keys: [{ value: verifying }],
    options: options as never,
    clock: () => nowMs,
  });
}

describe('signers', () => {
  it('are found beside the scheme, by its name', async () => {
    expect(await signerFor('stripe')).toBe(signers.stripe);
    await expect(signerFor('not-a-scheme' as SchemeName)).rejects.toThrow(UnknownSchemeError);
  });

  it.each(cases.filter(({ options }) => options === undefined))(
    '$name writes only headers its scheme reads',
    (testCase) => {
      const { signing } = keysFor(testCase);
      const [body] = fc.sample(bodies[testCase.body], { numRuns: 1, seed: 1 });
      const { signed } = signFor(testCase, signing, body as Uint8Array);
      const read = getScheme(testCase.scheme).headers.map((name) => name.toLowerCase());
      const written = Object.keys(signed.headers).map((name) => name.toLowerCase());
      expect(read).toEqual(expect.arrayContaining(written));
    },
  );

  it('cover every scheme the receiver verifies', () => {
    expect(Object.keys(signers).sort()).toEqual(Object.keys(schemes).sort());
    const tested = new Set(cases.map((testCase) => testCase.scheme));
    expect([...tested].sort()).toEqual(Object.keys(schemes).sort());
  });

  it('sign with a test key exactly the public-key schemes, and Standard Webhooks v1a', () => {
    const withTestKeys = Object.values(signers)
      .filter((signer) => signer.generateTestKey !== undefined)
      .map((signer) => signer.scheme)
      .sort();
    expect(withTestKeys).toEqual(['discord', 'plaid', 'sendgrid', 'standard-webhooks', 'telnyx']);
    for (const scheme of Object.keys(schemes) as SchemeName[]) {
      if (getScheme(scheme).keyKind === 'public-key') {
        expect(signers[scheme].signsWith).toBe('test-key');
      }
    }
  });
});

describe.each(cases)('the $name signer', (testCase) => {
  const { signing, verifying } = keysFor(testCase);

  it('signs deliveries the core accepts, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(bodies[testCase.body], async (body) => {
        const { options, signed } = signFor(testCase, signing, body);
        const verdict = await verify(testCase, verifying, options, signed);
        expect(verdict).toMatchObject({ accepted: true });
      }),
      { numRuns: 50 },
    );
  });

  it.skipIf(testCase.bodyNotCovered !== undefined)(
    'signs deliveries the core refuses once any body byte changes',
    async () => {
      const changedByte = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
      await fc.assert(
        fc.asyncProperty(bodies[testCase.body], changedByte, async (body, { at, xor }) => {
          const { options, signed } = signFor(testCase, signing, body);
          fc.pre(signed.body.length > 0);
          const changed = Buffer.from(signed.body);
          const index = at % changed.length;
          changed[index] = (changed[index] as number) ^ xor;
          const verdict = await verify(testCase, verifying, options, signed, changed);
          expect(verdict.accepted).toBe(false);
        }),
        { numRuns: 50 },
      );
    },
  );
});

describe('what a signed delivery tells the receiver', () => {
  const body = Buffer.from('{"id":"evt_1","type":"thing.happened"}');

  it.each([
    'github',
    'shopify',
    'lemon-squeezy',
    'bitbucket',
    'gitlab',
    'twitch',
    'linear',
  ] as const)('%s carries --event-type in its event type header', async (scheme) => {
    const testCase = cases.find((candidate) => candidate.scheme === scheme) as SignerCase;
    const { signing, verifying } = keysFor(testCase);
    const { options, signed } = signFor({ ...testCase, body: 'json' }, signing, body);
    const verdict = await verify({ ...testCase, body: 'json' }, verifying, options, signed);
    expect(signers[scheme].eventTypeHeader).toBeDefined();
    expect(verdict).toMatchObject({ accepted: true, eventType: 'thing.happened' });
  });

  it.each([
    'github',
    'shopify',
    'bitbucket',
    'jira',
    'gitlab',
    'pagerduty',
    'twitch',
    'linear',
    'standard-webhooks',
  ] as const)('%s carries the delivery id in its header', async (scheme) => {
    const testCase = cases.find((candidate) => candidate.scheme === scheme) as SignerCase;
    const { signing, verifying } = keysFor(testCase);
    const { options, signed } = signFor({ ...testCase, body: 'json' }, signing, body, 'dlv_42');
    const verdict = await verify({ ...testCase, body: 'json' }, verifying, options, signed);
    expect(verdict).toMatchObject({ accepted: true, deliveryId: 'dlv_42' });
  });
});

describe('known answers', () => {
  it("GitHub's published example", () => {
    const { signed } = signFor(
      { name: 'github', scheme: 'github', body: 'bytes' },
      { kind: 'secret', value: githubDocs.secret },
      Buffer.from(githubDocs.payload),
    );
    expect(signed.headers['X-Hub-Signature-256']).toBe(githubDocs.signature);
  });

  it("Stripe's documented signature", () => {
    const payload = '{"id":"evt_1"}';
    const { signed } = signFor(
      { name: 'stripe', scheme: 'stripe', body: 'json' },
      { kind: 'secret', value: 'whsec_x' },
      Buffer.from(payload),
    );
    expect(signed.headers['stripe-signature']).toBe(
      stripeSignature('whsec_x', Math.floor(nowMs / 1000), payload),
    );
  });
});
