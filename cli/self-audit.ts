/**
 * What `webhooks compliance audit`, `compliance history`, `compliance report --stack` and
 * `providers list --review` share about the self-audit (scheduled/self-audit/): the run's view
 * of a deployment the CLI resolved, its history, and the settings a review uses.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  type ComplianceProfileName,
  defaultComplianceProfiles,
  isComplianceProfileName,
} from '../compliance/profiles.ts';
import { describeStackOutputs } from '../compliance/report/live.ts';
import type { Clock } from '../functions/verify/types.ts';
import { instanceOutputKey, operatorOutputKeys } from '../infra/output-names.ts';
import type { ProviderReviewSettings } from '../ops/review/provider-review.ts';
import { SelfAuditHistory } from '../ops/review/run-store.ts';
import type { SelfAuditTarget } from '../scheduled/self-audit/run.ts';
import { selfAuditSettings } from '../scheduled/self-audit/settings.ts';
import { digestAccessOf } from './integrity.ts';
import { UsageError } from './io.ts';
import { chooseInstance, type Target, type TargetFlags, TargetUnavailableError } from './target.ts';

/** The self-audit runs recorded in the target's audit table. */
export const selfAuditHistoryOf = (target: Pick<Target, 'dynamodb' | 'names'>, now?: Clock) =>
  new SelfAuditHistory({
    dynamodb: target.dynamodb,
    tableName: target.names.auditTableName,
    ...(now === undefined ? {} : { now }),
  });

/** The deployment as a self-audit run sees it, its profiles, and what to close after. */
export interface SelfAuditAccess {
  readonly target: SelfAuditTarget;
  readonly profiles: readonly ComplianceProfileName[];
  /** What the run's record names: the stack (and instance), or `local`. */
  readonly name: string;
  close(): void;
}

/**
 * The resolved target as a self-audit run sees it. `--stack`: the stack's outputs once more for
 * its profiles and queue key, and a CloudFormation client for its template; `--local`: no
 * stack (the local stack has no template) and the default profiles.
 */
export async function selfAuditAccessOf(
  target: Target,
  flags: TargetFlags,
): Promise<SelfAuditAccess> {
  let digests: SelfAuditTarget['digests'];
  try {
    digests = digestAccessOf(target);
  } catch (error) {
    // A deployment from before audit digests: `audit-integrity` says so, as not run.
    if (!(error instanceof TargetUnavailableError)) throw error;
  }
  const base = {
    dynamodb: target.dynamodb,
    kms: target.kms,
    registryTableName: target.names.registryTableName,
    auditTableName: target.names.auditTableName,
    auditKeyId: target.names.auditKeyId,
    ...(digests === undefined ? {} : { digests }),
  };
  const tables = { audit: target.names.auditTableName, registry: target.names.registryTableName };
  const keys = { audit: target.names.auditKeyId, secrets: target.names.secretsKeyId };
  if (flags.stack === undefined) {
    return {
      target: { ...base, access: { keys, tables } },
      profiles: defaultComplianceProfiles,
      name: 'local',
      close() {},
    };
  }
  const cloudFormation = new CloudFormationClient(
    flags.region === undefined ? {} : { region: flags.region },
  );
  try {
    const outputs = await describeStackOutputs(cloudFormation, flags.stack);
    // The instance the target resolved: `--instance`, else the stack's only or unnamed one.
    const prefix = chooseInstance(flags.stack, outputs.keys(), flags.instance);
    const output = (key: string) => outputs.get(instanceOutputKey(key, prefix || undefined));
    const queueKeyId = output(operatorOutputKeys.queueKeyId);
    const profiles = (output(operatorOutputKeys.complianceProfiles) ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(isComplianceProfileName);
    return {
      target: {
        ...base,
        access: {
          keys: { ...keys, ...(queueKeyId === undefined ? {} : { queue: queueKeyId }) },
          tables,
        },
        stack: { name: flags.stack, cloudFormation, sqs: target.sqs },
      },
      profiles: profiles.length === 0 ? defaultComplianceProfiles : profiles,
      name: prefix ? `${flags.stack}/${prefix}` : flags.stack,
      close: () => cloudFormation.destroy(),
    };
  } catch (error) {
    cloudFormation.destroy();
    throw error;
  }
}

/** `--cryptoperiod-days` and `--idle-days`, whole days from 1; UsageError otherwise. */
export function reviewOverrides(flags: {
  readonly cryptoperiodDays?: string;
  readonly idleDays?: string;
}): { cryptoperiodDays?: number; idleProviderDays?: number } {
  const days = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`${flag} must be a whole number of days from 1, got '${text}'`);
    }
    return value;
  };
  const cryptoperiodDays = days(flags.cryptoperiodDays, '--cryptoperiod-days');
  const idleProviderDays = days(flags.idleDays, '--idle-days');
  return {
    ...(cryptoperiodDays === undefined ? {} : { cryptoperiodDays }),
    ...(idleProviderDays === undefined ? {} : { idleProviderDays }),
  };
}

/**
 * The numbers `providers list --review` flags by: the flags', else the last self-audit run's
 * (what the schedule checks with), else the default profiles' defaults; and where they came from.
 */
export async function reviewSettingsOf(
  target: Target,
  overrides: { cryptoperiodDays?: number; idleProviderDays?: number },
): Promise<ProviderReviewSettings & { readonly source: string }> {
  const { runs } = await selfAuditHistoryOf(target).listRuns(1);
  const last = runs[0]?.run;
  const defaults = selfAuditSettings(defaultComplianceProfiles);
  const from = last?.settings ?? defaults;
  const source =
    last === undefined
      ? 'the defaults: no self-audit run is recorded'
      : `the self-audit run of ${last.startedAt}`;
  return {
    cryptoperiodDays: overrides.cryptoperiodDays ?? from.cryptoperiodDays,
    idleProviderDays: overrides.idleProviderDays ?? from.idleProviderDays,
    source:
      overrides.cryptoperiodDays !== undefined && overrides.idleProviderDays !== undefined
        ? 'the flags'
        : source,
  };
}
