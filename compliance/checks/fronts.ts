/**
 * The ways in a template offers, for the rules that judge the front: REST APIs, HTTP APIs,
 * Lambda function URLs, and the API stages with their access log settings, whichever API
 * Gateway version they belong to (infra/front.ts builds one of the three).
 */
import {
  property,
  type Resource,
  resourcesOfType,
  type Template,
  valueAt,
} from '../report/template.ts';

/** An API stage and where its access log goes, REST (v1) or HTTP API (v2) alike. */
export interface StageAccessLog {
  readonly stage: Resource;
  /** `AccessLogSetting` (REST) or `AccessLogSettings` (HTTP API). */
  readonly property: string;
  readonly destination: unknown;
  readonly format: unknown;
}

export function restApis(template: Template): Resource[] {
  return resourcesOfType(template, 'AWS::ApiGateway::RestApi');
}

/** AWS::ApiGatewayV2::Api of the HTTP protocol (a WebSocket API is no webhook front). */
export function httpApis(template: Template): Resource[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Api').filter(
    ({ resource }) => property(resource, 'ProtocolType') === 'HTTP',
  );
}

export function functionUrls(template: Template): Resource[] {
  return resourcesOfType(template, 'AWS::Lambda::Url');
}

/** Every API stage, with its access log settings. */
export function stageAccessLogs(template: Template): StageAccessLog[] {
  const rest = resourcesOfType(template, 'AWS::ApiGateway::Stage').map((stage) => ({
    stage,
    property: 'AccessLogSetting',
    setting: property(stage.resource, 'AccessLogSetting'),
  }));
  const http = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').map((stage) => ({
    stage,
    property: 'AccessLogSettings',
    setting: property(stage.resource, 'AccessLogSettings'),
  }));
  return [...rest, ...http].map(({ stage, property: name, setting }) => ({
    stage,
    property: name,
    destination: valueAt(setting, 'DestinationArn'),
    format: valueAt(setting, 'Format'),
  }));
}
