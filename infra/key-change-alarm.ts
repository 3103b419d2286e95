/**
 * The KeyChanges rule: an EventBridge rule that notifies the alarm topic of every change of a
 * key policy of the deployment, and of every attempt, allowed or refused, to disable one of its
 * keys, schedule or cancel its deletion, or turn its rotation off. A key policy can always be
 * rewritten by whoever holds kms:PutKeyPolicy, `keyGuard` included (infra/key-policies.ts): this
 * is what makes such a change seen. Always on: a rule that matches nothing costs nothing.
 *
 * The events are CloudTrail's management events ("AWS API Call via CloudTrail"), which reach
 * EventBridge only where a trail with logging on records this region's management events
 * (EventBridge user guide, "AWS service events delivered via AWS CloudTrail"): the account's or
 * organization's trail, or the stack's own `accessTrail`. Without one, the rule never fires.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.ts';
import { runbook } from './observability/runbook.ts';

/** The KMS calls the rule matches: the policy's changes and the key's state changes. */
export const watchedKeyEvents = [
  'PutKeyPolicy',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'DisableKey',
  'DisableKeyRotation',
] as const;

/** The rule's construct id under the construct, and its name in docs/operations.md. */
export const keyChangesId = 'KeyChanges';

export interface KeyChangeAlarmProps {
  /** Every customer managed key of the deployment (infra/key-guard.ts `deploymentKeys`). */
  readonly keys: readonly kms.IKey[];
  readonly alarmTopic: AlarmTopic;
}

/** What the notification says first, and what to check: as every alarm's description does. */
export const keyChangesRunbook = runbook(
  'A key policy of the deployment changed, or someone tried to disable a key, schedule or cancel its deletion, or turn its rotation off (refused when errorCode is AccessDenied).',
  "the event in CloudTrail's event history: its caller and request. A PutKeyPolicy by the CloudFormation role during a deploy that changed grants, custodians or keyGuard is expected; anything else is not: restore the policy by deploying the stack again, `aws kms cancel-key-deletion` and `enable-key` as the break-glass role, then find out who and why.",
);

/**
 * The rule, its target the alarm topic with a readable message. Matched by the key id or ARN
 * the call named (these calls take no alias), which CloudTrail records as `keyId`.
 */
export function alarmOnKeyChanges(scope: Construct, props: KeyChangeAlarmProps): events.Rule {
  const names = props.keys.flatMap((key) => [key.keyId, key.keyArn]);
  const rule = new events.Rule(scope, keyChangesId, {
    description: `webhook-ingestion ${Stack.of(scope).stackName}: key policy changes and key disabling or deletion attempts`,
    eventPattern: {
      source: ['aws.kms'],
      detailType: ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        eventName: [...watchedKeyEvents],
        requestParameters: { keyId: names },
      },
    },
  });
  const field = (path: string) => events.EventField.fromPath(path);
  const message = events.RuleTargetInput.fromObject({
    alarm: keyChangesId,
    stack: Stack.of(scope).stackName,
    eventName: field('$.detail.eventName'),
    keyId: field('$.detail.requestParameters.keyId'),
    caller: field('$.detail.userIdentity.arn'),
    time: field('$.time'),
    errorCode: field('$.detail.errorCode'),
    description: keyChangesRunbook,
  });
  rule.addTarget(props.alarmTopic.notifyFrom(rule, message));
  return rule;
}
