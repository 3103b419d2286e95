import { inspect } from 'node:util';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError } from '../../functions/aws/errors.ts';
import { maxInlineBodyBytes, queueMaxMessageBytes } from '../../functions/config/limits.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import {
  bodySha256,
  buildEnvelope,
  type EnvelopeInput,
  maxHeaderValueChars,
  messageSizeBytes,
  readEnvelope,
} from '../../functions/queue/envelope.ts';
import { QueueMessageTooLargeError } from '../../functions/queue/errors.ts';
import { QueueSender } from '../../functions/queue/sender.ts';
import { fifoQueueAttributes, startSqsLocal } from '../../local/sqs.ts';
import { useSqsStandIn } from '../local/sqs-stand-in.ts';

const standIn = useSqsStandIn();

/** A marker no SDK or emulator text contains, so that finding it means the body leaked. */
const bodyMarker = 'BODY-MARKER-7f3a9c';

function envelopeInput(overrides: Partial<EnvelopeInput> = {}): EnvelopeInput {
  return {
    deliveryId: '01JH0000000000000000000000',
    providerId: 'acme-payments',
    scheme: 'stripe',
    eventId: 'evt_1',
    eventType: 'invoice.paid',
    receivedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00' },
    body: new TextEncoder().encode(`{"id":"evt_1","note":"${bodyMarker}"}`),
    ...overrides,
  };
}

/** A queue as the stack creates it: FIFO in high-throughput mode, `queueMaxMessageBytes`. */
async function createQueue(name: string, maximumMessageSizeBytes = queueMaxMessageBytes) {
  const { QueueUrl } = await standIn.client.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: {
        ...fifoQueueAttributes(deliveryQueue),
        MaximumMessageSize: String(maximumMessageSizeBytes),
      },
    }),
  );
  return String(QueueUrl);
}

async function receiveAll(queueUrl: string) {
  const { Messages = [] } = await standIn.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MessageAttributeNames: ['All'],
      MaxNumberOfMessages: 10,
    }),
  );
  return Messages;
}

async function receiveOne(queueUrl: string) {
  const messages = await receiveAll(queueUrl);
  expect(messages).toHaveLength(1);
  return messages[0];
}

/** Everything an error shows when logged, causes included. */
const logged = (error: unknown) => `${String(error)}\n${inspect(error, { depth: null })}`;

async function sendFailure(sender: QueueSender, input = envelopeInput()): Promise<unknown> {
  const failure = await sender.send(buildEnvelope(input)).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Error);
  return failure;
}

