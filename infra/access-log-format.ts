/**
 * The access log line of the REST and HTTP API fronts: JSON, no header, no body. Every line
 * holds what PCI DSS 10.2.2 asks of an audit log entry (who, when, what, on which resource, the
 * outcome) and what compliance/checks/api-access-logging.ts reads; the rest only where a profile
 * requires an access log of every request, since CloudWatch bills each byte ingested.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IngestFrontName } from './front.ts';

/** How much a line holds: the essentials, or the essentials and what an investigation reads. */
export type AccessLogDetail = 'essential' | 'detailed';

export interface AccessLogChoices {
  readonly front: Exclude<IngestFrontName, 'url'>;
  readonly detail: AccessLogDetail;
  /** The web ACL's verdict, on a REST API with a WAF. */
  readonly waf: boolean;
  /** The X-Ray trace id, on a traced REST API. */
  readonly tracing: boolean;
}

/** The `$context` variables of a line, by key (REST and HTTP APIs name most of them alike). */
export function accessLogFields(choices: AccessLogChoices): Readonly<Record<string, string>> {
  const rest = choices.front === 'rest';
  return {
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    httpMethod: '$context.httpMethod',
    // The route matched, not the path: the provider's id is in the Lambda's line and the audit.
    ...(rest ? { resourcePath: '$context.resourcePath' } : { routeKey: '$context.routeKey' }),
    status: '$context.status',
    ...(choices.detail === 'detailed'
      ? {
          path: '$context.path',
          userAgent: '$context.identity.userAgent',
          integrationStatus: '$context.integrationStatus',
          responseLatency: '$context.responseLatency',
          errorMessage: '$context.error.message',
        }
      : {}),
    ...(rest && choices.waf ? { wafResponseCode: '$context.wafResponseCode' } : {}),
    ...(rest && choices.tracing ? { xrayTraceId: '$context.xrayTraceId' } : {}),
  };
}

/** The line's format, as both API Gateway constructs take it. */
export function accessLogFormat(choices: AccessLogChoices): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields(choices)));
}
