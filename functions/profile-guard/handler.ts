/**
 * The compliance profile guard (infra/profile-guard.ts): the function behind a custom resource
 * whose properties are the deploy's compliance profiles. CloudFormation calls it on every create,
 * update and delete of that resource, so it holds whoever deploys and however. On an Update it
 * compares the stack's profiles (OldResourceProperties) with the deploy's and answers FAILED when
 * one would be dropped, which fails the update and rolls the stack back; on a Create (a stack
 * deployed before the guard existed) it compares with the stack's `ComplianceProfiles` output.
 * It never throws: CloudFormation always gets an answer, at the request's pre-signed URL.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type GuardVerdict, judge } from './decision.ts';
import {
  complianceProfilesOutputKey,
  type GuardRequest,
  profileGuardProperties,
} from './resource.ts';
import { sendResponse } from './response.ts';

/** The stack as DescribeStacks shows it while CloudFormation works on it. */
export interface StackState {
  readonly status: string;
  /** The profiles of its last completed deploy (its output), if it has the output. */
  readonly recordedProfiles: readonly string[] | undefined;
}

export interface GuardDependencies {
  readonly readStack: (stackId: string, outputKey: string) => Promise<StackState>;
  /** Waits between attempts to read the stack: its role's grant may still be propagating. */
  readonly pause: (ms: number) => Promise<void>;
}

/** The guard's answer: the verdict and the id CloudFormation keeps for the resource. */
export interface GuardAnswer {
  readonly verdict: GuardVerdict;
  readonly physicalResourceId: string;
}

/** Reads of the stack before the guard gives up: a new role's grant can take seconds to apply. */
const stackReadAttempts = 5;
const stackReadPauseMs = 3_000;

const cloudFormation = new CloudFormationClient({});

export const defaultDependencies: GuardDependencies = {
  readStack: async (stackId, outputKey) => {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
    const stack = Stacks?.[0];
    if (stack?.StackStatus === undefined)
      throw new Error(`DescribeStacks found no stack ${stackId}`);
    const output = stack.Outputs?.find(({ OutputKey }) => OutputKey === outputKey);
    return {
      status: stack.StackStatus,
      recordedProfiles:
        output?.OutputValue === undefined ? undefined : profileNames(output.OutputValue),
    };
  },
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The Lambda entry: decides, logs one JSON line, answers CloudFormation. */
export async function handler(event: GuardRequest): Promise<void> {
  const answer = await answerRequest(event, defaultDependencies);
  const { verdict } = answer;
  const line = JSON.stringify({
    message: 'compliance profile guard',
    requestType: event.RequestType,
    outcome: verdict.outcome,
    ...('dropped' in verdict ? { dropped: verdict.dropped } : {}),
    reason: verdict.reason,
  });
  // A refusal and a downgrade are what an auditor looks for: at WARN, apart from the passes.
  if (verdict.outcome === 'pass') console.log(line);
  else console.warn(line);
  await sendResponse(event, {
    Status: verdict.outcome === 'refused' ? 'FAILED' : 'SUCCESS',
    Reason: verdict.reason,
    PhysicalResourceId: answer.physicalResourceId,
  });
}

/** The verdict on `event`; any error becomes a refusal, so that nothing passes unchecked. */
export async function answerRequest(
  event: GuardRequest,
  dependencies: GuardDependencies,
): Promise<GuardAnswer> {
  // One resource per stack, and the same id on every update: a new id would make CloudFormation
  // treat the update as a replacement and delete the old resource afterwards.
  const physicalResourceId =
    event.PhysicalResourceId ?? `${event.LogicalResourceId}-compliance-profiles`;
  try {
    return { verdict: await verdictOn(event, dependencies), physicalResourceId };
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      verdict: {
        outcome: 'refused',
        dropped: [],
        reason: `The compliance profile guard could not check this deploy (${why}); deploy again.`,
      },
      physicalResourceId,
    };
  }
}

async function verdictOn(
  event: GuardRequest,
  dependencies: GuardDependencies,
): Promise<GuardVerdict> {
  if (event.RequestType === 'Delete') {
    return { outcome: 'pass', reason: 'the guard is deleted; nothing to check' };
  }
  const next = requiredProfiles(event.ResourceProperties, 'ResourceProperties');
  const allowDowngrade = event.ResourceProperties[profileGuardProperties.allowDowngrade] === 'true';
  let stack: Promise<StackState> | undefined;
  const readStack = () => {
    const key = event.ResourceProperties[profileGuardProperties.outputKey];
    const outputKey = typeof key === 'string' ? key : complianceProfilesOutputKey;
    stack ??= readWithRetries(event.StackId, outputKey, dependencies);
    return stack;
  };
  const rollingBack = async () => (await readStack()).status.endsWith('ROLLBACK_IN_PROGRESS');
  if (event.RequestType === 'Update') {
    const previous = requiredProfiles(event.OldResourceProperties ?? {}, 'OldResourceProperties');
    return judge({ previous, next, allowDowngrade, rollingBack });
  }
  // Create: a new stack has nothing to compare with, but a stack deployed before the guard
  // existed (or whose guard was renamed) names its profiles in its output.
  const { status, recordedProfiles } = await readStack();
  const previous = status === 'UPDATE_IN_PROGRESS' ? recordedProfiles : undefined;
  return judge({ previous, next, allowDowngrade, rollingBack });
}

/** The stack's state, read again while the role's fresh grant propagates. */
async function readWithRetries(
  stackId: string,
  outputKey: string,
  dependencies: GuardDependencies,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dependencies.readStack(stackId, outputKey);
    } catch (error) {
      if (attempt >= stackReadAttempts) throw error;
      await dependencies.pause(stackReadPauseMs);
    }
  }
}

/** The profile names of a property: a list, as the template writes it, or `a,b` text. */
function requiredProfiles(properties: Readonly<Record<string, unknown>>, where: string): string[] {
  const value = properties[profileGuardProperties.profiles];
  const names = Array.isArray(value)
    ? value.filter((name): name is string => typeof name === 'string')
    : typeof value === 'string'
      ? profileNames(value)
      : [];
  if (names.length === 0) {
    throw new TypeError(`${where}.${profileGuardProperties.profiles} names no profile`);
  }
  return names;
}

const profileNames = (text: string) =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
