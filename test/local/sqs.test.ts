import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { queueMaxMessageBytes } from '../../functions/config/limits.ts';
import { findFreePort, LocalServiceStartError } from '../../local/ports.ts';
import { startSqsLocal } from '../../local/sqs.ts';
import { useSqsStandIn } from './sqs-stand-in.ts';

const standIn = useSqsStandIn();

const approximateCount = async (queueUrl: string) => {
  const { Attributes } = await standIn.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
};

/** A queue with a dead-letter queue after `maxReceiveCount` receives, as the stack creates. */
const createQueueWithDlq = async (name: string, maxReceiveCount: number) => {
  const dlq = await standIn.client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const { Attributes } = await standIn.client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await standIn.client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount,
        }),
        MaximumMessageSize: String(queueMaxMessageBytes),
        SqsManagedSseEnabled: 'true',
      },
    }),
  );
  return { queueUrl: String(queue.QueueUrl), dlqUrl: String(dlq.QueueUrl) };
};

describe('startSqsLocal', () => {
  it('listens on loopback and names queues on its own origin', async () => {
    expect(new URL(standIn.sqs.endpoint).hostname).toBe('127.0.0.1');
    const { QueueUrl } = await standIn.client.send(new CreateQueueCommand({ QueueName: 'origin' }));
    // Otherwise the SDK would send every call to the QueueUrl's host (useQueueUrlAsEndpoint).
    expect(new URL(String(QueueUrl)).origin).toBe(standIn.sqs.endpoint);
  });

  it('delivers a message with its attributes and counts it', async () => {
    const { queueUrl } = await createQueueWithDlq('deliveries', 3);
    await standIn.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"provider":"stripe"}',
        MessageAttributes: {
          provider: { DataType: 'String', StringValue: 'stripe' },
          attempt: { DataType: 'Number', StringValue: '1' },
        },
      }),
    );
    expect(await approximateCount(queueUrl)).toBe(1);

    const { Messages } = await standIn.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'] }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages?.[0]?.Body).toBe('{"provider":"stripe"}');
    expect(Messages?.[0]?.MessageAttributes).toEqual({
      provider: { DataType: 'String', StringValue: 'stripe' },
      attempt: { DataType: 'Number', StringValue: '1' },
    });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq('redriven', 1);
    await standIn.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }),
    );
    const receiveAndRelease = () =>
      standIn.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));

    expect((await receiveAndRelease()).Messages).toHaveLength(1);
    expect((await receiveAndRelease()).Messages).toBeUndefined();
    expect(await approximateCount(dlqUrl)).toBe(1);
  });

  it('keeps the configured maximum message size and rejects one byte more', async () => {
    const { queueUrl } = await createQueueWithDlq('sized', 3);
    const { Attributes } = await standIn.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.MaximumMessageSize).toBe(String(queueMaxMessageBytes));

    const body = 'x'.repeat(queueMaxMessageBytes);
    await standIn.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await expect(
      standIn.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `${body}x` })),
    ).rejects.toMatchObject({
      message: expect.stringContaining(`shorter than ${queueMaxMessageBytes} bytes`),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('accepts the SSE attributes without encrypting anything', async () => {
    const { QueueUrl } = await standIn.client.send(
      new CreateQueueCommand({
        QueueName: 'kms-encrypted',
        Attributes: { KmsMasterKeyId: 'alias/webhooks', KmsDataKeyReusePeriodSeconds: '300' },
      }),
    );
    const { Attributes } = await standIn.client.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      KmsMasterKeyId: 'alias/webhooks',
      KmsDataKeyReusePeriodSeconds: '300',
    });
    // fauxqs stores SqsManagedSseEnabled but never reports it back.
    expect(Attributes?.SqsManagedSseEnabled).toBeUndefined();
  });

  it('releases its port on stop', async () => {
    const other = await startSqsLocal();
    const port = Number(new URL(other.endpoint).port);
    await other.stop();
    await expect(findFreePort(port)).resolves.toBe(port);
  });

  it('reports a port already in use with a typed error', async () => {
    const port = Number(new URL(standIn.sqs.endpoint).port);
    const failure = startSqsLocal({ port });
    await expect(failure).rejects.toBeInstanceOf(LocalServiceStartError);
    await expect(failure).rejects.toMatchObject({
      service: 'fauxqs (SQS)',
      reason: 'port_unavailable',
    });
  });
});
