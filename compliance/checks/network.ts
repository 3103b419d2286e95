/** The network around the API and the Lambda: the WAF in front, the isolated VPC behind. */
import { auditTable } from '../../functions/config/tables.ts';
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
import { type Evidence, notReadable, outcome, type TemplateCheck } from './check.ts';

/** The services the ingest Lambda calls, each of which needs an endpoint in the VPC. */
const endpointServices = ['dynamodb', 'sqs', 'kms'];

export const wafInFrontOfApi: TemplateCheck = {
  summary:
    'A regional WAF web ACL with a rate-based rule is associated with the API stage, and its blocked and counted requests are logged.',
  evaluate(context) {
    const { template } = context;
    const problems: string[] = [];
    const evidence: Evidence[] = [];
    const acls = new Map(
      resourcesOfType(template, 'AWS::WAFv2::WebACL').map((acl) => [acl.id, acl]),
    );
    const associations = resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation');
    for (const association of associations) {
      const aclId = referencedId(property(association.resource, 'WebACLArn'));
      const acl = aclId === undefined ? undefined : acls.get(aclId);
      const stage = stageNamedIn(template, property(association.resource, 'ResourceArn'));
      if (acl === undefined || stage === undefined) {
        problems.push(`${association.id} associates no web ACL of this stack with an API stage`);
        continue;
      }
      const rules = property(acl.resource, 'Rules');
      const names = (Array.isArray(rules) ? rules : []).map((rule) =>
        String(valueAt(rule, 'Name')),
      );
      const rateBased = (Array.isArray(rules) ? rules : []).some(
        (rule) => valueAt(rule, 'Statement.RateBasedStatement') !== undefined,
      );
      if (property(acl.resource, 'Scope') !== 'REGIONAL' || !rateBased) {
        problems.push(`web ACL ${acl.id} is not regional with a rate-based rule`);
      }
      const logged = resourcesOfType(template, 'AWS::WAFv2::LoggingConfiguration').some(
        ({ resource }) => referencedId(property(resource, 'ResourceArn')) === acl.id,
      );
      if (!logged) problems.push(`web ACL ${acl.id} is not logged`);
      const live = notReadable(context, '@aws-sdk/client-wafv2');
      evidence.push(
        {
          resource: association.id,
          type: association.resource.Type,
          property: 'ResourceArn',
          value: `stage ${stage}, web ACL ${acl.id}`,
          ...live,
        },
        {
          resource: acl.id,
          type: acl.resource.Type,
          property: 'Rules',
          value: names.join(', '),
          ...live,
        },
      );
    }
    return outcome(evidence, problems, 'no web ACL is associated with the API stage');
  },
};

export const lambdaInIsolatedNetwork: TemplateCheck = {
  summary:
    'The ingest Lambda runs in VPC subnets with no NAT and no internet gateway, reaches DynamoDB, SQS and KMS through VPC endpoints, and flow logs record all traffic.',
  evaluate(context) {
    const { template } = context;
    const ingest = ingestFunction(template, auditTable.nameVariable);
    if (ingest === undefined) return outcome([], [], 'the template has no ingest Lambda');
    const problems: string[] = [];
    const live = notReadable(context, '@aws-sdk/client-lambda and @aws-sdk/client-ec2');
    const subnets = valueAt(property(ingest.resource, 'VpcConfig'), 'SubnetIds');
    if (!Array.isArray(subnets) || subnets.length === 0)
      problems.push('the ingest Lambda is in no VPC');
    const gateways = ['AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway'].flatMap((type) =>
      resourcesOfType(template, type).map(({ id }) => `${id} (${type})`),
    );
    if (gateways.length > 0) problems.push(`the VPC has a way out: ${gateways.join(', ')}`);
    const services = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(({ resource }) =>
      JSON.stringify(property(resource, 'ServiceName') ?? null),
    );
    const missing = endpointServices.filter(
      (service) => !services.some((name) => name.includes(`.${service}`)),
    );
    if (missing.length > 0) problems.push(`no VPC endpoint for ${missing.join(', ')}`);
    const flowLogs = resourcesOfType(template, 'AWS::EC2::FlowLog').filter(
      ({ resource }) => property(resource, 'TrafficType') === 'ALL',
    );
    if (flowLogs.length === 0) problems.push('no flow log records all traffic');
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
        value: `endpoints for ${endpointServices.filter((s) => !missing.includes(s)).join(', ') || 'none'}; ${gateways.length === 0 ? 'no NAT or internet gateway' : gateways.join(', ')}`,
      },
      ...flowLogs.map(({ id, resource }) => ({
        resource: id,
        type: resource.Type,
        property: 'TrafficType',
        value: `ALL, to ${describeValue(property(resource, 'LogGroupName'))}`,
      })),
    ];
    return { evidence, problems };
  },
};

/** The API stage a WAF association's ARN names (`…/stages/${Ref stage}`). */
function stageNamedIn(template: Template, resourceArn: unknown): string | undefined {
  const stages = new Set(resourcesOfType(template, 'AWS::ApiGateway::Stage').map(({ id }) => id));
  const refs: string[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isRecord(value)) {
      if (typeof value.Ref === 'string') refs.push(value.Ref);
      Object.values(value).forEach(collect);
    }
  };
  collect(resourceArn);
  return refs.find((id) => stages.has(id));
}
