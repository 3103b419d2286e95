/**
 * What `cdk destroy` takes with it (docs/teardown.md): a baseline development stack deployed
 * with `-c removal=destroy` deletes its tables, log groups, keys and payload bucket, and keeps
 * the locked digest bucket; by default, and under every profile that keeps records for a
 * regulation, the data outlives the stack.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvidenceRetainedOnStackDeletion } from '../../compliance/checks/audit-evidence-retained-on-stack-deletion.ts';
import {
  type ComplianceProfileName,
  combineProfiles,
  complianceProfileNames,
} from '../../compliance/profiles.ts';
import {
  property,
  type Resource,
  referencedId,
  resourcesOfType,
} from '../../compliance/report/template.ts';
import { digestBucketLogicalId } from '../../infra/audit-digests.ts';
import { AppContextError, contextKeys, readAppContext } from '../../infra/context.ts';
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import { payloadBucketLogicalId } from '../../infra/payload-bucket.ts';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { type Deployment, deployment, nagFindings, propertyOf } from './deployment.ts';

/** The resources that hold the stack's data, or the keys that decrypt it. */
const dataTypes = ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'] as const;

const destroy = { profiles: 'baseline', [contextKeys.removal]: 'destroy' };
/** Every optional part that adds a log group or a named resource, and a consumer's table. */
const destroyEverything = { ...destroy, front: 'rest', waf: 'true', vpcPlacement: 'true' };

let d: Deployment;
let everything: Deployment;
let kept: Deployment;

beforeAll(() => {
  d = deployment(destroy);
  everything = deployment(destroyEverything, { consumer: true });
  kept = deployment({ profiles: 'baseline' });
}, 300_000);

const policies = ({ resource }: Resource) => [
  resource.DeletionPolicy,
  resource.UpdateReplacePolicy,
];

/** Each resource of the types as `[logical id, DeletionPolicy, UpdateReplacePolicy]`. */
function removalOf(deployed: Deployment, types: readonly string[]): string[][] {
  return types.flatMap((type) =>
    resourcesOfType(deployed.cloudFormation, type).map((found) => [
      found.id,
      ...policies(found).map(String),
    ]),
  );
}

const resourceOf = (deployed: Deployment, id: string): Resource => {
  const resource = deployed.cloudFormation.Resources[id];
  if (resource === undefined) throw new Error(`no resource ${id}`);
  return { id, resource };
};

describe("removalPolicy 'destroy' on a baseline development stack", () => {
  it('deletes every table, log group and key with the stack, and on replacement', () => {
    for (const deployed of [d, everything]) {
      const removal = removalOf(deployed, dataTypes);
      // Two tables (three with the consumer's), three data keys and the digests' signing key,
      // and the log groups of the functions, the front and the bucket emptier.
      expect(removal.length).toBeGreaterThanOrEqual(10);
      expect(
        removal.filter(([, deletion, replace]) => deletion !== 'Delete' || replace !== 'Delete'),
      ).toEqual([]);
    }
  });

  it("deletes the consumer's table, the WAF's named log group and the VPC's flow logs too", () => {
    const tables = resourcesOfType(everything.cloudFormation, 'AWS::DynamoDB::Table');
    expect(tables.map(({ id }) => id)).toContainEqual(expect.stringMatching(/Consumer/));
    const groups = resourcesOfType(everything.cloudFormation, 'AWS::Logs::LogGroup');
    expect(
      groups.filter(({ resource }) =>
        String(property(resource, 'LogGroupName')).startsWith('aws-waf-logs-'),
      ),
    ).toHaveLength(1);
    expect(groups.map(({ id }) => id)).toContainEqual(expect.stringMatching(/FlowLogGroup/));
    expect(groups.map(policies)).not.toContainEqual(['Retain', 'Retain']);
  });

  it('turns deletion protection off, which would stop CloudFormation deleting a table', () => {
    for (const { resource } of resourcesOfType(everything.cloudFormation, 'AWS::DynamoDB::Table')) {
      expect(property(resource, 'DeletionProtectionEnabled')).toBe(false);
    }
  });

  it("schedules each key's deletion after KMS's shortest wait, 7 days", () => {
    const keys = resourcesOfType(d.cloudFormation, 'AWS::KMS::Key');
    expect(keys).toHaveLength(4);
    expect(keys.map(({ resource }) => property(resource, 'PendingWindowInDays'))).toEqual([
      7, 7, 7, 7,
    ]);
  });

  it('empties the payload bucket (autoDeleteObjects) and deletes it with the stack', () => {
    expect(policies(resourceOf(d, payloadBucketLogicalId))).toEqual(['Delete', 'Delete']);
    const emptiers = resourcesOfType(d.cloudFormation, 'Custom::S3AutoDeleteObjects');
    expect(emptiers.map(({ resource }) => property(resource, 'BucketName'))).toEqual([
      { Ref: payloadBucketLogicalId },
    ]);
    // Its Lambda logs into an encrypted group of the stack, deleted after it has run: nothing
    // of the teardown is left behind in a group of its own.
    const token = propertyOf<unknown>(emptiers[0], 'ServiceToken');
    const handler = resourceOf(d, referencedId(token) ?? '');
    const logGroup = resourceOf(
      d,
      referencedId(propertyOf<{ LogGroup: unknown }>(handler, 'LoggingConfig').LogGroup) ?? '',
    );
    expect(logGroup.resource.Type).toBe('AWS::Logs::LogGroup');
    expect(property(logGroup.resource, 'KmsKeyId')).toBeDefined();
    expect(policies(logGroup)).toEqual(['Delete', 'Delete']);
  });

  it('keeps the digest bucket, whose locked digests nobody can delete before their days', () => {
    expect(policies(resourceOf(d, digestBucketLogicalId))).toEqual(['Retain', 'Retain']);
    expect(
      propertyOf<{ ObjectLockEnabled: string }>(
        resourceOf(d, digestBucketLogicalId),
        'ObjectLockConfiguration',
      ),
    ).toMatchObject({ ObjectLockEnabled: 'Enabled' });
  });

  it('is named by the compliance report: the audit evidence goes with the stack', () => {
    const verdict = auditEvidenceRetainedOnStackDeletion.evaluate({
      template: d.cloudFormation,
      requirements: combineProfiles(['baseline']),
    }).verdict;
    expect(verdict.kind).toBe('non-compliant');
  });

  it('passes every cdk-nag pack with no unacknowledged finding', () => {
    expect(nagFindings(d.app)).toEqual([]);
  });

  it.runIf(hasCfnLint || process.env.CI)(
    'cfn-lint finds nothing',
    () => {
      const run = cfnLint({ 'baseline-destroy': d.template });
      expect(run.output).toContain(cleanRun(1));
      expect(run.status).toBe(0);
    },
    120_000,
  );
});

