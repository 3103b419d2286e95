/**
 * Checkout.com: "IP addresses" gives machine-readable lists of the addresses its webhook servers
 * send from, one for live and one for the sandbox; "each file contains a list of IP addresses
 * and CIDR blocks, with one address or block displayed per line". Checkout.com says it will
 * announce a change before it happens.
 */
import { type PublishedList, textLines } from './published-list.ts';

const docs = 'https://www.checkout.com/docs/developer-resources/ip-addresses';

function environmentList(name: string, file: string, environment: string): PublishedList {
  return {
    name,
    provider: 'checkout-com',
    description: `the addresses Checkout.com sends ${environment} webhooks from`,
    url: `https://checkout.com/docs/public/files/ip-lists/${file}`,
    docs,
    format: 'text, one IP address or CIDR block a line',
    accept: 'text/plain',
    parse: textLines,
  };
}

export const checkoutComLists: readonly PublishedList[] = [
  environmentList('checkout-com', 'webhooks-live.txt', 'live'),
  environmentList('checkout-com-sandbox', 'webhooks-sandbox.txt', 'sandbox'),
];
