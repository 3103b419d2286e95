/**
 * The published source lists (ops/source-lists/): each list's parser against a fixed copy in its
 * documented shape (test/fixtures/source-lists/), and every way a body is refused whole: not
 * JSON, another shape, a too-wide range, host bits, an empty list. Then fetchPublishedRanges with
 * an injected fetch: 200, a non-2xx status, a timeout, a network failure, an oversize body.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { namedProvider } from '../../ops/catalog/catalog.ts';
import {
  fetchPublishedRanges,
  PublishedListError,
  publishedList,
  publishedListNames,
  publishedLists,
  publishedListsOf,
  readPublishedRanges,
} from '../../ops/source-lists/index.ts';

const fixture = (name: string) => {
  const extension = publishedList(name)?.format.startsWith('text') ? 'txt' : 'json';
  return readFileSync(`test/fixtures/source-lists/${name}.${extension}`, 'utf8');
};

/** The PublishedListError `run` throws. */
function refusal(run: () => unknown): PublishedListError {
  try {
    run();
  } catch (error) {
    if (error instanceof PublishedListError) return error;
    throw error;
  }
  throw new Error('not refused');
}

async function refusalOf(run: Promise<unknown>): Promise<PublishedListError> {
  const error = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error instanceof PublishedListError) return error;
  throw error ?? new Error('not refused');
}

