/**
 * The request metrics the dashboard and alarms read from the front, whichever it is. A REST API
 * and an HTTP API (`apigateway.RestApi`, `apigatewayv2.HttpApi`) have these methods already; a
 * function URL's come from its AWS/Lambda `Url…` metrics (infra/function-url.ts).
 */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

export interface FrontMetrics {
  /**
   * The front's name in widget titles.
   * @default 'API Gateway'
   */
  readonly frontLabel?: string;
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** From the request's arrival to the response. */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * The time spent in the Lambda, as the front saw it.
   * @default - not drawn (a function URL has none)
   */
  metricIntegrationLatency?(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}
