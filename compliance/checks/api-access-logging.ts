/**
 * An access log line per request with the details of the event (PCI DSS 10.2.1 and 10.2.2,
 * HIPAA §164.312(b)), written to a log group of this stack, so its encryption and retention
 * are this stack's. A REST API stage and an HTTP API stage can; a Lambda function URL writes
 * no access log, so a template whose front is one fails.
 */
import { referencedId, resourcesOfType } from '../report/template.ts';
import { accessLogValues } from './access-log-format.ts';
import { functionUrls, stageAccessLogs } from './fronts.ts';
import {
  type Finding,
  finding,
  livePhysicalId,
  liveResource,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

/**
 * Access log fields PCI DSS 10.2.2 asks for: who, what, when, outcome, origin, resource. Each
 * is one of the `$context` variables that carry it: a REST API names the resource by its path
 * template, an HTTP API by its route key (method and path template).
 */
const accessLogFields: Readonly<Record<string, readonly string[]>> = {
  'request id': ['$context.requestId'],
  time: ['$context.requestTime'],
  'source IP': ['$context.identity.sourceIp'],
  method: ['$context.httpMethod'],
  resource: ['$context.resourcePath', '$context.routeKey'],
  status: ['$context.status'],
};

export const apiAccessLogging: TemplateRule<'api-access-logging'> = {
  name: 'api-access-logging',
  summary: `Every API stage writes a JSON access log line per request to a log group of this stack, with ${Object.keys(accessLogFields).join(', ')}; no function URL, which writes none.`,
  evaluate(context) {
    const findings: Finding[] = [];
    const logGroups = new Set(
      resourcesOfType(context.template, 'AWS::Logs::LogGroup').map(({ id }) => id),
    );
    const evidence = stageAccessLogs(context.template).map(
      ({ stage, property, destination, format }) => {
        const target = referencedId(destination);
        const fields = accessLogValues(format);
        const missing = Object.entries(accessLogFields).filter(
          ([, variables]) => !variables.some((variable) => fields.includes(variable)),
        );
        if (target === undefined || !logGroups.has(target)) {
          findings.push(
            finding(
              `stage ${stage.id} writes no access log to a log group of this stack`,
              stage.id,
            ),
          );
        }
        if (missing.length > 0) {
          findings.push(
            finding(
              `stage ${stage.id}'s access log lacks ${missing.map(([name]) => name).join(', ')}`,
              stage.id,
            ),
          );
        }
        const logGroupName = livePhysicalId(context, target);
        return {
          resource: stage.id,
          type: stage.resource.Type,
          property,
          value: `to ${target ?? '(nowhere)'}: ${fields.map((field) => field.replace('$context.', '')).join(', ')}`,
          // The log group the stage writes to, and the fields of its line.
          ...liveResource(
            context,
            'stages',
            stage.id,
            ({ accessLogDestinationArn: arn, accessLogFormat }) => {
              const liveFields = accessLogValues(accessLogFormat);
              return [
                arn !== undefined &&
                  logGroupName !== undefined &&
                  arn.replace(/:\*$/, '').endsWith(`:log-group:${logGroupName}`) &&
                  liveFields.join() === fields.join(),
                arn === undefined
                  ? 'no access log'
                  : `to ${arn}: ${liveFields.map((field) => field.replace('$context.', '')).join(', ')}`,
              ];
            },
          ),
        };
      },
    );
    for (const url of functionUrls(context.template)) {
      findings.push(
        finding(`function URL ${url.id} is a way in that writes no access log`, url.id),
      );
    }
    return ruleOutcome(evidence, findings, 'the template has no API stage');
  },
};
