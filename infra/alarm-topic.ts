/**
 * The SNS topic every alarm notifies: encrypted with the audit/logs key (the key policy lets
 * CloudWatch use it for this account's topics), publishable over TLS only, and optionally
 * subscribed by e-mail. Or the operator's own topic (`alarmTopic`), which synthesis cannot
 * inspect: where a control requires topics to refuse plain HTTP, the operator vouches for it.
 * Every profile but baseline requires one of the two destinations: a topic nobody receives
 * raises alarms nobody sees.
 */
import { Lazy, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { controlsFor } from '../compliance/controls.ts';
import { type ComplianceProfileName, complianceProfiles } from '../compliance/profiles.ts';
import { alarmPublishingByEventBridge } from './key-policies.ts';

export interface AlarmTopicProps {
  readonly key: kms.IKey;
  /** @default - no subscription; subscribe to the topic yourself */
  readonly email?: string;
  /**
   * The operator's topic, notified in place of one created here (`alarmTopicProblems` checks
   * it may be).
   * @default - a topic of this construct's
   */
  readonly topic?: sns.ITopic;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.ITopic;
  /** The e-mail subscription, when an address was given. */
  readonly emailSubscription?: sns.Subscription;
  /** The key of the topic created here; undefined for the operator's topic. */
  readonly #key?: kms.IKey;
  /** The EventBridge rules that publish to the topic created here (`notifyFrom`). */
  readonly #rules: string[] = [];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.topic === undefined) this.#key = props.key;
    this.topic =
      props.topic ??
      new sns.Topic(this, 'Topic', {
        displayName: 'Webhook ingestion alarms',
        masterKey: props.key,
        enforceSSL: true,
      });
    if (props.email !== undefined) {
      this.emailSubscription = new sns.Subscription(this, 'EmailSubscription', {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: props.email,
      });
    }
  }

  /**
   * The topic as the target of an EventBridge rule, publishing `message`. On the topic created
   * here, its policy lets EventBridge publish for that rule only (TLS, as for every publisher)
   * and its key lets EventBridge make SNS's data keys. Not `targets.SnsTopic`: its grant adds
   * `kms:GenerateDataKey*` to the key policy, a wildcard action. The operator's topic
   * (`alarmTopic`) is the operator's to open to EventBridge (docs/construct.md).
   */
  notifyFrom(rule: events.IRule, message: events.RuleTargetInput): events.IRuleTarget {
    const key = this.#key;
    if (key !== undefined) {
      if (this.#rules.length === 0) {
        this.topic.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AlarmsPublishedByEventBridgeRules',
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [this.topic.topicArn],
            conditions: {
              ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => [...this.#rules] }) },
            },
          }),
        );
        key.addToResourcePolicy(alarmPublishingByEventBridge());
      }
      this.#rules.push(rule.ruleArn);
    }
    const arn = this.topic.topicArn;
    return { bind: () => ({ arn, input: message }) };
  }
}

/** The alarm-topic props of WebhookIngestion, as webhook-ingestion-props.ts documents them. */
export interface AlarmTopicChoices {
  readonly alarmEmail?: string;
  readonly alarmTopic?: sns.ITopic;
  readonly alarmTopicEncryptedAndTlsOnly?: boolean;
}

/**
 * An address SNS can e-mail: no space, one `@`, and a dot in the domain. Loose on purpose: SNS
 * asks the address to confirm, which is the real check; this catches a typo or a stray value
 * (a topic ARN, a name) before a deploy creates a subscription that can never be confirmed.
 */
export function isEmailAddress(value: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);
}

/**
 * Where the alarms go. Every profile but baseline requires a destination
 * (`alarmDestinationRequired`, compliance/profiles.ts): `alarmEmail`, or `alarmTopic`, whose
 * subscribers are the operator's. An address given must look like one; a token (a
 * CloudFormation parameter) is left to SNS.
 */
export function alarmDestinationProblems(
  choices: AlarmTopicChoices,
  profiles: readonly ComplianceProfileName[],
): string[] {
  const email = choices.alarmEmail;
  if (email !== undefined) {
    return Token.isUnresolved(email) || isEmailAddress(email)
      ? []
      : [
          `alarmEmail must be an e-mail address such as ops@example.com, got ${JSON.stringify(email)}`,
        ];
  }
  if (choices.alarmTopic !== undefined) return [];
  const requiring = profiles.filter((name) => complianceProfiles[name].alarmDestinationRequired);
  if (requiring.length === 0) return [];
  return [
    `${requiring.join(', ')} require${requiring.length === 1 ? 's' : ''} an alarm destination, and none is given: set alarmEmail, an address the alarm topic e-mails (the app: -c alarmEmail=ops@example.com), or alarmTopic, an existing SNS topic the alarms notify instead (the app: -c alarmTopicArn=arn:aws:sns:<region>:<account>:<name>); only baseline deploys alarms that reach nobody`,
  ];
}

/**
 * An imported topic's key and policy are not in the template, so neither cdk-nag nor the
 * compliance report can see them: where a control requires every topic to refuse requests
 * without TLS (pci-dss 4.2.1, hipaa 164.312(e)(1), gdpr 32), the operator states it, with
 * `alarmTopicEncryptedAndTlsOnly`, and the refusal names the controls until then.
 */
export function alarmTopicProblems(
  choices: AlarmTopicChoices,
  profiles: readonly ComplianceProfileName[],
): string[] {
  const vouched = choices.alarmTopicEncryptedAndTlsOnly;
  if (choices.alarmTopic === undefined) {
    return vouched === undefined
      ? []
      : ['alarmTopicEncryptedAndTlsOnly vouches for alarmTopic, which is not given'];
  }
  const controls = controlsFor(profiles)
    .filter((control) => control.checks.includes('queues-and-topics-require-tls'))
    .map((control) => control.id);
  if (controls.length === 0 || vouched === true) return [];
  return [
    `alarmTopic is not created by this stack, so synthesis cannot check that it refuses requests without TLS, which ${controls.join(', ')} require, or that it is encrypted with a KMS key: once its policy denies aws:SecureTransport false and it is encrypted with a key CloudWatch may use (docs/construct.md), set alarmTopicEncryptedAndTlsOnly: true (the app: -c alarmTopicEncryptedAndTlsOnly=true)`,
  ];
}
