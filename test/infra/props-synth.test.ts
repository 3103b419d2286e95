/**
 * What an operator brings or tunes (issue 16, point 3), synthesized: the functions in their
 * VPC's subnets with this deployment's endpoints and flow logs there, the alarms on their
 * topic, and the ingest function, delivery queue, payload bucket and dashboard as asked.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { lambdaInIsolatedNetwork } from '../../compliance/checks/lambda-in-isolated-network.ts';
import { combineProfiles } from '../../compliance/profiles.ts';
import { asTemplate, property } from '../../compliance/report/template.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';
import { ingestLambda, nagFindings, userConsumerFunction } from './deployment.ts';

const synthTimeoutMs = 180_000;

function synthesized(props: (stack: Stack) => WebhookIngestionProps) {
  const app = new App();
  const stack = new Stack(app, 'webhook-ingestion-props');
  const ingestion = new WebhookIngestion(stack, 'WebhookIngestion', props(stack));
  const template = Template.fromStack(stack);
  const cloudFormation = asTemplate(template.toJSON(), stack.stackName);
  return { app, stack, ingestion, template, cloudFormation };
}

function operatorVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'OperatorVpc', {
    vpcId: 'vpc-0a1b2c3d',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-0a22', 'subnet-0b22'],
    isolatedSubnetIds: ['subnet-0a11', 'subnet-0b11'],
    isolatedSubnetRouteTableIds: ['rtb-0a11', 'rtb-0b11'],
  });
}

describe("a pci-dss deployment in the operator's VPC", () => {
  const d = synthesized((stack) => ({
    complianceProfiles: ['pci-dss'],
    alarmEmail: 'alarms@example.com',
    vpc: operatorVpc(stack),
  }));

  it(
    'runs the ingest Lambda in its isolated subnets, and creates no VPC of its own',
    () => {
      d.template.resourceCountIs('AWS::EC2::VPC', 0);
      d.template.resourceCountIs('AWS::EC2::Subnet', 0);
      const vpcConfig = property(ingestLambda(d.cloudFormation).resource, 'VpcConfig');
      expect(vpcConfig).toMatchObject({ SubnetIds: ['subnet-0a11', 'subnet-0b11'] });
      // Its default security group is the operator's: no custom resource strips it.
      d.template.resourceCountIs('Custom::VpcRestrictDefaultSG', 0);
    },
    synthTimeoutMs,
  );

  it('adds its endpoints to that VPC and flow-logs the subnets it runs in', () => {
    d.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0a1b2c3d',
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-0a11', 'rtb-0b11'],
    });
    d.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0a1b2c3d',
      VpcEndpointType: 'Interface',
      SubnetIds: ['subnet-0a11', 'subnet-0b11'],
    });
    for (const subnet of ['subnet-0a11', 'subnet-0b11']) {
      d.template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceId: subnet,
        ResourceType: 'Subnet',
        TrafficType: 'ALL',
      });
    }
    d.template.resourceCountIs('AWS::EC2::FlowLog', 2);
  });

  it('passes the network control check and leaves no cdk-nag finding', () => {
    const outcome = lambdaInIsolatedNetwork.evaluate({
      template: d.cloudFormation,
      requirements: combineProfiles(['pci-dss']),
    });
    expect(outcome.verdict).toEqual({ kind: 'compliant' });
    expect(nagFindings(d.app)).toEqual([]);
  });
});

describe('a deployment tuned by the operator', () => {
  const topicArn = 'arn:aws:sns:eu-west-1:111122223333:operations-alarms';
  const d = synthesized((stack) => ({
    alarmTopic: sns.Topic.fromTopicArn(stack, 'OperatorTopic', topicArn),
    ingestMemoryMiB: 1_024,
    ingestArchitecture: 'x86_64',
    deliveryQueue: {
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.minutes(2),
      maxReceiveCount: 3,
    },
    dashboardName: 'payments-webhooks',
  }));

  it(
    'gives the ingest Lambda the memory and architecture asked for',
    () => {
      const ingest = ingestLambda(d.cloudFormation).resource;
      expect(property(ingest, 'MemorySize')).toBe(1_024);
      expect(property(ingest, 'Architectures')).toEqual(['x86_64']);
    },
    synthTimeoutMs,
  );

  it('keeps deliveries as asked, and large bodies no longer than their messages', () => {
    d.template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 345_600,
      VisibilityTimeout: 120,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    d.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'ExpireBodiesWithinQueueRetention', ExpirationInDays: 3 }),
        ]),
      },
    });
  });

  it("notifies the operator's topic, creating none, on the dashboard named", () => {
    d.template.resourceCountIs('AWS::SNS::Topic', 0);
    d.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [topicArn],
    });
    d.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'payments-webhooks',
    });
    d.template.hasOutput('*', { Value: topicArn });
  });

  it("refuses a consumer whose timeout the queue's shorter visibility timeout does not cover", () => {
    const fn = userConsumerFunction(d.stack, 'SlowConsumer', { timeout: Duration.minutes(3) });
    expect(() => d.ingestion.addConsumer(fn)).toThrow(
      "addConsumer: the function's timeout (180 s) must be shorter than the delivery queue's visibility timeout (120 s), which deliveryQueue.visibilityTimeout sets",
    );
  });
});

describe('a delivery queue with a longer visibility timeout', () => {
  it('takes a consumer that the default 300 s would refuse', () => {
    const d = synthesized(() => ({ deliveryQueue: { visibilityTimeout: Duration.minutes(15) } }));
    const fn = userConsumerFunction(d.stack, 'LongConsumer', { timeout: Duration.minutes(10) });
    expect(() => d.ingestion.addConsumer(fn)).not.toThrow();
  });
});
