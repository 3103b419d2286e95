/**
 * The compliance profile guard in the synthesized app (infra/profile-guard.ts): the custom
 * resource carries the deploy's profiles and the downgrade flag, a redeploy of a pci-dss stack
 * as baseline is refused (CloudFormation's Update from one template's properties to the
 * other's, answered by the real handler), every other resource of the construct but IAM and KMS
 * waits for it, and its function may do no more than read its own stack and write its logs.
 * Nag-clean in all five profiles and cfn-lint-clean.
 */
import { CfnResource } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ComplianceProfileName,
  combineProfiles,
  complianceProfileNames,
  complianceProfiles,
} from '../../compliance/profiles.ts';
import { handler } from '../../functions/profile-guard/handler.ts';
import {
  complianceProfilesOutputKey,
  obligationFreeProfiles,
  profileGuardResourceType,
} from '../../functions/profile-guard/resource.ts';
import { AppContextError, readAppContext } from '../../infra/context.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import {
  guardRequest,
  type RecordedResponse,
  responseUrl,
  stackShows,
} from '../profile-guard/cloudformation.ts';
import { type Deployment, deployment, nagFindings } from './deployment.ts';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string[];
}

const resourcesOf = (d: Deployment) => d.template.toJSON().Resources as Record<string, Resource>;

/** The guard's logical id and properties, as CloudFormation hands them to the function. */
function guardOf(d: Deployment): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(resourcesOf(d)).filter(
    ([, resource]) => resource.Type === profileGuardResourceType,
  );
  expect(found).toHaveLength(1);
  const [id, resource] = found[0] as [string, Resource];
  return { id, properties: resource.Properties ?? {} };
}

/** Every logical id a resource refers to (Ref, Fn::GetAtt, Fn::Sub) or waits for (DependsOn). */
function dependenciesOf(resource: Resource, ids: ReadonlySet<string>): Set<string> {
  const found = new Set<string>(resource.DependsOn ?? []);
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const [, name] of value.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) {
        if (name !== undefined && ids.has(name)) found.add(name);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        const target = key === 'Ref' ? inner : key === 'Fn::GetAtt' ? asArray(inner)[0] : undefined;
        if (typeof target === 'string' && ids.has(target)) found.add(target);
        else visit(inner);
      }
    }
  };
  visit(resource.Properties);
  return found;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A cycle of the template's dependencies, as logical ids, or undefined: CloudFormation refuses one. */
