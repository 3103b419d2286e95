/**
 * `ingestion.addConsumer(fn, options)`: the user's function wired to the delivery queue, with
 * the consumer table, one managed policy, alarms and a dashboard row, and no cdk-nag finding
 * under the construct in any profile.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { complianceProfileNames } from '../../compliance/profiles.ts';
import { consumerNameVariable, consumerTable } from '../../functions/config/tables.ts';
import { queueLogicalIds } from '../../infra/queues.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { deployment, nagFindings, userConsumerFunction } from './deployment.ts';

/** A construct and a user function in a bare stack, for what addConsumer refuses or filters. */
function bareIngestion() {
  const stack = new Stack(new App(), 'Bare');
  return { stack, ingestion: new WebhookIngestion(stack, 'Webhooks') };
}

function onlyResource(template: Template, type: string): Record<string, unknown> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as Record<string, unknown>;
}

describe('addConsumer', () => {
  it.each(complianceProfileNames)(
    'leaves no cdk-nag finding under the construct with %s',
    (profile) => {
      const { app, ingestion } = deployment({ profiles: profile }, { consumer: true });
      const within = `${ingestion.node.path}/`;
      const findings = nagFindings(app).filter((finding) => finding.includes(` at ${within}`));
      expect(findings).toEqual([]);
    },
    120_000,
  );

  // cfn-lint (AWS's own template rules) on the wiring, as on the stock app's templates.
  it.runIf(hasCfnLint || process.env.CI)(
    'passes cfn-lint',
    () => {
      const run = cfnLint({
        consumer: deployment({ profiles: 'hipaa' }, { consumer: true }).template,
      });
      expect(run.output).toContain(cleanRun(1));
      expect(run.status).toBe(0);
    },
    120_000,
  );

  describe('in a deployment', () => {
    const { template, stack, ingestion } = deployment({ profiles: 'gdpr' }, { consumer: true });
    const ref = (construct: { node: { defaultChild?: unknown } }) => ({
      Ref: stack.getLogicalId(construct.node.defaultChild as never),
    });
    const userFunction = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([id]) => id.startsWith('OnDelivery'),
    );

    it('maps the delivery queue to the function with partial batch responses', () => {
      const mapping = onlyResource(template, 'AWS::Lambda::EventSourceMapping');
      expect(mapping.Properties).toMatchObject({
        FunctionName: { Ref: userFunction?.[0] },
        EventSourceArn: { 'Fn::GetAtt': [queueLogicalIds.queue, 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(JSON.stringify(mapping.Properties)).not.toContain('FilterCriteria');
      // Lambda checks the mapping's permissions when it creates it.
      expect(mapping.DependsOn).toContain(
        stack.getLogicalId(ingestion.consumer?.policy.node.defaultChild as never),
      );
    });

    it('gives the function exactly the actions the consumer takes, on its resources only', () => {
      const policy = template.toJSON().Resources[
        stack.getLogicalId(ingestion.consumer?.policy.node.defaultChild as never)
      ] as {
        Properties: { PolicyDocument: { Statement: Record<string, unknown>[] }; Roles: unknown[] };
      };
      const statements = Object.fromEntries(
        policy.Properties.PolicyDocument.Statement.map((s) => [s.Sid, [s.Action, s.Resource]]),
      );
      expect(Object.keys(statements).sort()).toEqual([
        'DecryptDeliveries',
        'ReadLargeBodies',
        'ReceiveDeliveries',
        'RecordRuns',
        'RecordRunsEncrypted',
      ]);
      expect(statements.ReadLargeBodies?.[0]).toBe('s3:GetObject');
      expect(statements.RecordRuns?.[1]).toEqual({
        'Fn::GetAtt': [
          stack.getLogicalId(ingestion.consumer?.table.node.defaultChild as never),
          'Arn',
        ],
      });
      expect(JSON.stringify(policy)).not.toMatch(/"(sqs|dynamodb|kms|s3):\*"|"\*"/);
      expect(policy.Properties.Roles).toHaveLength(1);
      // Each key is used by the services for the function, never by its own code.
      const viaOf = (sid: string) =>
        JSON.stringify(
          policy.Properties.PolicyDocument.Statement.find((s) => s.Sid === sid)?.Condition,
        );
      expect(viaOf('DecryptDeliveries')).toMatch(/kms:ViaService.*sqs\..*s3\./);
      expect(viaOf('RecordRunsEncrypted')).toMatch(/kms:ViaService.*dynamodb\./);
    });

    it('keeps runs in an encrypted table with TTL, named in the function environment', () => {
      const table = ingestion.consumer?.table;
      expect(table).toBeDefined();
      const resource = template.toJSON().Resources[
        stack.getLogicalId(table?.node.defaultChild as never)
      ] as { Properties: Record<string, unknown> };
      expect(resource.Properties).toMatchObject({
        KeySchema: [{ AttributeName: consumerTable.partitionKey.name, KeyType: 'HASH' }],
        TimeToLiveSpecification: {
          AttributeName: consumerTable.timeToLiveAttribute,
          Enabled: true,
        },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
      expect(userFunction?.[1].Properties.Environment.Variables).toMatchObject({
        [consumerTable.nameVariable]: {
          Ref: stack.getLogicalId(table?.node.defaultChild as never),
        },
        // Runs are remembered under the wiring's path, which outlives the function's replacement.
        [consumerNameVariable]: ingestion.consumer?.node.path,
      });
    });

    it('alarms on failed deliveries and crashed invocations, and shows outcomes on the dashboard', () => {
      const alarms = ingestion.consumer?.alarms ?? [];
      expect(alarms.map((alarm) => alarm.node.id)).toEqual(['Failures', 'InvocationErrors']);
      for (const alarm of alarms) {
        const json = template.toJSON().Resources[
          stack.getLogicalId(alarm.node.defaultChild as never)
        ] as { Properties: Record<string, unknown> };
        expect(json.Properties.AlarmActions).toEqual([ref(ingestion.alarmTopic.topic)]);
        expect(json.Properties.OKActions).toEqual([ref(ingestion.alarmTopic.topic)]);
      }
      const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard'));
      expect(body).toContain('Consumer outcomes');
      for (const outcome of ['ran', 'already_done', 'failed'])
        expect(body).toContain(`\\"${outcome}\\"`);
    });
  });

  it('turns providers and event types into an SQS event filter on the envelope', () => {
    const { stack, ingestion } = bareIngestion();
    ingestion.addConsumer(userConsumerFunction(stack), {
      providers: ['stripe-live', 'github'],
      eventTypes: ['invoice.paid'],
      batchSize: 5,
      maxConcurrency: 4,
    });
    const mapping = onlyResource(Template.fromStack(stack), 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    const [filter] = (mapping.Properties as { FilterCriteria: { Filters: { Pattern: string }[] } })
      .FilterCriteria.Filters;
    expect(JSON.parse(filter?.Pattern ?? '')).toEqual({
      body: { providerId: ['stripe-live', 'github'], eventType: ['invoice.paid'] },
    });
  });

  it('places the function in the VPC where the profiles require one, and opens its endpoints to it', () => {
    const stack = new Stack(new App(), 'Vpc');
    const ingestion = new WebhookIngestion(stack, 'Webhooks', {
      complianceProfiles: ['pci-dss'],
      alarmEmail: 'alarms@example.com',
    });
    expect(() => ingestion.addConsumer(userConsumerFunction(stack, 'Outside'))).toThrow(
      /place its functions in a VPC \(pci-dss\).*consumerPlacement/,
    );
    ingestion.addConsumer(userConsumerFunction(stack, 'Inside', ingestion.consumerPlacement()));
    const template = Template.fromStack(stack);
    const inside = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Inside'),
    )?.[1] as { Properties: { VpcConfig?: unknown } };
    expect(inside.Properties.VpcConfig).toBeDefined();
    const endpoints = JSON.stringify(template.findResources('AWS::EC2::VPCEndpoint'));
    const table = stack.getLogicalId(ingestion.consumer?.table.node.defaultChild as never);
    expect(endpoints).toContain(table);
    expect(endpoints).toContain('"s3:GetObject"');
    // Elsewhere the placement is empty, so a function's props can always spread it.
    expect(bareIngestion().ingestion.consumerPlacement()).toEqual({});
  });

  it('refuses a function of another stack, which would make the two stacks depend on each other', () => {
    const app = new App();
    const ingestion = new WebhookIngestion(new Stack(app, 'Ingestion'), 'Webhooks');
    const elsewhere = userConsumerFunction(new Stack(app, 'Consumers'));
    expect(() => ingestion.addConsumer(elsewhere)).toThrow(/is in another stack/);
  });

  it('refuses a second consumer, since the queue hands each delivery to one reader', () => {
    const { stack, ingestion } = bareIngestion();
    ingestion.addConsumer(userConsumerFunction(stack, 'First'));
    expect(() => ingestion.addConsumer(userConsumerFunction(stack, 'Second'))).toThrow(
      /already has a consumer/,
    );
  });

  it('refuses what the queue cannot serve: a timeout over its visibility timeout, a batch over 10', () => {
    const { stack, ingestion } = bareIngestion();
    const slow = new lambda.Function(stack, 'Slow', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
      timeout: Duration.minutes(6),
    });
    expect(() => ingestion.addConsumer(slow)).toThrow(/visibility timeout \(300 s\)/);
    // As long as the visibility timeout is not enough: a run must end before its copy returns.
    const even = userConsumerFunction(stack, 'Even', { timeout: Duration.seconds(300) });
    expect(() => ingestion.addConsumer(even)).toThrow(/must be shorter than/);
    expect(() => ingestion.addConsumer(userConsumerFunction(stack), { batchSize: 11 })).toThrow(
      /batchSize must be 1 to 10/,
    );
    expect(() =>
      ingestion.addConsumer(userConsumerFunction(stack, 'Other'), { providers: [] }),
    ).toThrow(/providers is empty/);
  });
});
