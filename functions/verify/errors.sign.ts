/**
 * Errors of the signers: a key or a body a scheme cannot sign with, and a scheme with no signer
 * beside it. Messages name the scheme and never quote a key or a body.
 */

/** Any signing failure, with a stable machine-readable `code`. */
export abstract class SigningError extends Error {
  abstract readonly code: string;
  constructor(
    readonly scheme: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`scheme '${scheme}' ${detail}`, options);
  }
}

/** The key given is of the wrong kind for the scheme, or not a key the scheme can use. */
export class SigningKeyError extends SigningError {
  override readonly name = 'SigningKeyError';
  readonly code = 'unusable_signing_key';
}

/**
 * The scheme carries its signature or timestamp inside the body, and this body cannot hold it
 * (e.g. Linear's `webhookTimestamp` needs a JSON object).
 */
export class SigningBodyError extends SigningError {
  override readonly name = 'SigningBodyError';
  readonly code = 'unsignable_body';
}

/** A registered scheme has no `<name>.sign.ts` exporting its `signer` beside its verifier. */
export class MissingSignerError extends SigningError {
  override readonly name = 'MissingSignerError';
  readonly code = 'missing_signer';
  constructor(scheme: string, options?: ErrorOptions) {
    super(
      scheme,
      `has no signer: functions/verify/schemes/${scheme}.sign.ts must export one as \`signer\``,
      options,
    );
  }
}
