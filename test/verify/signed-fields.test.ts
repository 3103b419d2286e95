/**
 * What each scheme declares its signature covers (Scheme.signedFields), pinned for every scheme
 * so that a new one is reviewed, and checked against the verifiers themselves: a delivery whose
 * id or event-type header is changed still verifies exactly when the scheme does not claim
 * that header is signed.
 */
import { describe, expect, it } from 'vitest';
import { type SignedFields, signedFieldsOf } from '../../functions/verify/scheme.ts';
import { type SchemeName, schemes } from '../../functions/verify/schemes/index.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import type { Verdict } from '../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../functions/verify/verify.ts';

type Coverage = Required<SignedFields>;

const bodyOnly: Coverage = { deliveryId: false, eventType: false, body: true, eventFields: true };
const idAndBody: Coverage = { ...bodyOnly, deliveryId: true };
const nothing: Coverage = { deliveryId: false, eventType: false, body: false, eventFields: false };

/** Options for the schemes that cannot do without; the others are read with their defaults. */
const requiredOptions: Partial<Record<SchemeName, Record<string, string>>> = {
  static: { mode: 'basic' },
  hmac: { header: 'X-Signature' },
};

const parsedOptions = (scheme: SchemeName, raw: Record<string, string> = {}) =>
  getScheme(scheme).parseOptions?.({ ...requiredOptions[scheme], ...raw }) ?? {};

/** Every scheme under its default options: typed over SchemeName, so a new scheme is named. */
const declared: Record<SchemeName, Coverage> = {
  adyen: { ...nothing, eventFields: true },
  bitbucket: bodyOnly,
  box: bodyOnly,
  buildkite: bodyOnly,
  calendly: bodyOnly,
  discord: bodyOnly,
  docusign: bodyOnly,
  github: bodyOnly,
  gitlab: nothing,
  hmac: bodyOnly,
  hubspot: bodyOnly,
  intercom: bodyOnly,
  jira: bodyOnly,
  knock: bodyOnly,
  'lemon-squeezy': bodyOnly,
  linear: bodyOnly,
  mux: bodyOnly,
  netlify: bodyOnly,
  mailgun: nothing,
  paddle: bodyOnly,
  pagerduty: bodyOnly,
  persona: bodyOnly,
  plaid: bodyOnly,
  recurly: bodyOnly,
  sanity: bodyOnly,
  sendgrid: bodyOnly,
  shopify: bodyOnly,
  slack: bodyOnly,
  square: bodyOnly,
  'standard-webhooks': idAndBody,
  static: nothing,
  stripe: bodyOnly,
  telnyx: bodyOnly,
  twilio: nothing,
  twitch: idAndBody,
  typeform: bodyOnly,
  workos: bodyOnly,
  xero: bodyOnly,
  zendesk: bodyOnly,
  zoom: bodyOnly,
};

describe('signedFields', () => {
  it('is pinned for every scheme under its default options', () => {
    expect(Object.keys(declared).sort()).toEqual(Object.keys(schemes).sort());
    for (const scheme of Object.keys(schemes) as SchemeName[]) {
      expect([scheme, signedFieldsOf(getScheme(scheme), parsedOptions(scheme))]).toEqual([
        scheme,
        declared[scheme],
      ]);
    }
  });

  it('follows the options where they decide it: the hmac template, the Adyen variant', () => {
    const withId = parsedOptions('hmac', { template: '{id}.{body}', idHeader: 'X-Delivery' });
    expect(signedFieldsOf(getScheme('hmac'), withId)).toEqual(idAndBody);
    const reportedOnly = parsedOptions('hmac', { idHeader: 'X-Delivery' });
    expect(signedFieldsOf(getScheme('hmac'), reportedOnly)).toEqual(bodyOnly);
    const banking = parsedOptions('adyen', { variant: 'banking' });
    expect(signedFieldsOf(getScheme('adyen'), banking)).toEqual(bodyOnly);
  });

  it('leaves a flag a scheme does not declare at its default: nothing in a header is signed', () => {
    const { signedFields: _none, ...undeclared } = getScheme('github');
    expect(signedFieldsOf(undeclared, {})).toEqual(bodyOnly);
    const bodyUnsigned = { ...getScheme('stripe'), signedFields: () => ({ body: false }) };
    expect(signedFieldsOf(bodyUnsigned, {})).toEqual(nothing);
  });
});