function dependencyCycle(resources: Record<string, Resource>): string[] | undefined {
  const ids = new Set(Object.keys(resources));
  const edges = new Map([...ids].map((id) => [id, dependenciesOf(resources[id] as Resource, ids)]));
  const state = new Map<string, 'open' | 'done'>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      const cycle = walk(next, [...path, id]);
      if (cycle !== undefined) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = walk(id, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

describe('the guard resource', () => {
  it("carries the deploy's profiles, sorted, and the downgrade flag off", () => {
    const { properties } = guardOf(deployment({ profiles: 'pci-dss,gdpr' }));
    expect(properties).toMatchObject({
      Profiles: ['gdpr', 'pci-dss'],
      AllowProfileDowngrade: 'false',
    });
    // A function that cannot answer fails the deploy in minutes, not after CloudFormation's hour.
    expect(properties.ServiceTimeout).toBe('300');
  }, 120_000);

  it('carries the flag on with -c allowProfileDowngrade=true', () => {
    const { properties } = guardOf(
      deployment({ profiles: 'baseline', allowProfileDowngrade: 'true' }),
    );
    expect(properties).toMatchObject({ Profiles: ['baseline'], AllowProfileDowngrade: 'true' });
  }, 120_000);

  it('takes the flag from -c strings and cdk.json booleans, and refuses anything else', () => {
    const read = (value: unknown) =>
      readAppContext((key) => ({ allowProfileDowngrade: value })[key]).props;
    expect(read('true')).toEqual({ allowProfileDowngrade: true });
    expect(read(false)).toEqual({ allowProfileDowngrade: false });
    expect(() => read('yes')).toThrow(AppContextError);
    expect(() => read('yes')).toThrow('allowProfileDowngrade: expected true or false, got "yes"');
  });

  it('is found on Create through the output the stack already has', () => {
    expect(complianceProfilesOutputKey).toBe(operatorOutputKeys.complianceProfiles);
  });

  it('lets go of the baseline only: the one profile that cites no regulation', () => {
    const citing = (name: ComplianceProfileName) => complianceProfiles[name].citations.length > 0;
    expect(obligationFreeProfiles).toEqual(complianceProfileNames.filter((name) => !citing(name)));
  });
});

describe('a redeploy of a pci-dss stack', () => {
  let pciDss: Deployment;
  let url: Awaited<ReturnType<typeof responseUrl>>;
  beforeAll(async () => {
    pciDss = deployment({ profiles: 'pci-dss' });
    url = await responseUrl();
  }, 120_000);
  afterAll(() => url.close());

  /** CloudFormation's Update of the guard from `from`'s template to `to`'s, and its answer. */
  async function redeploy(from: Deployment, to: Deployment): Promise<RecordedResponse['body']> {
    stackShows('UPDATE_IN_PROGRESS', 'pci-dss');
    const before = url.responses.length;
    await handler(
      guardRequest('Update', url.url, guardOf(to).properties, guardOf(from).properties),
    );
    return (url.responses[before] as RecordedResponse).body;
  }

  it('as baseline (without -c profiles) fails, naming pci-dss, and the stack rolls back', async () => {
    const answer = await redeploy(pciDss, deployment({ profiles: 'baseline' }));
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain('would drop the compliance profile pci-dss');
    expect(answer.Reason).toContain('-c allowProfileDowngrade=true');
  });

  it('as baseline with -c allowProfileDowngrade=true goes through', async () => {
    const answer = await redeploy(
      pciDss,
      deployment({ profiles: 'baseline', allowProfileDowngrade: 'true' }),
    );
    expect(answer.Status).toBe('SUCCESS');
  });

  it('with pci-dss and hipaa goes through', async () => {
    const answer = await redeploy(pciDss, deployment({ profiles: 'pci-dss,hipaa' }));
    expect(answer.Status).toBe('SUCCESS');
  });
});

describe.each(['baseline', 'pci-dss', 'hipaa'] as const)('with %s, the guard', (profile) => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment({ profiles: profile });
  }, 120_000);

  it('runs before every other resource of the construct but its own, IAM and KMS', () => {
    const { id } = guardOf(d);
    const guard = d.ingestion.profileGuard;
    const resources = resourcesOf(d);
    const waiting = d.ingestion.node
      .findAll()
      .filter((construct): construct is CfnResource => construct instanceof CfnResource)
      .filter((resource) => !resource.node.scopes.includes(guard))
      .map((resource) => d.stack.resolve(resource.logicalId) as string)
      .filter((logicalId) => !/^AWS::(IAM|KMS)::/.test(resources[logicalId]?.Type ?? ''));
    expect(waiting.length).toBeGreaterThan(40);
    const notWaiting = waiting.filter(
      (logicalId) => !(resources[logicalId]?.DependsOn ?? []).includes(id),
    );
    expect(notWaiting).toEqual([]);
  });

  it("leaves the template's dependencies without a cycle", () => {
    expect(dependencyCycle(resourcesOf(d))).toBeUndefined();
    // As a cycle would be found: an edge by DependsOn, the other by Ref.
    const planted = {
      A: { Type: 'AWS::SQS::Queue', DependsOn: ['B'] },
      B: { Type: 'AWS::SNS::Topic', Properties: { Queue: { Ref: 'A' } } },
    };
    expect(dependencyCycle({ ...resourcesOf(d), ...planted })).toEqual(['A', 'B', 'A']);
  });

  it('may only read its own stack and write its own log group', () => {
    const guard = d.ingestion.profileGuard;
    const idOf = (construct: { node: { defaultChild?: unknown } }) =>
      d.stack.getLogicalId(construct.node.defaultChild as never);
    const roleRef = JSON.stringify({ Ref: idOf(guard.role) });
    const policies = Object.entries(resourcesOf(d))
      .filter(([, resource]) => /^AWS::IAM::(Policy|ManagedPolicy)$/.test(resource.Type))
      .filter(([, resource]) => JSON.stringify(resource.Properties?.Roles ?? []).includes(roleRef))
      .map(([logicalId]) => logicalId);
    expect(policies).toEqual([idOf(guard.policy)]);
    const document = resourcesOf(d)[idOf(guard.policy)]?.Properties?.PolicyDocument as {
      Statement: unknown[];
    };
    expect(document.Statement).toEqual([
      {
        Sid: 'ReadThisStack',
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStacks',
        Resource: { Ref: 'AWS::StackId' },
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: d.stack.resolve(guard.logGroup.logGroupArn),
      },
    ]);
    const role = resourcesOf(d)[idOf(guard.role)];
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties?.Policies).toBeUndefined();
  });

  it('runs one at a time, outside the VPC, logging under the audit key for the profile', () => {
    const guard = d.ingestion.profileGuard;
    const fn = resourcesOf(d)[d.stack.getLogicalId(guard.function.node.defaultChild as never)];
    expect(fn?.Properties?.ReservedConcurrentExecutions).toBe(1);
    expect(fn?.Properties?.VpcConfig).toBeUndefined();
    const logGroup =
      resourcesOf(d)[d.stack.getLogicalId(guard.logGroup.node.defaultChild as never)];
    expect(logGroup?.Properties).toMatchObject({
      RetentionInDays: combineProfiles([profile as ComplianceProfileName]).logRetentionDays,
      KmsKeyId: d.stack.resolve(d.ingestion.keys.audit.keyArn),
    });
  });
});

it.each(complianceProfileNames)(
  'with %s, the guard has no unacknowledged cdk-nag finding',
  (profile) => {
    const d = deployment({ profiles: profile });
    const path = d.ingestion.profileGuard.node.path;
    expect(nagFindings(d.app).filter((finding) => finding.includes(path))).toEqual([]);
  },
  120_000,
);
