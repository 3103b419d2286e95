/**
 * Alarms reach nobody unless someone receives them (issue 20, point 4e): every compliance
 * profile but baseline refuses to synthesize without an alarm destination, `alarmEmail` or
 * `alarmTopic` (from the stock app, `-c alarmEmail=…` or `-c alarmTopicArn=…`), and an address
 * must look like one. Baseline, which names no regulation, still deploys without.
 */
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import {
  type ComplianceProfileName,
  complianceProfileNames,
  complianceProfiles,
} from '../../compliance/profiles.ts';
import {
  AppContextError,
  contextKeys,
  placeholderAlarmEmail,
  readAppContext,
  withPlaceholderAlarmEmail,
} from '../../infra/context.ts';
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';

const alarmEmail = 'alarms@example.com';
const topicArn = 'arn:aws:sns:eu-west-1:111122223333:ops-alarms';

const regulated = complianceProfileNames.filter((name) => name !== 'baseline');

function problemsOf(props: WebhookIngestionProps): readonly string[] {
  try {
    resolveSettings(props);
  } catch (error) {
    if (error instanceof DeploymentSettingsError) return error.problems;
    throw error;
  }
  return [];
}

/** The construct in a stack of its own, with `props` made in that stack. */
function construct(props: (stack: Stack) => WebhookIngestionProps) {
  const stack = new Stack(new App(), 'alarm-destination');
  return { stack, ingestion: new WebhookIngestion(stack, 'WebhookIngestion', props(stack)) };
}

/** The profiles whose controls require every topic to refuse plain HTTP (infra/alarm-topic.ts). */
const vouchedFor = (profile: ComplianceProfileName) =>
  problemsOf({ complianceProfiles: [profile], alarmEmail }).length === 0 &&
  problemsOf({
    complianceProfiles: [profile],
    alarmTopic: sns.Topic.fromTopicArn(new Stack(new App(), 'probe'), 'Topic', topicArn),
  }).length > 0;

describe('the profiles that require an alarm destination', () => {
  it('are every profile but baseline, as compliance/profiles.ts says', () => {
    expect(regulated).toEqual(['gdpr', 'ccpa', 'pci-dss', 'hipaa']);
    for (const name of complianceProfileNames) {
      expect(complianceProfiles[name].alarmDestinationRequired).toBe(name !== 'baseline');
    }
  });

  it.each(regulated)(
    '%s refuses to synthesize without one, naming both ways to give it',
    (profile) => {
      const problems = problemsOf({ complianceProfiles: [profile] });
      expect(problems).toEqual([
        `${profile} requires an alarm destination, and none is given: set alarmEmail, an address the alarm topic e-mails (the app: -c alarmEmail=ops@example.com), or alarmTopic, an existing SNS topic the alarms notify instead (the app: -c alarmTopicArn=arn:aws:sns:<region>:<account>:<name>); only baseline deploys alarms that reach nobody`,
      ]);
      expect(() => construct(() => ({ complianceProfiles: [profile] }))).toThrow(
        DeploymentSettingsError,
      );
    },
  );

  it('names only the profiles that require one, in one problem, when baseline is among them', () => {
    expect(problemsOf({ complianceProfiles: ['baseline', 'gdpr', 'hipaa'] })).toEqual([
      expect.stringMatching(/^gdpr, hipaa require an alarm destination, and none is given: /),
    ]);
  });

  it.each(regulated)(
    '%s synthesizes with an e-mail address, subscribed to its own topic',
    (profile) => {
      const { stack, ingestion } = construct(() => ({ complianceProfiles: [profile], alarmEmail }));
      expect(ingestion.alarmTopic.topic).toBeInstanceOf(sns.Topic);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: alarmEmail,
      });
    },
    120_000,
  );

  it.each(regulated)(
    '%s synthesizes with an existing topic, vouched for where its controls ask',
    (profile) => {
      const vouch = vouchedFor(profile);
      const { stack, ingestion } = construct((stack) => ({
        complianceProfiles: [profile],
        alarmTopic: sns.Topic.fromTopicArn(stack, 'OperatorTopic', topicArn),
        ...(vouch ? { alarmTopicEncryptedAndTlsOnly: true } : {}),
      }));
      expect(ingestion.alarmTopic.topic.topicArn).toBe(topicArn);
      // Every alarm notifies the operator's topic; the stack creates no topic of its own.
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      const actions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).flatMap(
        (alarm) => (alarm.Properties.AlarmActions ?? []) as unknown[],
      );
      expect(actions.length).toBeGreaterThan(5);
      expect(new Set(actions)).toEqual(new Set([topicArn]));
    },
    120_000,
  );

  it('asks for the statement under gdpr, pci-dss and hipaa only, whose controls name topics', () => {
    expect(regulated.filter(vouchedFor)).toEqual(['gdpr', 'pci-dss', 'hipaa']);
  });
});

