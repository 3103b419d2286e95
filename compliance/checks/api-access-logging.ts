/**
 * An access log line per request with the details of the event (PCI DSS 10.2.1 and 10.2.2,
 * HIPAA §164.312(b)), written to a log group of this stack, so its encryption and retention
 * are this stack's.
 */
import { property, referencedId, resourcesOfType, valueAt } from '../report/template.ts';
import { accessLogValues } from './access-log-format.ts';
import { type Finding, finding, ruleOutcome, type TemplateRule } from './rule.ts';

/** Access log fields PCI DSS 10.2.2 asks for: who, what, when, outcome, origin, resource. */
const accessLogFields = {
  '$context.requestId': 'request id',
  '$context.requestTime': 'time',
  '$context.identity.sourceIp': 'source IP',
  '$context.httpMethod': 'method',
  '$context.resourcePath': 'resource',
  '$context.status': 'status',
} as const;

export const apiAccessLogging: TemplateRule<'api-access-logging'> = {
  name: 'api-access-logging',
  summary: `Every API stage writes a JSON access log line per request to a log group of this stack, with ${Object.values(accessLogFields).join(', ')}.`,
  evaluate(context) {
    const findings: Finding[] = [];
    const logGroups = new Set(
      resourcesOfType(context.template, 'AWS::Logs::LogGroup').map(({ id }) => id),
    );
    const evidence = resourcesOfType(context.template, 'AWS::ApiGateway::Stage').map((stage) => {
      const setting = property(stage.resource, 'AccessLogSetting');
      const destination = referencedId(valueAt(setting, 'DestinationArn'));
      const fields = accessLogValues(valueAt(setting, 'Format'));
      const missing = Object.entries(accessLogFields).filter(
        ([variable]) => !fields.includes(variable),
      );
      if (destination === undefined || !logGroups.has(destination)) {
        findings.push(
          finding(`stage ${stage.id} writes no access log to a log group of this stack`, stage.id),
        );
      }
      if (missing.length > 0) {
        findings.push(
          finding(
            `stage ${stage.id}'s access log lacks ${missing.map(([, name]) => name).join(', ')}`,
            stage.id,
          ),
        );
      }
      return {
        resource: stage.id,
        type: stage.resource.Type,
        property: 'AccessLogSetting',
        value: `to ${destination ?? '(nowhere)'}: ${fields.map((field) => field.replace('$context.', '')).join(', ')}`,
      };
    });
    return ruleOutcome(evidence, findings, 'the template has no API stage');
  },
};
