/**
 * The shape of a template rule, cdk-nag style: one pure function per file, from a synthesized
 * template (and, with `--stack`, the live stack) to a three-way verdict and the evidence rows
 * it read. The compliance report and the deployment tests run the same rules (pack.ts).
 */
import type { ComplianceRequirements } from '../profiles.ts';
import type { LiveStack, Observed } from '../report/live.ts';
import type { LiveBucket, LiveResources } from '../report/live-resources.ts';
import { type Resource, resourcesOfType, type Template } from '../report/template.ts';

/**
 * What the live stack showed for one template setting; `readAt` (ISO 8601) is when the value
 * was asked for, absent when nothing was asked.
 */
export type LiveObservation =
  | { readonly state: 'agrees'; readonly value: string; readonly readAt?: string }
  | { readonly state: 'differs'; readonly value: string; readonly readAt?: string }
  | { readonly state: 'not-checked'; readonly reason: string; readonly readAt?: string };

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

/** One thing a non-compliant template does wrong. */
export interface Finding {
  /** The logical ids at fault; empty when what is wrong is that something is missing. */
  readonly resources: readonly string[];
  /** Why, in one sentence naming the resource and the value. */
  readonly why: string;
}

/** cdk-nag's three answers (`NagRuleCompliance`), given for a whole template. */
export type Verdict =
  | { readonly kind: 'compliant' }
  | { readonly kind: 'non-compliant'; readonly findings: readonly Finding[] }
  | { readonly kind: 'not-applicable'; readonly reason: string };

export interface RuleOutcome {
  readonly verdict: Verdict;
  readonly evidence: readonly Evidence[];
}

export interface RuleContext {
  readonly template: Template;
  /** The requirements of the profile whose control is being checked. */
  readonly requirements: ComplianceRequirements;
  /** @default - template only */
  readonly live?: LiveStack;
}

export interface TemplateRule<Name extends string = string> {
  /** The name the control catalogue (compliance/controls.ts) cites; the rule's file name. */
  readonly name: Name;
  /** What compliance means, in one plain sentence. */
  readonly summary: string;
  evaluate(context: RuleContext): RuleOutcome;
}

/** A finding about the resources with these logical ids (none: something is missing). */
export function finding(why: string, ...resources: readonly string[]): Finding {
  return { resources, why };
}

/**
 * The verdict on what a rule read: non-compliant with any finding, not applicable when the
 * template has nothing of the kind it judges (`nothingFound` says what), else compliant.
 * Findings with nothing found name the missing thing too, so a reader sees both.
 */
export function ruleOutcome(
  evidence: readonly Evidence[],
  findings: readonly Finding[],
  nothingFound: string,
): RuleOutcome {
  if (evidence.length > 0) return compliantUnless(findings, evidence);
  return findings.length === 0
    ? notApplicable(nothingFound)
    : compliantUnless([finding(nothingFound), ...findings], evidence);
}

/** The outcome of a rule that has found what it judges: compliant unless there are findings. */
export function compliantUnless(
  findings: readonly Finding[],
  evidence: readonly Evidence[],
): RuleOutcome {
  return findings.length === 0
    ? { verdict: { kind: 'compliant' }, evidence }
    : { verdict: { kind: 'non-compliant', findings }, evidence };
}

/** One resource judged on its own: its evidence row, and why it fails if it does. */
export interface ResourceJudgement {
  readonly evidence: Evidence;
  /** @default - the resource complies */
  readonly why?: string | undefined;
}

/**
 * The outcome of judging every resource of `type` on its own, as cdk-nag's rules judge one
 * resource at a time: each failure is a finding on that resource; none of the type is not
 * applicable (`nothingFound` says so).
 */
export function eachResourceOfType(
  context: RuleContext,
  type: string,
  nothingFound: string,
  judge: (resource: Resource) => ResourceJudgement,
): RuleOutcome {
  const judged = resourcesOfType(context.template, type).map((resource) => ({
    id: resource.id,
    ...judge(resource),
  }));
  return ruleOutcome(
    judged.map(({ evidence }) => evidence),
    judged.flatMap(({ id, why }) => (why === undefined ? [] : [finding(why, id)])),
    nothingFound,
  );
}

/** The outcome of a rule whose subject the template lacks. */
export function notApplicable(reason: string): RuleOutcome {
  return { verdict: { kind: 'not-applicable', reason }, evidence: [] };
}

/** A live value judged against what the template asks: `[agrees, value as text]`. */
export type Judge<T> = (value: T) => readonly [agrees: boolean, text: string];

/** How a value read (or not) from the live stack compares with the template. */
export function observation<T>(value: Observed<T> | undefined, judge: Judge<T>): LiveObservation {
  if (value === undefined) {
    return { state: 'not-checked', reason: 'no stack output names this resource' };
  }
  const at = value.readAt === undefined ? {} : { readAt: value.readAt };
  if ('unavailable' in value) return { state: 'not-checked', reason: value.unavailable, ...at };
  const [agrees, text] = judge(value.value);
  return agrees
    ? { state: 'agrees', value: text, ...at }
    : { state: 'differs', value: text, ...at };
}

