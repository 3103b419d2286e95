/**
 * The SQS adapter: sends the envelope `buildEnvelope` made for an accepted delivery to the FIFO
 * delivery queue, with the delivery's group and deduplication ids. SDK failures become domain
 * errors here, at the edge; nothing else in the ingest path sees an SDK error. The client is
 * injected, so its endpoint comes from the SDK's own settings (`AWS_ENDPOINT_URL_SQS`
 * locally), never from this code.
 */

import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DependencyUnavailableError, describeFailure } from '../aws/errors.ts';
import { messageSizeBytes, type QueueMessage } from './envelope.ts';
import { QueueMessageTooLargeError } from './errors.ts';

export interface QueueSenderProps {
  /** Created once per container and shared. */
  readonly sqs: SQSClient;
  /** The delivery queue, `https://sqs.<region>.amazonaws.com/<account>/<name>.fifo`. */
  readonly queueUrl: string;
}

/**
 * What SQS assigned to the message sent; the audit record names it. A send SQS takes for a
 * duplicate of one within its deduplication interval succeeds too, and delivers nothing (fauxqs
 * then answers with the first message's id).
 */
export interface SentMessage {
  readonly messageId: string;
}

/**
 * Sends queue messages to one queue.
 * @example
 * const sender = new QueueSender({ sqs: new SQSClient({}), queueUrl: process.env.QUEUE_URL });
 * const { messageId } = await sender.send(buildEnvelope(input));
 */
export class QueueSender {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(props: QueueSenderProps) {
    this.#sqs = props.sqs;
    this.#queueUrl = props.queueUrl;
  }

  /**
   * Sends one message and resolves with the id SQS assigned.
   * @throws QueueMessageTooLargeError when SQS refuses the message's size.
   * @throws DependencyUnavailableError for any other failure (throttling, a service error,
   *   the network): the handler answers 503 and the provider retries.
   */
  async send(message: QueueMessage): Promise<SentMessage> {
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: message.body,
          MessageAttributes: message.attributes,
          MessageGroupId: message.groupId,
          MessageDeduplicationId: message.deduplicationId,
        }),
      ));
    } catch (error) {
      // Messages name the SDK error only: the SDK's own messages never quote the body, but
      // nothing here should depend on that.
      if (isMessageTooLong(error)) {
        throw new QueueMessageTooLargeError(messageSizeBytes(message), { cause: error });
      }
      throw new DependencyUnavailableError('sqs', 'SendMessage', describeFailure(error), {
        cause: error,
      });
    }
    if (!messageId) {
      throw new DependencyUnavailableError('sqs', 'SendMessage', 'the response held no message id');
    }
    return { messageId };
  }
}

/**
 * SQS answers an oversize message with the unmodelled `InvalidParameterValue` and a reason
 * ("Message must be shorter than 1048576 bytes"); through the query-compatible JSON protocol
 * the name may carry the `AWS.SimpleQueueService.` prefix. Other invalid parameters are not
 * about size, so the reason is checked too.
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html)
 */
function isMessageTooLong(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  const names = [error.name, typeof code === 'string' ? code : ''];
  const invalidParameter = names.some((name) => name.endsWith('InvalidParameterValue'));
  return invalidParameter && /shorter than|too long/i.test(error.message);
}
