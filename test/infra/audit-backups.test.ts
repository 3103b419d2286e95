/**
 * The audit trail's backups (infra/backup.ts): under pci-dss and hipaa a daily AWS Backup of
 * the audit and registry tables into a vault under the audit key, locked for as long as the
 * delivery audit records are kept; under the other profiles none. Nag-clean and cfn-lint-clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ComplianceProfileName, complianceProfileNames } from '../../compliance/profiles.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { vaultLockGraceDays } from '../../infra/backup.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import { deployment, nagFindings, outputRef } from './deployment.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> } & object>;

const backupTypes = [
  'AWS::Backup::BackupVault',
  'AWS::Backup::BackupPlan',
  'AWS::Backup::BackupSelection',
];

function resourcesOf(profile: ComplianceProfileName): Resources {
  return deployment({ profiles: profile }).template.toJSON().Resources as Resources;
}

function only(resources: Resources, type: string) {
  const found = Object.entries(resources).filter(([, resource]) => resource.Type === type);
  expect(found).toHaveLength(1);
  const [id, resource] = found[0] as [string, Resources[string]];
  return { id, resource: resource as Resources[string] & { DeletionPolicy?: string } };
}

describe.each([
  ['pci-dss', retentionClasses.standard.auditDays],
  ['hipaa', retentionClasses.extended.auditDays],
] as const)('with %s, the audit trail is backed up daily for %i days', (profile, days) => {
  beforeAll(() => {
    deployment({ profiles: profile });
  }, 120_000);
  const fromOutput = (key: string) =>
    outputRef(deployment({ profiles: profile }).cloudFormation, key);

  it('into a vault under the audit key, locked in compliance mode for that long, kept on delete', () => {
    const { resource } = only(resourcesOf(profile), 'AWS::Backup::BackupVault');
    expect(resource.Properties.EncryptionKeyArn).toEqual({
      'Fn::GetAtt': [fromOutput(stackOutputKeys.auditKeyId), 'Arn'],
    });
    // A lock date (ChangeableForDays) is what makes the lock compliance mode, not governance.
    expect(resource.Properties.LockConfiguration).toEqual({
      MinRetentionDays: days,
      ChangeableForDays: vaultLockGraceDays,
    });
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource).toMatchObject({ UpdateReplacePolicy: 'Retain' });
    expect(deployment({ profiles: profile }).ingestion.backups?.retentionDays).toBe(days);
  });

  it('by a plan whose one daily rule deletes each copy after the same days', () => {
    const resources = resourcesOf(profile);
    const vault = only(resources, 'AWS::Backup::BackupVault').id;
    const { resource } = only(resources, 'AWS::Backup::BackupPlan');
    const { BackupPlanRule: rules } = resource.Properties.BackupPlan as {
      BackupPlanRule: Record<string, unknown>[];
    };
    expect(rules).toEqual([
      expect.objectContaining({
        RuleName: 'Daily',
        ScheduleExpression: 'cron(0 3 * * ? *)',
        Lifecycle: { DeleteAfterDays: days },
        TargetBackupVault: { 'Fn::GetAtt': [vault, 'BackupVaultName'] },
      }),
    ]);
  });

  it('selecting exactly the audit and registry tables, not the consumer table', () => {
    const { resource } = only(resourcesOf(profile), 'AWS::Backup::BackupSelection');
    const { Resources: selected, IamRoleArn } = resource.Properties.BackupSelection as {
      Resources: unknown[];
      IamRoleArn: { 'Fn::GetAtt': [string, string] };
    };
    const tableArn = (output: string) => ({ 'Fn::GetAtt': [fromOutput(output), 'Arn'] });
    expect(selected).toEqual([
      tableArn(stackOutputKeys.auditTableName),
      tableArn(stackOutputKeys.registryTableName),
    ]);
    // Its role holds one customer managed policy, no AWS managed one.
    const role = resourcesOf(profile)[IamRoleArn['Fn::GetAtt'][0]];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the audit key be used through AWS Backup only, by this account', () => {
    const key = resourcesOf(profile)[fromOutput(stackOutputKeys.auditKeyId)];
    expect(key).toBeDefined();
    const { Statement } = (key?.Properties.KeyPolicy as {
      Statement: Record<string, unknown>[];
    }) ?? {
      Statement: [],
    };
    expect(Statement.find((s) => s.Sid === 'VaultEncryptionThroughBackup')).toMatchObject({
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['backup.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
          'kms:CallerAccount': { Ref: 'AWS::AccountId' },
        },
      },
    });
  });
});

describe.each(['baseline', 'gdpr', 'ccpa'] as const)('with %s', (profile) => {
  beforeAll(() => {
    deployment({ profiles: profile });
  }, 120_000);
  it('backs nothing up: no vault, plan or selection', () => {
    const types = Object.values(resourcesOf(profile)).map((resource) => resource.Type);
    for (const type of backupTypes) expect(types).not.toContain(type);
    expect(deployment({ profiles: profile }).ingestion.backups).toBeUndefined();
  });
});

describe('the backups pass the checks', () => {
  it.each(complianceProfileNames)(
    'no cdk-nag finding with %s',
    (profile) => {
      expect(nagFindings(deployment({ profiles: profile }).app)).toEqual([]);
    },
    120_000,
  );
});