describe('baseline', () => {
  it('needs no alarm destination: it names no regulation', () => {
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ complianceProfiles: ['baseline'] })).toEqual([]);
    const { ingestion } = construct(() => ({}));
    expect(ingestion.alarmTopic.emailSubscription).toBeUndefined();
  });
});

describe('the e-mail address', () => {
  it.each(['ops', 'ops@example', 'ops @example.com', 'ops@exa@mple.com', topicArn, ''])(
    'is refused when it cannot be one: %j',
    (address) => {
      expect(problemsOf({ alarmEmail: address })).toEqual([
        `alarmEmail must be an e-mail address such as ops@example.com, got ${JSON.stringify(address)}`,
      ]);
      // A malformed address is no destination, and is named once, not twice.
      expect(problemsOf({ complianceProfiles: ['pci-dss'], alarmEmail: address })).toHaveLength(1);
    },
  );

  it('is left to SNS when it is a token, such as a CloudFormation parameter', () => {
    const { stack, ingestion } = construct((stack) => ({
      complianceProfiles: ['ccpa'],
      alarmEmail: new CfnParameter(stack, 'AlarmEmail').valueAsString,
    }));
    expect(ingestion.alarmTopic.emailSubscription).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: { Ref: 'AlarmEmail' },
    });
  }, 120_000);
});

describe('the stock app', () => {
  it('refuses -c profiles=pci-dss alone, with the message cdk synth prints', () => {
    expect(() => buildIngestionApp({ context: { profiles: 'pci-dss' } })).toThrow(
      /invalid webhook-ingestion settings:\n- pci-dss requires an alarm destination, and none is given: set alarmEmail, .*-c alarmEmail=ops@example\.com.*-c alarmTopicArn=arn:aws:sns:/,
    );
  });

  it('reads -c alarmTopicArn and -c alarmTopicEncryptedAndTlsOnly', () => {
    expect(
      readAppContext(
        (key) =>
          ({
            profiles: 'gdpr',
            alarmTopicArn: topicArn,
            alarmTopicEncryptedAndTlsOnly: 'true',
          })[key],
      ),
    ).toEqual({
      stackName: 'webhook-ingestion',
      alarmTopicArn: topicArn,
      props: { complianceProfiles: ['gdpr'], alarmTopicEncryptedAndTlsOnly: true },
    });
  });

  it('refuses an address or topic ARN that cannot be one, by key and value', () => {
    let error: unknown;
    try {
      readAppContext(
        (key) =>
          ({
            alarmEmail: 'ops',
            alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops-alarms.fifo',
            alarmTopicEncryptedAndTlsOnly: 'yes',
          })[key],
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppContextError);
    expect((error as AppContextError).problems).toEqual([
      'alarmEmail: expected an e-mail address such as ops@example.com, got "ops"',
      'alarmTopicArn: expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "arn:aws:sns:eu-west-1:111122223333:ops-alarms.fifo"',
      'alarmTopicEncryptedAndTlsOnly: expected true or false, got "yes"',
    ]);
  });

  it('imports the topic -c alarmTopicArn names, and says how to vouch for it from the app', () => {
    const vouched = buildIngestionApp({
      context: {
        profiles: 'pci-dss',
        alarmTopicArn: topicArn,
        alarmTopicEncryptedAndTlsOnly: 'true',
      },
    });
    expect(vouched.ingestion.alarmTopic.topic.topicArn).toBe(topicArn);
    expect(() =>
      buildIngestionApp({ context: { profiles: 'pci-dss', alarmTopicArn: topicArn } }),
    ).toThrow(
      /set alarmTopicEncryptedAndTlsOnly: true \(the app: -c alarmTopicEncryptedAndTlsOnly=true\)/,
    );
  });
});

describe('syntheses that deploy nothing', () => {
  it('subscribe the placeholder address where the profiles require a destination', () => {
    expect(placeholderAlarmEmail).toMatch(/@example\.com$/);
    expect(withPlaceholderAlarmEmail({ profiles: 'hipaa' })).toEqual({
      profiles: 'hipaa',
      [contextKeys.alarmEmail]: placeholderAlarmEmail,
    });
    expect(withPlaceholderAlarmEmail({ profiles: ['baseline', 'ccpa'] })).toMatchObject({
      alarmEmail: placeholderAlarmEmail,
    });
  });

  it('leave the context alone under baseline, or when it names a destination, even an empty one', () => {
    for (const context of [
      {},
      { profiles: 'baseline' },
      { profiles: 'gdpr', alarmEmail: 'ops@example.com' },
      { profiles: 'gdpr', alarmTopicArn: topicArn },
      { profiles: 'gdpr', alarmEmail: '' },
    ]) {
      expect(withPlaceholderAlarmEmail(context)).toBe(context);
    }
  });
});