/** The report's readings of one class of live-resources.ts, by logical id. */
type ResourceClass = Exclude<keyof LiveResources, 'unlisted' | 'buckets' | 'physicalIds'>;

/**
 * How a resource of live-resources.ts compares with the template: not checked, with the
 * reason, when the class was not read (the self-audit reads tables, keys and queues only),
 * the stack's resources could not be listed, or the stack holds no such resource.
 */
export function liveResource<C extends ResourceClass, T = ObservedValue<LiveResources[C]>>(
  context: RuleContext,
  resourceClass: C,
  logicalId: string,
  judge: Judge<T>,
): { readonly live?: LiveObservation } {
  return withLive(context, (live) => {
    const read = readingOf(live, (resources) => resources[resourceClass].get(logicalId));
    return 'reason' in read
      ? { state: 'not-checked', reason: read.reason }
      : observation(read.value as Observed<T>, judge);
  });
}

/** One reading of a bucket (live-resources.ts), as `liveResource` judges the others. */
export function liveBucket<K extends Exclude<keyof LiveBucket, never>>(
  context: RuleContext,
  logicalId: string,
  reading: K,
  judge: Judge<ObservedValue<LiveBucket[K]>>,
): { readonly live?: LiveObservation } {
  return withLive(context, (live) => {
    const read = readingOf(live, (resources) => resources.buckets.get(logicalId)?.[reading]);
    return 'reason' in read
      ? { state: 'not-checked', reason: read.reason }
      : observation(read.value as Observed<ObservedValue<LiveBucket[K]>>, judge);
  });
}

/**
 * How several resources of live-resources.ts together compare with one template row (a row
 * that sums up many, such as every policy of the stack): not checked while any of them is,
 * with that one's reason; else `judge` sees every value, and the row carries the latest time.
 */
export function liveOfEach<T>(
  context: RuleContext,
  logicalIds: readonly string[],
  pick: (resources: LiveResources, logicalId: string) => Observed<T> | undefined,
  judge: Judge<readonly T[]>,
): { readonly live?: LiveObservation } {
  return withLive(context, (live) => {
    const values: T[] = [];
    const times: string[] = [];
    for (const logicalId of logicalIds) {
      const read = readingOf(live, (resources) => pick(resources, logicalId));
      if ('reason' in read) return { state: 'not-checked', reason: `${logicalId}: ${read.reason}` };
      if (read.value.readAt !== undefined) times.push(read.value.readAt);
      if ('unavailable' in read.value) {
        return {
          state: 'not-checked',
          reason: `${logicalId}: ${read.value.unavailable}`,
          ...at(times),
        };
      }
      values.push(read.value.value);
    }
    if (logicalIds.length === 0) {
      return { state: 'not-checked', reason: 'the template names no resource to read' };
    }
    const [agrees, text] = judge(values);
    return { state: agrees ? 'agrees' : 'differs', value: text, ...at(times) };
  });
}

const at = (times: readonly string[]) => {
  const last = [...times].sort().at(-1);
  return last === undefined ? {} : { readAt: last };
};

/** The physical id the live stack lists for a logical id, when it was listed. */
export function livePhysicalId(context: RuleContext, logicalId: string | undefined) {
  return logicalId === undefined ? undefined : context.live?.resources?.physicalIds.get(logicalId);
}

/** The value an `Observed` (or a map of them) holds when it was read. */
type ObservedValue<O> = O extends ReadonlyMap<string, infer V> ? ValueOf<V> : ValueOf<O>;
type ValueOf<O> = O extends { readonly value: infer T } ? T : never;

function readingOf<T>(
  live: LiveStack,
  pick: (resources: LiveResources) => T | undefined,
): { readonly value: T } | { readonly reason: string } {
  const { resources } = live;
  if (resources === undefined) {
    return { reason: 'not read by this caller (it reads tables, keys and queues only)' };
  }
  if (resources.unlisted !== undefined) return { reason: resources.unlisted };
  const value = pick(resources);
  return value === undefined ? { reason: 'the stack lists no such resource' } : { value };
}

/**
 * The observation for a setting the live mode does not read (`what` says which, and the call it
 * would take); none without `--stack`. Such a row keeps its control at `configured`.
 */
export function notRead(context: RuleContext, what: string): { readonly live?: LiveObservation } {
  return context.live === undefined
    ? {}
    : { live: { state: 'not-checked', reason: `not read by the live mode: ${what}` } };
}

/** `{ live }` when the live stack was asked, else nothing (exactOptionalPropertyTypes). */
export function withLive(
  context: RuleContext,
  observe: (live: LiveStack) => LiveObservation,
): { readonly live?: LiveObservation } {
  return context.live === undefined ? {} : { live: observe(context.live) };
}
