/**
 * Several WebhookIngestion instances in one app (issue 16, point 1): two in one stack and one in
 * a second stack synthesize with the cdk-nag packs, each with its own outputs, logical ids, key
 * aliases, WAF log group, metric namespace and dashboard; the unnamed instance keeps the names a
 * deployed stack already has; what would collide is refused at synthesis, naming both sides.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { chooseInstance } from '../../cli/target.ts';
import { registerNagPacks } from '../../compliance/nag.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import { telemetry } from '../../functions/config/telemetry.ts';
import { digestBucketLogicalId } from '../../infra/audit-digests.ts';
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import { InstanceNameError } from '../../infra/outputs.ts';
import { payloadBucketLogicalId } from '../../infra/payload-bucket.ts';
import { queueLogicalIds } from '../../infra/queues.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const app = () => new App({ outdir: mkdtempSync(join(tmpdir(), 'webhook-instances-')) });

/** Every value of `property` on the resources of `type`. */
function valuesOf(template: Template, type: string, property: string): unknown[] {
  const resources = template.toJSON().Resources as Resources;
  return Object.values(resources)
    .filter((resource) => resource.Type === type)
    .map((resource) => resource.Properties?.[property]);
}

/**
 * The ingest functions' metric namespaces, from their environment: the functions that send to
 * the delivery queue (the source range refresher names the instance's namespace too).
 */
function namespaces(template: Template): unknown[] {
  return valuesOf(template, 'AWS::Lambda::Function', 'Environment')
    .map((env) => (env as { Variables?: Record<string, unknown> } | undefined)?.Variables)
    .flatMap((variables) =>
      variables?.POWERTOOLS_METRICS_NAMESPACE === undefined ||
      variables[deliveryQueue.urlVariable] === undefined
        ? []
        : [variables.POWERTOOLS_METRICS_NAMESPACE],
    );
}

