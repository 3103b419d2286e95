/**
 * The two policies a function of the deployment needs beside its data policy, written once for
 * the ingest and digest functions: X-Ray segments when traced, and network interfaces when in
 * the VPC. Neither action set takes a resource restriction, which is why each is a policy of its
 * own that holds nothing else (compliance/acknowledgements.ts says so per policy).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** X-Ray segments of a function; X-Ray's write actions have no resource-level permissions. */
export function tracingPolicy(
  scope: Construct,
  role: iam.IRole,
  description: string,
): iam.ManagedPolicy {
  return new iam.ManagedPolicy(scope, 'TracingPolicy', {
    description,
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    ],
  });
}

/**
 * What Lambda needs to attach a function to the VPC. The describe actions and the creation of
 * an interface take no resource restriction that Lambda accepts.
 */
export function networkInterfacePolicy(
  scope: Construct,
  role: iam.IRole,
  description: string,
): iam.ManagedPolicy {
  return new iam.ManagedPolicy(scope, 'NetworkInterfacePolicy', {
    description,
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    ],
  });
}

/** The customer managed policies on a function's role, by concern. */
export interface FunctionPolicies {
  readonly data: iam.ManagedPolicy;
  /** @default - none when tracing is off */
  readonly tracing?: iam.ManagedPolicy;
  /** @default - none outside a VPC */
  readonly networkInterfaces?: iam.ManagedPolicy;
}

/**
 * `data` with the tracing and network-interface policies the function's settings call for,
 * each described for `what` (e.g. `the ingest Lambda`).
 */
export function functionPolicies(
  scope: Construct,
  role: iam.IRole,
  data: iam.ManagedPolicy,
  settings: { readonly tracing: boolean; readonly inVpc: boolean; readonly what: string },
): FunctionPolicies {
  const { tracing, inVpc, what } = settings;
  return {
    data,
    ...(tracing ? { tracing: tracingPolicy(scope, role, `X-Ray segments of ${what}`) } : {}),
    ...(inVpc
      ? {
          networkInterfaces: networkInterfacePolicy(
            scope,
            role,
            `Network interfaces of ${what} in its VPC`,
          ),
        }
      : {}),
  };
}