describe("removalPolicy 'retain', the default", () => {
  it('keeps every table, log group and key, and both buckets, when the stack is deleted', () => {
    const removal = removalOf(kept, dataTypes);
    expect(removal.length).toBeGreaterThanOrEqual(8);
    expect(
      removal.filter(([, deletion, replace]) => deletion !== 'Retain' || replace !== 'Retain'),
    ).toEqual([]);
    for (const bucket of [payloadBucketLogicalId, digestBucketLogicalId]) {
      expect(policies(resourceOf(kept, bucket))).toEqual(['Retain', 'Retain']);
    }
    expect(resourcesOfType(kept.cloudFormation, 'Custom::S3AutoDeleteObjects')).toEqual([]);
  });

  it('protects the tables from deletion and waits 30 days before deleting a key', () => {
    for (const { resource } of resourcesOfType(kept.cloudFormation, 'AWS::DynamoDB::Table')) {
      expect(property(resource, 'DeletionProtectionEnabled')).toBe(true);
    }
    for (const { resource } of resourcesOfType(kept.cloudFormation, 'AWS::KMS::Key')) {
      expect(property(resource, 'PendingWindowInDays')).toBe(30);
    }
  });
});

describe("profiles that keep records for a regulation refuse 'destroy'", () => {
  const keeping = complianceProfileNames.filter((name) => name !== 'baseline');

  it('names every one of them', () => {
    expect(keeping).toEqual(['gdpr', 'ccpa', 'pci-dss', 'hipaa']);
  });

  it.each(keeping)('%s refuses it, naming itself and its retention control', (name) => {
    const settle = () =>
      resolveSettings({
        complianceProfiles: [name],
        alarmEmail: 'alarms@example.com',
        removalPolicy: 'destroy',
      });
    expect(settle).toThrow(DeploymentSettingsError);
    expect(settle).toThrow(
      new RegExp(
        `removalPolicy 'destroy' would delete the audit trail with the stack, which ${name} refuses: its retention control keeps delivery audit records \\d+ days`,
      ),
    );
  });

  it('names only the profiles that refuse, when baseline is combined with them', () => {
    let error: unknown;
    try {
      resolveSettings({
        complianceProfiles: ['baseline', 'pci-dss', 'hipaa'],
        alarmEmail: 'alarms@example.com',
        removalPolicy: 'destroy',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DeploymentSettingsError);
    const problems = (error as DeploymentSettingsError).problems;
    expect(problems).toHaveLength(2);
    expect(problems.map((problem) => problem.match(/which (\S+) refuses/)?.[1])).toEqual([
      'pci-dss',
      'hipaa',
    ]);
  });

  it('refuses it from the app too: cdk deploy -c profiles=hipaa -c removal=destroy', () => {
    expect(() =>
      buildIngestionApp({
        context: {
          profiles: 'hipaa',
          alarmEmail: 'alarms@example.com',
          [contextKeys.removal]: 'destroy',
        },
      }),
    ).toThrow(/which hipaa refuses/);
  });

  it.each<ComplianceProfileName>(complianceProfileNames)('%s accepts retain', (name) => {
    expect(
      resolveSettings({
        complianceProfiles: [name],
        alarmEmail: 'alarms@example.com',
        removalPolicy: 'retain',
      }).removalPolicy,
    ).toBe('retain');
  });

  it('retains by default', () => {
    expect(resolveSettings({}).removalPolicy).toBe('retain');
  });
});

describe('the removal context key', () => {
  const lookup = (context: Record<string, unknown>) => (key: string) => context[key];

  it('reads -c removal=destroy and -c removal=retain', () => {
    expect(readAppContext(lookup({ removal: 'destroy' })).props).toEqual({
      removalPolicy: 'destroy',
    });
    expect(readAppContext(lookup({ removal: 'retain' })).props).toEqual({
      removalPolicy: 'retain',
    });
  });

  it('refuses any other value, by key and value', () => {
    expect(() => readAppContext(lookup({ removal: 'delete' }))).toThrow(AppContextError);
    expect(() => readAppContext(lookup({ removal: 'delete' }))).toThrow(
      'removal: expected retain or destroy, got "delete"',
    );
  });
});
