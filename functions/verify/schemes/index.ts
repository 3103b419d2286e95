import { adyen } from './adyen.ts';
import { bitbucket } from './bitbucket.ts';
import { box } from './box.ts';
import { buildkite } from './buildkite.ts';
import { calendly } from './calendly.ts';
import { discord } from './discord.ts';
import { docusign } from './docusign.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';
import { hmac } from './hmac.ts';
import { hubspot } from './hubspot.ts';
import { intercom } from './intercom.ts';
import { jira } from './jira.ts';
import { knock } from './knock.ts';
import { lemonSqueezy } from './lemon-squeezy.ts';
import { linear } from './linear.ts';
import { mailgun } from './mailgun.ts';
import { mux } from './mux.ts';
import { netlify } from './netlify.ts';
import { paddle } from './paddle.ts';
import { pagerduty } from './pagerduty.ts';
import { persona } from './persona.ts';
import { plaid } from './plaid.ts';
import { recurly } from './recurly.ts';
import { sanity } from './sanity.ts';
import { sendgrid } from './sendgrid.ts';
import { shopify } from './shopify.ts';
import { slack } from './slack.ts';
import { square } from './square.ts';
import { standardWebhooks } from './standard-webhooks.ts';
import { staticCredentials } from './static.ts';
import { stripe } from './stripe.ts';
import { telnyx } from './telnyx.ts';
import { twilio } from './twilio.ts';
import { twitch } from './twitch.ts';
import { typeform } from './typeform.ts';
import { workos } from './workos.ts';
import { xero } from './xero.ts';
import { zendesk } from './zendesk.ts';
import { zoom } from './zoom.ts';

/** Every supported scheme by name. Adding a provider: one file in this folder, one line here. */
export const schemes = {
  stripe: stripe,
  github: github,
  slack: slack,
  shopify: shopify,
  twilio: twilio,
  'standard-webhooks': standardWebhooks,
  square: square,
  paddle: paddle,
  recurly: recurly,
  zoom: zoom,
  twitch: twitch,
  zendesk: zendesk,
  linear: linear,
  intercom: intercom,
  sendgrid: sendgrid,
  discord: discord,
  telnyx: telnyx,
  mailgun: mailgun,
  pagerduty: pagerduty,
  typeform: typeform,
  calendly: calendly,
  hubspot: hubspot,
  adyen: adyen,
  xero: xero,
  docusign: docusign,
  'lemon-squeezy': lemonSqueezy,
  workos: workos,
  bitbucket: bitbucket,
  box: box,
  jira: jira,
  gitlab: gitlab,
  static: staticCredentials,
  plaid: plaid,
  hmac: hmac,
  mux: mux,
  netlify: netlify,
  buildkite: buildkite,
  sanity: sanity,
  persona: persona,
  knock: knock,
} as const;

export type SchemeName = keyof typeof schemes;

export type SchemeOptions<Name extends SchemeName> =
  (typeof schemes)[Name] extends import('../scheme.ts').Scheme<infer Options> ? Options : never;
