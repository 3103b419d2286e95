/**
 * Network access restricted to what is necessary (PCI DSS 1.3, HIPAA §164.312(b)): the ingest
 * Lambda in subnets with no way out but the endpoints of what it calls, its security groups
 * letting nothing out to any address, and flow logs of all traffic. With `--stack`, each egress
 * rule is looked for among the group's live rules (ec2:DescribeSecurityGroupRules), which must
 * let nothing out to any address; the endpoints (ec2:DescribeVpcEndpoints) and flow logs
 * (ec2:DescribeFlowLogs) are read as EC2 runs them.
 */
import { auditTable } from '../../functions/config/tables.ts';
import type { LiveEgressRule, LiveFlowLog, LiveVpcEndpoint } from '../report/live-network.ts';
import {
  describeValue,
  ingestFunction,
  isRecord,
  property,
  referencedId,
  resourcesOfType,
  type Template,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  liveOfEach,
  livePhysicalId,
  liveResource,
  notApplicable,
  type RuleContext,
  type TemplateRule,
} from './rule.ts';

/** The services the ingest Lambda calls, each of which needs an endpoint in the VPC. */
const endpointServices = ['dynamodb', 'sqs', 'kms'];

/** Resources that would give the VPC a route to the internet. */
const gatewayTypes = ['AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway'];

/** The destinations that stand for any address. */
const anyAddress = { CidrIp: '0.0.0.0/0', CidrIpv6: '::/0' } as const;

/** One egress rule of a security group, inline or a resource of its own. */
interface EgressRule {
  /** The logical id of the group, or of the `AWS::EC2::SecurityGroupEgress` resource. */
  readonly id: string;
  readonly type: string;
  readonly rule: Readonly<Record<string, unknown>>;
  /** The security group the rule belongs to. */
  readonly group: string;
}

/** A rule's protocol, ports and destination, as a reader would write them. */
function describeRule(rule: Readonly<Record<string, unknown>>): string {
  const protocol = describeValue(rule.IpProtocol);
  const ports =
    rule.FromPort === rule.ToPort
      ? describeValue(rule.FromPort)
      : `${describeValue(rule.FromPort)}-${describeValue(rule.ToPort)}`;
  const destination = [
    'CidrIp',
    'CidrIpv6',
    'DestinationPrefixListId',
    'DestinationSecurityGroupId',
  ]
    .filter((field) => rule[field] !== undefined)
    .map((field) => `${field} ${describeValue(rule[field])}`)
    .join(', ');
  return `${protocol} ${ports} to ${destination || '(no destination)'}`;
}

/**
 * What the ingest Lambda's security groups let out, and what is wrong with it: a rule to any
 * address, a group of the template with no egress rule at all (EC2 then keeps its default rule,
 * all traffic to any address, which CloudFormation removes only when it adds a rule), or a
 * group the template does not hold.
 */
function egressOf(
  template: Template,
  groupIds: readonly unknown[],
): { readonly rules: EgressRule[]; readonly findings: Finding[] } {
  const rules: EgressRule[] = [];
  const findings: Finding[] = [];
  for (const value of groupIds) {
    const id = referencedId(value);
    const group = id === undefined ? undefined : template.Resources[id];
    if (id === undefined || group?.Type !== 'AWS::EC2::SecurityGroup') {
      findings.push(
        finding(
          `the ingest Lambda's security group ${describeValue(value)} is not in the template, so what it lets out cannot be read`,
        ),
      );
      continue;
    }
    const inline = property(group, 'SecurityGroupEgress');
    const groupRules: EgressRule[] = [
      ...(Array.isArray(inline) ? inline : [])
        .filter(isRecord)
        .map((rule) => ({ id, type: group.Type, rule, group: id })),
      ...resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')
        .filter(({ resource }) => referencedId(property(resource, 'GroupId')) === id)
        .map(({ id: ruleId, resource }) => ({
          id: ruleId,
          type: resource.Type,
          rule: resource.Properties ?? {},
          group: id,
        })),
    ];
    if (groupRules.length === 0) {
      findings.push(
        finding(
          `security group ${id} has no egress rule, so EC2 keeps its default: all traffic to any address`,
          id,
        ),
      );
    }
    rules.push(...groupRules);
  }
  for (const { id, rule } of rules) {
    for (const [field, address] of Object.entries(anyAddress)) {
      if (rule[field] === address) {
        findings.push(finding(`${id} lets the ingest Lambda out to any address (${address})`, id));
      }
    }
  }
  return { rules, findings };
}

