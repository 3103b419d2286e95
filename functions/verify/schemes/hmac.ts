import {
  type ChallengeKind,
  challengeKinds,
  challengeReply,
  checkChallenge,
  isChallengeKind,
} from '../challenges.ts';
import { SchemeOptionsError } from '../errors.ts';
import { matchPrefixedHmac } from '../hmac-header.ts';
import {
  choiceOption,
  headerNameOption,
  isHeaderName,
  type OptionField,
  optionParser,
  textOption,
} from '../options.ts';
import { accept, postOnly, reject, requireHeader, type Scheme } from '../scheme.ts';
import type { HmacAlgorithm } from '../signatures.ts';
import { checkTimestamp, parseUnixTimestamp } from '../timestamp.ts';

const ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
const ENCODINGS = ['hex', 'base64'] as const;
const UNITS = ['seconds', 'milliseconds'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const MAX_TOLERANCE_SECONDS = 86_400;

export interface HmacOptions {
  /** @default 'sha256' */
  readonly algorithm: HmacAlgorithm;
  /** The header carrying the signature. Required. */
  readonly header: string;
  /** Text before the encoded digest in the header, e.g. `sha256=`. @default '' */
  readonly prefix: string;
  /** @default 'hex' */
  readonly encoding: 'hex' | 'base64';
  /**
   * What is signed: literal text (UTF-8) with `{body}` (the raw body bytes, required),
   * `{timestamp}` and `{id}` (the header values exactly as received).
   * @default '{body}'
   */
  readonly template: string;
  /** The header carrying the signed timestamp; required when the template has `{timestamp}`. */
  readonly timestampHeader?: string | undefined;
  /** @default 'seconds' */
  readonly timestampUnit: 'seconds' | 'milliseconds';
  /**
   * How far the signed timestamp may be from our clock, either way; required when the template
   * has `{timestamp}`. A positive `toleranceSeconds` given to verifyDelivery overrides it.
   */
  readonly toleranceSeconds?: number | undefined;
  /** The header carrying the delivery id; required when the template has `{id}`, else only reported. */
  readonly idHeader?: string | undefined;
  /**
   * The GET handshake the sender checks the endpoint with before it delivers
   * (functions/verify/challenges.ts): `meta` (WhatsApp, Instagram, Messenger: `hub.challenge`,
   * with the verify token derived from the secret), `nylas` or `dropbox` (`challenge`).
   * @default - no GET is answered: it is refused 405 like any method but POST
   */
  readonly challenge?: ChallengeKind | undefined;
  /** Where the body's event id is, as a dotted path such as `event.id`. @default - none */
  readonly idField?: string | undefined;
  /** Where the body's event type is, as a dotted path. @default - none */
  readonly typeField?: string | undefined;
  /** The header carrying the event type, which no template signs. @default - none */
  readonly typeHeader?: string | undefined;
}

/** A piece of the template: literal text, or a placeholder's name. */
export type TemplatePart = { readonly text: string } | 'body' | 'timestamp' | 'id';

function optionalHeaderName(): OptionField<string | undefined> {
  return (text, name) => (text === undefined ? undefined : headerNameOption()(text, name));
}

/** A dotted path into a JSON body: keys of letters, digits, `_`, `-` or `$`, and array indexes. */
const FIELD_PATH = /^[\w$-]{1,64}(\.[\w$-]{1,64}){0,7}$/;

function optionalFieldPath(): OptionField<string | undefined> {
  return (text, name) => {
    if (text === undefined) return undefined;
    if (!FIELD_PATH.test(text)) {
      throw new SchemeOptionsError(`option '${name}' must be a dotted path such as data.id`);
    }
    return text;
  };
}

function optionalChallenge(): OptionField<ChallengeKind | undefined> {
  return (text, name) =>
    text === undefined ? undefined : choiceOption(challengeKinds, 'meta')(text, name);
}

/** A GET as well as a POST, for a sender with a GET handshake. */
const postAndGet: readonly string[] = Object.freeze(['POST', 'GET']);

function optionalTolerance(): OptionField<number | undefined> {
  return (text, name) => {
    if (text === undefined) return undefined;
    if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > MAX_TOLERANCE_SECONDS) {
      throw new SchemeOptionsError(
        `option '${name}' must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`,
      );
    }
    return Number(text);
  };
}

