/**
 * What each front must look like in a synthesized deployment (infra/front.ts): the route, TLS,
 * the access log and throttling of a REST or HTTP API, and what a function URL gives up. The
 * tests of deployment-checks.ts call these, one front at a time.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { apiAccessLogging } from '../../compliance/checks/api-access-logging.ts';
import { apiMinimumTls12 } from '../../compliance/checks/api-minimum-tls-1-2.ts';
import { apiServedOverHttpsOnly } from '../../compliance/checks/api-served-over-https-only.ts';
import { exactBodyReachesVerifier } from '../../compliance/checks/exact-body-reaches-verifier.ts';
import { noBodiesOrHeadersInLogs } from '../../compliance/checks/no-bodies-or-headers-in-logs.ts';
import type { TemplateRule, Verdict } from '../../compliance/checks/rule.ts';
import { property, resourcesOfType } from '../../compliance/report/template.ts';
import type { IngestFrontName } from '../../infra/front.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import { type Deployment, ingestLambda, propertyOf } from '../infra/deployment.ts';

export interface FrontExpectations {
  readonly front: IngestFrontName;
  readonly waf: boolean;
  readonly tracing: boolean;
  /** A profile requires an access log of every request: the detailed line. */
  readonly accessLogRequired: boolean;
}

type VerdictOf = (rule: TemplateRule) => Verdict;

const compliant = { kind: 'compliant' } as const;

/** The six fields every access log line holds (compliance/checks/api-access-logging.ts). */
const essentialFields = ['requestId', 'requestTime', 'sourceIp', 'httpMethod', 'status'];

/** The `WebhookUrlTemplate` of each front, its tokens written `<…>`: one path on all three. */
const webhookUrlShapes: Readonly<Record<IngestFrontName, string>> = {
  rest: 'https://<…>.execute-api.<…>.<…>/<…>/v1/webhooks/{providerId}',
  http: 'https://<…>.execute-api.<…>.<…>/v1/webhooks/{providerId}',
  url: '<…>v1/webhooks/{providerId}',
};

/** An `Fn::Join` of text and tokens, each token written `<…>`. */
function joinedText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (join === undefined) return '<…>';
  return join[1].map(joinedText).join(join[0]);
}

/** The route, the exact body and the webhook URL of the front. */
export function expectWebhookRoute(d: Deployment, front: IngestFrontName, verdictOf: VerdictOf) {
  expect(verdictOf(apiServedOverHttpsOnly)).toEqual(compliant);
  expect(verdictOf(exactBodyReachesVerifier)).toEqual(compliant);
  expect(joinedText(d.cloudFormation.Outputs?.[operatorOutputKeys.webhookUrlTemplate]?.Value)).toBe(
    webhookUrlShapes[front],
  );
  if (front === 'rest') {
    d.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
    });
    // POST for deliveries, GET for the handshakes the Lambda answers: the same proxy, the same
    // validator, no authorizer; no other method.
    const methods = resourcesOfType(d.cloudFormation, 'AWS::ApiGateway::Method');
    expect(methods.map(({ resource }) => property(resource, 'HttpMethod')).sort()).toEqual([
      'GET',
      'POST',
    ]);
    for (const HttpMethod of ['POST', 'GET']) {
      d.template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod,
        AuthorizationType: 'NONE',
        RequestParameters: { 'method.request.path.providerId': true },
        RequestValidatorId: Match.anyValue(),
        Integration: { Type: 'AWS_PROXY' },
      });
    }
    const [post, get] = ['POST', 'GET'].map(
      (method) =>
        methods.find(({ resource }) => property(resource, 'HttpMethod') === method)?.resource,
    );
    for (const name of ['ResourceId', 'RequestValidatorId', 'Integration']) {
      expect(get && property(get, name)).toEqual(post && property(post, name));
    }
    d.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
    });
    d.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{providerId}' });
  } else if (front === 'http') {
    d.template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    d.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    // POST for deliveries, GET for the handshakes the Lambda answers; no other route.
    const routes = resourcesOfType(d.cloudFormation, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(({ resource }) => property(resource, 'RouteKey')).sort()).toEqual([
      'GET /v1/webhooks/{providerId}',
      'POST /v1/webhooks/{providerId}',
    ]);
    const targets = routes.map(({ resource }) => property(resource, 'Target'));
    expect(new Set(targets.map((target) => JSON.stringify(target))).size).toBe(1);
    for (const { resource } of routes) {
      expect(property(resource, 'AuthorizationType')).toBe('NONE');
    }
    d.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    d.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default' });
  } else {
    d.template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    d.template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    d.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [ingestLambda(d.cloudFormation).id, 'Arn'] },
    });
  }
}

