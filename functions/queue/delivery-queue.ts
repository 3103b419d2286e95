/**
 * Queues an accepted delivery: the envelope with the body inside when it fits
 * (`maxInlineBodyBytes`), else the body written to the payload bucket first and the envelope
 * pointing to it (a claim check). The object is written before the message is sent, so a
 * message never points to nothing; a send that fails leaves the object for the provider's retry
 * to write again (same key) or for the bucket's lifecycle rule to expire.
 */
import {
  type BodyObject,
  buildEnvelope,
  checkBodySize,
  type EnvelopeInput,
  needsBodyObject,
  type QueueMessage,
} from './envelope.ts';
import type { SentMessage } from './sender.ts';

export interface DeliveryQueueProps {
  /** `QueueSender`, on the delivery queue. */
  readonly sender: { send(message: QueueMessage): Promise<SentMessage> };
  /** `BodyObjects`, on the payload bucket. */
  readonly bodies: {
    put(providerId: string, deliveryId: string, body: Uint8Array): Promise<BodyObject>;
  };
}

/**
 * The ingest path's queue: one call per accepted delivery, whatever its size.
 * @example
 * const queue = new DeliveryQueue({ sender: new QueueSender({ sqs, queueUrl }),
 *   bodies: new BodyObjects({ s3, bucketName }) });
 * const { messageId } = await queue.send(envelopeInput);
 */
export class DeliveryQueue {
  readonly #sender: DeliveryQueueProps['sender'];
  readonly #bodies: DeliveryQueueProps['bodies'];

  constructor(props: DeliveryQueueProps) {
    this.#sender = props.sender;
    this.#bodies = props.bodies;
  }

  /**
   * Queues one delivery and resolves with the id SQS assigned.
   * @throws BodyTooLargeError when the body is over `maxBodySizeBytes` (413).
   * @throws DependencyUnavailableError when S3 or SQS fails (503, retried).
   */
  async send(input: EnvelopeInput): Promise<SentMessage> {
    checkBodySize(input.body.byteLength);
    const bodyObject = needsBodyObject(input.body.byteLength)
      ? await this.#bodies.put(input.providerId, input.deliveryId, input.body)
      : undefined;
    return this.#sender.send(buildEnvelope(input, bodyObject));
  }
}
