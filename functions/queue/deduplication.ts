/**
 * The FIFO ids of a delivery's message, and the payload bucket keys of its body: all derived
 * from the provider and the delivery id, so that every attempt at one delivery, whichever
 * container makes it, names the same message and the same objects.
 */
import { createHash } from 'node:crypto';

/**
 * SHA-256, in hex, of `<providerId>\0<deliveryId>`: 64 characters, within SQS's 128 for a
 * deduplication or group id, and free of the ids themselves. The NUL cannot occur in a
 * provider id, so no two pairs give the same text.
 */
export function deliveryDigest(providerId: string, deliveryId: string): string {
  return createHash('sha256').update(`${providerId}\0${deliveryId}`).digest('hex');
}

/**
 * `MessageDeduplicationId` and `MessageGroupId` of a delivery's message. The same deduplication
 * id for every attempt: SQS delivers one of them however many are sent within its 5-minute
 * interval (`fifoDeduplicationIntervalSeconds`). The group is the delivery itself, so that no
 * delivery waits for another's (high-throughput mode, functions/config/queues.ts).
 */
export function deliveryMessageIds(providerId: string, deliveryId: string) {
  const digest = deliveryDigest(providerId, deliveryId);
  return { groupId: digest, deduplicationId: digest };
}

/**
 * The ids of a replay (`webhooks replay`): the delivery's group, and a deduplication id of its
 * own per replay time, so that a replay is delivered even within 5 minutes of the original and
 * a retried replay command within 5 minutes of itself is not.
 */
export function replayMessageIds(providerId: string, deliveryId: string, replayedAtMs: number) {
  const digest = deliveryDigest(providerId, deliveryId);
  return { groupId: digest, deduplicationId: `${digest}:replay:${replayedAtMs}` };
}

/**
 * Where a delivery's bodies are kept in the payload bucket: `<digest>/`. Erasure deletes
 * everything under it.
 */
export function bodyObjectPrefix(providerId: string, deliveryId: string): string {
  return `${deliveryDigest(providerId, deliveryId)}/`;
}

/**
 * The key of one body: `<digest>/<SHA-256 of the body, hex>`. A retry of the same bytes writes
 * the same object again; different bytes under the same delivery id get an object of their
 * own, so a message already queued never sees its body replaced.
 */
export function bodyObjectKey(providerId: string, deliveryId: string, bodySha256: string): string {
  return `${bodyObjectPrefix(providerId, deliveryId)}${bodySha256}`;
}
