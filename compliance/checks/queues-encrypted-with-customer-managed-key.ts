/** SQS queues under a customer managed key of this stack: PCI DSS 3.5.1, HIPAA, GDPR 32. */
import { eachResourceOfType, observation, type TemplateRule, withLive } from './rule.ts';
import { liveKeyArn, stackKeyAt } from './stack-key.ts';

export const queuesEncrypted: TemplateRule<'queues-encrypted-with-customer-managed-key'> = {
  name: 'queues-encrypted-with-customer-managed-key',
  summary: 'Every SQS queue is encrypted with a customer managed KMS key of this stack.',
  evaluate: (context) =>
    eachResourceOfType(context, 'AWS::SQS::Queue', 'the template has no SQS queue', (queue) => {
      const key = stackKeyAt(context, queue, 'KmsMasterKeyId');
      // SQS reports the key as given: by ARN or by key id.
      const expected = [
        liveKeyArn(context, key.keyId),
        context.live?.keys.get(key.keyId ?? '')?.keyId,
      ];
      return {
        why: key.keyId
          ? undefined
          : `queue ${queue.id} is not encrypted with a KMS key of this stack`,
        evidence: {
          resource: queue.id,
          type: queue.resource.Type,
          property: 'KmsMasterKeyId',
          value: key.text,
          ...withLive(context, (live) =>
            observation(live.queues.get(queue.id)?.attributes, ({ kmsMasterKeyId }) => [
              kmsMasterKeyId !== undefined &&
                (expected.every((id) => id === undefined) || expected.includes(kmsMasterKeyId)),
              kmsMasterKeyId ?? 'not encrypted with KMS',
            ]),
          ),
        },
      };
    }),
};
