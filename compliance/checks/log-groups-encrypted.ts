/** CloudWatch log groups under a customer managed key of this stack: PCI DSS 3.5.1 and 10.3. */
import { eachResourceOfType, liveResource, type TemplateRule } from './rule.ts';
import { liveKeyArn, stackKeyAt } from './stack-key.ts';

export const logGroupsEncrypted: TemplateRule<'log-groups-encrypted'> = {
  name: 'log-groups-encrypted',
  summary: 'Every CloudWatch log group is encrypted with a customer managed KMS key of this stack.',
  evaluate: (context) =>
    eachResourceOfType(context, 'AWS::Logs::LogGroup', 'the template has no log group', (group) => {
      const key = stackKeyAt(context, group, 'KmsKeyId');
      const arn = liveKeyArn(context, key.keyId);
      return {
        why: key.keyId
          ? undefined
          : `log group ${group.id} is not encrypted with a KMS key of this stack`,
        evidence: {
          resource: group.id,
          type: group.resource.Type,
          property: 'KmsKeyId',
          value: key.text,
          // The key's ARN, when a stack output gives it; else any customer key agrees.
          ...liveResource(context, 'logGroups', group.id, ({ kmsKeyId }) => [
            kmsKeyId !== undefined && (arn === undefined || kmsKeyId === arn),
            kmsKeyId ?? 'no KMS key',
          ]),
        },
      };
    }),
};
