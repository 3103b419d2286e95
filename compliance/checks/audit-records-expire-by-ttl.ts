/**
 * Records deleted when their retention ends (GDPR 5(1)(e) storage limitation, GDPR 30(1)(f)
 * time limits for erasure): DynamoDB's time to live on the attribute the handler sets.
 */
import { auditTable } from '../../functions/config/tables.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import { describeValue, property, resourceOfOutput, valueAt } from '../report/template.ts';
import {
  compliantUnless,
  finding,
  notApplicable,
  observation,
  type TemplateRule,
  withLive,
} from './rule.ts';

export const auditRecordsExpireByTtl: TemplateRule<'audit-records-expire-by-ttl'> = {
  name: 'audit-records-expire-by-ttl',
  summary: `DynamoDB's time to live deletes audit records and payload copies when their retention ends (attribute ${auditTable.timeToLiveAttribute}).`,
  evaluate(context) {
    const table = resourceOfOutput(
      context.template,
      stackOutputKeys.auditTableName,
      'AWS::DynamoDB::Table',
    );
    if (table === undefined) {
      return notApplicable(
        `the template's ${stackOutputKeys.auditTableName} output names no table`,
      );
    }
    const ttl = property(table.resource, 'TimeToLiveSpecification');
    const expected = auditTable.timeToLiveAttribute;
    const enabled = valueAt(ttl, 'Enabled') === true && valueAt(ttl, 'AttributeName') === expected;
    return compliantUnless(
      enabled
        ? []
        : [finding(`audit table ${table.id} has no time to live on ${expected}`, table.id)],
      [
        {
          resource: table.id,
          type: table.resource.Type,
          property: 'TimeToLiveSpecification',
          value: describeValue(ttl),
          ...withLive(context, (live) =>
            observation(live.tables.get(table.id)?.timeToLive, (t) => [
              t.status === 'ENABLED' && t.attributeName === expected,
              `${t.status ?? 'DISABLED'} on ${t.attributeName ?? '(none)'}`,
            ]),
          ),
        },
      ],
    );
  },
};
