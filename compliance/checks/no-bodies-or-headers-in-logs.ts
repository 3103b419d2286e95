/**
 * No personal data in logs (GDPR 25, data protection by default): a body or header may carry
 * anything a provider sends, and the Authorization header is a static credential for some.
 * The rule judges the front's logs; the handler's own lines hold only the fields that
 * functions/config/telemetry.ts defines.
 */
import { describeValue, property, resourcesOfType, valueAt } from '../report/template.ts';
import { accessLogValues } from './access-log-format.ts';
import { functionUrls, stageAccessLogs } from './fronts.ts';
import {
  type Evidence,
  type Finding,
  finding,
  liveResource,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

/** Access log variables that would copy a body or a header into the log. */
const bodyOrHeader = /input\.body|header|requestOverride|responseOverride/i;

export const noBodiesOrHeadersInLogs: TemplateRule<'no-bodies-or-headers-in-logs'> = {
  name: 'no-bodies-or-headers-in-logs',
  summary:
    'No log holds a request body or header: API Gateway logs no data trace, access logs name no header or body, a function URL logs nothing of its own, and WAF logs redact the Authorization header.',
  evaluate(context) {
    const findings: Finding[] = [];
    const evidence: Evidence[] = stageAccessLogs(context.template).flatMap(
      ({ stage, property: name, format }) => {
        // MethodSettings is a REST stage's; an HTTP API has no data trace to turn on.
        const settings = property(stage.resource, 'MethodSettings');
        const traced = (Array.isArray(settings) ? settings : []).some(
          (setting) => valueAt(setting, 'DataTraceEnabled') === true,
        );
        const leaks = accessLogValues(format).filter((field) => bodyOrHeader.test(field));
        if (traced) {
          findings.push(
            finding(`stage ${stage.id} logs full requests (DataTraceEnabled)`, stage.id),
          );
        }
        if (leaks.length > 0) {
          findings.push(
            finding(`stage ${stage.id}'s access log holds ${leaks.join(', ')}`, stage.id),
          );
        }
        return [
          ...(stage.resource.Type === 'AWS::ApiGateway::Stage'
            ? [
                {
                  resource: stage.id,
                  type: stage.resource.Type,
                  property: 'MethodSettings[].DataTraceEnabled',
                  value: String(traced),
                  ...liveResource(context, 'stages', stage.id, ({ dataTraceEnabled }) => [
                    dataTraceEnabled === traced,
                    String(dataTraceEnabled),
                  ]),
                },
              ]
            : []),
          {
            resource: stage.id,
            type: stage.resource.Type,
            property: `${name}.Format`,
            value: leaks.length === 0 ? 'no header or body field' : leaks.join(', '),
            ...liveResource(context, 'stages', stage.id, ({ accessLogFormat }) => {
              const live = accessLogValues(accessLogFormat).filter((f) => bodyOrHeader.test(f));
              return [
                live.join() === leaks.join(),
                live.length === 0 ? 'no header or body field' : live.join(', '),
              ];
            }),
          },
        ];
      },
    );
    for (const url of functionUrls(context.template)) {
      evidence.push({
        resource: url.id,
        type: url.resource.Type,
        property: '(request log)',
        value: 'none: a function URL writes no log of its own',
      });
    }
    for (const { id, resource } of resourcesOfType(
      context.template,
      'AWS::WAFv2::LoggingConfiguration',
    )) {
      const redacted = property(resource, 'RedactedFields');
      const authorization = JSON.stringify(redacted ?? null)
        .toLowerCase()
        .includes('"authorization"');
      if (!authorization) {
        findings.push(finding(`WAF logging ${id} does not redact the Authorization header`, id));
      }
      evidence.push({
        resource: id,
        type: resource.Type,
        property: 'RedactedFields',
        value: describeValue(redacted),
      });
    }
    return ruleOutcome(evidence, findings, 'the template has no API stage or function URL');
  },
};
