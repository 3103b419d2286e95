/**
 * The message attributes that mark a replay (`webhooks replay`), beside the envelope's
 * providerId, scheme and eventType: written by the CLI, read by the consumer, which runs a
 * replayed delivery's handler again (`runKey`, consumer/run-once.ts).
 */
export const replayAttributeNames = {
  /** Always `true`. */
  replay: 'replay',
  /** When the replay was queued, ISO 8601. */
  replayedAt: 'replayedAt',
  /** The SQS message id of the delivery as first queued, when its record names it. */
  replayOf: 'replayOf',
} as const;
