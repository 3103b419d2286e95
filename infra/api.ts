/**
 * The `rest` front: a regional REST API with one resource, `/v1/webhooks/{providerId}`, whose
 * POST and GET are a Lambda proxy. Every content type is a binary media type, so every body
 * reaches the Lambda base64 encoded: the bytes a provider signed are the bytes verified, whatever
 * their encoding. The GET is there for the verification handshakes some providers send before
 * they deliver (Meta's, Nylas's, Dropbox's): the Lambda answers it only for a provider registered
 * with a GET handshake, and 405 otherwise. The only front a WAF web ACL can be associated with
 * (infra/waf.ts).
 */
import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
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
} from './front.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/** The API's security policy: TLS 1.2 and 1.3 only, with API Gateway's TLS 1.2 cipher suites. */
export const minimumTlsPolicy = 'TLS_1_2';

/** The stage the API is deployed to; its name is the first segment of the URL path. */
export const stageName = 'prod';

export interface IngestApiProps {
  readonly handler: lambda.IFunction;
  readonly logs: LogGroupSettings;
  readonly throttling: StageThrottling;
  /** Set the region's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`). */
  readonly manageAccountLoggingRole: boolean;
  readonly accessLogDetail: AccessLogDetail;
  /** X-Ray tracing of the stage. */
  readonly tracing: boolean;
  /** A web ACL will be associated with the stage: its verdict goes in the access log. */
  readonly waf: boolean;
  /**
   * The custom domain mapped to the stage (infra/custom-domain.ts): the default execute-api
   * endpoint is turned off (`disableExecuteApiEndpoint`), so every request comes through the
   * domain, and `baseUrl` and `webhookUrlTemplate` are the domain's.
   * @default - none: the execute-api endpoint answers, and the URLs are its
   */
  readonly customDomainName?: string;
}

export class IngestApi extends Construct implements IngestFront {
  readonly kind = 'rest';
  readonly api: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  readonly executionLogGroup: logs.LogGroup;
  /** The region's API Gateway logging role, when this deployment manages it. */
  readonly accountLoggingRole?: iam.Role;
  /** @default - no custom domain */
  readonly customDomainName?: string;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    if (props.customDomainName !== undefined) this.customDomainName = props.customDomainName;
    this.accessLogGroup = encryptedLogGroup(this, 'AccessLogGroup', props.logs);
    this.api = new apigateway.RestApi(this, 'Api', {
      description:
        'Receives third-party webhooks: POST /v1/webhooks/{providerId}, and GET for their verification handshakes',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: false,
      // With a custom domain, only the domain answers: nothing reaches the stage another way.
      ...(props.customDomainName === undefined ? {} : { disableExecuteApiEndpoint: true }),
      deployOptions: {
        stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat({
          front: 'rest',
          detail: props.accessLogDetail,
          waf: props.waf,
          tracing: props.tracing,
        }),
        // Errors only, and never a body or header: data trace would log whole requests.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: props.tracing,
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
    });

    // Without a policy a regional API's default endpoint still accepts TLS 1.0 and 1.1 (PCI DSS
    // v4.0.1 4.2.1, HIPAA §164.312(e)(1)). TLS_1_2, not a TLS 1.3-only policy: providers' senders
    // still connect with TLS 1.2.
    (this.api.node.defaultChild as apigateway.CfnRestApi).securityPolicy = minimumTlsPolicy;

    // API Gateway creates the execution log group on first use, unencrypted and kept forever,
    // unless it already exists: create it first, under its fixed name.
    this.executionLogGroup = encryptedLogGroup(
      this,
      'ExecutionLogGroup',
      props.logs,
      `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`,
    );
    this.api.deploymentStage.node.addDependency(this.executionLogGroup);

    if (props.customDomainName !== undefined) {
      // API Gateway applies disableExecuteApiEndpoint at the stage's next deployment: make the
      // deploy that sets (or clears) it a new deployment, so it holds from that deploy on.
      this.api.latestDeployment?.addToLogicalId({ disableExecuteApiEndpoint: true });
    }

    const validator = this.api.addRequestValidator('ProviderIdValidator', {
      requestValidatorName: 'provider-id-required',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const webhook = this.api.root
      .resourceForPath(webhookPath)
      .addResource(`{${providerIdParameter}}`);
    const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true });
    for (const method of webhookMethods) {
      webhook.addMethod(method, integration, {
        // Providers authenticate by signing the body, or (a GET handshake) with what only the
        // Lambda can check against the provider's keys: API Gateway can check neither.
        authorizationType: apigateway.AuthorizationType.NONE,
        requestParameters: { [`method.request.path.${providerIdParameter}`]: true },
        requestValidator: validator,
      });
    }

    if (props.manageAccountLoggingRole) {
      this.accountLoggingRole = this.accountLogging();
    }
  }

  get baseUrl(): string {
    // The domain is mapped at its root to the stage: its URL has no stage segment.
    return this.customDomainName === undefined ? this.api.url : `https://${this.customDomainName}/`;
  }

  get webhookUrlTemplate(): string {
    const base =
      this.customDomainName === undefined
        ? this.api.urlForPath(webhookPath)
        : `https://${this.customDomainName}${webhookPath}`;
    return `${base}/{${providerIdParameter}}`;
  }

  get metrics(): apigateway.RestApi {
    return this.api;
  }

  /** The stage's ARN, which a web ACL is associated with. */
  get stageArn(): string {
    return this.api.deploymentStage.stageArn;
  }

  /**
   * The region's API Gateway logging role. One per account and region, serving every REST
   * API there, so its policy reaches the region's log groups rather than only ours; it is
   * kept when the stack is deleted, as other APIs may depend on it.
   */
  private accountLogging(): iam.Role {
    const role = new iam.Role(this, 'AccountLoggingRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway access and execution logging for the REST APIs of this region',
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const policy = new iam.ManagedPolicy(this, 'AccountLoggingPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
            'logs:PutLogEvents',
            'logs:GetLogEvents',
            'logs:FilterLogEvents',
          ],
          resources: [
            `arn:${Aws.PARTITION}:logs:${Stack.of(this).region}:${Aws.ACCOUNT_ID}:log-group:*`,
          ],
        }),
      ],
    });
    policy.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigateway.CfnAccount(this, 'Account', {
      cloudWatchRoleArn: role.roleArn,
    });
    account.node.addDependency(policy);
    this.api.deploymentStage.node.addDependency(account);
    return role;
  }
}
