/**
 * The `url` front: a Lambda function URL on the ingest function, public (auth type NONE, as a
 * webhook sender has no AWS credentials) and buffered. It costs nothing per request of its own,
 * and gives up what API Gateway adds: no WAF, no access log (the Lambda's line and the audit
 * record remain), no throttling but the function's reserved concurrency, and no route: every
 * path reaches the Lambda, which takes the provider's id from `/v1/webhooks/{providerId}` and
 * refuses any other path as an unknown provider.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, type IConstruct } from 'constructs';
import { type IngestFront, providerIdParameter, webhookPath } from './front.ts';
import type { FrontMetrics } from './observability/front-metrics.ts';

export interface IngestFunctionUrlProps {
  readonly handler: lambda.IFunction;
}

export class IngestFunctionUrl extends Construct implements IngestFront {
  readonly kind = 'url';
  readonly functionUrl: lambda.FunctionUrl;
  readonly metrics: FrontMetrics;
  /**
   * The function's resource policy statements that let anyone invoke it through the URL
   * (`lambda:InvokeFunctionUrl` with auth type NONE, and `lambda:InvokeFunction` via the URL).
   */
  readonly publicInvokePermissions: readonly IConstruct[];

  constructor(scope: Construct, id: string, props: IngestFunctionUrlProps) {
    super(scope, id);
    this.functionUrl = new lambda.FunctionUrl(this, 'Url', {
      function: props.handler,
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    this.metrics = functionUrlMetrics(props.handler.functionName);
    // lambda.FunctionUrl adds them to the function under these ids.
    this.publicInvokePermissions = ['invoke-function-url', 'invoke-function'].flatMap((child) => {
      const permission = props.handler.node.tryFindChild(child);
      return permission === undefined ? [] : [permission];
    });
  }

  get baseUrl(): string {
    return this.functionUrl.url;
  }

  get webhookUrlTemplate(): string {
    // A function URL ends with a slash.
    return `${this.functionUrl.url}${webhookPath.slice(1)}/{${providerIdParameter}}`;
  }
}

/**
 * A function URL's request metrics: AWS/Lambda `UrlRequestCount`, `Url4xxCount`, `Url5xxCount`
 * and `UrlRequestLatency` by `FunctionName` (Lambda Developer Guide, "Monitoring Lambda
 * function URLs").
 */
function functionUrlMetrics(functionName: string): FrontMetrics {
  const metric = (metricName: string, props: cloudwatch.MetricOptions = {}) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: functionName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  return {
    frontLabel: 'Function URL',
    metricCount: (props) => metric('UrlRequestCount', props),
    metricClientError: (props) => metric('Url4xxCount', props),
    metricServerError: (props) => metric('Url5xxCount', props),
    metricLatency: (props) =>
      metric('UrlRequestLatency', { statistic: cloudwatch.Stats.AVERAGE, ...props }),
  };
}
