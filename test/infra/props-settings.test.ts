/**
 * What an operator may bring or tune (issue 16, point 3): their VPC and subnets, their alarm
 * topic, the ingest function's memory and architecture, the delivery queue and the dashboard's
 * name, each checked where the settings are resolved, and refused, naming the control, where
 * a profile's control depends on it.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';

function problemsOf(props: WebhookIngestionProps): readonly string[] {
  try {
    resolveSettings(props);
  } catch (error) {
    if (error instanceof DeploymentSettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected DeploymentSettingsError');
}

/** An operator's VPC as CDK knows it after a lookup: two subnets of each kind. */
function operatorVpc(): { stack: Stack; vpc: ec2.IVpc } {
  const stack = new Stack(new App(), 'operator');
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
    privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
    privateSubnetRouteTableIds: ['rtb-private-a', 'rtb-private-b'],
    isolatedSubnetIds: ['subnet-isolated-a', 'subnet-isolated-b'],
    isolatedSubnetRouteTableIds: ['rtb-isolated-a', 'rtb-isolated-b'],
  });
  return { stack, vpc };
}

describe("an operator's VPC", () => {
  it('turns VPC placement on, in its isolated subnets unless told otherwise', () => {
    const { vpc } = operatorVpc();
    expect(resolveSettings({ vpc }).vpcPlacement).toBe(true);
    expect(
      resolveSettings({ complianceProfiles: ['pci-dss'], alarmEmail: 'alarms@example.com', vpc })
        .vpcPlacement,
    ).toBe(true);
    expect(
      resolveSettings({
        complianceProfiles: ['hipaa'],
        alarmEmail: 'alarms@example.com',
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      }).vpcPlacement,
    ).toBe(true);
  });

  it('refuses public subnets under pci-dss and hipaa, naming their network controls', () => {
    const { vpc } = operatorVpc();
    const problems = problemsOf({
      complianceProfiles: ['pci-dss', 'hipaa'],
      alarmEmail: 'alarms@example.com',
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('subnet-public-a, subnet-public-b');
    expect(problems[0]).toContain('pci-dss 1.3, hipaa 164.312(b) refuse it');
  });

  it('refuses a public subnet passed by hand, which CDK itself would let through', () => {
    const { vpc } = operatorVpc();
    const [problem] = problemsOf({ vpc, vpcSubnets: { subnets: vpc.publicSubnets.slice(0, 1) } });
    expect(problem).toMatch(/^vpcSubnets selects public subnets \(subnet-public-a\)/);
  });

  it('refuses, under pci-dss, subnets the VPC does not describe, since nothing shows how they route', () => {
    const { stack, vpc } = operatorVpc();
    const unknown = ec2.Subnet.fromSubnetId(stack, 'Unknown', 'subnet-elsewhere');
    const props = { vpc, vpcSubnets: { subnets: [unknown] } };
    expect(
      problemsOf({ ...props, complianceProfiles: ['pci-dss'], alarmEmail: 'alarms@example.com' }),
    ).toEqual([expect.stringMatching(/\(subnet-elsewhere\).*which pci-dss 1\.3 require/)]);
    expect(resolveSettings(props).vpcPlacement).toBe(true);
  });

  it('refuses vpcSubnets without a vpc, and a vpc with VPC placement turned off', () => {
    const { vpc } = operatorVpc();
    expect(problemsOf({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })).toEqual([
      'vpcSubnets selects subnets of vpc, which is not given',
    ]);
    expect(problemsOf({ vpc, vpcPlacement: false })).toEqual([
      'vpc is given but vpcPlacement is false: leave vpcPlacement out, or vpc',
    ]);
  });
});

describe("an operator's alarm topic", () => {
  const topic = () =>
    sns.Topic.fromTopicArn(
      new Stack(new App(), 'operator'),
      'Topic',
      'arn:aws:sns:eu-west-1:111122223333:alarms',
    );

  it('is refused under pci-dss and gdpr until vouched for, naming the TLS controls', () => {
    const [problem] = problemsOf({ complianceProfiles: ['pci-dss', 'gdpr'], alarmTopic: topic() });
    expect(problem).toContain('which pci-dss 4.2.1, gdpr 32 require');
    expect(problem).toContain('set alarmTopicEncryptedAndTlsOnly: true');
    expect(() =>
      resolveSettings({
        complianceProfiles: ['pci-dss', 'gdpr'],
        alarmTopic: topic(),
        alarmTopicEncryptedAndTlsOnly: true,
      }),
    ).not.toThrow();
  });

  it('is taken as it is where no control names topics, and the statement needs a topic', () => {
    expect(() =>
      resolveSettings({ complianceProfiles: ['ccpa'], alarmTopic: topic() }),
    ).not.toThrow();
    expect(problemsOf({ alarmTopicEncryptedAndTlsOnly: true })).toEqual([
      'alarmTopicEncryptedAndTlsOnly vouches for alarmTopic, which is not given',
    ]);
  });
});

describe('the ingest function, the delivery queue and the dashboard', () => {
  it('default to 512 MiB on arm64, 14 days, 5 minutes and 5 receives', () => {
    expect(resolveSettings({})).toMatchObject({
      ingestMemoryMiB: 512,
      ingestArchitecture: 'arm64',
      deliveryQueue: {
        retentionSeconds: 1_209_600,
        visibilityTimeoutSeconds: 300,
        maxReceiveCount: 5,
      },
    });
    expect(resolveSettings({}).dashboardName).toBeUndefined();
  });

  it('take what the operator asks within the ranges', () => {
    expect(
      resolveSettings({
        ingestMemoryMiB: 1_769,
        ingestArchitecture: 'x86_64',
        deliveryQueue: {
          retentionPeriod: Duration.days(4),
          visibilityTimeout: Duration.minutes(15),
          maxReceiveCount: 10,
        },
        dashboardName: 'payments_webhooks-audit',
      }),
    ).toMatchObject({
      ingestMemoryMiB: 1_769,
      ingestArchitecture: 'x86_64',
      deliveryQueue: {
        retentionSeconds: 345_600,
        visibilityTimeoutSeconds: 900,
        maxReceiveCount: 10,
      },
      dashboardName: 'payments_webhooks-audit',
    });
  });

  it('refuse memory, an architecture, queue settings and a dashboard name out of range, each by prop', () => {
    expect(
      problemsOf({
        ingestMemoryMiB: 128,
        ingestArchitecture: 'riscv' as never,
        deliveryQueue: {
          retentionPeriod: Duration.hours(12),
          visibilityTimeout: Duration.hours(13),
          maxReceiveCount: 0,
        },
        dashboardName: 'audit dashboard',
      }),
    ).toEqual([
      'ingestMemoryMiB must be an integer from 256 to 10240, got 128',
      'ingestArchitecture must be one of arm64, x86_64, got "riscv"',
      'deliveryQueue.retentionPeriod must be a whole number from 172800 to 1209600 seconds, got 43200',
      'deliveryQueue.visibilityTimeout must be a whole number from 1 to 43200 seconds, got 46800',
      'deliveryQueue.maxReceiveCount must be a whole number from 1 to 1000, got 0',
      "dashboardName must be 1 to 255 letters, digits, '-' or '_', got \"audit dashboard\"",
    ]);
  });

  it('refuse a queue-age alarm that would fire only after deliveries expire', () => {
    expect(
      problemsOf({
        deliveryQueue: { retentionPeriod: Duration.days(2) },
        alarms: { queueAge: Duration.days(3) },
      }),
    ).toEqual([
      'alarms.queueAge (3 days) must be shorter than deliveryQueue.retentionPeriod (172800 seconds): deliveries would expire before it fires',
    ]);
  });
});
