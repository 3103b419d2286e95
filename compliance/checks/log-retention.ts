/**
 * Every log kept at least as long as the profile asks (PCI DSS 10.5.1, HIPAA §164.316(b)(2)),
 * and not forever (GDPR 5(1)(e)).
 */
import { property } from '../report/template.ts';
import { eachResourceOfType, liveResource, type TemplateRule } from './rule.ts';

export const logRetention: TemplateRule<'log-retention'> = {
  name: 'log-retention',
  summary: "Every log group has a retention period, at least the profile's log retention.",
  evaluate(context) {
    const required = context.requirements.logRetentionDays;
    return eachResourceOfType(
      context,
      'AWS::Logs::LogGroup',
      'the template has no log group',
      (group) => {
        const days = property(group.resource, 'RetentionInDays');
        return {
          why:
            typeof days !== 'number'
              ? `log group ${group.id} sets no RetentionInDays: it is kept forever`
              : days < required
                ? `log group ${group.id} keeps ${days} days, less than ${required}`
                : undefined,
          evidence: {
            resource: group.id,
            type: group.resource.Type,
            property: 'RetentionInDays',
            value: typeof days === 'number' ? `${days} days` : '(not set: forever)',
            ...liveResource(context, 'logGroups', group.id, ({ retentionInDays: live }) => [
              live === (typeof days === 'number' ? days : undefined),
              live === undefined ? 'never expires' : `${live} days`,
            ]),
          },
        };
      },
    );
  },
};
