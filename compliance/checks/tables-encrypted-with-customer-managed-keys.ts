/** DynamoDB tables under a customer managed key of this stack: PCI DSS 3.5.1, HIPAA, GDPR 32. */
import { property, valueAt } from '../report/template.ts';
import { eachResourceOfType, observation, type TemplateRule, withLive } from './rule.ts';
import { liveKeyArn, stackKeyAt } from './stack-key.ts';

export const tablesEncrypted: TemplateRule<'tables-encrypted-with-customer-managed-keys'> = {
  name: 'tables-encrypted-with-customer-managed-keys',
  summary: 'Every DynamoDB table is encrypted with a customer managed KMS key of this stack.',
  evaluate: (context) =>
    eachResourceOfType(
      context,
      'AWS::DynamoDB::Table',
      'the template has no DynamoDB table',
      (table) => {
        const sse = property(table.resource, 'SSESpecification');
        const key = stackKeyAt(context, table, 'SSESpecification.KMSMasterKeyId');
        const encrypted =
          valueAt(sse, 'SSEEnabled') === true && valueAt(sse, 'SSEType') === 'KMS' && !!key.keyId;
        const expectedArn = liveKeyArn(context, key.keyId);
        return {
          why: encrypted
            ? undefined
            : `table ${table.id} is not encrypted with a KMS key of this stack`,
          evidence: {
            resource: table.id,
            type: table.resource.Type,
            property: 'SSESpecification.KMSMasterKeyId',
            value: key.text,
            ...withLive(context, (live) =>
              observation(live.tables.get(table.id)?.description, (d) => [
                d.sseStatus === 'ENABLED' &&
                  d.sseType === 'KMS' &&
                  (expectedArn === undefined || d.kmsKeyArn === expectedArn),
                `${d.sseStatus ?? 'no SSE'} ${d.sseType ?? ''} ${d.kmsKeyArn ?? ''}`.trim(),
              ]),
            ),
          },
        };
      },
    ),
};
