/**
 * What a deployment placed in a VPC lets its functions reach (PCI DSS 1.3, HIPAA §164.312(b)),
 * read from its template: HTTPS out to the VPC endpoints alone, never to any address, and the
 * deploy-time lookup of the gateway endpoints' prefix lists, which may only read.
 */
import { expect } from 'vitest';
import {
  actionsOf,
  isRecord,
  policyStatements,
  property,
  referencedId,
  resourcesOfType,
  type Template,
  valueAt,
} from '../../compliance/report/template.ts';
import { prefixListLookup } from '../../infra/network.ts';
import { type Deployment, ingestLambda } from '../infra/deployment.ts';

/** The logical ids of a function's security groups. */
function securityGroupsOf(template: Template, functionId: string): string[] {
  const ids = valueAt(
    property(template.Resources[functionId] ?? { Type: '' }, 'VpcConfig'),
    'SecurityGroupIds',
  );
  return (Array.isArray(ids) ? ids : []).map((id) => referencedId(id) ?? JSON.stringify(id));
}

/** A security group's egress rules, inline or resources of their own, as plain objects. */
function egressRules(template: Template, groupId: string): Record<string, unknown>[] {
  const group = template.Resources[groupId];
  const inline = group === undefined ? [] : property(group, 'SecurityGroupEgress');
  return [
    ...(Array.isArray(inline) ? inline.filter(isRecord) : []),
    ...resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')
      .filter(({ resource }) => referencedId(property(resource, 'GroupId')) === groupId)
      .map(({ resource }) => ({ ...resource.Properties })),
  ];
}

/** The prefix list lookup's custom resource, which must be there. */
function prefixListResource(template: Template) {
  const [lookup, ...others] = resourcesOfType(template, prefixListLookup.resourceType);
  expect(others).toEqual([]);
  if (lookup === undefined) throw new Error('no prefix list lookup');
  return lookup;
}

/**
 * The ingest function's security group, which the audit digest function shares, lets out
 * exactly HTTPS to the interface endpoints' group and to the DynamoDB and S3 prefix lists, and
 * nothing to 0.0.0.0/0 or ::/0.
 */
export function expectEgressToEndpointsOnly(d: Deployment): void {
  const template = d.cloudFormation;
  const ingest = ingestLambda(template);
  const groups = securityGroupsOf(template, ingest.id);
  expect(groups).toHaveLength(1);
  const [group] = groups as [string];
  expect(template.Resources[group]?.Type).toBe('AWS::EC2::SecurityGroup');

  // Every function in the VPC (the ingest and the audit digest functions) is in that group.
  const placed = resourcesOfType(template, 'AWS::Lambda::Function').filter(
    ({ resource }) => property(resource, 'VpcConfig') !== undefined,
  );
  expect(placed.length).toBeGreaterThanOrEqual(2);
  for (const { id } of placed) expect(securityGroupsOf(template, id)).toEqual([group]);

  // The group itself holds CDK's rule that matches nothing, so that EC2 never gives it its
  // default (all traffic to any address); the rules that let HTTPS out are resources of their own.
  expect(property(template.Resources[group] ?? { Type: '' }, 'SecurityGroupEgress')).toEqual([
    {
      CidrIp: '255.255.255.255/32',
      Description: 'Disallow all traffic',
      FromPort: 252,
      IpProtocol: 'icmp',
      ToPort: 86,
    },
  ]);
  const rules = egressRules(template, group).filter((rule) => rule.IpProtocol !== 'icmp');
  for (const rule of rules) {
    expect(rule.CidrIp, JSON.stringify(rule)).toBeUndefined();
    expect(rule.CidrIpv6, JSON.stringify(rule)).toBeUndefined();
    expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
  }

  const [endpoint] = resourcesOfType(template, 'AWS::EC2::VPCEndpoint')
    .filter(({ resource }) => property(resource, 'VpcEndpointType') === 'Interface')
    .map(({ resource }) => {
      const ids = property(resource, 'SecurityGroupIds');
      return Array.isArray(ids) ? referencedId(ids[0]) : undefined;
    });
  const lookup = prefixListResource(template).id;
  const destinations = rules.map((rule) => {
    if (rule.DestinationSecurityGroupId !== undefined) {
      return `group ${referencedId(rule.DestinationSecurityGroupId)}`;
    }
    const list = rule.DestinationPrefixListId;
    const getAtt = isRecord(list) ? list['Fn::GetAtt'] : undefined;
    return `prefix list ${Array.isArray(getAtt) ? getAtt.join('.') : JSON.stringify(list)}`;
  });
  expect(destinations.sort()).toEqual(
    [`group ${endpoint}`, `prefix list ${lookup}.dynamodb`, `prefix list ${lookup}.s3`].sort(),
  );
}

/**
 * The lookup asks for the region's DynamoDB and S3 lists by name, and its function's role may
 * only describe managed prefix lists and write the function's own log.
 */
export function expectReadOnlyPrefixListLookup(d: Deployment): void {
  const template = d.cloudFormation;
  const { resource } = prefixListResource(template);
  const region = (service: string) => ({
    'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]],
  });
  expect(property(resource, prefixListLookup.namesProperty)).toEqual({
    dynamodb: region('dynamodb'),
    s3: region('s3'),
  });
  const functionId = referencedId(property(resource, 'ServiceToken'));
  const fn = functionId === undefined ? undefined : template.Resources[functionId];
  expect(fn?.Type).toBe('AWS::Lambda::Function');
  expect(property(fn ?? { Type: '' }, 'VpcConfig')).toBeUndefined();
  const roleId = referencedId(property(fn ?? { Type: '' }, 'Role'));
  if (roleId === undefined) throw new Error('the lookup function has no role of the template');
  const role = template.Resources[roleId] ?? { Type: '' };
  expect(property(role, 'ManagedPolicyArns')).toBeUndefined();
  expect(property(role, 'Policies')).toBeUndefined();

  const attached = resourcesOfType(template, 'AWS::IAM::ManagedPolicy')
    .concat(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter(({ resource: policy }) => {
      const roles = property(policy, 'Roles');
      return Array.isArray(roles) && roles.some((r) => referencedId(r) === roleId);
    })
    .map(({ id }) => id);
  expect(attached).toHaveLength(1);
  const statements = policyStatements(template).filter(({ owner }) => attached.includes(owner));
  const logGroup = referencedId(valueAt(property(fn ?? { Type: '' }, 'LoggingConfig'), 'LogGroup'));
  expect(logGroup).toBeDefined();
  expect(
    statements.map(({ statement }) => ({
      effect: statement.Effect,
      actions: actionsOf(statement),
      resource: statement.Resource,
    })),
  ).toEqual([
    { effect: 'Allow', actions: ['ec2:DescribeManagedPrefixLists'], resource: '*' },
    {
      effect: 'Allow',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
    },
  ]);
}
