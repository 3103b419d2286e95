/**
 * The Lambda entry of `POST /v1/webhooks/{providerId}`: the SDK clients and adapters, created
 * once per container, wired into the pure ingest path (ingest.ts). Endpoints come only from
 * the SDK's standard `AWS_ENDPOINT_URL_*` variables; names from the variables in
 * functions/config. Logs and metrics carry outcomes, reasons and ids, never a body, a header
 * or a secret.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { AuditStore } from '../audit/audit-store.ts';
import { DataKeyCache } from '../audit/data-key-cache.ts';
import { DeliveryClaims } from '../audit/delivery-claims.ts';
import { encryptField } from '../audit/field-encryption.ts';
import { createSealer } from '../audit/record-seal.ts';
import { SubjectIndexSecret } from '../audit/subject-index-secret.ts';
import { boundedClientConfig } from '../aws/clients.ts';
import { digestTimingFrom } from '../config/audit-digests.ts';
import { payloadBucket } from '../config/buckets.ts';
import { kmsKeys } from '../config/keys.ts';
import { configCacheSecondsFrom } from '../config/limits.ts';
import { deliveryQueue } from '../config/queues.ts';
import {
  isRetentionClassName,
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../config/retention.ts';
import { auditTable, registryTable } from '../config/tables.ts';
import {
  type DeliveryHandledFields,
  deliveryHandledMessage,
  type IngestFailedFields,
  ingestFailedMessage,
  metricsNamespaceFrom,
  telemetry,
  type UnreadableEventFields,
  unreadableEventMessage,
} from '../config/telemetry.ts';
import { BodyObjects } from '../queue/body-objects.ts';
import { DeliveryQueue } from '../queue/delivery-queue.ts';
import { QueueSender } from '../queue/sender.ts';
import { ProviderCache } from '../registry/provider-cache.ts';
import { verifyDelivery } from '../verify/verify.ts';
import { InvalidHttpEventError } from './errors.ts';
import { type ApiGatewayEvent, readHttpEvent } from './http-event.ts';
import {
  badRequest,
  type HttpResponse,
  type IngestResult,
  internalError,
} from './http-response.ts';
import { ingest } from './ingest.ts';
import { IngestLogFormatter } from './log-formatter.ts';
import type { IngestPorts } from './ports.ts';
import { RejectionBudget } from './rejection-budget.ts';

const { serviceName } = telemetry;
// Each instance's own, from the environment the construct sets (infra/ingest-function.ts).
const metricsNamespace = metricsNamespaceFrom(process.env);
const logger = new Logger({ serviceName, logFormatter: new IngestLogFormatter() });
const metrics = new Metrics({ namespace: metricsNamespace, serviceName });
// Off outside Lambda (no AWS_EXECUTION_ENV): the local stack and the tests trace nothing.
const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });

/** The adapters over real SDK clients, from the environment the CDK construct sets. */
export function createIngestPorts(env: NodeJS.ProcessEnv = process.env): IngestPorts {
  // Every wait on AWS bounded: timeouts, two attempts, and each delivery's deadline.
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient(boundedClientConfig()));
  const kms = tracer.captureAWSv3Client(new KMSClient(boundedClientConfig()));
  const sqs = tracer.captureAWSv3Client(new SQSClient(boundedClientConfig()));
  const s3 = tracer.captureAWSv3Client(new S3Client(boundedClientConfig()));
  const retentionFloor = optionalRetentionClass(env, retentionFloorVariable);
  const payloadCopyCeiling = optionalRetentionClass(env, payloadCopyCeilingVariable);
  const auditTableName = required(env, auditTable.nameVariable);
  const providers = new ProviderCache({
    dynamodb,
    kms,
    tableName: required(env, registryTable.nameVariable),
    secretsKeyId: required(env, kmsKeys.secrets.idVariable),
    // The bound the CLI promises for a provider change, so one setting governs both.
    configCacheSeconds: configCacheSecondsFrom(env),
  });
  const auditKeyId = required(env, kmsKeys.audit.idVariable);
  const dataKeys = new DataKeyCache({ kms, keyId: auditKeyId });
  // Read and decrypted only when a provider with a subject key first needs it.
  const subjectIndex = new SubjectIndexSecret({
    dynamodb,
    kms,
    registryTableName: required(env, registryTable.nameVariable),
    auditKeyId,
  });
  // Every record sealed under a cached data key of the ingest writer (record-seal.ts).
  const sealer = createSealer({ kms, keyId: auditKeyId, writer: 'ingest' });
  const claims = new DeliveryClaims({
    dynamodb,
    tableName: auditTableName,
    sealer,
    digestPeriodMs: digestTimingFrom(env).periodSeconds * 1000,
  });
  const audit = new AuditStore({ dynamodb, tableName: auditTableName, sealer });
  // A body too large for its message goes to the payload bucket first (a claim check).
  const queue = new DeliveryQueue({
    sender: new QueueSender({ sqs, queueUrl: required(env, deliveryQueue.urlVariable) }),
    bodies: new BodyObjects({ s3, bucketName: required(env, payloadBucket.nameVariable) }),
  });
  return {
    resolveProvider: (providerId) => providers.resolveProvider(providerId),
    verify: verifyDelivery,
    claims,
    queue,
    audit,
    encryptField: (binding, plaintext) => {
      // The record is sealed a moment later: its key is fetched beside this one, not after.
      sealer.prefetch();
      return encryptField(dataKeys, binding, plaintext);
    },
    subjectIndex,
    rejections: new RejectionBudget(),
    ...(retentionFloor === undefined ? {} : { retentionFloor }),
    ...(payloadCopyCeiling === undefined ? {} : { payloadCopyCeiling }),
  };
}

