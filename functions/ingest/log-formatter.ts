/**
 * The ingest function's log lines: Powertools' own keys, less those that are the same on every
 * line of the function (its ARN, name and memory, which the log group and the function's
 * configuration already say) and the sampling rate (always 0 here). One line per request is
 * most of what CloudWatch Logs bills the function for; these keys were 40% of its bytes
 * (docs/cost.md).
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export class IngestLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}
