/**
 * The rules that judge the front on small hand-written templates: an HTTP API and a function
 * URL read as REST APIs are, and what each cannot give is named. The rules on real
 * deployments: deployment-checks.ts and front-checks.ts.
 */
import { describe, expect, it } from 'vitest';
import { apiAccessLogging } from '../../../compliance/checks/api-access-logging.ts';
import { apiMinimumTls12 } from '../../../compliance/checks/api-minimum-tls-1-2.ts';
import { apiServedOverHttpsOnly } from '../../../compliance/checks/api-served-over-https-only.ts';
import { exactBodyReachesVerifier } from '../../../compliance/checks/exact-body-reaches-verifier.ts';
import type { TemplateRule } from '../../../compliance/checks/rule.ts';
import { complianceProfiles } from '../../../compliance/profiles.ts';
import type { Template } from '../../../compliance/report/template.ts';
import { auditTable } from '../../../functions/config/tables.ts';

const evaluate = (rule: TemplateRule, template: Template) =>
  rule.evaluate({ template, requirements: complianceProfiles.hipaa }).verdict;

const ingest = {
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: { [auditTable.nameVariable]: 'audit' } } },
};

const essentialFormat = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
});

function httpApiTemplate(payloadFormatVersion: string, format = essentialFormat): Template {
  return {
    Resources: {
      Ingest: ingest,
      Logs: { Type: 'AWS::Logs::LogGroup' },
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
      Integration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Ingest', 'Arn'] },
          PayloadFormatVersion: payloadFormatVersion,
        },
      },
      Stage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: {
          AccessLogSettings: {
            DestinationArn: { 'Fn::GetAtt': ['Logs', 'Arn'] },
            Format: format,
          },
        },
      },
    },
  };
}

const functionUrlTemplate: Template = {
  Resources: {
    Ingest: ingest,
    Url: {
      Type: 'AWS::Lambda::Url',
      Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['Ingest', 'Arn'] } },
    },
  },
};

describe('the front rules on an HTTP API', () => {
  it('accept its route key as the resource of an access log line', () => {
    expect(evaluate(apiAccessLogging, httpApiTemplate('2.0'))).toEqual({ kind: 'compliant' });
  });

  it('name the fields an access log line lacks', () => {
    const format = JSON.stringify({ requestId: '$context.requestId' });
    expect(evaluate(apiAccessLogging, httpApiTemplate('2.0', format))).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['Stage'],
          why: "stage Stage's access log lacks time, source IP, method, resource, status",
        },
      ],
    });
  });

  it('take its TLS from API Gateway, which enforces TLS_1_2 on HTTP APIs', () => {
    expect(evaluate(apiMinimumTls12, httpApiTemplate('2.0'))).toEqual({ kind: 'compliant' });
  });

  it("judge a custom domain by each endpoint configuration's security policy", () => {
    const withDomain = (policy: string) => ({
      Resources: {
        ...httpApiTemplate('2.0').Resources,
        Domain: {
          Type: 'AWS::ApiGatewayV2::DomainName',
          Properties: {
            DomainName: 'hooks.example.com',
            DomainNameConfigurations: [{ EndpointType: 'REGIONAL', SecurityPolicy: policy }],
          },
        },
      },
    });
    expect(evaluate(apiMinimumTls12, withDomain('TLS_1_2'))).toEqual({ kind: 'compliant' });
    expect(evaluate(apiMinimumTls12, withDomain('TLS_1_0'))).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['Domain'],
          why: 'custom domain Domain has DomainNameConfigurations[].SecurityPolicy TLS_1_0',
        },
      ],
    });
  });

  it('refuse payload format 1.0, whose body is not the raw 2.0 one', () => {
    expect(evaluate(exactBodyReachesVerifier, httpApiTemplate('1.0'))).toEqual({
      kind: 'non-compliant',
      findings: [
        {
          resources: ['Integration'],
          why: 'integration Integration uses payload format 1.0, not 2.0',
        },
      ],
    });
  });
});

describe('the front rules on a function URL', () => {
  it('accept it as the one way in, and as handing the Lambda the body received', () => {
    expect(evaluate(apiServedOverHttpsOnly, functionUrlTemplate)).toEqual({ kind: 'compliant' });
    expect(evaluate(exactBodyReachesVerifier, functionUrlTemplate)).toEqual({ kind: 'compliant' });
  });

  it('find no access log, and no security policy to judge', () => {
    expect(evaluate(apiAccessLogging, functionUrlTemplate)).toEqual({
      kind: 'non-compliant',
      findings: [
        { resources: [], why: 'the template has no API stage' },
        { resources: ['Url'], why: 'function URL Url is a way in that writes no access log' },
      ],
    });
    expect(evaluate(apiMinimumTls12, functionUrlTemplate)).toEqual({
      kind: 'not-applicable',
      reason: 'the template has no REST or HTTP API',
    });
  });

  it('find a second front a way in too many', () => {
    const both = {
      Resources: { ...httpApiTemplate('2.0').Resources, ...functionUrlTemplate.Resources },
    };
    expect(evaluate(apiServedOverHttpsOnly, both)).toEqual({
      kind: 'non-compliant',
      findings: [
        { resources: ['Api', 'Url'], why: 'the template has 2 fronts where one is the way in' },
      ],
    });
  });
});
