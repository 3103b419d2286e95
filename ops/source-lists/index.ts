/**
 * The providers' published source lists (docs/security.md, "Published source lists"): which
 * exist, reading one's body into canonical ranges, and fetching one. A list is refused whole,
 * never trimmed: an entry that is malformed, too wide or has host bits set, a body of another
 * shape, or an empty list is a PublishedListError, and whoever asked keeps the ranges it had.
 */
import { canonicalRanges } from '../../functions/registry/source-ranges.ts';
import { checkoutComLists } from './checkout-com.ts';
import { githubList } from './github.ts';
import { intercomLists } from './intercom.ts';
import { pagerdutyLists } from './pagerduty.ts';
import { ListShapeError, type PublishedList, PublishedListError } from './published-list.ts';
import { stripeList } from './stripe.ts';

export {
  type PublishedList,
  PublishedListError,
  type PublishedListFailure,
} from './published-list.ts';

/** Every published list, by name. */
export const publishedLists: readonly PublishedList[] = [
  githubList,
  stripeList,
  ...pagerdutyLists,
  ...checkoutComLists,
  ...intercomLists,
].sort((a, b) => (a.name < b.name ? -1 : 1));

/** What `--allow-published` takes and `sources.published.list` holds. */
export const publishedListNames: readonly string[] = publishedLists.map(({ name }) => name);

/** The list `name`, or undefined. */
export function publishedList(name: string): PublishedList | undefined {
  return publishedLists.find((list) => list.name === name);
}

/** The lists of the named provider `provider` (ops/catalog), one per region where it has several. */
export function publishedListsOf(provider: string): readonly PublishedList[] {
  return publishedLists.filter((list) => list.provider === provider);
}

/** How long a fetch may take, connection and body together. */
export const defaultFetchTimeoutMs = 10_000;

/** The largest body read, unless the list says otherwise: far above any list's size. */
export const defaultMaxBodyBytes = 1024 * 1024;

/** How many of a refused list's problems its message names. */
const problemsShown = 3;

function requireList(name: string): PublishedList {
  const list = publishedList(name);
  if (list === undefined) {
    throw new PublishedListError(
      name,
      'unknown_list',
      `no such list (known: ${publishedListNames.join(', ')})`,
    );
  }
  return list;
}

/**
 * The ranges a fetched (or saved) body of list `name` holds, canonical, de-duplicated and sorted
 * (canonicalRanges). PublishedListError when the body is not of the list's shape, when it lists
 * nothing, or when any entry is not a range an allowlist may hold: the list is refused whole.
 * @example readPublishedRanges('github', await (await fetch('https://api.github.com/meta')).text())
 */
export function readPublishedRanges(name: string, text: string): { ranges: string[] } {
  const list = requireList(name);
  let entries: string[];
  try {
    entries = list.parse(text);
  } catch (error) {
    if (!(error instanceof ListShapeError)) throw error;
    throw new PublishedListError(name, 'malformed', `${error.message}; expected ${list.format}`, {
      cause: error,
    });
  }
  if (entries.length === 0) {
    throw new PublishedListError(
      name,
      'empty',
      'lists no address: an empty list never allows everyone, so it is refused',
    );
  }
  const result = canonicalRanges(entries);
  if ('problems' in result) {
    const { problems } = result;
    const more =
      problems.length > problemsShown ? `; and ${problems.length - problemsShown} more` : '';
    throw new PublishedListError(
      name,
      'invalid_range',
      `refused whole, as ${problems.length} of its ${entries.length} entries cannot be allowed: ${problems.slice(0, problemsShown).join('; ')}${more}`,
    );
  }
  return { ranges: result.ranges };
}

export interface FetchPublishedRangesOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default defaultFetchTimeoutMs */
  readonly timeoutMs?: number;
  /** @default the list's own limit, else defaultMaxBodyBytes */
  readonly maxBodyBytes?: number;
}

const userAgent = 'webhook-ingestion (published source list refresh)';

/**
 * Fetches list `name` from its URL (HTTPS GET, redirects followed only to HTTPS) within
 * `timeoutMs`, reads at most its body limit and returns its ranges as readPublishedRanges does.
 * Every failure is a PublishedListError: `unreachable`, `timeout`, `http_status`, `too_large`,
 * and readPublishedRanges' own.
 */
export async function fetchPublishedRanges(
  name: string,
  options: FetchPublishedRangesOptions = {},
): Promise<{ ranges: string[] }> {
  const list = requireList(name);
  const timeoutMs = options.timeoutMs ?? defaultFetchTimeoutMs;
  const maxBytes = options.maxBodyBytes ?? list.maxBodyBytes ?? defaultMaxBodyBytes;
  const signal = AbortSignal.timeout(timeoutMs);
  const failed = (error: unknown) => fetchFailure(name, list.url, error, signal, timeoutMs);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(list.url, {
      signal,
      redirect: 'follow',
      headers: { accept: list.accept, 'user-agent': userAgent },
    });
  } catch (error) {
    throw failed(error);
  }
  if (response.url !== '' && !response.url.startsWith('https://')) {
    await response.body?.cancel().catch(() => undefined);
    throw new PublishedListError(name, 'unreachable', `${list.url} redirected away from HTTPS`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new PublishedListError(
      name,
      'http_status',
      `${list.url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    );
  }
  const tooLarge = () =>
    new PublishedListError(name, 'too_large', `${list.url} sent more than ${maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  let bytes: Uint8Array;
  try {
    bytes = await readAtMost(response, maxBytes, tooLarge);
  } catch (error) {
    throw error instanceof PublishedListError ? error : failed(error);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PublishedListError(name, 'malformed', 'the body is not UTF-8 text', { cause: error });
  }
  return readPublishedRanges(name, text);
}

/** The body, read chunk by chunk, refused (`tooLarge`) as soon as it passes `maxBytes`. */
async function readAtMost(
  response: Response,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
}

function fetchFailure(
  name: string,
  url: string,
  error: unknown,
  signal: AbortSignal,
  timeoutMs: number,
): PublishedListError {
  const timedOut =
    (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') ||
    (error instanceof Error && error.name === 'TimeoutError');
  if (timedOut) {
    return new PublishedListError(name, 'timeout', `${url} did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return new PublishedListError(
    name,
    'unreachable',
    `${url} could not be fetched (${causeText(error)})`,
    {
      cause: error,
    },
  );
}

/** The error's message and, for fetch's bare "fetch failed", its cause's (DNS, refused, TLS). */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
