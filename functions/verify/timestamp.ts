import type { HeaderMap } from './headers.ts';
import { reject, requireHeader } from './scheme.ts';
import type { SchemeVerdict } from './types.ts';

const WHOLE_NUMBER = /^\d{1,16}$/;

/** Parses a Unix timestamp written as a whole number, strictly, into seconds. */
export function parseUnixTimestamp(
  text: string,
  unit: 'seconds' | 'milliseconds' = 'seconds',
): number | undefined {
  if (!WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return unit === 'seconds' ? value : value / 1000;
}

/**
 * Reads a required header of whole Unix seconds. Keeps the text as received, because the
 * schemes sign the header's text, not the number.
 */
export function requireUnixTimestampHeader(
  headers: HeaderMap,
  name: string,
): TimestampHeader | { rejection: SchemeVerdict } {
  return requireTimestampHeader(headers, name, parseUnixTimestamp, 'a whole number of seconds');
}

/** A signed timestamp header: its text as received (what is signed) and its Unix seconds. */
export interface TimestampHeader {
  readonly text: string;
  readonly seconds: number;
  readonly rejection?: never;
}

/**
 * Reads a required header holding an RFC 3339 date-time (Zendesk's
 * `2021-03-25T05:09:27Z`, Box's `2016-07-11T10:10:33-07:00`), parsed strictly by
 * {@link parseRfc3339Timestamp}. Keeps the text as received, which is what those schemes sign.
 */
export function requireRfc3339TimestampHeader(
  headers: HeaderMap,
  name: string,
): TimestampHeader | { rejection: SchemeVerdict } {
  return requireTimestampHeader(headers, name, parseRfc3339Timestamp, 'an RFC 3339 date-time');
}

function requireTimestampHeader(
  headers: HeaderMap,
  name: string,
  parse: (text: string) => number | undefined,
  expected: string,
): TimestampHeader | { rejection: SchemeVerdict } {
  const header = requireHeader(headers, name);
  if (header.rejection) return header;
  const seconds = parse(header.value);
  if (seconds === undefined) {
    return { rejection: reject('malformed_header', `${name} is not ${expected}`) };
  }
  return { text: header.value, seconds };
}

/**
 * Checks a signed timestamp against the clock in both directions: a delivery signed too
 * long ago may be a replay, and one signed in the future means a skewed or forged clock.
 * Returns a rejection, or `undefined` when the timestamp is within tolerance.
 */
export function checkTimestamp(
  signedSeconds: number,
  nowMs: number,
  toleranceSeconds: number,
): SchemeVerdict | undefined {
  const ageMs = nowMs - signedSeconds * 1000;
  const toleranceMs = toleranceSeconds * 1000;
  if (ageMs > toleranceMs) {
    return reject('timestamp_too_old', `signed timestamp is more than ${toleranceSeconds}s old`);
  }
  if (-ageMs > toleranceMs) {
    return reject(
      'timestamp_too_new',
      `signed timestamp is more than ${toleranceSeconds}s in the future`,
    );
  }
  return undefined;
}

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time (e.g. Twitch's `2023-07-19T10:11:12.634234626Z`), strictly,
 * into Unix seconds, truncated to the millisecond. Every field is range-checked (February 30
 * is refused, not rolled over); fractions beyond nanoseconds and the leap second `:60`,
 * which no clock here can place, are refused too.
 */
export function parseRfc3339Timestamp(text: string): number | undefined {
  const match = RFC_3339.exec(text);
  if (match === null) return undefined;
  const field = (index: number) => Number(match[index] ?? 0);
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [1, 2, 3, 4, 5, 6].map(
    field,
  );
  const [offsetHours, offsetMinutes] = [field(10), field(11)];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined;
  }
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  // Whole milliseconds, cut from the digits: decimal fractions are inexact in floating point.
  const fractionMs = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (match[9] === '-' ? -1 : 1);
  return (date.getTime() + fractionMs - offsetMs) / 1000;
}