const parseFields = optionParser<HmacOptions>({
  algorithm: choiceOption(ALGORITHMS, 'sha256'),
  header: headerNameOption(),
  prefix: (text) => text ?? '',
  encoding: choiceOption(ENCODINGS, 'hex'),
  template: textOption('{body}'),
  timestampHeader: optionalHeaderName(),
  timestampUnit: choiceOption(UNITS, 'seconds'),
  toleranceSeconds: optionalTolerance(),
  idHeader: optionalHeaderName(),
  challenge: optionalChallenge(),
  idField: optionalFieldPath(),
  typeField: optionalFieldPath(),
  typeHeader: optionalHeaderName(),
});

/**
 * Checks the options as a whole and splits the template into parts. Options may reach
 * `verify` without passing through `parseOptions`, so it is run there too; returns the
 * problem, naming the option, when the options are unusable. hmac.sign.ts signs the same parts.
 */
export function compile(options: HmacOptions): readonly TemplatePart[] | string {
  const { algorithm, encoding, timestampUnit, header, timestampHeader, idHeader } = options;
  if (!(ALGORITHMS as readonly string[]).includes(algorithm))
    return "option 'algorithm' is invalid";
  if (!(ENCODINGS as readonly string[]).includes(encoding)) return "option 'encoding' is invalid";
  if (!(UNITS as readonly string[]).includes(timestampUnit)) {
    return "option 'timestampUnit' is invalid";
  }
  if (options.challenge !== undefined && !isChallengeKind(options.challenge)) {
    return `option 'challenge' must be one of ${challengeKinds.join(', ')}`;
  }
  for (const [name, value] of [
    ['header', header],
    ['timestampHeader', timestampHeader],
    ['idHeader', idHeader],
    ['typeHeader', options.typeHeader],
  ] as const) {
    if (value !== undefined && !isHeaderName(value)) {
      return `option '${name}' must be an HTTP header name`;
    }
  }
  if (typeof header !== 'string') return "option 'header' is required";
  if (typeof options.prefix !== 'string') return "option 'prefix' must be text";
  if (typeof options.template !== 'string') return "option 'template' must be text";
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const found of options.template.matchAll(PLACEHOLDER)) {
    const name = found[1];
    if (name !== 'body' && name !== 'timestamp' && name !== 'id') {
      return `option 'template' has an unknown placeholder; use {body}, {timestamp} or {id}`;
    }
    if (found.index > last) parts.push({ text: options.template.slice(last, found.index) });
    parts.push(name);
    last = found.index + found[0].length;
  }
  if (last < options.template.length) parts.push({ text: options.template.slice(last) });
  if (!parts.includes('body')) return "option 'template' must contain {body}";
  const tolerance = options.toleranceSeconds;
  if (parts.includes('timestamp')) {
    if (timestampHeader === undefined) {
      return "option 'timestampHeader' is required when 'template' contains {timestamp}";
    }
    if (tolerance === undefined) {
      return "option 'toleranceSeconds' is required when 'template' contains {timestamp}";
    }
    if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > MAX_TOLERANCE_SECONDS) {
      return `option 'toleranceSeconds' must be a whole number from 1 to ${MAX_TOLERANCE_SECONDS}`;
    }
  } else if (timestampHeader !== undefined || tolerance !== undefined) {
    // An unsigned timestamp proves nothing, so checking one would only look like protection.
    return "options 'timestampHeader' and 'toleranceSeconds' need {timestamp} in 'template'";
  }
  if (parts.includes('id') && idHeader === undefined) {
    return "option 'idHeader' is required when 'template' contains {id}";
  }
  return parts;
}

/** The bytes a template signs, in order: its text, and each placeholder's value as sent. */
export function signedParts(
  parts: readonly TemplatePart[],
  values: { readonly body: Uint8Array; readonly timestamp: string; readonly id: string },
): (string | Uint8Array)[] {
  return parts.map((part) => (typeof part === 'string' ? values[part] : part.text));
}

