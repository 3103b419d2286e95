import { SchemeOptionsError } from './errors.ts';
import type { OptionParser } from './scheme.ts';

/** Reads one option from its text form; `undefined` when it was not given. */
export type OptionField<Value> = (text: string | undefined, name: string) => Value;

/**
 * Builds a scheme's option parser from one field reader per option. Unknown option names
 * are refused, so a typo cannot silently leave a safer default in place.
 */
export function optionParser<Options>(
  fields: {
    readonly [Key in keyof Options]: OptionField<Options[Key]>;
  },
): OptionParser<Options> {
  return (raw) => {
    for (const name of Object.keys(raw)) {
      if (!Object.hasOwn(fields, name)) {
        const known = Object.keys(fields).join(', ') || 'none';
        throw new SchemeOptionsError(`unknown option '${name}' (known: ${known})`);
      }
    }
    const options = {} as { [Key in keyof Options]: Options[Key] };
    for (const name of Object.keys(fields) as (keyof Options & string)[]) {
      options[name] = fields[name](raw[name], name);
    }
    return options;
  };
}

export function booleanOption(fallback: boolean): OptionField<boolean> {
  return (text, name) => {
    if (text === undefined) return fallback;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new SchemeOptionsError(`option '${name}' must be true or false, got '${text}'`);
  };
}

export function integerOption(fallback: number, min: number, max: number): OptionField<number> {
  return (text, name) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      throw new SchemeOptionsError(
        `option '${name}' must be a whole number from ${min} to ${max}, got '${text}'`,
      );
    }
    return value;
  };
}

export function choiceOption<const Choice extends string>(
  choices: readonly Choice[],
  fallback: Choice,
): OptionField<Choice> {
  return (text, name) => {
    if (text === undefined) return fallback;
    if ((choices as readonly string[]).includes(text)) return text as Choice;
    throw new SchemeOptionsError(
      `option '${name}' must be one of ${choices.join(', ')}, got '${text}'`,
    );
  };
}

/** A free-text option; `fallback` undefined makes it required. */
export function textOption(fallback?: string): OptionField<string> {
  return (text, name) => {
    const value = text ?? fallback;
    if (value === undefined || value === '')
      throw new SchemeOptionsError(`option '${name}' is required`);
    return value;
  };
}

/** An HTTP field name (RFC 9110 `token`). */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const isHeaderName = (text: string): boolean => FIELD_NAME.test(text);

/** A header name, checked against RFC 9110 so a typo cannot name a header no one sends. */
export function headerNameOption(fallback?: string): OptionField<string> {
  return (text, name) => {
    const value = textOption(fallback)(text, name);
    if (!isHeaderName(value)) {
      throw new SchemeOptionsError(`option '${name}' must be an HTTP header name`);
    }
    return value;
  };
}