/**
 * Whether the live endpoints cover every service the Lambda calls, each available, and the
 * stack lists no NAT or internet gateway (the gateways are judged from the stack's resources).
 */
function endpointsJudged(
  context: RuleContext,
  live: readonly LiveVpcEndpoint[],
): readonly [boolean, string] {
  const available = live.filter(({ state }) => state?.toLowerCase() === 'available');
  const covered = endpointServices.filter((service) =>
    available.some(({ serviceName }) => serviceName?.endsWith(`.${service}`)),
  );
  const gateways = [...(context.live?.resources?.physicalIds.keys() ?? [])].filter((id) =>
    gatewayTypes.includes(context.template.Resources[id]?.Type ?? ''),
  );
  return [
    covered.length === endpointServices.length && gateways.length === 0,
    `available endpoints for ${covered.join(', ') || 'none'}; the stack lists ${gateways.length === 0 ? 'no NAT or internet gateway' : gateways.join(', ')}`,
  ];
}

/** Whether a live egress rule is the template's: protocol, ports and destination. */
function sameRule(
  context: RuleContext,
  rule: Readonly<Record<string, unknown>>,
  live: LiveEgressRule,
): boolean {
  const destination = (value: unknown, liveValue: string | undefined) => {
    if (value === undefined) return liveValue === undefined;
    if (typeof value === 'string') return value === liveValue;
    // A security group's reference is its physical id; another (a prefix list a custom
    // resource looks up) only says the rule has a destination of that kind.
    const id = referencedId(value);
    const group =
      id !== undefined && context.template.Resources[id]?.Type === 'AWS::EC2::SecurityGroup';
    const physical = group ? livePhysicalId(context, id) : undefined;
    return liveValue !== undefined && (physical === undefined || physical === liveValue);
  };
  return (
    String(rule.IpProtocol) === live.ipProtocol &&
    (rule.FromPort === undefined || rule.FromPort === live.fromPort) &&
    (rule.ToPort === undefined || rule.ToPort === live.toPort) &&
    destination(rule.CidrIp, live.cidrIpv4) &&
    destination(rule.CidrIpv6, live.cidrIpv6) &&
    destination(rule.DestinationPrefixListId, live.prefixListId) &&
    destination(rule.DestinationSecurityGroupId, live.groupId)
  );
}

function describeLive(rule: LiveEgressRule): string {
  const to = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId ?? rule.groupId ?? '?';
  return `${rule.ipProtocol} ${rule.fromPort}-${rule.toPort} to ${to}`;
}