const nowMs = 1_700_000_000_123;
const original = { deliveryId: 'dlv-one', eventType: 'type.one' };
const replaced = { deliveryId: 'dlv-two', eventType: 'type.two' };

/** A provider set-up whose scheme reports an id or event type read from a header. */
interface HeaderCase {
  readonly name: string;
  readonly scheme: SchemeName;
  readonly secret: string;
  readonly options?: Record<string, string>;
  /** What the verdict reports from headers: the test is void unless these are checked. */
  readonly reports: readonly ('deliveryId' | 'eventType')[];
}

const headerCases: readonly HeaderCase[] = [
  { name: 'github', scheme: 'github', secret: 'gh', reports: ['deliveryId', 'eventType'] },
  { name: 'shopify', scheme: 'shopify', secret: 'shp', reports: ['deliveryId', 'eventType'] },
  { name: 'bitbucket', scheme: 'bitbucket', secret: 'bb', reports: ['deliveryId', 'eventType'] },
  { name: 'jira', scheme: 'jira', secret: 'jira', reports: ['deliveryId'] },
  { name: 'lemon-squeezy', scheme: 'lemon-squeezy', secret: 'ls', reports: ['eventType'] },
  { name: 'linear', scheme: 'linear', secret: 'lin', reports: ['deliveryId', 'eventType'] },
  { name: 'pagerduty', scheme: 'pagerduty', secret: 'pd', reports: ['deliveryId'] },
  { name: 'gitlab', scheme: 'gitlab', secret: 'glpat', reports: ['deliveryId', 'eventType'] },
  { name: 'twitch', scheme: 'twitch', secret: 'twitch', reports: ['deliveryId', 'eventType'] },
  {
    name: 'standard-webhooks',
    scheme: 'standard-webhooks',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    reports: ['deliveryId'],
  },
  {
    name: 'hmac, id header reported only',
    scheme: 'hmac',
    secret: 'generic',
    options: { idHeader: 'X-Delivery' },
    reports: ['deliveryId'],
  },
  {
    name: 'hmac, id in the template',
    scheme: 'hmac',
    secret: 'generic',
    options: { idHeader: 'X-Delivery', template: '{id}.{body}' },
    reports: ['deliveryId'],
  },
];

/** Every header whose value is `from`, given `to` instead: a replayer's edit. */
function rewritten(headers: Readonly<Record<string, string>>, from: string, to: string) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, value === from ? to : value]),
  );
}

describe.each(headerCases)('the $name verifier', (testCase) => {
  const options = parsedOptions(testCase.scheme, testCase.options);
  const coverage = signedFieldsOf(getScheme(testCase.scheme), options);
  const verify = (headers: Readonly<Record<string, string>>, body: Uint8Array): Promise<Verdict> =>
    verifyDelivery({
      scheme: testCase.scheme,
      request: { method: 'POST', url: 'https://hooks.example.com/p', headers, body },
      keys: [{ value: testCase.secret }],
      options: options as never,
      clock: () => nowMs,
    });

  it.each(testCase.reports)(
    'still accepts a changed %s header exactly when signedFields does not claim it',
    async (field) => {
      const signed = (await signerFor(testCase.scheme)).sign({
        url: 'https://hooks.example.com/p',
        method: 'POST',
        body: Buffer.from('{"action":"create"}'),
        contentType: 'application/json',
        key: { kind: 'secret', value: testCase.secret },
        options,
        nowMs,
        ...original,
      });
      const headers = { 'content-type': 'application/json', ...signed.headers };
      expect(await verify(headers, signed.body)).toMatchObject({
        accepted: true,
        [field]: original[field],
      });

      const replay = await verify(
        rewritten(headers, original[field], replaced[field]),
        signed.body,
      );
      expect(replay.accepted).toBe(!coverage[field]);
      if (replay.accepted) expect(replay[field]).toBe(replaced[field]);
    },
  );
});
