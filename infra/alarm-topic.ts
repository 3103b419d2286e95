/**
 * The SNS topic every alarm notifies: encrypted with the audit/logs key (the key policy lets
 * CloudWatch use it for this account's topics), publishable over TLS only, and optionally
 * subscribed by e-mail. Or the operator's own topic (`alarmTopic`), which synthesis cannot
 * inspect: where a control requires topics to refuse plain HTTP, the operator vouches for it.
 */
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { controlsFor } from '../compliance/controls.ts';
import type { ComplianceProfileName } from '../compliance/profiles.ts';

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

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
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
}

/** The alarm-topic props of WebhookIngestion, as webhook-ingestion-props.ts documents them. */
export interface AlarmTopicChoices {
  readonly alarmTopic?: sns.ITopic;
  readonly alarmTopicEncryptedAndTlsOnly?: boolean;
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
    `alarmTopic is not created by this stack, so synthesis cannot check that it refuses requests without TLS, which ${controls.join(', ')} require, or that it is encrypted with a KMS key: once its policy denies aws:SecureTransport false and it is encrypted with a key CloudWatch may use (docs/construct.md), set alarmTopicEncryptedAndTlsOnly: true`,
  ];
}