/**
 * A configurable HMAC for senders no other scheme covers: `<prefix><hex|base64>` in one
 * header, over a template of literal text, the raw body bytes (never decoded to text), and
 * optionally a timestamp and an id taken from headers exactly as received.
 *
 * Tolerance: the scheme declares no `defaultToleranceSeconds`, because the right window
 * depends on the sender, so the core hands it 0 unless the caller passed `toleranceSeconds`.
 * The option `toleranceSeconds` is therefore this scheme's default, and a positive
 * `toleranceSeconds` given to verifyDelivery overrides it, as it overrides every other
 * scheme's default; 0 from the core means "not given".
 *
 * GET handshakes: with the option `challenge`, a GET is let through (`methods`) and answered as
 * the sender documents (functions/verify/challenges.ts): checked by `verify`, which accepts it
 * only as a `handshake`, and echoed by `handshake`; a POST is verified as without it.
 */
export const hmac: Scheme<HmacOptions> = {
  name: 'hmac',
  summary: 'Generic HMAC (SHA-1/256/512, hex or base64) over a configurable template',
  docs: 'https://www.rfc-editor.org/rfc/rfc2104',
  headers: [],
  credentialHeaders: (options) => [options.header],
  keyKind: 'secret',
  // The body is always in the template; the id header is signed only where `{id}` is too.
  signedFields: (options) => {
    const parts = compile(options);
    return { deliveryId: typeof parts !== 'string' && parts.includes('id') };
  },
  // The body's fields are signed with it; the type header never is.
  eventSources: ({ idField, typeField, typeHeader }) => ({
    eventTypeHeader: typeHeader,
    eventFields:
      idField === undefined && typeField === undefined
        ? undefined
        : { id: idField, type: typeField },
  }),
  methods: (options) => (options.challenge === undefined ? postOnly : postAndGet),
  handshake: ({ url }, _secret, options) =>
    options.challenge === undefined ? undefined : challengeReply(options.challenge, url),
  parseOptions: (raw) => {
    const options = parseFields(raw);
    const compiled = compile(options);
    if (typeof compiled === 'string') throw new SchemeOptionsError(compiled);
    return options;
  },
  verify({ method, url, headers, body, keys, options, nowMs, toleranceSeconds }) {
    const parts = compile(options);
    if (typeof parts === 'string') return reject('invalid_options', parts);
    if (method === 'GET' && options.challenge !== undefined) {
      return checkChallenge(options.challenge, url, keys);
    }
    const signatureName = options.header.toLowerCase();
    const signature = requireHeader(headers, signatureName);
    if (signature.rejection) return signature.rejection;

    let timestampText: string | undefined;
    let timestamp: number | undefined;
    if (parts.includes('timestamp') && options.timestampHeader !== undefined) {
      const name = options.timestampHeader.toLowerCase();
      const header = requireHeader(headers, name);
      if (header.rejection) return header.rejection;
      timestampText = header.value;
      timestamp = parseUnixTimestamp(timestampText, options.timestampUnit);
      if (timestamp === undefined) {
        return reject(
          'malformed_header',
          `${name} must be a whole number of ${options.timestampUnit}`,
        );
      }
    }
    const idName = options.idHeader?.toLowerCase();
    const id = idName === undefined ? undefined : headers.get(idName);
    if (parts.includes('id') && (id === undefined || id === '')) {
      return reject('missing_header', `${idName} header is missing`);
    }

    const signed = signedParts(parts, { body, timestamp: timestampText ?? '', id: id ?? '' });
    const { algorithm, prefix, encoding } = options;
    const match = matchPrefixedHmac(
      signatureName,
      signature.value,
      { algorithm, prefix, encoding },
      keys,
      signed,
    );
    if (match.rejection) return match.rejection;

    if (timestamp !== undefined) {
      const tolerance = toleranceSeconds > 0 ? toleranceSeconds : (options.toleranceSeconds ?? 0);
      const stale = checkTimestamp(timestamp, nowMs, tolerance);
      if (stale) return stale;
    }
    const typeName = options.typeHeader?.toLowerCase();
    const eventType = typeName === undefined ? undefined : headers.get(typeName) || undefined;
    return accept(match.keyIndex, { deliveryId: id, timestamp, eventType });
  },
};
