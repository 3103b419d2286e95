/**
 * A provider's published list of the addresses it sends webhooks from: where it is fetched, the
 * documentation that says so, and how its body is read. The lists are the `--allow-published`
 * half of a provider's source allowlist (functions/registry/provider.ts `PublishedSources`); the
 * refresher (refresh.ts) keeps the stored copy current.
 *
 * A list is here only where the provider's own documentation gives a machine-readable URL and its
 * format. A parser reads the shape and nothing more: the ranges themselves are checked by
 * `readPublishedRanges` (index.ts), which refuses a list whole rather than drop an entry.
 */

/** One published list. */
export interface PublishedList {
  /** What `sources.published.list` holds: the provider's catalog name, with a region if it has several. */
  readonly name: string;
  /** The named provider it belongs to, as `providers add --provider NAME` takes it (ops/catalog). */
  readonly provider: string;
  /** What the list is, in a phrase. */
  readonly description: string;
  /** Where it is fetched: always HTTPS. */
  readonly url: string;
  /** The provider's documentation that names the URL and its format. */
  readonly docs: string;
  /** The body's shape, in words, for the error that refuses another. */
  readonly format: string;
  /** The `Accept` header of the request. */
  readonly accept: string;
  /** @default defaultMaxBodyBytes (index.ts) */
  readonly maxBodyBytes?: number;
  /** The range texts the body lists, unchecked; ListShapeError if it is not of `format`. */
  parse(text: string): string[];
}

/** Why a list was refused; stable, for the refresher's report, log lines and metrics. */
export type PublishedListFailure =
  /** No published list has that name. */
  | 'unknown_list'
  /** The request failed: DNS, connection, TLS, or a redirect away from HTTPS. */
  | 'unreachable'
  | 'timeout'
  /** The provider answered with a status other than 2xx. */
  | 'http_status'
  | 'too_large'
  /** Not the documented shape (or not JSON, or not UTF-8). */
  | 'malformed'
  /** An entry is not a range an allowlist may hold: malformed, too wide, host bits set. */
  | 'invalid_range'
  /** Nothing listed: never taken to mean "allow everyone". */
  | 'empty';

/** A published list that could not be fetched or was refused; names the list and the problem. */
export class PublishedListError extends Error {
  override readonly name = 'PublishedListError';

  constructor(
    /** The list's name, as `sources.published.list` holds it. */
    readonly list: string,
    readonly code: PublishedListFailure,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`published list '${list}': ${problem}`, options);
  }
}

/** Thrown by a parser: the body is not of the list's documented shape. */
export class ListShapeError extends Error {
  override readonly name = 'ListShapeError';
}

/** `text` as JSON; ListShapeError if it is not. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ListShapeError(`not JSON (${error instanceof Error ? error.message : error})`);
  }
}

/** `value` as a JSON object; ListShapeError naming `what` otherwise. */
export function objectAt(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ListShapeError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** `value` as an array of strings; ListShapeError naming `what` and the first other entry. */
export function stringsAt(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new ListShapeError(`${what} is not an array`);
  const other = value.findIndex((entry) => typeof entry !== 'string');
  if (other >= 0) throw new ListShapeError(`${what}[${other}] is not a string`);
  return value as string[];
}

/** A text list: one address or range a line; blank lines (and a trailing newline) skipped. */
export function textLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