/** TLS 1.2 or newer at a REST or HTTP API endpoint. */
export function expectModernTls(d: Deployment, front: IngestFrontName, verdictOf: VerdictOf) {
  expect(verdictOf(apiMinimumTls12)).toEqual(compliant);
  if (front === 'rest') {
    d.template.hasResourceProperties('AWS::ApiGateway::RestApi', { SecurityPolicy: 'TLS_1_2' });
  } else {
    // API Gateway enforces TLS_1_2 on every HTTP API endpoint; there is nothing to set.
    d.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
  }
}

/** The stage's access log line, data trace, tracing and throttling. */
export function expectAccessLogAndThrottling(
  d: Deployment,
  expected: FrontExpectations,
  verdictOf: VerdictOf,
) {
  expect(verdictOf(apiAccessLogging)).toEqual(compliant);
  expect(verdictOf(noBodiesOrHeadersInLogs)).toEqual(compliant);
  const rest = expected.front === 'rest';
  const [stage] = resourcesOfType(
    d.cloudFormation,
    rest ? 'AWS::ApiGateway::Stage' : 'AWS::ApiGatewayV2::Stage',
  );
  const settings =
    stage && property(stage.resource, rest ? 'AccessLogSetting' : 'AccessLogSettings');
  const fields = Object.keys(JSON.parse(String((settings as { Format?: unknown })?.Format)));
  expect(fields).toEqual(
    expect.arrayContaining([...essentialFields, rest ? 'resourcePath' : 'routeKey']),
  );
  const detailed = ['path', 'userAgent', 'integrationStatus', 'responseLatency', 'errorMessage'];
  if (expected.accessLogRequired) expect(fields).toEqual(expect.arrayContaining(detailed));
  else for (const field of detailed) expect(fields).not.toContain(field);
  expect(fields.includes('wafResponseCode')).toBe(rest && expected.waf);
  expect(fields.includes('xrayTraceId')).toBe(rest && expected.tracing);
  if (rest) {
    expect(stage?.resource.Properties).toMatchObject({
      TracingEnabled: expected.tracing,
      MethodSettings: [
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: expect.any(Number),
          ThrottlingBurstLimit: expect.any(Number),
        }),
      ],
    });
  } else {
    expect(stage?.resource.Properties).toMatchObject({
      DefaultRouteSettings: {
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      },
    });
  }
}

/** What a function URL gives up: no WAF, no access log, no stage; concurrency caps it. */
export function expectFunctionUrlLimits(d: Deployment, verdictOf: VerdictOf) {
  const [url] = resourcesOfType(d.cloudFormation, 'AWS::Lambda::Url');
  expect(verdictOf(apiAccessLogging)).toEqual({
    kind: 'non-compliant',
    findings: [
      { resources: [], why: 'the template has no API stage' },
      {
        resources: [url?.id],
        why: `function URL ${url?.id} is a way in that writes no access log`,
      },
    ],
  });
  expect(verdictOf(apiMinimumTls12)).toEqual({
    kind: 'not-applicable',
    reason: 'the template has no REST or HTTP API',
  });
  expect(verdictOf(noBodiesOrHeadersInLogs)).toEqual(compliant);
  d.template.resourceCountIs('AWS::ApiGateway::Stage', 0);
  d.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
  d.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  expect(
    propertyOf<number>(ingestLambda(d.cloudFormation), 'ReservedConcurrentExecutions'),
  ).toBeGreaterThan(0);
}
