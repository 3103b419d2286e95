/**
 * The live AWS Backup settings the locked-backup control cites: each vault's lock
 * (backup:DescribeBackupVault), each plan's rules (backup:GetBackupPlan) and each selection's
 * resources (backup:GetBackupSelection). Read by `webhooks compliance report` only
 * (live-resources.ts).
 */
import {
  type BackupClient,
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
} from '@aws-sdk/client-backup';
import { type Observed, observe } from './observed.ts';

export interface LiveBackupVault {
  readonly locked: boolean;
  readonly minRetentionDays: number | undefined;
}

export interface LiveBackupPlan {
  readonly rules: ReadonlyArray<{
    readonly targetVault: string | undefined;
    readonly deleteAfterDays: number | undefined;
  }>;
}

export interface LiveBackupSelection {
  /** The ARNs the selection backs up. */
  readonly resources: readonly string[];
}

export function readBackupVault(
  backup: BackupClient,
  name: string,
): Promise<Observed<LiveBackupVault>> {
  return observe('backup:DescribeBackupVault', async () => {
    const vault = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
    return { locked: vault?.Locked === true, minRetentionDays: vault?.MinRetentionDays };
  });
}

export function readBackupPlan(
  backup: BackupClient,
  planId: string,
): Promise<Observed<LiveBackupPlan>> {
  return observe('backup:GetBackupPlan', async () => {
    const { BackupPlan } = await backup.send(new GetBackupPlanCommand({ BackupPlanId: planId }));
    return {
      rules: (BackupPlan?.Rules ?? []).map((rule) => ({
        targetVault: rule.TargetBackupVaultName,
        deleteAfterDays: rule.Lifecycle?.DeleteAfterDays,
      })),
    };
  });
}

export function readBackupSelection(
  backup: BackupClient,
  planId: string | undefined,
  selectionId: string,
): Promise<Observed<LiveBackupSelection>> {
  return observe('backup:GetBackupSelection', async () => {
    if (planId === undefined)
      throw new SelectionPlanError('the selection names no plan of the stack');
    const { BackupSelection } = await backup.send(
      new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: selectionId }),
    );
    return { resources: BackupSelection?.Resources ?? [] };
  });
}

class SelectionPlanError extends Error {
  override readonly name = 'NotFound';
}
