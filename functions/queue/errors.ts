/**
 * Errors of the queue envelope and sender. The HTTP edge maps `body_too_large` to 413; SQS
 * failing or out of reach is a DependencyUnavailableError (../aws/errors.ts), answered 503.
 */

/** The request body is larger than `maxBodySizeBytes`, so it could not fit one queue message. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'body_too_large';
  constructor(
    readonly byteLength: number,
    readonly maxBodySizeBytes: number,
    options?: ErrorOptions,
  ) {
    super(`body of ${byteLength} bytes is over the limit of ${maxBodySizeBytes} bytes`, options);
  }
}

/** `buildEnvelope` was called with an input no caller should pass: a bug, not a bad delivery. */
export class EnvelopeInputError extends Error {
  override readonly name = 'EnvelopeInputError';
  readonly code = 'invalid_envelope_input';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A queue message is not an envelope this code can read. The message names the field. */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
  readonly code = 'invalid_envelope';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * SQS refused the message as too large. `buildEnvelope` keeps every message within
 * `queueMaxMessageBytes`, so this is a bug on our side (or a queue created smaller than that),
 * not a reason for the provider to retry: the HTTP edge answers 500.
 */
export class QueueMessageTooLargeError extends Error {
  override readonly name = 'QueueMessageTooLargeError';
  readonly code = 'queue_message_too_large';
  constructor(
    readonly messageSizeBytes: number,
    options?: ErrorOptions,
  ) {
    super(`SQS refused a message of ${messageSizeBytes} bytes as too large`, options);
  }
}
