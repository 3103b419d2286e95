/**
 * The self-audit function: run daily by the construct's schedule (infra/self-audit.ts), it runs
 * every self-audit check (run.ts) against its own deployment, records the run in the audit
 * table (its item and its `compliance.audit` admin record, under the role's identity, sealed as
 * the operator's: ops/review/run-store.ts), counts each failed check in the metric
 * `selfAudit.checkFailedMetric` and each check not run in `selfAudit.checkNotRunMetric`
 * (dimension `check`), and logs one JSON line with the run's summary.
 *
 * A failed or not-run check is the run's finding, not the function's failure: the alarm on the
 * metric fires. The invocation fails (so the function's error alarm fires too) only when the
 * run itself could not be done: a setting it cannot use, or a record it could not write; it
 * is then counted under `check` = `run`.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { createSealer } from '../../functions/audit/record-seal.ts';
import { auditDigests, digestTimingFrom } from '../../functions/config/audit-digests.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { selfAudit } from '../../functions/config/self-audit.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { metricsNamespaceFrom, telemetry } from '../../functions/config/telemetry.ts';
import { DigestStore } from '../../ops/integrity/digest-store.ts';
import { checksByStatus, type SelfAuditRun } from '../../ops/review/run-record.ts';
import { recordSelfAuditRun } from '../../ops/review/run-store.ts';
import { lambdaWriter, requiredVariable } from '../lambda-role.ts';
import { runSelfAudit, type SelfAuditTarget } from './run.ts';
import { settingsFrom } from './settings.ts';

/** The `message` of the run's log line. */
export const selfAuditRunMessage = 'self-audit run';

/** The `check` dimension of a run that could not be done at all. */
export const wholeRunCheck = 'run';

/** Created once per container, from the standard AWS settings. */
const dynamodb = new DynamoDBClient({});
const kms = new KMSClient({});
const s3 = new S3Client({});
const sqs = new SQSClient({});
const cloudFormation = new CloudFormationClient({});
const writerIdentity = lambdaWriter(new STSClient({}));
const variable = (name: string) => requiredVariable(name, 'the self-audit function');
const metrics = new Metrics({
  namespace: metricsNamespaceFrom(process.env),
  serviceName: telemetry.serviceName,
});

export interface SelfAuditSummary {
  readonly runId: string;
  readonly passed: readonly string[];
  readonly failed: readonly string[];
  readonly notRun: readonly string[];
}

export async function handler(): Promise<SelfAuditSummary> {
  let run: SelfAuditRun;
  try {
    run = await runChecks();
  } catch (error) {
    count(selfAudit.checkFailedMetric, wholeRunCheck);
    throw error;
  }
  const { passed, failed, notRun } = checksByStatus(run);
  // Counted before the record is written: a run whose record fails still shows what it found.
  for (const check of failed) count(selfAudit.checkFailedMetric, check);
  for (const check of notRun) count(selfAudit.checkNotRunMetric, check);
  try {
    await record(run);
  } catch (error) {
    count(selfAudit.checkFailedMetric, wholeRunCheck);
    throw error;
  }
  return { runId: run.runId, passed, failed, notRun };
}

/** Every check run against this deployment, and the run's log line. */
export async function runChecks(): Promise<SelfAuditRun> {
  const settings = settingsFrom(process.env);
  const run = await runSelfAudit(deploymentTarget(), settings);
  const { passed, failed } = checksByStatus(run);
  console.log(
    JSON.stringify({
      message: selfAuditRunMessage,
      runId: run.runId,
      stack: run.stack,
      templateSha256: run.templateSha256,
      passed,
      failed,
      notRun: run.checks
        .filter((check) => check.status === 'not_run')
        .map(({ name, reason }) => ({ check: name, reason })),
      findings: run.checks.reduce((sum, check) => sum + check.findings.length, 0),
    }),
  );
  return run;
}

/** The run's record and admin record, under the role's identity; throws when not written. */
async function record(run: SelfAuditRun): Promise<void> {
  const { actor, host } = await writerIdentity();
  const stackName = process.env[selfAudit.stackNameVariable];
  const instance = process.env[selfAudit.instanceVariable];
  await recordSelfAuditRun(
    {
      dynamodb,
      tableName: variable(auditTable.nameVariable),
      // Admin records verify under the operator's seal keys: this function acts in the
      // operator's stead (`webhooks compliance audit`, scheduled), its role the record's actor.
      sealer: createSealer({ kms, keyId: variable(kmsKeys.audit.idVariable), writer: 'operator' }),
    },
    {
      run,
      actor,
      host,
      trigger: 'schedule',
      target: stackName ? `${stackName}${instance ? `/${instance}` : ''}` : '*',
    },
  );
}

/** The deployment the function belongs to, from its variables. */
function deploymentTarget(): SelfAuditTarget {
  const stackName = process.env[selfAudit.stackNameVariable];
  const digestBucket = process.env[auditDigests.bucketVariable];
  const signingKeyId = process.env[auditDigests.signingKeyVariable];
  const queueKeyId = process.env[kmsKeys.queue.idVariable];
  const registryTableName = variable(registryTable.nameVariable);
  const auditTableName = variable(auditTable.nameVariable);
  const auditKeyId = variable(kmsKeys.audit.idVariable);
  return {
    dynamodb,
    kms,
    registryTableName,
    auditTableName,
    auditKeyId,
    access: {
      keys: {
        audit: auditKeyId,
        secrets: variable(kmsKeys.secrets.idVariable),
        ...(queueKeyId ? { queue: queueKeyId } : {}),
      },
      tables: { audit: auditTableName, registry: registryTableName },
    },
    ...(digestBucket && signingKeyId
      ? {
          digests: {
            store: new DigestStore({ s3, kms, bucket: digestBucket, signingKeyId }),
            timing: digestTimingFrom(process.env),
          },
        }
      : {}),
    ...(stackName
      ? { stack: { name: stackName, cloudFormation, sqs } }
      : { noStackReason: `no CloudFormation stack: ${selfAudit.stackNameVariable} is not set` }),
  };
}

/** One data point of `metric` for `check`, flushed at once. */
function count(metric: string, check: string): void {
  const single = metrics.singleMetric();
  single.addDimension('check', check);
  single.addMetric(metric, MetricUnit.Count, 1);
}
