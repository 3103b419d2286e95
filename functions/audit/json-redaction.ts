/**
 * Redaction of a JSON payload copy on its text: the values that rules name are replaced in
 * place and every other character is kept as received. Parsing and writing the document back
 * would change what the provider sent outside the redacted fields: an integer beyond 2^53
 * (Shopify, X and Discord ids) loses digits, `1.10` becomes `1.1`, `\u00e9` becomes `é`, and
 * whitespace goes. A consumer replaying the copy must get the provider's numbers.
 *
 * Duplicate keys: a rule applies to every occurrence of a key, not only to the last one
 * JSON.parse would keep, so no reader of the copy, whichever occurrence it takes, finds a
 * redacted field's value.
 */
import type { RedactionAction, RedactionRule } from '../registry/provider.ts';

/** What a masked value becomes, whatever its type. */
export const redactionMarker = '[redacted]';

/**
 * The deepest nesting of objects and arrays read; a deeper document keeps no copy. RFC 8259
 * section 9 lets a reader limit it: this is far deeper than providers nest their events, and
 * shallow enough that the recursive scan below cannot run out of stack.
 */
export const maxJsonDepth = 512;

/** The redacted text, or why the rules cannot be applied to it. */
export type JsonTextRedaction =
  | { readonly redacted: true; readonly text: string; readonly redactedFields: number }
  | { readonly redacted: false; readonly reason: 'not_json' | 'too_deep' };

/**
 * Applies redaction rules to a JSON object or array given as text. A masked value, of any
 * type, becomes `"[redacted]"`; a dropped member goes with its key and one separating comma;
 * a dropped array element becomes `null` so later elements keep their index. Rules apply
 * all at once, so their order does not matter: a field a rule ends at is redacted as a whole
 * (`drop` if any such rule drops, else `mask`), and rules reaching inside it have nothing left
 * to do. A leading byte-order mark is kept.
 * @example
 * redactJsonText('{"id":820982911946154508,"email":"a@x.io"}', [{ path: 'email', action: 'mask' }])
 * // { redacted: true, text: '{"id":820982911946154508,"email":"[redacted]"}', redactedFields: 1 }
 */
export function redactJsonText(text: string, rules: readonly RedactionRule[]): JsonTextRedaction {
  const start = text.startsWith('\uFEFF') ? 1 : 0;
  // JSON.parse decides validity, so the scan below may assume well-formed text.
  let document: unknown;
  try {
    document = JSON.parse(text.slice(start));
  } catch {
    return { redacted: false, reason: 'not_json' };
  }
  // A bare string or number has no fields for the rules to name.
  if (typeof document !== 'object' || document === null) {
    return { redacted: false, reason: 'not_json' };
  }
  const scan = new RedactionScan(text, start);
  try {
    scan.value(
      rules.map(({ path, action }) => ({ segments: path.split('.'), action, at: 0 })),
      1,
    );
  } catch (error) {
    if (error instanceof NestingTooDeep) return { redacted: false, reason: 'too_deep' };
    throw error;
  }
  return { redacted: true, text: scan.result(), redactedFields: scan.redactedFields };
}

/** A rule's progress down the document: the segment it matches next is `segments[at]`. */
interface Cursor {
  readonly segments: readonly string[];
  readonly action: RedactionAction;
  readonly at: number;
}

/** The text from `start` to `end` becomes `replacement`. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** An object member: from its key's opening quote to its value's end. */
interface Member {
  readonly start: number;
  readonly end: number;
  readonly dropped: boolean;
}

const maskedValue = JSON.stringify(redactionMarker);

/** Thrown from the scan when nesting passes maxJsonDepth; never leaves this module. */
class NestingTooDeep extends Error {}

/**
 * One pass over well-formed JSON text, collecting the edits the rules call for. Edits never
 * overlap: a redacted value is scanned with no rules, and a dropped range covers only dropped
 * members and the separators between them.
 */
class RedactionScan {
  redactedFields = 0;
  private readonly edits: Edit[] = [];
  private at: number;

  constructor(
    private readonly text: string,
    start: number,
  ) {
    this.at = start;
  }

  /** The text with every edit applied. */
  result(): string {
    const sorted = this.edits.toSorted((a, b) => a.start - b.start);
    let text = '';
    let kept = 0;
    for (const { start, end, replacement } of sorted) {
      text += this.text.slice(kept, start) + replacement;
      kept = end;
    }
    return text + this.text.slice(kept);
  }

