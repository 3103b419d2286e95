/**
 * The `http` front: an API Gateway HTTP API with the webhook route, `POST` and `GET
 * /v1/webhooks/{providerId}` (GET for the verification handshakes the Lambda answers),
 * as a Lambda proxy (payload format 2.0: the raw path and query string, and the body as text or
 * base64, as received), on the `$default` stage, so the URL has no stage segment. HTTP APIs
 * accept TLS 1.2 and 1.3 only and write access logs through CloudWatch Logs' own delivery, so
 * they need neither a security policy nor the region's API Gateway logging role.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AccessLogDetail, accessLogFormat } from './access-log-format.ts';
import {
  type IngestFront,
  providerIdParameter,
  type StageThrottling,
  webhookMethods,
  webhookPath,
  webhookRoute,
} from './front.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

export interface IngestHttpApiProps {
  readonly handler: lambda.IFunction;
  readonly logs: LogGroupSettings;
  readonly throttling: StageThrottling;
  readonly accessLogDetail: AccessLogDetail;
  /**
   * The custom domain mapped to the `$default` stage (infra/custom-domain.ts): the default
   * execute-api endpoint is turned off (`disableExecuteApiEndpoint`), so every request comes
   * through the domain, and `baseUrl` and `webhookUrlTemplate` are the domain's.
   * @default - none: the execute-api endpoint answers, and the URLs are its
   */
  readonly customDomainName?: string;
}

export class IngestHttpApi extends Construct implements IngestFront {
  readonly kind = 'http';
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** One per method of `webhookMethods`. */
  readonly routes: readonly apigwv2.HttpRoute[];
  readonly accessLogGroup: logs.LogGroup;
  /** @default - no custom domain */
  readonly customDomainName?: string;

  constructor(scope: Construct, id: string, props: IngestHttpApiProps) {
    super(scope, id);
    if (props.customDomainName !== undefined) this.customDomainName = props.customDomainName;
    this.accessLogGroup = encryptedLogGroup(this, 'AccessLogGroup', props.logs);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: `Receives third-party webhooks: ${webhookMethods.join(', ')} ${webhookRoute}`,
      createDefaultStage: false,
      // With a custom domain, only the domain answers: nothing reaches the stage another way.
      ...(props.customDomainName === undefined ? {} : { disableExecuteApiEndpoint: true }),
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttling,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: accessLogFormat({
          front: 'http',
          detail: props.accessLogDetail,
          waf: false,
          tracing: false,
        }),
      },
    });
    this.routes = this.api.addRoutes({
      path: webhookRoute,
      methods: webhookMethods.map((method) => apigwv2.HttpMethod[method]),
      // Providers authenticate by signing the body, which only the Lambda can check.
      integration: new HttpLambdaIntegration('Ingest', props.handler, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
  }

  get baseUrl(): string {
    return this.customDomainName === undefined
      ? this.stage.url
      : `https://${this.customDomainName}/`;
  }

  get webhookUrlTemplate(): string {
    // The default stage's URL and the domain's both end with a slash.
    return `${this.baseUrl}${webhookPath.slice(1)}/{${providerIdParameter}}`;
  }

  get metrics(): apigwv2.HttpApi {
    return this.api;
  }
}
