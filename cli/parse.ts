/**
 * Pure parsers for the CLI's flags and for `--cases` lines. Each throws {@link UsageError}
 * with a message that names the flag or field, never its value (values can be signatures).
 */
import { UsageError } from './io.ts';

/** Header values by name as given, repeated names kept in order. */
export type HeaderList = Record<string, string[]>;

/** A key as text, with the caller's name for it (the file name for `--secret-file`). */
export interface KeyText {
  readonly id?: string;
  readonly value: string;
}

/** One request to check: from the single-request flags, or from one `--cases` line. */
export interface VerifyJob {
  readonly scheme: string;
  readonly secrets: readonly KeyText[];
  readonly publicKeys: readonly KeyText[];
  readonly headers: HeaderList;
  readonly body: Uint8Array;
  readonly url: string | undefined;
  readonly method: string | undefined;
  /** The clock, in Unix seconds. */
  readonly now: number | undefined;
  readonly options: Readonly<Record<string, string>>;
  readonly tolerance: number | undefined;
}

/** RFC 9110 `token`: what a header name or method may contain. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const isToken = (text: string): boolean => TOKEN.test(text);

/** `Name: value` split at the first colon; the value is trimmed as HTTP trims it. */
export function parseHeaderFlag(text: string): [name: string, value: string] {
  const colon = text.indexOf(':');
  if (colon < 0) throw new UsageError("--header must look like 'Name: value' (no colon found)");
  const name = text.slice(0, colon);
  if (!isToken(name)) throw new UsageError(`--header name '${name}' is not a valid header name`);
  return [name, text.slice(colon + 1).trim()];
}

/**
 * Groups header values by name, letter case ignored, keeping repeats in order and the first
 * spelling. Built through a Map so a header named `__proto__` stays an ordinary entry.
 */
export function groupHeaders(pairs: Iterable<readonly [string, string]>): HeaderList {
  const grouped = new Map<string, [string, string[]]>();
  for (const [name, value] of pairs) {
    const entry = grouped.get(name.toLowerCase());
    if (entry === undefined) grouped.set(name.toLowerCase(), [name, [value]]);
    else entry[1].push(value);
  }
  return Object.fromEntries(grouped.values());
}

/** `key=value` pairs, split at the first `=`; a key given twice is refused. */
export function parseOptionFlags(texts: readonly string[]): Record<string, string> {
  const options = new Map<string, string>();
  for (const text of texts) {
    const equals = text.indexOf('=');
    if (equals <= 0) throw new UsageError("--option must look like 'key=value'");
    const key = text.slice(0, equals);
    if (options.has(key)) throw new UsageError(`--option '${key}' is given twice`);
    options.set(key, text.slice(equals + 1));
  }
  return Object.fromEntries(options);
}

/**
 * A repeatable flag's values in order, as commander's option parser collects them. It has no
 * commander default on purpose: that would print `(default: [])` in the help.
 */
export const repeatable = (value: string, previous: readonly string[] = []): string[] => [
  ...previous,
  value,
];

