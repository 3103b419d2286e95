/**
 * The construct, as a user's CDK app imports it (`webhook-ingestion/construct`): the class, its
 * props, and the types of what it exposes, so that the app can name them. Re-exports only.
 */
export type { ComplianceProfileName } from '../compliance/profiles.ts';
export type { RetentionClassName } from '../functions/config/retention.ts';
export type { AlarmTopic } from './alarm-topic.ts';
export type { AuditDigests } from './audit-digests.ts';
export type { AuditBackups } from './backup.ts';
export type { AddConsumerOptions, ConsumerWiring } from './consumer.ts';
export type { CustomDomainOptions, IngestCustomDomain } from './custom-domain.ts';
export type { IngestFrontName, StageThrottling } from './front.ts';
export type { AnyIngestFront } from './ingest-front.ts';
export type { IngestFunction, IngestNetworkPlacement } from './ingest-function.ts';
export type { DataKeys } from './keys.ts';
export type { IngestNetwork } from './network.ts';
export type { IngestObservability } from './observability/index.ts';
export type { PayloadBucket } from './payload-bucket.ts';
export type { DeliveryQueues } from './queues.ts';
export type { SelfAudit, SelfAuditConfigRules, SelfAuditOptions } from './self-audit.ts';
export type { DeploymentSettings } from './settings.ts';
export type { SourceRangeRefresher } from './source-range-refresher.ts';
export type { IngestWebAcl } from './waf.ts';
export { WebhookIngestion } from './webhook-ingestion.ts';
export type { RetentionOverrides, WebhookIngestionProps } from './webhook-ingestion-props.ts';
