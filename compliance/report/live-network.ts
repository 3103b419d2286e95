/**
 * The live network settings the isolated-network control cites: each security group's egress
 * rules (ec2:DescribeSecurityGroupRules), each VPC endpoint's service and state
 * (ec2:DescribeVpcEndpoints) and each flow log's traffic type and status (ec2:DescribeFlowLogs).
 * Read by `webhooks compliance report` only (live-resources.ts).
 */
import {
  DescribeFlowLogsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { type Observed, observe } from './observed.ts';

/** One egress rule, in the fields a template's rule names. */
export interface LiveEgressRule {
  readonly ipProtocol: string | undefined;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly cidrIpv4: string | undefined;
  readonly cidrIpv6: string | undefined;
  readonly prefixListId: string | undefined;
  readonly groupId: string | undefined;
}

export interface LiveSecurityGroup {
  readonly egress: readonly LiveEgressRule[];
}

export interface LiveVpcEndpoint {
  readonly serviceName: string | undefined;
  readonly state: string | undefined;
  /** The endpoint policy as JSON text. */
  readonly policyDocument: string | undefined;
}

export interface LiveFlowLog {
  readonly trafficType: string | undefined;
  readonly status: string | undefined;
}

/** Every egress rule of the group, page by page. */
export function readSecurityGroup(
  ec2: EC2Client,
  groupId: string,
): Promise<Observed<LiveSecurityGroup>> {
  return observe('ec2:DescribeSecurityGroupRules', async () => {
    const egress: LiveEgressRule[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeSecurityGroupRulesCommand({
          Filters: [{ Name: 'group-id', Values: [groupId] }],
          NextToken: token,
        }),
      );
      for (const rule of page?.SecurityGroupRules ?? []) {
        if (rule.IsEgress !== true) continue;
        egress.push({
          ipProtocol: rule.IpProtocol,
          fromPort: rule.FromPort,
          toPort: rule.ToPort,
          cidrIpv4: rule.CidrIpv4,
          cidrIpv6: rule.CidrIpv6,
          prefixListId: rule.PrefixListId,
          groupId: rule.ReferencedGroupInfo?.GroupId,
        });
      }
      token = page?.NextToken;
    } while (token !== undefined);
    return { egress };
  });
}

export function readVpcEndpoint(ec2: EC2Client, id: string): Promise<Observed<LiveVpcEndpoint>> {
  return observe('ec2:DescribeVpcEndpoints', async () => {
    const { VpcEndpoints } = await ec2.send(
      new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }),
    );
    const endpoint = VpcEndpoints?.[0];
    if (endpoint === undefined) throw new NetworkNotFoundError(`no VPC endpoint ${id}`);
    return {
      serviceName: endpoint.ServiceName,
      state: endpoint.State,
      policyDocument: endpoint.PolicyDocument,
    };
  });
}

export function readFlowLog(ec2: EC2Client, id: string): Promise<Observed<LiveFlowLog>> {
  return observe('ec2:DescribeFlowLogs', async () => {
    const { FlowLogs } = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }));
    const log = FlowLogs?.[0];
    if (log === undefined) throw new NetworkNotFoundError(`no flow log ${id}`);
    return { trafficType: log.TrafficType, status: log.FlowLogStatus };
  });
}

class NetworkNotFoundError extends Error {
  override readonly name = 'NotFound';
}
