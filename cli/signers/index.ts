/**
 * Every scheme's signer, by scheme name: the map must name every scheme in
 * functions/verify/schemes/index.ts, so a new scheme cannot ship without a way to test-send it.
 */
import type { SchemeName, SchemeOptions } from '../../functions/verify/schemes/index.ts';
import { adyenSigner } from './adyen.ts';
import {
  bitbucketSigner,
  docusignSigner,
  githubSigner,
  intercomSigner,
  jiraSigner,
  lemonSqueezySigner,
  pagerdutySigner,
  shopifySigner,
  typeformSigner,
  xeroSigner,
} from './body-hmac.ts';
import { discordSigner } from './discord.ts';
import { genericHmacSigner } from './generic-hmac.ts';
import { hubspotSigner } from './hubspot.ts';
import { linearSigner } from './linear.ts';
import { mailgunSigner } from './mailgun.ts';
import { plaidSigner } from './plaid.ts';
import { sendgridSigner } from './sendgrid.ts';
import type { Signer } from './signer.ts';
import { squareSigner } from './square.ts';
import { standardWebhooksSigner } from './standard-webhooks.ts';
import { calendlySigner, paddleSigner, stripeSigner, workosSigner } from './timestamped-hmac.ts';
import { gitlabSigner, staticSigner } from './tokens.ts';
import { twilioSigner } from './twilio.ts';
import { twitchSigner } from './twitch.ts';
import { slackSigner, zoomSigner } from './v0-timestamp.ts';

export const signers: { readonly [Name in SchemeName]: Signer<SchemeOptions<Name>> } = {
  stripe: stripeSigner,
  github: githubSigner,
  slack: slackSigner,
  shopify: shopifySigner,
  twilio: twilioSigner,
  'standard-webhooks': standardWebhooksSigner,
  square: squareSigner,
  paddle: paddleSigner,
  zoom: zoomSigner,
  twitch: twitchSigner,
  linear: linearSigner,
  intercom: intercomSigner,
  sendgrid: sendgridSigner,
  discord: discordSigner,
  mailgun: mailgunSigner,
  pagerduty: pagerdutySigner,
  typeform: typeformSigner,
  calendly: calendlySigner,
  hubspot: hubspotSigner,
  adyen: adyenSigner,
  xero: xeroSigner,
  docusign: docusignSigner,
  'lemon-squeezy': lemonSqueezySigner,
  workos: workosSigner,
  bitbucket: bitbucketSigner,
  jira: jiraSigner,
  gitlab: gitlabSigner,
  static: staticSigner,
  plaid: plaidSigner,
  hmac: genericHmacSigner,
};

/** The signer of a scheme, its options typed as the scheme parses them. */
export function signerFor(scheme: SchemeName): Signer {
  return signers[scheme] as Signer;
}
