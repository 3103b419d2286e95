/**
 * docs/operations.md against the construct: a deployment with every optional part (a WAF, a
 * reservation, a quiet provider, a consumer) is synthesized, and the doc must list exactly its
 * alarms, each prop that sets a threshold, and every alarm's description must carry the
 * runbook line the doc repeats.
 */
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmDefaults } from '../../infra/observability/alarm-thresholds.ts';
import { quietProvidersId } from '../../infra/observability/quiet-providers.ts';
import { firstCheck, maxDescriptionChars } from '../../infra/observability/runbook.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import { userConsumerFunction } from './deployment.ts';

const doc = readFileSync('docs/operations.md', 'utf8');
const quietProvider = 'stripe-live';

let alarms: cloudwatch.Alarm[];
/** EventBridge rules whose target is the alarm topic (infra/key-change-alarm.ts): alarms too. */
let notifyingRules: events.Rule[];
let ingestion: WebhookIngestion;

beforeAll(() => {
  const stack = new Stack(new App(), 'webhook-ingestion-operations');
  ingestion = new WebhookIngestion(stack, 'WebhookIngestion', {
    waf: true,
    reservedConcurrency: 50,
    alarms: { quietProviders: [{ providerId: quietProvider, hours: 6 }] },
  });
  ingestion.addConsumer(userConsumerFunction(stack));
  alarms = stack.node
    .findAll()
    .filter((node): node is cloudwatch.Alarm => node instanceof cloudwatch.Alarm);
  const topicArn = JSON.stringify(stack.resolve(ingestion.alarmTopic.topic.topicArn));
  notifyingRules = stack.node
    .findAll()
    .filter(
      (node): node is events.Rule =>
        node instanceof events.Rule &&
        JSON.stringify(stack.resolve((node.node.defaultChild as events.CfnRule).targets)).includes(
          topicArn,
        ),
    );
}, 180_000);

/** An alarm as the doc names it: its path under the construct, the ingest path's prefix cut. */
function docName(alarm: cloudwatch.Alarm | events.Rule): string {
  return alarm.node.path
    .slice(ingestion.node.path.length + 1)
    .replace(/^Observability\/Alarms\//, '')
    .replace(`${quietProvidersId}/${quietProvider}`, `${quietProvidersId}/<providerId>`);
}

/** The first cell of every table row of the doc: `| \`Name\` | …`. */
function listedAlarms(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([^`]+)` \|/gm)].map(([, name]) => name as string);
}

describe('docs/operations.md', () => {
  it('lists every alarm the construct creates, and no other', () => {
    expect(alarms.length).toBeGreaterThan(10);
    expect(notifyingRules.length).toBeGreaterThan(0);
    expect([...listedAlarms(doc)].sort()).toEqual(
      [...alarms.map(docName), ...notifyingRules.map(docName)].sort(),
    );
  });

  it('names the prop of every threshold', () => {
    for (const name of [...Object.keys(alarmDefaults), 'quietProviders']) {
      expect(doc).toContain(`\`alarms.${name}\``);
    }
  });
});

describe('every alarm of a deployment', () => {
  it('says what it means, then the first thing to check, within what CloudWatch takes', () => {
    for (const alarm of alarms) {
      const description = (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmDescription ?? '';
      expect(description, alarm.node.path).toMatch(new RegExp(`\\. ${firstCheck} \\S`));
      expect(description.length, alarm.node.path).toBeLessThanOrEqual(maxDescriptionChars);
    }
  });
});