  /** Reads the value at the current position (after any whitespace), applying `cursors` inside it. */
  value(cursors: readonly Cursor[], depth: number): void {
    this.skipWhitespace();
    const first = this.text[this.at];
    if (first === '{' || first === '[') {
      if (depth > maxJsonDepth) throw new NestingTooDeep();
      if (first === '{') this.object(cursors, depth);
      else this.array(cursors, depth);
    } else if (first === '"') {
      this.string();
    } else {
      this.literal();
    }
  }

  private object(cursors: readonly Cursor[], depth: number): void {
    const members: Member[] = [];
    this.at += 1;
    this.skipWhitespace();
    while (this.text[this.at] !== '}') {
      const start = this.at;
      this.string();
      const name = JSON.parse(this.text.slice(start, this.at)) as string;
      this.skipWhitespace();
      this.at += 1; // the colon
      this.skipWhitespace();
      const valueStart = this.at;
      const action = this.field(name, cursors, depth);
      if (action === 'mask') this.replace(valueStart, maskedValue);
      members.push({ start, end: this.at, dropped: action === 'drop' });
      this.nextItem();
    }
    this.at += 1;
    this.removeDropped(members);
  }

  private array(cursors: readonly Cursor[], depth: number): void {
    this.at += 1;
    this.skipWhitespace();
    for (let index = 0; this.text[this.at] !== ']'; index += 1) {
      const start = this.at;
      const action = this.field(String(index), cursors, depth);
      if (action !== undefined) this.replace(start, action === 'drop' ? 'null' : maskedValue);
      this.nextItem();
    }
    this.at += 1;
  }

  /**
   * Reads a member's value or an element, named by `key` (an element by its index in decimal,
   * so `items.01` names none), and returns what a rule ending at it does to it.
   */
  private field(
    key: string,
    cursors: readonly Cursor[],
    depth: number,
  ): RedactionAction | undefined {
    const matching = cursors.filter(({ segments, at }) => {
      const segment = segments[at];
      return segment === '*' || segment === key;
    });
    const ending = matching.filter(({ segments, at }) => at === segments.length - 1);
    if (ending.length === 0) {
      this.value(
        matching.map((cursor) => ({ ...cursor, at: cursor.at + 1 })),
        depth + 1,
      );
      return undefined;
    }
    this.value([], depth + 1);
    this.redactedFields += 1;
    return ending.some(({ action }) => action === 'drop') ? 'drop' : 'mask';
  }

  /**
   * Removes dropped members, each with one comma: the one after it, or, for members after the
   * last kept one, the one before it, so that no comma is left dangling before the brace.
   * Whitespace before a removed member stays; the rest of the text is untouched.
   */
  private removeDropped(members: readonly Member[]): void {
    const lastKept = members.findLastIndex(({ dropped }) => !dropped);
    for (const [index, member] of members.entries()) {
      const next = members[index + 1];
      if (member.dropped && index < lastKept && next !== undefined) {
        this.edits.push({ start: member.start, end: next.start, replacement: '' });
      }
    }
    const last = members.at(-1);
    const trailingFrom = lastKept === -1 ? members[0]?.start : members[lastKept]?.end;
    if (last?.dropped && trailingFrom !== undefined) {
      this.edits.push({ start: trailingFrom, end: last.end, replacement: '' });
    }
  }

  /** Replaces the value that ends at the current position. */
  private replace(start: number, replacement: string): void {
    this.edits.push({ start, end: this.at, replacement });
  }

  /** Steps over the comma and whitespace after an item, or onto the closing bracket. */
  private nextItem(): void {
    this.skipWhitespace();
    if (this.text[this.at] === ',') {
      this.at += 1;
      this.skipWhitespace();
    }
  }

  private string(): void {
    let at = this.at + 1;
    while (this.text[at] !== '"') at += this.text[at] === '\\' ? 2 : 1;
    this.at = at + 1;
  }

  /** A number, `true`, `false` or `null`: everything up to the next separator. */
  private literal(): void {
    while (this.at < this.text.length && !/[\s,\]}]/.test(this.text[this.at] as string)) {
      this.at += 1;
    }
  }

  /** JSON's whitespace: space, tab, line feed and carriage return only. */
  private skipWhitespace(): void {
    while (/[ \t\n\r]/.test(this.text[this.at] ?? '')) this.at += 1;
  }
}
