/**
 * Retention per record class: how long each kind of record this deployment holds is kept, what
 * the profiles ask, and where the value is set. Read from the template where the template sets
 * it, from functions/config where code does.
 */

import { defaultDedupWindowSeconds } from '../../functions/config/limits.ts';
import {
  adminRetentionClass,
  isRetentionClassName,
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import {
  auditDays,
  type ComplianceProfileName,
  combineProfiles,
  complianceProfiles,
  payloadDays,
} from '../profiles.ts';
import {
  environmentOf,
  ingestFunction,
  outputTarget,
  property,
  resourcesOfType,
  type Template,
  valueAt,
} from './template.ts';

export interface RetentionRow {
  readonly recordClass: string;
  readonly kept: string;
  /** What the profiles ask, and which profile asks it; `—` when no profile sets it. */
  readonly required: string;
  /** `true`/`false` against `required`; `null` when no profile sets it or it was not found. */
  readonly meetsProfiles: boolean | null;
  readonly setBy: string;
  readonly note: string;
}

/** DynamoDB keeps point-in-time recovery 35 days unless a shorter period is set. */
const defaultRecoveryDays = 35;

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);

export function retentionRows(
  template: Template,
  profiles: readonly ComplianceProfileName[],
): RetentionRow[] {
  const required = combineProfiles(profiles);
  const askedBy = (
    field: 'deliveryAuditFloor' | 'adminAuditFloor' | 'payloadCopyCeiling' | 'logRetentionDays',
  ) => profiles.filter((name) => complianceProfiles[name][field] === required[field]).join(', ');
  const ingest = ingestFunction(template, auditTable.nameVariable);
  const variable = (name: string) => {
    const value = ingest === undefined ? undefined : environmentOf(ingest.resource)[name];
    return isRetentionClassName(value) ? value : undefined;
  };
  const floor = variable(retentionFloorVariable);
  const ceiling = variable(payloadCopyCeilingVariable);
  const lambdaSetting = (name: string) =>
    `${ingest?.id ?? 'the ingest Lambda'} Environment.Variables.${name}`;
  const logDays = resourcesOfType(template, 'AWS::Logs::LogGroup').map(({ resource }) =>
    property(resource, 'RetentionInDays'),
  );
  const shortestLog =
    logDays.every((d) => typeof d === 'number') && logDays.length > 0
      ? Math.min(...(logDays as number[]))
      : undefined;
  const deliveryRecordsKept =
    floor === undefined ? '(not found)' : `at least ${days(auditDays(floor))} (class ${floor})`;
  return [
    {
      recordClass: 'Delivery audit records (one per attempt)',
      kept: deliveryRecordsKept,
      required: `at least ${days(auditDays(required.deliveryAuditFloor))} (${askedBy('deliveryAuditFloor')})`,
      meetsProfiles:
        floor === undefined ? null : auditDays(floor) >= auditDays(required.deliveryAuditFloor),
      setBy: lambdaSetting(retentionFloorVariable),
      note: `A provider's own class may keep longer. DynamoDB's TTL (${auditTable.timeToLiveAttribute}) deletes the record after that; reads hide it from then on.`,
    },
    {
      recordClass: 'Admin audit records (CLI actions)',
      kept: `${days(auditDays(adminRetentionClass))} (class ${adminRetentionClass})`,
      required: `at least ${days(auditDays(required.adminAuditFloor))} (${askedBy('adminAuditFloor')})`,
      meetsProfiles: auditDays(adminRetentionClass) >= auditDays(required.adminAuditFloor),
      setBy: 'functions/config/retention.ts adminRetentionClass',
      note: 'Who did what, when, from which host, and the outcome; never key text.',
    },
    {
      recordClass: 'Redacted payload copies',
      kept:
        ceiling === undefined
          ? '(not found)'
          : payloadDays(ceiling) === 0
            ? 'none kept'
            : `at most ${days(payloadDays(ceiling))} (class ${ceiling})`,
      required:
        payloadDays(required.payloadCopyCeiling) === 0
          ? `none (${askedBy('payloadCopyCeiling')})`
          : `at most ${days(payloadDays(required.payloadCopyCeiling))} (${askedBy('payloadCopyCeiling')})`,
      meetsProfiles:
        ceiling === undefined
          ? null
          : payloadDays(ceiling) <= payloadDays(required.payloadCopyCeiling),
      setBy: lambdaSetting(payloadCopyCeilingVariable),
      note: "Redacted by the provider's rules and encrypted; an item of its own, with its own TTL.",
    },
    {
      recordClass: 'Logs (Lambda, API access and execution, WAF, VPC flow logs)',
      kept:
        shortestLog === undefined
          ? '(a log group sets no retention)'
          : `at least ${days(shortestLog)} (the shortest log group)`,
      required: `at least ${days(required.logRetentionDays)} (${askedBy('logRetentionDays')})`,
      meetsProfiles: shortestLog === undefined ? null : shortestLog >= required.logRetentionDays,
      setBy: 'RetentionInDays of every AWS::Logs::LogGroup',
      note: 'No body, header or secret is logged.',
    },
    ...queueRows(template),
    {
      // No item of their own any more: an accepted delivery's record is its marker
      // (functions/audit/delivery-item.ts), so the marker lives exactly as long as the record.
      recordClass: 'Deduplication markers (the accepted delivery records)',
      kept: deliveryRecordsKept,
      required: '—',
      meetsProfiles: null,
      setBy: `${lambdaSetting(retentionFloorVariable)}; functions/config/limits.ts defaultDedupWindowSeconds`,
      note: `No item of their own: an accepted delivery's audit record (one item, its repeats appended) is its marker, kept and erased with it. A repeat within the provider's dedup window (${days(defaultDedupWindowSeconds / 86_400)} by default) is answered as a duplicate and not queued again; after it, the same id is a new delivery.`,
    },
    ...recoveryRows(template),
  ];
}