export const lambdaInIsolatedNetwork: TemplateRule<'lambda-in-isolated-network'> = {
  name: 'lambda-in-isolated-network',
  summary:
    'The ingest Lambda runs in VPC subnets with no NAT and no internet gateway, reaches DynamoDB, SQS and KMS through VPC endpoints, its security groups let nothing out to any address (0.0.0.0/0, ::/0), and flow logs record all traffic.',
  evaluate(context) {
    const { template } = context;
    const ingest = ingestFunction(template, auditTable.nameVariable);
    if (ingest === undefined) return notApplicable('the template has no ingest Lambda');
    const findings: Finding[] = [];
    const templateSubnets = valueAt(property(ingest.resource, 'VpcConfig'), 'SubnetIds');
    const live = liveResource(context, 'functions', ingest.id, ({ subnetIds }) => [
      subnetIds.length > 0 &&
        subnetIds.length === (Array.isArray(templateSubnets) ? templateSubnets.length : 0),
      subnetIds.length === 0 ? 'in no VPC' : `in subnets ${subnetIds.join(', ')}`,
    ]);
    const subnets = valueAt(property(ingest.resource, 'VpcConfig'), 'SubnetIds');
    if (!Array.isArray(subnets) || subnets.length === 0) {
      findings.push(finding('the ingest Lambda is in no VPC', ingest.id));
    }
    const groupIds = valueAt(property(ingest.resource, 'VpcConfig'), 'SecurityGroupIds');
    const egress = egressOf(template, Array.isArray(groupIds) ? groupIds : []);
    findings.push(...egress.findings);
    const gateways = gatewayTypes.flatMap((type) => resourcesOfType(template, type));
    const waysOut = gateways.map(({ id, resource }) => `${id} (${resource.Type})`).join(', ');
    if (gateways.length > 0) {
      findings.push(finding(`the VPC has a way out: ${waysOut}`, ...gateways.map(({ id }) => id)));
    }
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint');
    const services = endpoints.map(({ resource }) =>
      JSON.stringify(property(resource, 'ServiceName') ?? null),
    );
    const missing = endpointServices.filter(
      (service) => !services.some((name) => name.includes(`.${service}`)),
    );
    if (missing.length > 0) findings.push(finding(`no VPC endpoint for ${missing.join(', ')}`));
    const flowLogs = resourcesOfType(template, 'AWS::EC2::FlowLog').filter(
      ({ resource }) => property(resource, 'TrafficType') === 'ALL',
    );
    if (flowLogs.length === 0) findings.push(finding('no flow log records all traffic'));
    const evidence: Evidence[] = [
      {
        resource: ingest.id,
        type: ingest.resource.Type,
        property: 'VpcConfig.SubnetIds',
        value: Array.isArray(subnets) ? subnets.map(describeValue).join(', ') : '(not in a VPC)',
        ...live,
      },
      {
        resource: '(the VPC)',
        type: 'AWS::EC2::VPCEndpoint',
        property: 'ServiceName',
        value: `endpoints for ${endpointServices.filter((s) => !missing.includes(s)).join(', ') || 'none'}; ${gateways.length === 0 ? 'no NAT or internet gateway' : waysOut}`,
        ...liveOfEach(
          context,
          endpoints.map(({ id }) => id),
          (resources, id) => resources.vpcEndpoints.get(id),
          (live: readonly LiveVpcEndpoint[]) => endpointsJudged(context, live),
        ),
      },
      ...egress.rules.map(({ id, type, rule, group }) => ({
        resource: id,
        type,
        property: type === 'AWS::EC2::SecurityGroup' ? 'SecurityGroupEgress' : 'egress rule',
        value: describeRule(rule),
        ...liveResource(context, 'securityGroups', group, ({ egress: live }) => {
          const open = live.filter(
            (r) => r.cidrIpv4 === anyAddress.CidrIp || r.cidrIpv6 === anyAddress.CidrIpv6,
          );
          const found = live.some((r) => sameRule(context, rule, r));
          return [
            found && open.length === 0,
            open.length > 0
              ? `the group lets out to any address (${open.map(describeLive).join('; ')})`
              : found
                ? describeRule(rule)
                : `no such rule; the group's egress: ${live.map(describeLive).join('; ') || 'none'}`,
          ];
        }),
      })),
      ...flowLogs.map(({ id, resource }) => ({
        resource: id,
        type: resource.Type,
        property: 'TrafficType',
        value: `ALL, to ${describeValue(property(resource, 'LogGroupName'))}`,
        ...liveResource(context, 'flowLogs', id, ({ trafficType, status }: LiveFlowLog) => [
          trafficType === 'ALL' && status?.toUpperCase() === 'ACTIVE',
          `${trafficType ?? '(no traffic type)'}, ${status ?? '(no status)'}`,
        ]),
      })),
    ];
    return compliantUnless(findings, evidence);
  },
};
