/**
 * The names the handler's Powertools Logger, Metrics and Tracer publish under, which the CDK
 * construct's dashboard, alarms and saved queries read back.
 */
export const telemetry = {
  serviceName: 'webhook-ingestion',
  /** The EMF namespace; each count is named after the ingest outcome. */
  metricsNamespace: 'WebhookIngestion',
} as const;
