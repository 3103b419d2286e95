/**
 * PagerDuty: "Webhook IPs" lists the addresses webhooks come from in each service region, with a
 * plain and a JSON download per region; the JSON is an array of IPv4 addresses. An account is in
 * one region, so each region is a list of its own: `--allow-published pagerduty-us` or
 * `pagerduty-eu`, whichever the account's region is.
 */
import { type PublishedList, parseJson, stringsAt } from './published-list.ts';

const docs = 'https://developer.pagerduty.com/docs/ZG9jOjQ4OTcxMDMx-webhook-i-ps';

function regionList(region: 'us' | 'eu', regionName: string): PublishedList {
  return {
    name: `pagerduty-${region}`,
    provider: 'pagerduty',
    description: `the addresses PagerDuty sends webhooks from in its ${regionName} service region`,
    url: `https://developer.pagerduty.com/ip-safelists/webhooks-${region}-service-region-json`,
    docs,
    format: 'a JSON array of IP addresses',
    accept: 'application/json',
    parse: (text) => stringsAt(parseJson(text), 'the document'),
  };
}

export const pagerdutyLists: readonly PublishedList[] = [
  regionList('us', 'US'),
  regionList('eu', 'EU'),
];
