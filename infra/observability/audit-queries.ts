/**
 * Logs Insights queries over the ingest Lambda's log group, answering the usual audit
 * questions. They read the handler's one JSON line per request (`deliveryHandledMessage`,
 * with `DeliveryHandledFields`) and its error lines, by the message and field names
 * functions/config/telemetry.ts defines for the handler and these queries alike; every query
 * names the fields it shows, so none prints `@message`, and no line of the handler holds a
 * body or a header anyway.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  deliveryHandledMessage,
  type IngestLogField,
  unreadableEventMessage,
} from '../../functions/config/telemetry.ts';
import type { IngestOutcome } from '../../functions/ingest/ingest.ts';

/** Replace in the console before running: Logs Insights has no parameters. */
export const providerPlaceholder = 'REPLACE-WITH-PROVIDER-ID';
export const deliveryPlaceholder = 'REPLACE-WITH-DELIVERY-ID';

/** A field of the handler's lines, checked against the names telemetry.ts defines. */
const field = (name: IngestLogField): string => name;

/**
 * The columns a query shows: the time, the named fields, then Lambda's request id as Powertools
 * writes it. Not `@requestId`: Logs Insights reads that from the runtime's own line prefix and
 * from the platform's START and REPORT lines, and the handler's JSON lines have neither (the
 * platform lines are not ingested at all, the function's system log level being WARN).
 */
const shown = (...names: IngestLogField[]) => [
  '@timestamp',
  ...names,
  field('function_request_id'),
];

/** A `by` list of fields, for a stats statement. */
const by = (...names: IngestLogField[]) => names.join(', ');

const outcomeIs = (outcome: IngestOutcome) => `${field('outcome')} = '${outcome}'`;

const outcomeIn = (...outcomes: IngestOutcome[]) =>
  `${field('outcome')} in [${outcomes.map((outcome) => `'${outcome}'`).join(', ')}]`;

const handled = `${field('message')} = '${deliveryHandledMessage}'`;

/** The newest rejected attempts: the dashboard's log widget shows this one too. */
export const latestRejections = new logs.QueryString({
  fields: shown('providerId', 'reason', 'statusCode', 'deliveryId'),
  filterStatements: [handled, outcomeIs('rejected')],
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
      filterStatements: [handled, outcomeIs('rejected')],
      statsStatements: [`count(*) as rejections by ${by('providerId', 'reason')}`],
      sort: 'rejections desc',
    }),
  },
  { id: 'LatestRejections', name: 'Latest rejected attempts', query: latestRejections },
  {
    id: 'OutcomesByProvider',
    name: 'Outcomes by provider and status code',
    query: new logs.QueryString({
      filterStatements: [handled],
      statsStatements: [`count(*) as attempts by ${by('providerId', 'outcome', 'statusCode')}`],
      sort: 'attempts desc',
    }),
  },
  {
    id: 'DeliveriesOfOneProvider',
    name: 'Deliveries of one provider',
    query: new logs.QueryString({
      fields: shown('outcome', 'statusCode', 'reason', 'deliveryId'),
      filterStatements: [handled, `${field('providerId')} = '${providerPlaceholder}'`],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  {
    id: 'AttemptsOfOneDelivery',
    name: 'Attempts of one delivery id',
    query: new logs.QueryString({
      fields: shown('providerId', 'outcome', 'statusCode', 'reason'),
      filterStatements: [handled, `${field('deliveryId')} = '${deliveryPlaceholder}'`],
      sort: '@timestamp asc',
    }),
  },
  {
    id: 'DependencyFailures',
    name: 'Dependency failures (503) by reason',
    query: new logs.QueryString({
      // kms_unavailable, dynamodb_unavailable, sqs_unavailable, claim_lost and in-flight claims.
      filterStatements: [handled, `${field('statusCode')} = 503`],
      statsStatements: [`count(*) as attempts by bin(5m), ${by('reason', 'providerId')}`],
      sort: 'attempts desc',
    }),
  },
  {
    id: 'LatestHandshakes',
    name: 'Latest handshakes',
    query: new logs.QueryString({
      fields: shown('providerId', 'outcome', 'reason', 'statusCode'),
      filterStatements: [handled, outcomeIn('handshake', 'handshake_not_supported')],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
  {
    id: 'UnauditedRefusals',
    name: 'Refused attempts not audited (source over its budget)',
    query: new logs.QueryString({
      // The next record written for the source carries the count (suppressedAttempts).
      fields: shown('providerId', 'outcome', 'reason', 'statusCode'),
      filterStatements: [handled, `ispresent(${field('auditSuppressed')})`],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
  {
    id: 'HandlerErrors',
    name: 'Handler errors (500) and unreadable events (400)',
    query: new logs.QueryString({
      // The handler logs error names and codes only, never the messages.
      fields: shown('level', 'message', 'errorName', 'code'),
      filterStatements: [
        `${field('level')} = 'ERROR' or ${field('message')} = '${unreadableEventMessage}'`,
      ],
      sort: '@timestamp desc',
      limit: 100,
    }),
  },
];
