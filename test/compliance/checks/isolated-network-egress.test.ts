/**
 * The network rule (compliance/checks/lambda-in-isolated-network.ts) on small hand-written
 * templates: what the ingest Lambda's security group lets out. On real deployments:
 * deployment-checks.ts.
 */
import { describe, expect, it } from 'vitest';
import { lambdaInIsolatedNetwork } from '../../../compliance/checks/lambda-in-isolated-network.ts';
import { complianceProfiles } from '../../../compliance/profiles.ts';
import type { Template, TemplateResource } from '../../../compliance/report/template.ts';
import { auditTable } from '../../../functions/config/tables.ts';

const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
const groupId = { 'Fn::GetAtt': ['FunctionGroup', 'GroupId'] };

/** A network that passes every other part of the rule, with the function group given. */
function network(
  functionGroup: TemplateResource,
  more: Readonly<Record<string, TemplateResource>> = {},
): Template {
  const endpoint = (service: string): TemplateResource => ({
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: { ServiceName: `com.amazonaws.eu-west-1.${service}` },
  });
  return {
    Resources: {
      Ingest: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: { Variables: { [auditTable.nameVariable]: 'audit' } },
          VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [groupId] },
        },
      },
      FunctionGroup: functionGroup,
      DynamoDbEndpoint: endpoint('dynamodb'),
      SqsEndpoint: endpoint('sqs'),
      KmsEndpoint: endpoint('kms'),
      FlowLog: { Type: 'AWS::EC2::FlowLog', Properties: { TrafficType: 'ALL' } },
      ...more,
    },
  };
}

const group = (egress?: readonly Record<string, unknown>[]): TemplateResource => ({
  Type: 'AWS::EC2::SecurityGroup',
  Properties: {
    GroupDescription: 'functions',
    ...(egress === undefined ? {} : { SecurityGroupEgress: egress }),
  },
});

const egressResource = (rule: Record<string, unknown>): TemplateResource => ({
  Type: 'AWS::EC2::SecurityGroupEgress',
  Properties: { GroupId: groupId, ...https, ...rule },
});

const evaluate = (template: Template) =>
  lambdaInIsolatedNetwork.evaluate({ template, requirements: complianceProfiles['pci-dss'] });

describe("the network rule on the ingest Lambda's security group", () => {
  it('complies when it lets HTTPS out only to an endpoint group and prefix lists', () => {
    const outcome = evaluate(
      network(
        group([{ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 }]),
        {
          ToEndpoints: egressResource({
            DestinationSecurityGroupId: { 'Fn::GetAtt': ['EndpointGroup', 'GroupId'] },
          }),
          ToDynamoDb: egressResource({
            DestinationPrefixListId: { 'Fn::GetAtt': ['PrefixLists', 'dynamodb'] },
          }),
        },
      ),
    );
    expect(outcome.verdict).toEqual({ kind: 'compliant' });
    expect(outcome.evidence.map(({ resource, value }) => [resource, value])).toEqual(
      expect.arrayContaining([
        ['FunctionGroup', 'icmp 252-86 to CidrIp 255.255.255.255/32'],
        ['ToEndpoints', 'tcp 443 to DestinationSecurityGroupId EndpointGroup.GroupId'],
        ['ToDynamoDb', 'tcp 443 to DestinationPrefixListId PrefixLists.dynamodb'],
      ]),
    );
  });

  it('names a rule to any IPv4 or IPv6 address, inline or a resource of its own', () => {
    const outcome = evaluate(
      network(group([{ ...https, CidrIp: '0.0.0.0/0' }]), {
        AnyIpv6: egressResource({ CidrIpv6: '::/0' }),
      }),
    );
    expect(outcome.verdict).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['FunctionGroup'],
          why: 'FunctionGroup lets the ingest Lambda out to any address (0.0.0.0/0)',
        },
        { resources: ['AnyIpv6'], why: 'AnyIpv6 lets the ingest Lambda out to any address (::/0)' },
      ],
    });
  });

  it("finds a group with no egress rule, which keeps EC2's default: all traffic anywhere", () => {
    expect(evaluate(network(group())).verdict).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['FunctionGroup'],
          why: 'security group FunctionGroup has no egress rule, so EC2 keeps its default: all traffic to any address',
        },
      ],
    });
  });

  it('cannot judge a group the template does not hold', () => {
    const template = network(group([{ ...https, CidrIp: '10.0.0.0/8' }]));
    const ingest = template.Resources.Ingest as TemplateResource;
    const imported: Template = {
      Resources: {
        ...template.Resources,
        Ingest: {
          ...ingest,
          Properties: {
            ...ingest.Properties,
            VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-0123'] },
          },
        },
      },
    };
    expect(evaluate(imported).verdict).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: [],
          why: "the ingest Lambda's security group sg-0123 is not in the template, so what it lets out cannot be read",
        },
      ],
    });
  });
});
