/**
 * The SNS topic every alarm notifies: encrypted with the audit/logs key (the key policy lets
 * CloudWatch use it for this account's topics), publishable over TLS only, and optionally
 * subscribed by e-mail.
 */
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  readonly key: kms.IKey;
  /** @default - no subscription; subscribe to the topic yourself */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  /** The e-mail subscription, when an address was given. */
  readonly emailSubscription?: sns.Subscription;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
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
