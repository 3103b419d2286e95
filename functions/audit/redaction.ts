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

/** What a masked value becomes, whatever its type. */
export const redactionMarker = '[redacted]';

/** Why no copy of the payload may be kept although rules were set. */
export type PayloadWithheldReason =
  /** The body is not strictly valid UTF-8 text. */
  | 'not_utf8'
  /** Declared or looking like JSON, but not a JSON object or array. */
  | 'not_json'
  /** Declared form-encoded, but not encoded the way form encoders write it. */
  | 'not_form'
  /** JSON nested deeper than it can be written back. */
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
  if (media === 'application/x-www-form-urlencoded') return redactForm(text, rules);
  // Sniffed when not declared: AWS SNS, for one, posts JSON as text/plain.
  if (media === 'application/json' || media?.endsWith('+json') || /^\s*[{[]/.test(text)) {
    return redactJson(text, rules);
  }
  return withheld('unsupported_media_type');
}

// The default (ignoreBOM: false) strips a leading byte-order mark, which JSON.parse refuses.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(body);
  } catch {
    return undefined;
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function withheld(reason: PayloadWithheldReason): WithheldPayload {
  return { kept: false, reason };
}

/** A rule's progress down the document: the segment it matches next is `segments[at]`. */
interface Cursor {
  readonly segments: readonly string[];
  readonly action: RedactionAction;
  readonly at: number;
}

type Container = Record<string, unknown> | unknown[];

/**
 * JSON is parsed and written back compactly, never patched in place: with duplicate keys
 * (`{"a":{"email":…},"a":1}`) JSON.parse keeps the last, so a rule for `a.email` matches
 * nothing in the parsed value while the first `a` still holds the email in the raw bytes.
 * Writing the parsed value back is what makes the copy say only what the rules were checked
 * against. The cost: numbers are written as JavaScript reads them (an integer beyond 2^53
 * loses precision, `1.0` becomes `1`); the queued envelope keeps the exact body.
 */
function redactJson(text: string, rules: readonly RedactionRule[]): RedactedPayload {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return withheld('not_json');
  }
  // A bare string or number has no fields for the rules to name.
  if (typeof document !== 'object' || document === null) return withheld('not_json');
  const cursors = rules.map(({ path, action }) => ({ segments: path.split('.'), action, at: 0 }));
  const redactedFields = redactContainer(document as Container, cursors);
  let json: string;
  try {
    json = JSON.stringify(document);
  } catch (error) {
    // JSON.parse reads any depth; JSON.stringify recurses and runs out of stack.
    if (error instanceof RangeError) return withheld('too_deep');
    throw error;
  }
  return { kept: true, bytes: utf8Encoder.encode(json), redactedFields };
}

/**
 * Applies every rule at once, so the result does not depend on their order: a field that a
 * rule ends at is redacted as a whole (`drop` if any such rule drops, else `mask`) and rules
 * that go deeper into it have nothing left to do. Returns how many fields were redacted.
 */
function redactContainer(node: Container, cursors: readonly Cursor[]): number {
  let redacted = 0;
  for (const key of candidateKeys(node, cursors)) {
    const matching = cursors.filter(({ segments, at }) => {
      const segment = segments[at];
      return segment === '*' || segment === key;
    });
    if (matching.length === 0) continue;
    const ending = matching.filter(({ segments, at }) => at === segments.length - 1);
    if (ending.length > 0) {
      redactField(node, key, ending.some(({ action }) => action === 'drop') ? 'drop' : 'mask');
      redacted += 1;
      continue;
    }
    const child = Array.isArray(node) ? node[Number(key)] : node[key];
    if (typeof child === 'object' && child !== null) {
      redacted += redactContainer(
        child as Container,
        matching.map((cursor) => ({ ...cursor, at: cursor.at + 1 })),
      );
    }
  }
  return redacted;
}

/**
 * The keys of `node` that the cursors could match, each present as the node's own: never an
 * inherited `__proto__`, `constructor` or `toString`, so that a rule such as
 * `__proto__.toString` cannot reach Object.prototype. Array elements are named by their
 * index in decimal (`events.0.card`).
 */
function candidateKeys(node: Container, cursors: readonly Cursor[]): string[] {
  const segments = new Set(cursors.map(({ segments, at }) => segments[at] as string));
  if (segments.has('*')) {
    return Array.isArray(node) ? node.map((_, index) => String(index)) : Object.keys(node);
  }
  return [...segments].filter((segment) =>
    Array.isArray(node) ? isIndexOf(node, segment) : Object.hasOwn(node, segment),
  );
}

function isIndexOf(array: readonly unknown[], segment: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(segment) && Number(segment) < array.length;
}

/**
 * A dropped array element becomes `null` rather than being spliced out: removing it would
 * shift every later element to another index, so the copy would misstate which element the
 * provider sent where, and paths with indices would name different elements than in the
 * original. `key` is always the node's own (candidateKeys), so assigning to `__proto__`
 * writes the own field JSON.parse created rather than calling Object.prototype's setter.
 */
function redactField(node: Container, key: string, action: RedactionAction): void {
  if (Array.isArray(node)) {
    node[Number(key)] = action === 'drop' ? null : redactionMarker;
  } else if (action === 'drop') {
    delete node[key];
  } else {
    node[key] = redactionMarker;
  }
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