describe('two instances in one stack and one in another, in one app', () => {
  const shared = app();
  const first = new Stack(shared, 'Receivers', { stackName: 'receivers' });
  const unnamed = new WebhookIngestion(first, 'Webhooks');
  const partners = new WebhookIngestion(first, 'PartnerWebhooks', {
    instanceName: 'Partners',
    waf: true,
  });
  const second = new Stack(shared, 'Cards', { stackName: 'cards' });
  const cards = new WebhookIngestion(second, 'Webhooks', {
    instanceName: 'Cards',
    complianceProfiles: ['pci-dss'],
    alarmEmail: 'alarms@example.com',
    manageApiGatewayAccount: true,
  });
  registerNagPacks(shared);
  // Throws on any cdk-nag error left unacknowledged, and on a duplicate logical id or output.
  const assembly = shared.synth();
  const template = (stack: Stack) =>
    Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  const receivers = template(first);
  const cardsTemplate = template(second);
  const receiverJson = receivers.toJSON() as { Resources: Resources; Outputs: object };

  it('synthesizes with the cdk-nag packs, each instance with its own outputs', () => {
    const outputs = Object.keys(receiverJson.Outputs);
    for (const key of [...Object.values(stackOutputKeys), ...Object.values(operatorOutputKeys)]) {
      expect(outputs).toContain(key);
      expect(outputs).toContain(`Partners${key}`);
    }
    expect(Object.keys(cardsTemplate.toJSON().Outputs)).toContain('CardsRegistryTableName');
  });

  it("prefixes a named instance's queues and buckets' logical ids, not the unnamed one's", () => {
    const ids = Object.keys(receiverJson.Resources);
    for (const id of [
      queueLogicalIds.queue,
      queueLogicalIds.deadLetterQueue,
      payloadBucketLogicalId,
      digestBucketLogicalId,
    ]) {
      expect(ids).toContain(id);
      expect(ids).toContain(`Partners${id}`);
    }
  });

  it('gives every instance key aliases, a WAF log group and a dashboard of its own', () => {
    const aliases = [receivers, cardsTemplate].flatMap((t) =>
      valuesOf(t, 'AWS::KMS::Alias', 'AliasName'),
    );
    expect(aliases).toHaveLength(9);
    expect(new Set(aliases).size).toBe(9);
    expect(aliases).toEqual(
      expect.arrayContaining([
        kmsKeys.secrets.alias,
        'alias/webhook-ingestion/receivers-Partners/secrets',
        'alias/webhook-ingestion/cards-Cards/queue',
      ]),
    );
    const wafLogGroups = [receivers, cardsTemplate]
      .flatMap((t) => valuesOf(t, 'AWS::Logs::LogGroup', 'LogGroupName'))
      .filter((name) => typeof name === 'string' && name.startsWith('aws-waf-logs-'));
    expect(wafLogGroups.sort()).toEqual([
      'aws-waf-logs-cards-Cards-ingest',
      'aws-waf-logs-receivers-Partners-ingest',
    ]);
    const dashboards = [receivers, cardsTemplate].flatMap((t) =>
      valuesOf(t, 'AWS::CloudWatch::Dashboard', 'DashboardName'),
    );
    expect(dashboards.sort()).toEqual([
      'cards-Cards-audit',
      'receivers-Partners-audit',
      'receivers-audit',
    ]);
  });

  it('hands each ingest function its own metric namespace, which its alarms and metrics read', () => {
    expect(namespaces(receivers).sort()).toEqual([
      telemetry.metricsNamespace,
      'WebhookIngestion/receivers/Partners',
    ]);
    expect(namespaces(cardsTemplate)).toEqual(['WebhookIngestion/cards/Cards']);
    const alarmMetrics = JSON.stringify(
      valuesOf(cardsTemplate, 'AWS::CloudWatch::Alarm', 'Metrics'),
    );
    expect(alarmMetrics).toContain('SCHEMA(\\"WebhookIngestion/cards/Cards\\"');
    expect(alarmMetrics).not.toContain('SCHEMA(\\"WebhookIngestion\\"');
    expect(cards.metricAccepted().expression).toContain('"WebhookIngestion/cards/Cards"');
    expect(partners.metricRejected().expression).toContain('"WebhookIngestion/receivers/Partners"');
    expect(unnamed.metricRejected().expression).toContain('"WebhookIngestion"');
  });

  it('lets exactly one instance set the API Gateway account: here the pci-dss one, told to', () => {
    // The unnamed instance's HTTP API needs none; Partners' REST API is a named instance's.
    receivers.resourceCountIs('AWS::ApiGateway::Account', 0);
    cardsTemplate.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it.runIf(hasCfnLint)('passes cfn-lint', { timeout: 120_000 }, () => {
    const { status, output } = cfnLint({ receivers, cards: cardsTemplate });
    expect(output).toContain(cleanRun(2));
    expect(status).toBe(0);
  });
});

describe('the unnamed instance', () => {
  const stack = new Stack(app(), 'Stock', { stackName: 'webhook-ingestion' });
  const ingestion = new WebhookIngestion(stack, 'WebhookIngestion', { waf: true });
  const template = Template.fromStack(stack);

  it('keeps the names, logical ids and outputs a deployed stack has', () => {
    const json = template.toJSON() as { Resources: Resources; Outputs: object };
    expect(Object.keys(json.Outputs)).toEqual(
      expect.arrayContaining([
        ...Object.values(stackOutputKeys),
        ...Object.values(operatorOutputKeys),
      ]),
    );
    expect(Object.keys(json.Resources)).toEqual(
      expect.arrayContaining([...Object.values(queueLogicalIds), payloadBucketLogicalId]),
    );
    expect(valuesOf(template, 'AWS::KMS::Alias', 'AliasName').sort()).toEqual(
      [kmsKeys.audit.alias, kmsKeys.queue.alias, kmsKeys.secrets.alias].sort(),
    );
    expect(namespaces(template)).toEqual([telemetry.metricsNamespace]);
    expect(valuesOf(template, 'AWS::CloudWatch::Dashboard', 'DashboardName')).toEqual([
      'webhook-ingestion-audit',
    ]);
    expect(ingestion.webAcl?.name).toBe('webhook-ingestion-ingest');
  });

  it('sets the API Gateway account for its REST API, as it did', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });
});

describe('what would collide is refused at synthesis, naming both instances', () => {
  it('a second unnamed instance, in the same stack or another', () => {
    const shared = app();
    const stack = new Stack(shared, 'One');
    new WebhookIngestion(stack, 'First');
    expect(() => new WebhookIngestion(stack, 'Second')).toThrow(
      /One\/Second: One\/First is already the unnamed WebhookIngestion of this app/,
    );
    expect(() => new WebhookIngestion(new Stack(shared, 'Two'), 'Third')).toThrow(
      InstanceNameError,
    );
  });

  it('one instanceName twice in a stack, but not in two stacks', () => {
    const shared = app();
    const stack = new Stack(shared, 'One');
    new WebhookIngestion(stack, 'First', { instanceName: 'Orders' });
    expect(() => new WebhookIngestion(stack, 'Second', { instanceName: 'Orders' })).toThrow(
      /is already instance 'Orders'/,
    );
    expect(
      () => new WebhookIngestion(new Stack(shared, 'Two'), 'Other', { instanceName: 'Orders' }),
    ).not.toThrow();
  });

  it('a second owner of the API Gateway account in one account and region', () => {
    const shared = app();
    const env = (region: string) => ({ env: { account: '111111111111', region } });
    const told = { waf: true, manageApiGatewayAccount: true };
    new WebhookIngestion(new Stack(shared, 'Here', env('eu-west-1')), 'Stock', { waf: true });
    // A stack without an environment may be deployed beside it.
    expect(
      () =>
        new WebhookIngestion(new Stack(shared, 'Anywhere'), 'Cards', {
          ...told,
          instanceName: 'Cards',
        }),
    ).toThrow(/Anywhere\/Cards: Here\/Stock already sets the region's AWS::ApiGateway::Account/);
    // Another region has its own.
    expect(
      () => new WebhookIngestion(new Stack(shared, 'There', env('eu-central-1')), 'Stock', told),
    ).not.toThrow();
  });

  it('an instanceName that cannot prefix an output key', () => {
    const stack = new Stack(app(), 'One');
    expect(() => new WebhookIngestion(stack, 'Bad', { instanceName: 'orders-eu' })).toThrow(
      InstanceNameError,
    );
  });
});

describe("the CLI's --instance among a stack's outputs", () => {
  const keysOf = (...instances: string[]) =>
    instances.flatMap((name) => [`${name}RegistryTableName`, `${name}AuditTableName`]);

  it("picks the named instance's outputs", () => {
    expect(chooseInstance('s', keysOf('', 'Partners'), 'Partners')).toBe('Partners');
  });

  it('without --instance, takes the only instance, else the unnamed one', () => {
    expect(chooseInstance('s', keysOf('Cards'), undefined)).toBe('Cards');
    expect(chooseInstance('s', keysOf(''), undefined)).toBe('');
    expect(chooseInstance('s', keysOf('', 'Partners'), undefined)).toBe('');
  });

  it('refuses several named instances without --instance, listing them', () => {
    expect(() => chooseInstance('s', keysOf('Orders', 'Partners'), undefined)).toThrow(
      "stack 's' holds several webhook-ingestion instances (Orders, Partners): say which with --instance NAME",
    );
  });

  it('refuses an instance the stack does not hold, listing those it does', () => {
    expect(() => chooseInstance('s', keysOf('', 'Partners'), 'Cards')).toThrow(
      "stack 's' has no instance 'Cards': it holds (unnamed), Partners",
    );
  });
});
