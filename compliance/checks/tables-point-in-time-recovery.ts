/**
 * Point-in-time recovery on every table: audit logs backed up (PCI DSS 10.3.3), data restorable
 * after an incident (GDPR 32(1)(c)), records protected from destruction (HIPAA §164.312(c)(1)).
 */
import { describeValue, property, valueAt } from '../report/template.ts';
import { eachResourceOfType, observation, type TemplateRule, withLive } from './rule.ts';

export const tablesPointInTimeRecovery: TemplateRule<'tables-point-in-time-recovery'> = {
  name: 'tables-point-in-time-recovery',
  summary:
    'Every DynamoDB table has point-in-time recovery (restore to any second of the last 35 days).',
  evaluate: (context) =>
    eachResourceOfType(
      context,
      'AWS::DynamoDB::Table',
      'the template has no DynamoDB table',
      (table) => {
        const enabled = valueAt(
          property(table.resource, 'PointInTimeRecoverySpecification'),
          'PointInTimeRecoveryEnabled',
        );
        return {
          why: enabled === true ? undefined : `table ${table.id} has no point-in-time recovery`,
          evidence: {
            resource: table.id,
            type: table.resource.Type,
            property: 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled',
            value: describeValue(enabled),
            ...withLive(context, (live) =>
              observation(live.tables.get(table.id)?.pointInTimeRecovery, (p) => [
                p.status === 'ENABLED',
                `${p.status ?? 'DISABLED'}${p.recoveryPeriodInDays === undefined ? '' : ` (${p.recoveryPeriodInDays} days)`}`,
              ]),
            ),
          },
        };
      },
    ),
};