describe('QueueSender against fauxqs', () => {
  it('delivers the envelope with identical body and attributes', async () => {
    const queueUrl = await createQueue('delivered');
    const message = buildEnvelope(envelopeInput());
    const sender = new QueueSender({ sqs: standIn.client, queueUrl });

    const { messageId } = await sender.send(message);

    const received = await receiveOne(queueUrl);
    expect(received?.MessageId).toBe(messageId);
    expect(received?.Body).toBe(message.body);
    expect(received?.MessageAttributes).toEqual(message.attributes);
    expect(readEnvelope(String(received?.Body)).body).toEqual(Buffer.from(envelopeInput().body));
  });

  it('delivers one message however often one delivery is sent within the interval', async () => {
    const queueUrl = await createQueue('deduplicated');
    const sender = new QueueSender({ sqs: standIn.client, queueUrl });
    const first = await sender.send(buildEnvelope(envelopeInput()));
    // A retry: another time and headers, the same provider and delivery id.
    const retry = buildEnvelope(
      envelopeInput({ receivedAtMs: Date.UTC(2025, 0, 2, 3, 5), headers: { 'User-Agent': 'b' } }),
    );
    const again = await sender.send(retry);
    const other = await sender.send(buildEnvelope(envelopeInput({ deliveryId: 'evt_other' })));

    // fauxqs answers a duplicate with the first message's id.
    expect(again.messageId).toBe(first.messageId);
    const received = await receiveAll(queueUrl);
    expect(received.map((message) => message.MessageId).sort()).toEqual(
      [first.messageId, other.messageId].sort(),
    );
  });

  it('fits the largest inline body that is not UTF-8, with headers filling the reserve', async () => {
    const queueUrl = await createQueue('largest');
    const body = new Uint8Array(maxInlineBodyBytes).map((_, index) => (index * 7919) % 256);
    body[0] = 0xff; // never valid UTF-8, so the body travels base64
    const headers = Object.fromEntries(
      Array.from({ length: 32 }, (_, index) => [
        `x-padding-${index}`,
        'h'.repeat(maxHeaderValueChars),
      ]),
    );
    const input = envelopeInput({ body, headers, selectedHeaders: Object.keys(headers) });
    const message = buildEnvelope(input);
    expect(JSON.parse(message.body).bodyEncoding).toBe('base64');
    expect(messageSizeBytes(message)).toBeGreaterThan(queueMaxMessageBytes - 1_024);

    const { messageId } = await new QueueSender({ sqs: standIn.client, queueUrl }).send(message);

    const received = await receiveOne(queueUrl);
    expect(received?.MessageId).toBe(messageId);
    // Compared by digest: an element-wise comparison of 756 KiB takes seconds.
    expect(bodySha256(readEnvelope(String(received?.Body)).body)).toBe(bodySha256(body));
  });

  it('reports a message the queue refuses as too large with its own error, not a 503', async () => {
    // SQS's smallest maximum, below what buildEnvelope may produce for a full body.
    const queueUrl = await createQueue('small', 1_024);
    const input = envelopeInput({
      body: new TextEncoder().encode(`${bodyMarker}${'x'.repeat(2_000)}`),
    });
    const failure = await sendFailure(new QueueSender({ sqs: standIn.client, queueUrl }), input);

    expect(failure).toBeInstanceOf(QueueMessageTooLargeError);
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({
      code: 'queue_message_too_large',
      messageSizeBytes: messageSizeBytes(buildEnvelope(input)),
      cause: {
        name: expect.stringMatching(/InvalidParameterValue$/),
        $metadata: { httpStatusCode: 400 },
      },
    });
    expect(logged(failure)).not.toContain(bodyMarker);
  });

  it('reports a stopped emulator as a dependency failure, keeping the network error', async () => {
    const stopped = await startSqsLocal();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', stopped.endpoint);
    const stoppedClient = new SQSClient({});
    // The client reads its endpoint on its first call.
    const { QueueUrl } = await stoppedClient.send(new CreateQueueCommand({ QueueName: 'gone' }));
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', standIn.sqs.endpoint);
    expect(new URL(String(QueueUrl)).origin).toBe(stopped.endpoint);
    await stopped.stop();

    const sender = new QueueSender({ sqs: stoppedClient, queueUrl: String(QueueUrl) });
    const failure = await sendFailure(sender);
    stoppedClient.destroy();

    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({
      code: 'dependency_unavailable',
      dependency: 'sqs',
      operation: 'SendMessage',
      cause: { code: 'ECONNREFUSED' },
    });
    expect(logged(failure)).not.toContain(bodyMarker);
  });
});

describe('QueueSender with a mocked client', () => {
  const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries';

  it.each([
    ['throttling', new RequestThrottled({ message: 'Rate exceeded', $metadata: {} })],
    [
      'a service error',
      new SQSServiceException({
        name: 'InternalError',
        $fault: 'server',
        message: 'We encountered an internal error',
        $metadata: { httpStatusCode: 500 },
      }),
    ],
    [
      'an invalid parameter that is not the size',
      new SQSServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        message: 'Value for parameter DelaySeconds is invalid',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
  ])('reports %s as a dependency failure with the SDK error as cause', async (_, sdkError) => {
    const mocked = new SQSClient({});
    mockClient(mocked).on(SendMessageCommand).rejects(sdkError);

    const failure = await sendFailure(new QueueSender({ sqs: mocked, queueUrl }));

    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({ dependency: 'sqs', operation: 'SendMessage' });
    expect((failure as Error).cause).toBe(sdkError);
    expect((failure as Error).message).toContain(sdkError.name);
    expect(logged(failure)).not.toContain(bodyMarker);
  });

  it('recognises the query-style name SQS may give an oversize message', async () => {
    const tooLong = new SQSServiceException({
      name: 'AWS.SimpleQueueService.InvalidParameterValue',
      $fault: 'client',
      message:
        'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      $metadata: { httpStatusCode: 400 },
    });
    const mocked = new SQSClient({});
    mockClient(mocked).on(SendMessageCommand).rejects(tooLong);

    const failure = await sendFailure(new QueueSender({ sqs: mocked, queueUrl }));

    expect(failure).toBeInstanceOf(QueueMessageTooLargeError);
    expect((failure as Error).cause).toBe(tooLong);
  });

  it('reports a response without a message id as a dependency failure', async () => {
    const mocked = new SQSClient({});
    mockClient(mocked).on(SendMessageCommand).resolves({});

    const failure = await sendFailure(new QueueSender({ sqs: mocked, queueUrl }));

    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toContain('no message id');
  });
});
