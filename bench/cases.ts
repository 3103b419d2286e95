/**
 * One benchmark row per (scheme, body size): a delivery signed as the provider signs it, and
 * the verifiers that race on it. Signatures are made with each provider's own SDK signer where
 * one exists, so the core is checked against the provider while it is timed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { verifySlackRequest } from '@slack/bolt';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import type { SchemeName } from '../functions/verify/schemes/index.ts';
import type { Verdict, VerificationKey } from '../functions/verify/types.ts';
import { verifyDeliverySync } from '../functions/verify/verify.ts';
import type { Contender } from './measure.ts';

export const benchmarkedSchemes = ['stripe', 'github', 'standard-webhooks', 'slack'] as const;
export type BenchmarkedScheme = (typeof benchmarkedSchemes)[number];

export interface Row {
  readonly scheme: BenchmarkedScheme;
  readonly bodyBytes: number;
  readonly contenders: readonly Contender[];
}

const url = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/webhooks/endpoint';

/** A JSON object of exactly `size` bytes, so every verifier that parses JSON can. */
function jsonBody(size: number): Buffer {
  const head = '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","type":"invoice.paid","padding":"';
  const tail = '"}';
  const filler = randomBytes(size)
    .toString('base64url')
    .slice(0, size - head.length - tail.length);
  const body = Buffer.from(head + filler + tail);
  if (body.length !== size) throw new Error(`body is ${body.length} bytes, wanted ${size}`);
  return body;
}

/**
 * Headers as an API Gateway REST API (payload v1) hands them to the Lambda: the sender's
 * letter case kept, with the usual unrelated headers around the provider's own.
 */
function gatewayHeaders(size: number, userAgent: string, provider: Record<string, string>) {
  return {
    Accept: '*/*',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(size),
    Host: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': userAgent,
    'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
    'X-Forwarded-For': '54.187.174.169',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...provider,
  };
}

const accepted = (verdict: unknown) => (verdict as Verdict).accepted === true;
const returnedTrue = (result: unknown) => result === true;
const returned = () => true;

/** The core, called as the Lambda will: raw gateway headers, the body bytes, the default clock. */
function ours(
  scheme: SchemeName,
  headers: Record<string, string>,
  body: Buffer,
  keys: readonly VerificationKey[],
): Contender {
  return {
    label: 'ours: verifyDeliverySync',
    kind: 'ours',
    note: 'raw gateway headers, Buffer body',
    comparable: true,
    async: false,
    call: () =>
      verifyDeliverySync({ scheme, request: { method: 'POST', url, headers, body }, keys }),
    accepted,
  };
}

/** `createHmac(...).update(...).digest()` and a constant-time compare, nothing else. */
function bare(
  key: string | Buffer,
  prefix: string,
  body: Buffer,
  signature: Buffer,
  algorithm = 'sha256',
): Contender {
  return {
    label: 'bare node:crypto HMAC',
    kind: 'bare',
    note: 'signed bytes and signature pre-extracted',
    comparable: true,
    async: false,
    call: () => {
      const mac = createHmac(algorithm, key);
      if (prefix !== '') mac.update(prefix);
      const digest = mac.update(body).digest();
      return digest.length === signature.length && timingSafeEqual(digest, signature);
    },
    accepted: returnedTrue,
  };
}

const stripeSdk = new Stripe('sk_test_benchmark');

function stripeRow(size: number, nowSeconds: number): Contender[] {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const body = jsonBody(size);
  const header = stripeSdk.webhooks.generateTestHeaderString({
    payload: body.toString(),
    secret,
    timestamp: nowSeconds,
  });
  const headers = gatewayHeaders(size, 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', {
    'Stripe-Signature': header,
  });
  const signature = Buffer.from(header.split('v1=')[1] ?? '', 'hex');
  const webhooks = stripeSdk.webhooks;
  const verifier = webhooks.signature;
  if (verifier === null) throw new Error('stripe SDK exposes no webhooks.signature');
  return [
    bare(secret, `${nowSeconds}.`, body, signature),
    ours('stripe', headers, body, [{ value: secret }]),
    {
      label: 'stripe webhooks.signature.verifyHeader',
      kind: 'official',
      note: 'signature only; decodes the Buffer to a string',
      comparable: true,
      async: false,
      call: () => verifier.verifyHeader(body, header, secret),
      accepted: returnedTrue,
    },
    {
      label: 'stripe webhooks.constructEvent',
      kind: 'official',
      note: 'also JSON-parses the body',
      comparable: false,
      async: false,
      call: () => webhooks.constructEvent(body, header, secret),
      accepted: (event) => (event as { id?: unknown }).id === 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
    },
  ];
}

