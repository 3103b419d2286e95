/**
 * The shape of a template check: a pure function from the template (and, with `--stack`, the
 * live stack) to evidence rows and problems. A check that finds nothing to look at fails:
 * evidence must be found, not assumed.
 */
import type { ComplianceRequirements } from '../profiles.ts';
import type { LiveStack, Observed } from '../report/live.ts';
import type { Template } from '../report/template.ts';

/** What the live stack showed for one template setting. */
export type LiveObservation =
  | { readonly state: 'agrees'; readonly value: string }
  | { readonly state: 'differs'; readonly value: string }
  | { readonly state: 'not-checked'; readonly reason: string };

/** One setting that implements a control: where it is, and its value. */
export interface Evidence {
  /** The logical id, or the source file of a setting made in code. */
  readonly resource: string;
  /** The CloudFormation type, or `code`. */
  readonly type: string;
  readonly property: string;
  readonly value: string;
  /** @default - the live stack was not asked (no `--stack`) */
  readonly live?: LiveObservation;
}

export interface CheckOutcome {
  readonly evidence: readonly Evidence[];
  /** Why the check fails, each naming the resource and the value; empty when it passes. */
  readonly problems: readonly string[];
}

export interface CheckContext {
  readonly template: Template;
  /** The requirements of the profile whose control is being checked. */
  readonly requirements: ComplianceRequirements;
  /** @default - template only */
  readonly live?: LiveStack;
}

export interface TemplateCheck {
  /** What passing means, in one plain sentence. */
  readonly summary: string;
  evaluate(context: CheckContext): CheckOutcome;
}

/** A live value judged against what the template asks: `[agrees, value as text]`. */
export type Judge<T> = (value: T) => readonly [agrees: boolean, text: string];

/** How a value read (or not) from the live stack compares with the template. */
export function observation<T>(value: Observed<T> | undefined, judge: Judge<T>): LiveObservation {
  if (value === undefined) {
    return { state: 'not-checked', reason: 'no stack output names this resource' };
  }
  if ('unavailable' in value) return { state: 'not-checked', reason: value.unavailable };
  const [agrees, text] = judge(value.value);
  return agrees ? { state: 'agrees', value: text } : { state: 'differs', value: text };
}

/** The observation for a resource no installed client can read; none without `--stack`. */
export function notReadable(
  context: CheckContext,
  client: string,
): { readonly live?: LiveObservation } {
  return context.live === undefined
    ? {}
    : { live: { state: 'not-checked', reason: `${client} is not installed` } };
}

/** `{ live }` when the live stack was asked, else nothing (exactOptionalPropertyTypes). */
export function withLive(
  context: CheckContext,
  observe: (live: LiveStack) => LiveObservation,
): { readonly live?: LiveObservation } {
  return context.live === undefined ? {} : { live: observe(context.live) };
}

/** A check's outcome from its rows, with a problem when there were none to look at. */
export function outcome(
  evidence: readonly Evidence[],
  problems: readonly string[],
  nothingFound: string,
): CheckOutcome {
  return evidence.length === 0
    ? { evidence, problems: [nothingFound, ...problems] }
    : { evidence, problems };
}
