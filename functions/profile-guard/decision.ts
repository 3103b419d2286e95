/**
 * What the compliance profile guard decides, without I/O: a deploy may add profiles, never drop
 * one the stack follows, unless the operator said so for this deploy or CloudFormation is rolling
 * back (a rollback restores the profiles the stack had before a failed deploy, and refusing it
 * would leave the stack in UPDATE_ROLLBACK_FAILED).
 */
import { obligationFreeProfiles } from './resource.ts';

export type GuardVerdict =
  /** Nothing dropped, or nothing to compare with. */
  | { readonly outcome: 'pass'; readonly reason: string }
  /** Profiles dropped, and the deploy allows it: said in the log and to CloudFormation. */
  | {
      readonly outcome: 'downgrade-allowed';
      readonly dropped: readonly string[];
      readonly reason: string;
    }
  /** Profiles dropped without the flag: CloudFormation fails the resource and rolls back. */
  | { readonly outcome: 'refused'; readonly dropped: readonly string[]; readonly reason: string };

export interface GuardComparison {
  /** The profiles the stack follows; undefined when it has none recorded (a new stack). */
  readonly previous: readonly string[] | undefined;
  /** The profiles this deploy names. */
  readonly next: readonly string[];
  readonly allowDowngrade: boolean;
  /** Whether CloudFormation is rolling the stack back; asked only when a profile is dropped. */
  readonly rollingBack: () => Promise<boolean>;
}

/** The profiles of `previous` that `next` lacks, in `previous`'s order; never the baseline. */
export function droppedProfiles(
  previous: readonly string[],
  next: readonly string[],
): readonly string[] {
  return previous.filter((name) => !next.includes(name) && !obligationFreeProfiles.includes(name));
}

/** The guard's verdict on a deploy that takes the stack from `previous` to `next`. */
export async function judge(comparison: GuardComparison): Promise<GuardVerdict> {
  const { previous, next, allowDowngrade } = comparison;
  const names = list(next);
  if (previous === undefined) {
    return { outcome: 'pass', reason: `compliance profiles recorded: ${names}` };
  }
  const dropped = droppedProfiles(previous, next);
  if (dropped.length === 0) {
    return { outcome: 'pass', reason: `compliance profiles kept: ${list(previous)} → ${names}` };
  }
  if (allowDowngrade) {
    return {
      outcome: 'downgrade-allowed',
      dropped,
      reason: `compliance profiles downgraded on purpose (allowProfileDowngrade): ${list(dropped)} dropped, ${list(previous)} → ${names}`,
    };
  }
  if (await comparison.rollingBack()) {
    return {
      outcome: 'pass',
      reason: `rollback: compliance profiles restored to ${names}`,
    };
  }
  return { outcome: 'refused', dropped, reason: refusal(previous, next, dropped) };
}

/**
 * The message `cdk deploy` shows: what would be dropped, the context that keeps it, and the flag
 * that drops it on purpose.
 */
export function refusal(
  previous: readonly string[],
  next: readonly string[],
  dropped: readonly string[],
): string {
  const keep = [...new Set([...next, ...previous])];
  // The baseline adds nothing to a named regulation: leave it out of the suggestion.
  const suggested = keep.some((name) => !obligationFreeProfiles.includes(name))
    ? keep.filter((name) => !obligationFreeProfiles.includes(name))
    : keep;
  const profiles = dropped.length === 1 ? 'profile' : 'profiles';
  const them = dropped.length === 1 ? 'it' : 'them';
  return [
    `This deploy would drop the compliance ${profiles} ${list(dropped)}, which the stack follows (stack: ${list(previous)}; this deploy: ${list(next)}), with all ${dropped.length === 1 ? 'it requires' : 'they require'}.`,
    `To keep ${them}, deploy with -c profiles=${suggested.join(',')} (npx webhooks init --profiles ${suggested.join(',')} records them in cdk.json).`,
    'To drop on purpose, deploy once with -c allowProfileDowngrade=true (the construct prop allowProfileDowngrade).',
  ].join(' ');
}

const list = (names: readonly string[]) => (names.length === 0 ? '(none)' : names.join(','));
