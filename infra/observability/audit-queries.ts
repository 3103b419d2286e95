/**
 * Logs Insights queries over the ingest Lambda's log group, answering the usual audit
 * questions. They read the handler's one JSON line per request ("delivery handled": outcome,
 * statusCode, reason, providerId, deliveryId) and its error lines; every query names the
 * fields it shows, so none prints `@message`, and no line of the handler holds a body or a
 * header anyway.
 */
import * as logs from 'aws-cdk-lib/aws-logs';

/** Replace in the console before running: Logs Insights has no parameters. */
export const providerPlaceholder = 'REPLACE-WITH-PROVIDER-ID';
export const deliveryPlaceholder = 'REPLACE-WITH-DELIVERY-ID';

const handled = "message = 'delivery handled'";

/** The newest rejected attempts: the dashboard's log widget shows this one too. */
export const latestRejections = new logs.QueryString({
  fields: ['@timestamp', 'providerId', 'reason', 'statusCode', 'deliveryId', '@requestId'],
  filterStatements: [handled, "outcome = 'rejected'"],
  sort: '@timestamp desc',
  limit: 100,
});

export interface AuditQuery {
  /** The construct id, and the name after the folder prefix in the console. */
  readonly id: string;
  readonly name: string;
  readonly query: logs.QueryString;
}

export const auditQueries: readonly AuditQuery[] = [
  {
    id: 'RejectionsByProviderAndReason',
    name: 'Rejections by provider and reason',
    query: new logs.QueryString({
      filterStatements: [handled, "outcome = 'rejected'"],
      statsStatements: ['count(*) as rejections by providerId, reason'],
      sort: 'rejections desc',
    }),
  },
  { id: 'LatestRejections', name: 'Latest rejected attempts', query: latestRejections },
  {
    id: 'OutcomesByProvider',
    name: 'Outcomes by provider and status code',
    query: new logs.QueryString({
      filterStatements: [handled],
      statsStatements: ['count(*) as attempts by providerId, outcome, statusCode'],
      sort: 'attempts desc',
    }),
  },
  {
    id: 'DeliveriesOfOneProvider',
    name: 'Deliveries of one provider',
    query: new logs.QueryString({
      fields: ['@timestamp', 'outcome', 'statusCode', 'reason', 'deliveryId', '@requestId'],
      filterStatements: [handled, `providerId = '${providerPlaceholder}'`],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  {
    id: 'AttemptsOfOneDelivery',
    name: 'Attempts of one delivery id',
    query: new logs.QueryString({
      fields: ['@timestamp', 'providerId', 'outcome', 'statusCode', 'reason', '@requestId'],
      filterStatements: [handled, `deliveryId = '${deliveryPlaceholder}'`],
      sort: '@timestamp asc',
    }),
  },
  {
    id: 'DependencyFailures',
    name: 'Dependency failures (503) by reason',
    query: new logs.QueryString({
      // kms_unavailable, dynamodb_unavailable, sqs_unavailable, claim_lost and in-flight claims.
      filterStatements: [handled, 'statusCode = 503'],
      statsStatements: ['count(*) as attempts by bin(5m), reason, providerId'],
      sort: 'attempts desc',
    }),
  },
  {
    id: 'LatestHandshakes',
    name: 'Latest handshakes',
    query: new logs.QueryString({
      fields: ['@timestamp', 'providerId', 'outcome', 'reason', 'statusCode', '@requestId'],
      filterStatements: [handled, "outcome in ['handshake', 'handshake_not_supported']"],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
  {
    id: 'UnauditedRefusals',
    name: 'Refused attempts not audited (source over its budget)',
    query: new logs.QueryString({
      // The next record written for the source carries the count (suppressedAttempts).
      fields: ['@timestamp', 'providerId', 'outcome', 'reason', 'statusCode', '@requestId'],
      filterStatements: [handled, 'ispresent(auditSuppressed)'],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
  {
    id: 'HandlerErrors',
    name: 'Handler errors (500) and unreadable events (400)',
    query: new logs.QueryString({
      // The handler logs error names and codes only, never the messages.
      fields: ['@timestamp', 'level', 'message', 'errorName', 'code', '@requestId'],
      filterStatements: ["level = 'ERROR' or message = 'unreadable event'"],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
];