async function githubRow(size: number): Promise<Contender[]> {
  const secret = randomBytes(20).toString('hex');
  const body = jsonBody(size);
  const text = body.toString();
  const sha256 = await octokitSign(secret, text);
  const sha1 = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
  const headers = gatewayHeaders(size, 'GitHub-Hookshot/5b4c6f1', {
    'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'X-GitHub-Event': 'push',
    'X-GitHub-Hook-ID': '292430182',
    'X-Hub-Signature': sha1,
    'X-Hub-Signature-256': sha256,
  });
  return [
    bare(secret, '', body, Buffer.from(sha256.slice('sha256='.length), 'hex')),
    ours('github', headers, body, [{ value: secret }]),
    {
      label: '@octokit/webhooks-methods verify',
      kind: 'official',
      note: 'async; takes the body as a string (converted beforehand)',
      comparable: true,
      async: true,
      call: () => octokitVerify(secret, text, sha256),
      accepted: returnedTrue,
    },
  ];
}

function standardWebhooksRow(size: number, nowSeconds: number): Contender[] {
  const key = randomBytes(32);
  const secret = `whsec_${key.toString('base64')}`;
  const body = jsonBody(size);
  const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const signature = new StandardWebhook(secret).sign(id, new Date(nowSeconds * 1000), body);
  const headers = gatewayHeaders(
    size,
    'Svix-Webhooks/1.62.0 (sender-abc123; +https://www.svix.com/http-sender/)',
    {
      'webhook-id': id,
      'webhook-timestamp': String(nowSeconds),
      'webhook-signature': signature,
    },
  );
  const standard = new StandardWebhook(secret);
  const svix = new SvixWebhook(secret);
  return [
    bare(key, `${id}.${nowSeconds}.`, body, Buffer.from(signature.slice('v1,'.length), 'base64')),
    ours('standard-webhooks', headers, body, [{ value: secret }]),
    {
      label: 'standardwebhooks Webhook.verify, jsonParse: false',
      kind: 'official',
      note: 'signature only; pure-JS SHA-256',
      comparable: true,
      async: false,
      call: () => standard.verify(body, headers, { jsonParse: false }),
      accepted: returned,
    },
    {
      label: 'standardwebhooks Webhook.verify',
      kind: 'official',
      note: 'also JSON-parses the body',
      comparable: false,
      async: false,
      call: () => standard.verify(body, headers),
      accepted: (event) => (event as { type?: unknown }).type === 'invoice.paid',
    },
    {
      label: 'svix Webhook.verify',
      kind: 'official',
      note: 'also JSON-parses the body',
      comparable: false,
      async: false,
      call: () => svix.verify(body, headers),
      accepted: (event) => (event as { type?: unknown }).type === 'invoice.paid',
    },
  ];
}

function slackRow(size: number, nowSeconds: number): Contender[] {
  const secret = randomBytes(16).toString('hex');
  const body = jsonBody(size);
  const text = body.toString();
  const prefix = `v0:${nowSeconds}:`;
  const hex = createHmac('sha256', secret).update(prefix).update(body).digest('hex');
  const headers = gatewayHeaders(size, 'Slackbot 1.0 (+https://api.slack.com/robots)', {
    'X-Slack-Request-Timestamp': String(nowSeconds),
    'X-Slack-Signature': `v0=${hex}`,
  });
  const options = {
    signingSecret: secret,
    body: text,
    headers: { 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': nowSeconds },
  };
  return [
    bare(secret, prefix, body, Buffer.from(hex, 'hex')),
    ours('slack', headers, body, [{ value: secret }]),
    {
      label: '@slack/bolt verifySlackRequest',
      kind: 'official',
      note: 'body as a string, headers picked and parsed beforehand',
      comparable: true,
      async: false,
      call: () => verifySlackRequest(options),
      // It returns nothing and throws on a bad signature, which assertAccepts catches.
      accepted: returned,
    },
  ];
}

/**
 * Signs a fresh delivery for the row, timestamped now, so that every verifier with a
 * tolerance (all of them use the real clock) accepts it for the next five minutes.
 */
export async function buildRow(scheme: BenchmarkedScheme, bodyBytes: number): Promise<Row> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const contenders =
    scheme === 'stripe'
      ? stripeRow(bodyBytes, nowSeconds)
      : scheme === 'github'
        ? await githubRow(bodyBytes)
        : scheme === 'standard-webhooks'
          ? standardWebhooksRow(bodyBytes, nowSeconds)
          : slackRow(bodyBytes, nowSeconds);
  return { scheme, bodyBytes, contenders };
}
