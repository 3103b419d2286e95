/**
 * Audit logs promptly backed up to storage that is difficult to alter (PCI DSS 10.3.3), a data
 * backup plan (HIPAA §164.308(a)(7)(ii)(A)): where the profile requires it, an AWS Backup plan
 * copies the audit table into a vault under Vault Lock for at least the delivery audit
 * retention, and keeps each copy that long (infra/backup.ts). With `--stack`, the vault's lock
 * (backup:DescribeBackupVault), the plan's rules (backup:GetBackupPlan) and the selection's
 * resources (backup:GetBackupSelection) are read as AWS Backup holds them.
 */
import { stackOutputKeys } from '../../infra/output-names.ts';
import { auditDays } from '../profiles.ts';
import {
  describeValue,
  property,
  referencedId,
  resourceOfOutput,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import {
  compliantUnless,
  type Evidence,
  type Finding,
  finding,
  livePhysicalId,
  liveResource,
  notApplicable,
  type TemplateRule,
} from './rule.ts';

export const auditBackupsInLockedVault: TemplateRule<'audit-backups-in-locked-vault'> = {
  name: 'audit-backups-in-locked-vault',
  summary:
    'An AWS Backup plan copies the audit table daily into a vault whose Vault Lock keeps every copy at least as long as delivery audit records.',
  evaluate(context) {
    const { template, requirements } = context;
    if (!requirements.backupPlanRequired) {
      return notApplicable('the profile requires no backup plan');
    }
    const days = auditDays(requirements.deliveryAuditFloor);
    const table = resourceOfOutput(
      template,
      stackOutputKeys.auditTableName,
      'AWS::DynamoDB::Table',
    );
    const findings: Finding[] = [];
    const evidence: Evidence[] = [];
    const vaults = resourcesOfType(template, 'AWS::Backup::BackupVault').map(
      ({ id, resource }) => ({
        id,
        type: resource.Type,
        minimum: valueAt(property(resource, 'LockConfiguration'), 'MinRetentionDays'),
      }),
    );
    for (const vault of vaults) {
      evidence.push({
        resource: vault.id,
        type: vault.type,
        property: 'LockConfiguration.MinRetentionDays',
        value: describeValue(vault.minimum),
        ...liveResource(context, 'backupVaults', vault.id, ({ locked, minRetentionDays }) => [
          locked && minRetentionDays === vault.minimum,
          `${locked ? 'locked' : 'not locked'}, ${minRetentionDays ?? 'no'} minimum retention days`,
        ]),
      });
    }
    const lockedIds = new Set(
      vaults
        .filter(({ minimum }) => typeof minimum === 'number' && minimum >= days)
        .map(({ id }) => id),
    );
    if (lockedIds.size === 0) {
      findings.push(finding(`no backup vault is locked for at least ${days} days`));
    }
    const plans = resourcesOfType(template, 'AWS::Backup::BackupPlan').filter(({ resource }) => {
      const rules = valueAt(property(resource, 'BackupPlan'), 'BackupPlanRule');
      return (
        Array.isArray(rules) &&
        rules.some((rule) => {
          const vault = referencedId(valueAt(rule, 'TargetBackupVault'));
          const keep = valueAt(rule, 'Lifecycle.DeleteAfterDays');
          const kept = keep === undefined || (typeof keep === 'number' && keep >= days);
          return vault !== undefined && lockedIds.has(vault) && kept;
        })
      );
    });
    for (const plan of plans) {
      evidence.push({
        resource: plan.id,
        type: plan.resource.Type,
        property: 'BackupPlan.BackupPlanRule',
        value: `into a locked vault, each copy kept at least ${days} days`,
        ...liveResource(context, 'backupPlans', plan.id, ({ rules }) => {
          const locked = [...lockedIds].flatMap((id) => livePhysicalId(context, id) ?? []);
          const kept = rules.filter(
            ({ targetVault, deleteAfterDays }) =>
              targetVault !== undefined &&
              locked.includes(targetVault) &&
              (deleteAfterDays === undefined || deleteAfterDays >= days),
          );
          return [
            kept.length > 0,
            kept.length > 0
              ? `into ${kept.map(({ targetVault }) => targetVault).join(', ')}, kept ${kept.map(({ deleteAfterDays }) => deleteAfterDays ?? 'indefinitely').join(', ')} days`
              : 'no rule copies into the locked vault for long enough',
          ];
        }),
      });
    }
    if (plans.length === 0) {
      findings.push(finding(`no backup plan copies into a locked vault for ${days} days or more`));
    }
    const planIds = new Set(plans.map(({ id }) => id));
    const selections = resourcesOfType(template, 'AWS::Backup::BackupSelection').filter(
      ({ resource }) =>
        planIds.has(referencedId(property(resource, 'BackupPlanId')) ?? '') &&
        table !== undefined &&
        JSON.stringify(
          valueAt(property(resource, 'BackupSelection'), 'Resources') ?? null,
        ).includes(`"${table.id}"`),
    );
    for (const selection of selections) {
      evidence.push({
        resource: selection.id,
        type: selection.resource.Type,
        property: 'BackupSelection.Resources',
        value: `the audit table (${table?.id})`,
        ...liveResource(context, 'backupSelections', selection.id, ({ resources }) => {
          const name = table === undefined ? undefined : livePhysicalId(context, table.id);
          const named =
            name !== undefined && resources.some((arn) => arn.endsWith(`:table/${name}`));
          return [
            named,
            named
              ? `the audit table (${name})`
              : `not the audit table: ${resources.join(', ') || 'nothing'}`,
          ];
        }),
      });
    }
    if (selections.length === 0) {
      findings.push(finding('no backup selection of such a plan names the audit table'));
    }
    return compliantUnless(findings, evidence);
  },
};
