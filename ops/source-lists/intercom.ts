/**
 * Intercom: "Intercom IP addresses" publishes, per hosting region, a JSON file of the ranges its
 * outbound traffic (webhook notifications included) leaves from, refreshed daily; the entries to
 * use are those whose `service` is `INTERCOM-OUTBOUND`:
 * `{"ip_ranges": [{"range": "34.197.76.213/32", "region": "US", "service": "INTERCOM-OUTBOUND"}], "date": "…"}`.
 * A workspace is hosted in one region, so each region is a list of its own.
 */
import { ListShapeError, objectAt, type PublishedList, parseJson } from './published-list.ts';

const docs = 'https://developers.intercom.com/docs/build-an-integration/learn-more/ip-allowlisting';
const outbound = 'INTERCOM-OUTBOUND';

/** The `range` of every `INTERCOM-OUTBOUND` entry; any entry not of the documented shape refuses all. */
function outboundRanges(text: string): string[] {
  const entries = objectAt(parseJson(text), 'the document').ip_ranges;
  if (!Array.isArray(entries)) throw new ListShapeError('`ip_ranges` is not an array');
  return entries.flatMap((entry, index) => {
    const { range, service } = objectAt(entry, `\`ip_ranges[${index}]\``);
    if (typeof range !== 'string' || typeof service !== 'string') {
      throw new ListShapeError(`\`ip_ranges[${index}]\` lacks a string \`range\` or \`service\``);
    }
    return service === outbound ? [range] : [];
  });
}

function regionList(region: 'us' | 'eu' | 'au', regionName: string): PublishedList {
  return {
    name: `intercom-${region}`,
    provider: 'intercom',
    description: `the ranges Intercom sends webhooks from for workspaces hosted in ${regionName}`,
    url: `https://static.intercomcdn.com/intercom-ips/${region}/intercom-ip-ranges.json`,
    docs,
    format: `a JSON object whose \`ip_ranges\` entries have a \`range\` and a \`service\` (${outbound} taken)`,
    accept: 'application/json',
    parse: outboundRanges,
  };
}

export const intercomLists: readonly PublishedList[] = [
  regionList('us', 'the USA'),
  regionList('eu', 'Europe'),
  regionList('au', 'Australia'),
];
