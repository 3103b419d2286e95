/**
 * Stripe: "Domains and IP addresses", section "Webhook notifications", lists the addresses
 * webhook events come from; the same list is served as text and as JSON under
 * stripe.com/files/ips/ (`ips_webhooks.txt`, `ips_webhooks.json`). The JSON is an object whose
 * `WEBHOOKS` array holds single IPv4 addresses (read as /32 ranges). Stripe announces changes on
 * its API mailing list seven days ahead.
 */
import { objectAt, type PublishedList, parseJson, stringsAt } from './published-list.ts';

export const stripeList: PublishedList = {
  name: 'stripe',
  provider: 'stripe',
  description: 'the addresses Stripe sends webhook events from',
  url: 'https://stripe.com/files/ips/ips_webhooks.json',
  docs: 'https://docs.stripe.com/ips#webhook-notifications',
  format: 'a JSON object whose `WEBHOOKS` is an array of IP addresses',
  accept: 'application/json',
  parse: (text) => stringsAt(objectAt(parseJson(text), 'the document').WEBHOOKS, '`WEBHOOKS`'),
};
