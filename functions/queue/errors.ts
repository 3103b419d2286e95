/**
 * Errors of the queue envelope, the sender and the payload bucket. The HTTP edge maps
 * `body_too_large` to 413; SQS or S3 failing or out of reach is a DependencyUnavailableError
 * (../aws/errors.ts), answered 503.
 */

/**
 * The request body is larger than `maxBodySizeBytes`: the most an API Gateway event can always
 * carry to the Lambda (functions/config/limits.ts).
 */
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

/**
 * `readEnvelope` was given a message whose body is in the payload bucket: read it with
 * `openEnvelope`, which fetches the body.
 */
export class BodyInBucketError extends Error {
  override readonly name = 'BodyInBucketError';
  readonly code = 'body_in_bucket';
  constructor(
    readonly bodyObject: { readonly bucket: string; readonly key: string },
    options?: ErrorOptions,
  ) {
    super(
      `the body is in s3://${bodyObject.bucket}/${bodyObject.key}: read the message with openEnvelope`,
      options,
    );
  }
}

/**
 * The object a message points to is not the body it names: another length or SHA-256. The
 * message names the key and both lengths, never the bytes.
 */
export class BodyObjectMismatchError extends Error {
  override readonly name = 'BodyObjectMismatchError';
  readonly code = 'body_object_mismatch';
  constructor(
    readonly bodyObject: {
      readonly key: string;
      readonly sizeBytes: number;
      readonly sha256: string;
    },
    readonly fetchedBytes: number,
    readonly fetchedSha256: string,
    options?: ErrorOptions,
  ) {
    super(
      `s3 object ${bodyObject.key} holds ${fetchedBytes} bytes with SHA-256 ${fetchedSha256}; the message names ${bodyObject.sizeBytes} bytes with SHA-256 ${bodyObject.sha256}`,
      options,
    );
  }
}

/**
 * The object a message points to is no longer in the payload bucket: its lifecycle rule
 * expired it, or an erasure deleted it.
 */
export class BodyObjectMissingError extends Error {
  override readonly name = 'BodyObjectMissingError';
  readonly code = 'body_object_missing';
  constructor(
    readonly bodyObject: { readonly bucket: string; readonly key: string },
    options?: ErrorOptions,
  ) {
    super(`s3://${bodyObject.bucket}/${bodyObject.key} is gone (expired or erased)`, options);
  }
}