/** A whole, non-negative number of seconds, as `--now` and `--tolerance` take. */
export function parseSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} must be a whole number of seconds`);
  }
  return value;
}

const durationUnitsSeconds = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** `30m`, `24h`, `7d` (or `90s`) in seconds; UsageError naming the flag otherwise. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  const seconds = match
    ? Number(match[1]) * durationUnitsSeconds[match[2] as keyof typeof durationUnitsSeconds]
    : Number.NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new UsageError(`${flag} must be a duration such as 30m, 24h or 7d, got '${text}'`);
  }
  return seconds;
}

/** `YYYY-MM-DD`, optionally with a time that carries its zone (`Z` or `±hh:mm`). */
const isoInstant =
  /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `--since`/`--until` in Unix ms: `now`, a duration back from `nowMs` (`30m`, `24h`, `7d`) or
 * an ISO 8601 date (midnight UTC) or time. A time without a zone is refused: it would be read in the
 * local zone of whoever runs the command, and two operators would export different ranges.
 */
export function parseInstant(text: string, flag: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  if (/^\d+[smhd]$/.test(text)) return nowMs - parseDuration(text, flag) * 1000;
  const match = isoInstant.exec(text);
  const ms = Date.parse(text);
  // Date.parse rolls 2024-02-30 over to March 1st: check the day against the month.
  const [year, month, day] = (match?.slice(1, 4) ?? []).map(Number);
  const daysInMonth =
    year === undefined || month === undefined ? 0 : new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!Number.isFinite(ms) || day === undefined || day < 1 || day > daysInMonth) {
    throw new UsageError(
      `${flag} must be now, a duration back from now (30m, 24h, 7d) or an ISO 8601 date or time with its zone (2024-05-01, 2024-05-01T12:00:00Z), got '${text}'`,
    );
  }
  return ms;
}

/** The range a command reads; `since` after `until` is refused. */
export function timeRange(
  flags: { readonly since?: string; readonly until?: string },
  nowMs: number,
  defaults: { readonly since: string },
): { sinceMs: number; untilMs: number } {
  const sinceMs = parseInstant(flags.since ?? defaults.since, '--since', nowMs);
  const untilMs = flags.until === undefined ? nowMs : parseInstant(flags.until, '--until', nowMs);
  if (sinceMs > untilMs) {
    throw new UsageError(
      `--since (${new Date(sinceMs).toISOString()}) is after --until (${new Date(untilMs).toISOString()})`,
    );
  }
  return { sinceMs, untilMs };
}

/** A key file's text: one trailing newline (as editors and `echo` add) is not part of the key. */
export function keyFromFile(content: Uint8Array): string {
  return Buffer.from(content)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const CASE_FIELDS = new Set([
  'scheme',
  'secrets',
  'publicKeys',
  'headers',
  'body',
  'url',
  'method',
  'now',
  'options',
  'tolerance',
]);

/** Padded standard base64, so a truncated or mistyped body is refused rather than guessed. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One `--cases` line: a JSON object describing a captured request. */
export function parseCaseLine(text: string): VerifyJob {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the line, which may hold a secret.
    throw new UsageError('line is not valid JSON');
  }
  if (!isRecord(document)) throw new UsageError('a case must be a JSON object');
  for (const name of Object.keys(document)) {
    if (!CASE_FIELDS.has(name)) throw new UsageError(`unknown field '${name}'`);
  }
  const { scheme, body } = document;
  if (typeof scheme !== 'string') throw new UsageError("'scheme' must be a string");
  if (typeof body !== 'string' || !BASE64.test(body)) {
    throw new UsageError("'body' must be a base64 string");
  }
  return {
    scheme,
    secrets: stringList(document.secrets, 'secrets').map((value) => ({ value })),
    publicKeys: stringList(document.publicKeys, 'publicKeys').map((value) => ({ value })),
    headers: caseHeaders(document.headers),
    body: Buffer.from(body, 'base64'),
    url: optionalString(document.url, 'url'),
    method: optionalString(document.method, 'method'),
    now: optionalSeconds(document.now, 'now'),
    options: stringRecord(document.options, 'options'),
    tolerance: optionalSeconds(document.tolerance, 'tolerance'),
  };
}

function caseHeaders(value: unknown): HeaderList {
  const pairs: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const pair of value) {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((p) => typeof p === 'string')) {
        throw new UsageError("'headers' as an array must hold [name, value] string pairs");
      }
      pairs.push(pair as [string, string]);
    }
  } else if (isRecord(value)) {
    for (const [name, values] of Object.entries(value)) {
      const list = typeof values === 'string' ? [values] : values;
      if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
        throw new UsageError(`header '${name}' must be a string or an array of strings`);
      }
      for (const item of list) pairs.push([name, item]);
    }
  } else {
    throw new UsageError("'headers' must be an object or an array of [name, value] pairs");
  }
  for (const [name] of pairs) {
    if (!isToken(name)) throw new UsageError(`header name '${name}' is not a valid header name`);
  }
  return groupHeaders(pairs);
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new UsageError(`'${field}' must be an array of strings`);
  }
  return value;
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    throw new UsageError(`'${field}' must be an object of strings`);
  }
  return value as Record<string, string>;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new UsageError(`'${field}' must be a string`);
}

function optionalSeconds(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`'${field}' must be a whole, non-negative number of seconds`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
