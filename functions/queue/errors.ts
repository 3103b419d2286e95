/** Errors of the queue envelope. The HTTP edge maps `body_too_large` to 413. */

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
