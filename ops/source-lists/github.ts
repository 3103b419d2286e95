/**
 * GitHub (github.com, GitHub Enterprise Cloud): its meta API lists the ranges of each GitHub
 * service; `hooks` is what webhook deliveries come from ("About GitHub's IP addresses": these
 * addresses are used "to serve our content, deliver webhooks, and perform hosted GitHub Actions
 * builds"; the meta endpoint's `hooks` field). Unauthenticated requests are rate limited per
 * address (60 an hour), far above one a day.
 */
import { objectAt, type PublishedList, parseJson, stringsAt } from './published-list.ts';

export const githubList: PublishedList = {
  name: 'github',
  provider: 'github',
  description: 'the ranges GitHub delivers webhooks from: `hooks` of its meta API',
  url: 'https://api.github.com/meta',
  docs: 'https://docs.github.com/en/rest/meta/meta#get-github-meta-information',
  format: 'a JSON object whose `hooks` is an array of CIDR ranges',
  accept: 'application/vnd.github+json',
  // The document lists every service's ranges (Actions' alone run to thousands), not only hooks.
  maxBodyBytes: 4 * 1024 * 1024,
  parse: (text) => stringsAt(objectAt(parseJson(text), 'the document').hooks, '`hooks`'),
};
