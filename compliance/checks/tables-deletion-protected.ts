/** Deletion protection on every table: audit logs protected from destruction (PCI DSS 10.3.2). */
import { describeValue, property } from '../report/template.ts';
import { eachResourceOfType, observation, type TemplateRule, withLive } from './rule.ts';

export const tablesDeletionProtected: TemplateRule<'tables-deletion-protected'> = {
  name: 'tables-deletion-protected',
  summary: 'Every DynamoDB table has deletion protection on.',
  evaluate: (context) =>
    eachResourceOfType(
      context,
      'AWS::DynamoDB::Table',
      'the template has no DynamoDB table',
      (table) => {
        const protection = property(table.resource, 'DeletionProtectionEnabled');
        return {
          why: protection === true ? undefined : `table ${table.id} has no deletion protection`,
          evidence: {
            resource: table.id,
            type: table.resource.Type,
            property: 'DeletionProtectionEnabled',
            value: describeValue(protection),
            ...withLive(context, (live) =>
              observation(live.tables.get(table.id)?.description, (d) => [
                d.deletionProtection === true,
                String(d.deletionProtection ?? false),
              ]),
            ),
          },
        };
      },
    ),
};
