/**
 * Network access restricted to what is necessary (PCI DSS 1.3, HIPAA §164.312(b)): the ingest
 * Lambda in subnets with no way out but the endpoints of what it calls, and flow logs of all
 * traffic.
 */
import { auditTable } from '../../functions/config/tables.ts';
import {
  describeValue,
  ingestFunction,
  property,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  notApplicable,
  notReadable,
  type TemplateRule,
} from './rule.ts';

/** The services the ingest Lambda calls, each of which needs an endpoint in the VPC. */
const endpointServices = ['dynamodb', 'sqs', 'kms'];

/** Resources that would give the VPC a route to the internet. */
const gatewayTypes = ['AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway'];

export const lambdaInIsolatedNetwork: TemplateRule<'lambda-in-isolated-network'> = {
  name: 'lambda-in-isolated-network',
  summary:
    'The ingest Lambda runs in VPC subnets with no NAT and no internet gateway, reaches DynamoDB, SQS and KMS through VPC endpoints, and flow logs record all traffic.',
  evaluate(context) {
    const { template } = context;
    const ingest = ingestFunction(template, auditTable.nameVariable);
    if (ingest === undefined) return notApplicable('the template has no ingest Lambda');
    const findings: Finding[] = [];
    const live = notReadable(context, '@aws-sdk/client-lambda and @aws-sdk/client-ec2');
    const subnets = valueAt(property(ingest.resource, 'VpcConfig'), 'SubnetIds');
    if (!Array.isArray(subnets) || subnets.length === 0) {
      findings.push(finding('the ingest Lambda is in no VPC', ingest.id));
    }
    const gateways = gatewayTypes.flatMap((type) => resourcesOfType(template, type));
    const waysOut = gateways.map(({ id, resource }) => `${id} (${resource.Type})`).join(', ');
    if (gateways.length > 0) {
      findings.push(finding(`the VPC has a way out: ${waysOut}`, ...gateways.map(({ id }) => id)));
    }
    const services = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(({ resource }) =>
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
      },
      ...flowLogs.map(({ id, resource }) => ({
        resource: id,
        type: resource.Type,
        property: 'TrafficType',
        value: `ALL, to ${describeValue(property(resource, 'LogGroupName'))}`,
      })),
    ];
    return compliantUnless(findings, evidence);
  },
};