describe('the published lists', () => {
  it('each belong to a named provider, are fetched over HTTPS and name the documentation', () => {
    expect(publishedListNames).toEqual([
      'checkout-com',
      'checkout-com-sandbox',
      'github',
      'intercom-au',
      'intercom-eu',
      'intercom-us',
      'pagerduty-eu',
      'pagerduty-us',
      'stripe',
    ]);
    for (const list of publishedLists) {
      expect(namedProvider(list.provider), list.name).toBeDefined();
      expect(list.url).toMatch(/^https:\/\//);
      expect(list.docs).toMatch(/^https:\/\//);
      // What sources.published.list accepts (functions/registry/provider.ts).
      expect(list.name).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
    }
    expect(publishedListsOf('pagerduty').map(({ name }) => name)).toEqual([
      'pagerduty-eu',
      'pagerduty-us',
    ]);
    expect(publishedListsOf('twilio')).toEqual([]);
  });

  it.each([
    [
      'github',
      [
        '140.82.112.0/20',
        '143.55.64.0/20',
        '185.199.108.0/22',
        '192.30.252.0/22',
        '2606:50c0::/32',
        '2a0a:a440::/29',
      ],
    ],
    [
      'stripe',
      [
        '3.18.12.63/32',
        '3.130.192.231/32',
        '13.235.14.237/32',
        '13.235.122.149/32',
        '18.211.135.69/32',
        '35.154.171.200/32',
        '52.15.183.38/32',
        '54.88.130.119/32',
        '54.88.130.237/32',
        '54.187.174.169/32',
        '54.187.205.235/32',
        '54.187.216.72/32',
      ],
    ],
    ['pagerduty-us', 16],
    ['pagerduty-eu', 12],
    ['checkout-com', ['192.0.2.10/32', '192.0.2.11/32', '198.51.100.0/28']],
    ['checkout-com-sandbox', ['203.0.113.20/32', '203.0.113.21/32']],
    // The outbound entries only: the inbound one is another service's.
    ['intercom-us', ['34.197.76.213/32', '192.0.2.0/29']],
    ['intercom-eu', ['198.51.100.64/28', '198.51.100.80/28']],
    ['intercom-au', ['203.0.113.128/28']],
  ] as const)('reads %s from its documented shape, canonical and sorted', (name, expected) => {
    const { ranges } = readPublishedRanges(name, fixture(name));
    if (typeof expected === 'number') {
      expect(ranges).toHaveLength(expected);
      expect(ranges.every((range) => range.endsWith('/32'))).toBe(true);
    } else {
      expect(ranges).toEqual(expected);
    }
    // The refresher compares what it reads with what it stored: the same body reads the same.
    expect(readPublishedRanges(name, fixture(name)).ranges).toEqual(ranges);
  });

  it('de-duplicates a range listed twice', () => {
    const body = JSON.stringify({ WEBHOOKS: ['54.187.174.169', '54.187.174.169/32'] });
    expect(readPublishedRanges('stripe', body).ranges).toEqual(['54.187.174.169/32']);
  });
});

describe('a body that is refused whole', () => {
  it('is not JSON', () => {
    const error = refusal(() => readPublishedRanges('github', '<html>rate limited</html>'));
    expect(error).toMatchObject({ list: 'github', code: 'malformed' });
    expect(error.message).toMatch(
      /^published list 'github': not JSON .*; expected a JSON object whose `hooks` is an array of CIDR ranges$/,
    );
  });

  it.each([
    ['github', '{"web": ["192.30.252.0/22"]}', /`hooks` is not an array/],
    ['github', '["192.30.252.0/22"]', /the document is not a JSON object/],
    ['github', '{"hooks": ["192.30.252.0/22", 7]}', /`hooks`\[1\] is not a string/],
    ['stripe', '{"API": ["54.187.174.169"]}', /`WEBHOOKS` is not an array/],
    ['pagerduty-us', '{"ips": []}', /the document is not an array/],
    [
      'intercom-eu',
      '{"ip_ranges": [{"range": "198.51.100.64/28"}]}',
      /lacks a string `range` or `service`/,
    ],
    ['intercom-eu', '{"ranges": []}', /`ip_ranges` is not an array/],
  ])('%s in another shape: %s', (name, body, problem) => {
    const error = refusal(() => readPublishedRanges(name, body));
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`published list '${name}'`);
  });

  it('holds a range too wide for an allowlist, even among valid ones', () => {
    const error = refusal(() =>
      readPublishedRanges('github', JSON.stringify({ hooks: ['192.30.252.0/22', '0.0.0.0/0'] })),
    );
    expect(error.code).toBe('invalid_range');
    expect(error.message).toMatch(
      /^published list 'github': refused whole, as 1 of its 2 entries cannot be allowed: '0\.0\.0\.0\/0' is too wide/,
    );
    const ipv6 = refusal(() =>
      readPublishedRanges('github', JSON.stringify({ hooks: ['2a0a:a440::/16'] })),
    );
    expect(ipv6.code).toBe('invalid_range');
  });

  it('holds a range with host bits set, and names the network meant', () => {
    const error = refusal(() =>
      readPublishedRanges('checkout-com', '192.0.2.10\n198.51.100.7/24\n'),
    );
    expect(error.code).toBe('invalid_range');
    expect(error.message).toContain(
      "'198.51.100.7/24' has host bits set: did you mean 198.51.100.0/24?",
    );
  });

  it('holds something that is no address, and names at most three problems', () => {
    const body = ['a', 'b', 'c', 'd', '192.0.2.1'].join('\n');
    const error = refusal(() => readPublishedRanges('checkout-com', body));
    expect(error.code).toBe('invalid_range');
    expect(error.message).toMatch(/4 of its 5 entries cannot be allowed: .*; and 1 more$/);
  });

  it.each([
    ['github', '{"hooks": []}'],
    ['stripe', '{"WEBHOOKS": []}'],
    ['pagerduty-eu', '[]'],
    ['checkout-com', '\n\n'],
    // Only other services' entries: nothing outbound is nothing at all.
    [
      'intercom-us',
      '{"ip_ranges": [{"range": "198.51.100.0/24", "region": "US", "service": "INTERCOM-INBOUND"}]}',
    ],
  ])('%s lists nothing: never "allow everyone"', (name, body) => {
    const error = refusal(() => readPublishedRanges(name, body));
    expect(error.code).toBe('empty');
    expect(error.message).toBe(
      `published list '${name}': lists no address: an empty list never allows everyone, so it is refused`,
    );
  });

  it('names a list that does not exist', () => {
    const error = refusal(() => readPublishedRanges('twilio', '[]'));
    expect(error.code).toBe('unknown_list');
    expect(error.message).toMatch(/^published list 'twilio': no such list \(known: checkout-com, /);
  });
});

/** A fetch that answers `response`, recording the request. */
function answering(response: () => Response) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), init });
    return response();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe('fetchPublishedRanges', () => {
  it('GETs the list URL over HTTPS and reads its body (200)', async () => {
    const { fetch, requests } = answering(() => new Response(fixture('github'), { status: 200 }));
    const { ranges } = await fetchPublishedRanges('github', { fetch });
    expect(ranges).toEqual(readPublishedRanges('github', fixture('github')).ranges);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('https://api.github.com/meta');
    const headers = new Headers(requests[0]?.init?.headers);
    expect(headers.get('accept')).toBe('application/vnd.github+json');
    expect(headers.get('user-agent')).toMatch(/webhook-ingestion/);
    expect(requests[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('refuses a non-2xx answer, naming the status', async () => {
    const { fetch } = answering(
      () => new Response('oops', { status: 500, statusText: 'Internal Server Error' }),
    );
    const error = await refusalOf(fetchPublishedRanges('stripe', { fetch }));
    expect(error.code).toBe('http_status');
    expect(error.message).toBe(
      "published list 'stripe': https://stripe.com/files/ips/ips_webhooks.json answered HTTP 500 Internal Server Error",
    );
  });

  it('gives up after the timeout', async () => {
    // Answers only when aborted, as a server that never answers would be.
    const fetch = ((_url: string, init?: RequestInit) =>
      new Promise((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof globalThis.fetch;
    const started = Date.now();
    const error = await refusalOf(fetchPublishedRanges('pagerduty-us', { fetch, timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(
      "published list 'pagerduty-us': https://developer.pagerduty.com/ip-safelists/webhooks-us-service-region-json did not answer within 50 ms",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out a body that stops half way', async () => {
    const fetch = ((_url: string, init?: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('["44.242.69.192",'));
          init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
        },
      });
      return Promise.resolve(new Response(body, { status: 200 }));
    }) as typeof globalThis.fetch;
    const error = await refusalOf(fetchPublishedRanges('pagerduty-us', { fetch, timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
  });

  it('reports a network failure with its cause', async () => {
    const fetch = (() =>
      Promise.reject(
        new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND stripe.com') }),
      )) as typeof globalThis.fetch;
    const error = await refusalOf(fetchPublishedRanges('stripe', { fetch }));
    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(
      /could not be fetched \(fetch failed: getaddrinfo ENOTFOUND stripe\.com\)$/,
    );
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ WEBHOOKS: new Array(2000).fill('54.187.174.169') });
    const declared = answering(
      () => new Response(big, { status: 200, headers: { 'content-length': String(big.length) } }),
    );
    const first = await refusalOf(
      fetchPublishedRanges('stripe', { fetch: declared.fetch, maxBodyBytes: 1024 }),
    );
    expect(first.code).toBe('too_large');
    expect(first.message).toBe(
      "published list 'stripe': https://stripe.com/files/ips/ips_webhooks.json sent more than 1024 bytes",
    );
    // No length given: the body is read chunk by chunk and refused as soon as it passes.
    const streamed = answering(() => {
      const chunk = new TextEncoder().encode(big.slice(0, 600));
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            sent += 1;
            if (sent > 100) controller.close();
            else controller.enqueue(chunk);
          },
        }),
        { status: 200 },
      );
    });
    const second = await refusalOf(
      fetchPublishedRanges('stripe', { fetch: streamed.fetch, maxBodyBytes: 1024 }),
    );
    expect(second.code).toBe('too_large');
  });

  it('refuses a redirect away from HTTPS and a body that is not UTF-8', async () => {
    const plain = answering(() => {
      const response = new Response('[]', { status: 200 });
      Object.defineProperty(response, 'url', { value: 'http://developer.pagerduty.com/list' });
      return response;
    });
    const redirected = await refusalOf(
      fetchPublishedRanges('pagerduty-eu', { fetch: plain.fetch }),
    );
    expect(redirected.code).toBe('unreachable');
    expect(redirected.message).toMatch(/redirected away from HTTPS$/);
    const binary = answering(
      () => new Response(new Uint8Array([0xff, 0xfe, 0x00]), { status: 200 }),
    );
    const notText = await refusalOf(fetchPublishedRanges('checkout-com', { fetch: binary.fetch }));
    expect(notText.code).toBe('malformed');
  });

  it('refuses what it fetched as readPublishedRanges does: malformed, too wide, empty', async () => {
    for (const [body, code] of [
      ['{"WEBHOOKS": "54.187.174.169"}', 'malformed'],
      ['{"WEBHOOKS": ["10.0.0.0/4"]}', 'invalid_range'],
      ['{"WEBHOOKS": []}', 'empty'],
    ] as const) {
      const { fetch } = answering(() => new Response(body, { status: 200 }));
      expect((await refusalOf(fetchPublishedRanges('stripe', { fetch }))).code).toBe(code);
    }
  });
});
