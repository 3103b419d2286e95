/**
 * Redaction of the payload copy that retention classes with `payloadDays > 0` keep
 * (functions/config/retention.ts). Pure: bytes, the provider's rules and the content type in,
 * the redacted bytes or the reason no copy may be kept out. Encryption happens afterwards
 * (field-encryption.ts).
 *
 * The principle throughout: with rules, a copy is kept only when the body was read as a
 * structure the rules apply to; anything we cannot read that way is withheld, never stored
 * raw, because we could not show that the rules were applied.
 */
import type { RedactionAction, RedactionRule } from '../registry/provider.ts';
import { redactionMarker, redactJsonText } from './json-redaction.ts';

export { redactionMarker };

/** Why no copy of the payload may be kept although rules were set. */
export type PayloadWithheldReason =
  /** The body is not strictly valid UTF-8 text. */
  | 'not_utf8'
  /** Declared or looking like JSON, but not a JSON object or array. */
  | 'not_json'
  /** Declared form-encoded, but not encoded the way form encoders write it. */
  | 'not_form'
  /** JSON nested deeper than `maxJsonDepth` (json-redaction.ts). */
  | 'too_deep'
  /** Neither JSON nor a form: the rules cannot be applied to it. */
  | 'unsupported_media_type';

/** A payload copy that may be stored, with how many fields were dropped or masked. */
export interface KeptPayload {
  readonly kept: true;
  readonly bytes: Uint8Array;
  readonly redactedFields: number;
}

/** No payload copy may be stored. */
export interface WithheldPayload {
  readonly kept: false;
  readonly reason: PayloadWithheldReason;
}

export type RedactedPayload = KeptPayload | WithheldPayload;

/**
 * The payload copy after applying a provider's redaction rules, or why none may be kept.
 * Without rules the body is kept exactly as received, whatever it holds: an operator who
 * chose a class that keeps payloads and set no rules asked for the raw copy.
 * @example
 * const copy = redactPayload(body, [{ path: 'data.object.customer_email', action: 'mask' }]);
 * if (copy.kept) await encryptField(dataKeys, binding, copy.bytes);
 */
export function redactPayload(
  body: Uint8Array,
  rules: readonly RedactionRule[],
  contentType?: string,
): RedactedPayload {
  if (rules.length === 0) return { kept: true, bytes: body, redactedFields: 0 };
  const text = decodeUtf8(body);
  if (text === undefined) return withheld('not_utf8');
  const media = mediaType(contentType);
  if (media === 'application/x-www-form-urlencoded') return redactForm(withoutBom(text), rules);
  // Sniffed when not declared: AWS SNS, for one, posts JSON as text/plain.
  if (media === 'application/json' || media?.endsWith('+json') || /^\s*[{[]/.test(text)) {
    return redactJson(text, rules);
  }
  return withheld('unsupported_media_type');
}

// A leading byte-order mark stays in the text, so that a JSON copy keeps every byte outside
// the redacted values; json-redaction.ts reads past it, a form copy leaves it out as before.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(body);
  } catch {
    return undefined;
  }
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function withheld(reason: PayloadWithheldReason): WithheldPayload {
  return { kept: false, reason };
}

/** The JSON text redacted in place (json-redaction.ts), or why no copy may be kept. */
function redactJson(text: string, rules: readonly RedactionRule[]): RedactedPayload {
  const result = redactJsonText(text, rules);
  if (!result.redacted) return withheld(result.reason);
  return {
    kept: true,
    bytes: utf8Encoder.encode(result.text),
    redactedFields: result.redactedFields,
  };
}

/**
 * Only what form encoders write unescaped (WHATWG, encodeURIComponent, Python's quote_plus,
 * Java's URLEncoder, PHP) and a few URL characters that lenient ones leave: no whitespace,
 * no `;` (a pair separator to older parsers, CVE-2021-23336), no quotes or brackets. So a
 * JSON or XML body sent with the form media type is withheld, not read as one long name with
 * its fields left in the copy.
 */
const formText = /^[A-Za-z0-9\-_.!~*'()/:@,$?+%=&]*$/;
const encodedMarker = encodeURIComponent(redactionMarker);

/**
 * Form bodies (Twilio, Slack slash commands): each parameter is a top-level field, so only
 * single-segment rules apply (`*` names every parameter); a value is text, so a longer path
 * matches nothing, as a JSON path that reaches a string does. Slack's interactive `payload`
 * parameter carries JSON: redact it by naming `payload`. A repeated name is redacted at each
 * occurrence; untouched pairs keep their bytes.
 */
function redactForm(text: string, rules: readonly RedactionRule[]): RedactedPayload {
  if (!formText.test(text)) return withheld('not_form');
  const actions = new Map<string, RedactionAction>();
  for (const { path, action } of rules) {
    if (!path.includes('.') && actions.get(path) !== 'drop') actions.set(path, action);
  }
  const pairs: string[] = [];
  let redactedFields = 0;
  for (const pair of text.split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decodeFormComponent(rawName);
    const value = equals === -1 ? '' : decodeFormComponent(pair.slice(equals + 1));
    if (name === undefined || value === undefined) return withheld('not_form');
    const action = strongerAction(actions.get(name), actions.get('*'));
    if (action === undefined) {
      pairs.push(pair);
      continue;
    }
    redactedFields += 1;
    if (action === 'mask') pairs.push(`${rawName}=${encodedMarker}`);
  }
  return { kept: true, bytes: utf8Encoder.encode(pairs.join('&')), redactedFields };
}

/** `+` is a space; decodeURIComponent refuses a stray `%` and percent-escapes that are not UTF-8. */
function decodeFormComponent(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

function strongerAction(
  ...actions: Array<RedactionAction | undefined>
): RedactionAction | undefined {
  if (actions.includes('drop')) return 'drop';
  return actions.includes('mask') ? 'mask' : undefined;
}
