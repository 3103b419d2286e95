/**
 * Messaging, email and realtime providers on the generic schemes, configured by options:
 * `hmac` where the provider signs, `static` where it only sends a credential. Each is here only
 * where its own documentation (or official SDK, where named) states what is signed, how and
 * with which secret; the proof is a round trip with that SDK where one is installed
 * (test/catalog/provider-sdks.test.ts), else the documented algorithm.
 */
import type { NamedProvider } from './named-provider.ts';

const documented = { kind: 'documented-algorithm' } as const;
/** Meta's Graph API webhooks: HMAC-SHA256 of the body under the app secret. */
const metaSignature = {
  header: 'X-Hub-Signature-256',
  prefix: 'sha256=',
  algorithm: 'sha256',
  challenge: 'meta',
};
const metaDocs = 'https://developers.facebook.com/docs/graph-api/webhooks/getting-started';
const metaNote =
  "The key is the app secret. Meta first checks the endpoint with a GET (`hub.challenge`): type the verify token `providers add` prints into the app's Verify Token field.";

export const messagingProviders: readonly NamedProvider[] = [
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
    name: 'nylas',
    displayName: 'Nylas',
    scheme: 'hmac',
    options: { header: 'X-Nylas-Signature', algorithm: 'sha256', challenge: 'nylas' },
    docs: 'https://developer.nylas.com/docs/cookbook/use-cases/build/verify-webhook-signatures/',
    proof: documented,
    note: 'Nylas activates a destination with a GET `challenge`, answered with the challenge.',
  },
  {
    name: 'dropbox',
    displayName: 'Dropbox',
    scheme: 'hmac',
    options: { header: 'X-Dropbox-Signature', challenge: 'dropbox' },
    docs: 'https://www.dropbox.com/developers/reference/webhooks',
    proof: documented,
    note: 'The key is the app secret. Dropbox checks the URL with a GET `challenge`, answered with the challenge; a delivery names only the accounts to look at.',
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
    name: 'line',
    displayName: 'LINE Messaging API',
    scheme: 'hmac',
    options: { header: 'x-line-signature', encoding: 'base64' },
    docs: 'https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/',
    proof: documented,
    note: 'The key is the channel secret. One delivery may carry several events.',
  },
  {
    name: 'viber',
    displayName: 'Viber bots',
    scheme: 'hmac',
    options: { header: 'X-Viber-Content-Signature', typeField: 'event' },
    docs: 'https://github.com/Viber/viber-bot-python/blob/master/viberbot/api/api.py',
    proof: documented,
    note: "The key is the bot's auth token: changing the token changes the key.",
  },
  {
    name: 'telegram',
    displayName: 'Telegram bots',
    scheme: 'static',
    options: { mode: 'header', header: 'X-Telegram-Bot-Api-Secret-Token' },
    docs: 'https://core.telegram.org/bots/api#setwebhook',
    proof: documented,
    note: 'Telegram signs nothing: it sends the `secret_token` given to setWebhook as is. Register that token.',
  },
  {
    name: 'pusher',
    displayName: 'Pusher Channels',
    scheme: 'hmac',
    options: { header: 'X-Pusher-Signature' },
    docs: 'https://pusher.com/docs/channels/server_api/webhooks/',
    proof: {
      kind: 'provider-sdk',
      package: 'pusher',
      test: {
        file: 'test/catalog/provider-sdks.test.ts',
        name: 'pusher accepts what we sign, and so do we; both refuse a changed body',
      },
    },
    note: 'The key is the secret of the app token named in X-Pusher-Key.',
  },
  {
    name: 'help-scout',
    displayName: 'Help Scout',
    scheme: 'hmac',
    options: {
      header: 'X-HelpScout-Signature',
      algorithm: 'sha1',
      encoding: 'base64',
      typeHeader: 'X-HelpScout-Event',
    },
    docs: 'https://developer.helpscout.com/webhooks/',
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