/** Created at the first request rather than at import, so a missing variable fails loudly there. */
let ports: IngestPorts | undefined;

async function ingestHttpEvent(event: ApiGatewayEvent): Promise<HttpResponse> {
  ports ??= createIngestPorts();
  let request: ReturnType<typeof readHttpEvent>;
  try {
    request = readHttpEvent(event);
  } catch (error) {
    if (!(error instanceof InvalidHttpEventError)) throw error;
    const fields: UnreadableEventFields = { code: error.code };
    logger.warn(unreadableEventMessage, fields);
    return badRequest();
  }
  try {
    const result = await ingest(request, ports, Date.now);
    record(result);
    return result.response;
  } catch (error) {
    // Names and codes only: messages of these modules never quote a body, but stay on the safe side.
    const { name, code } = error as { name?: unknown; code?: unknown };
    const fields: IngestFailedFields = { errorName: String(name), code: String(code) };
    logger.error(ingestFailedMessage, fields);
    return internalError();
  }
}

/** One log line and one count per request, labelled with low-cardinality values only. */
function record(result: IngestResult): void {
  const fields: DeliveryHandledFields = {
    outcome: result.outcome,
    statusCode: result.response.statusCode,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.providerId === undefined ? {} : { providerId: result.providerId }),
    ...(result.deliveryId === undefined ? {} : { deliveryId: result.deliveryId }),
    ...(result.auditSuppressed === true ? { auditSuppressed: true } : {}),
  };
  logger.info(deliveryHandledMessage, fields);
  tracer.putAnnotation('outcome', result.outcome);
  if (result.providerId !== undefined) tracer.putAnnotation('provider', result.providerId);
  // An unregistered id from the URL would be unbounded cardinality: it counts as `unknown`.
  metrics.addDimension('provider', result.providerId ?? 'unknown');
  metrics.addDimension('reason', result.reason ?? 'none');
  metrics.addMetric(result.outcome, MetricUnit.Count, 1);
  if (result.auditSuppressed === true) metrics.addMetric('audit_suppressed', MetricUnit.Count, 1);
}

function optionalRetentionClass(env: NodeJS.ProcessEnv, name: string) {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!isRetentionClassName(value)) {
    throw new Error(`environment variable ${name} names no retention class`);
  }
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const handler = middy(ingestHttpEvent)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