/** Queued deliveries hold the exact body until a consumer deletes them. */
function queueRows(template: Template): RetentionRow[] {
  return resourcesOfType(template, 'AWS::SQS::Queue').map(({ id, resource }) => {
    const seconds = property(resource, 'MessageRetentionPeriod');
    // The delivery queue redrives to the dead-letter queue; the dead-letter queue does not.
    const queue =
      property(resource, 'RedrivePolicy') === undefined ? 'dead-letter queue' : 'delivery queue';
    return {
      recordClass: `Deliveries on the ${queue} (exact body)`,
      kept:
        typeof seconds === 'number'
          ? `at most ${days(seconds / 86_400)}`
          : 'at most 4 days (SQS default)',
      required: '—',
      meetsProfiles: null,
      setBy: `${id} MessageRetentionPeriod`,
      note: 'Until your consumer deletes the message; encrypted with the queue key.',
    };
  });
}

/** Point-in-time recovery keeps restorable copies: erasure and TTL reach them only as they age. */
function recoveryRows(template: Template): RetentionRow[] {
  const names = new Map([
    [outputTarget(template, stackOutputKeys.registryTableName), 'registry table'],
    [outputTarget(template, stackOutputKeys.auditTableName), 'audit table'],
  ]);
  return resourcesOfType(template, 'AWS::DynamoDB::Table').flatMap(({ id, resource }) => {
    const pitr = property(resource, 'PointInTimeRecoverySpecification');
    if (valueAt(pitr, 'PointInTimeRecoveryEnabled') !== true) return [];
    const period = valueAt(pitr, 'RecoveryPeriodInDays');
    return [
      {
        recordClass: `Point-in-time recovery of the ${names.get(id) ?? id}`,
        kept: days(typeof period === 'number' ? period : defaultRecoveryDays),
        required: '—',
        meetsProfiles: null,
        setBy: `${id} PointInTimeRecoverySpecification`,
        note: 'A deleted, erased or expired item stays restorable from the backups this long.',
      },
    ];
  });
}
