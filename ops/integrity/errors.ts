/** Errors of the audit trail's integrity checks (digests and their verification). */

/** A stored digest is not a digest this code wrote; each problem is listed. */
export class MalformedDigestError extends Error {
  override readonly name = 'MalformedDigestError';
  readonly code = 'malformed_digest';
  constructor(
    readonly key: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`digest ${key} is malformed: ${problems.join('; ')}`, options);
  }
}

/**
 * The writer found the digest it was about to write already written once (a delete marker
 * hides it now): rewriting it would replace signed evidence, so it stops, and its function's
 * error alarm fires.
 */
export class DigestAlreadyWrittenError extends Error {
  override readonly name = 'DigestAlreadyWrittenError';
  readonly code = 'digest_already_written';
  constructor(readonly key: string) {
    super(
      `digest ${key} was written before and is hidden now (a delete marker or a new version over it): not writing it again; see docs/audit-integrity.md`,
    );
  }
}

/**
 * The newest digest in the bucket is not one the writer can chain to (unsigned, or naming
 * another table or period): chaining to it would carry a forgery on, and skipping it would
 * hide it, so the writer stops and its function's error alarm fires.
 */
export class UntrustedLastDigestError extends Error {
  override readonly name = 'UntrustedLastDigestError';
  readonly code = 'untrusted_last_digest';
  constructor(
    readonly key: string,
    readonly why: string,
  ) {
    super(`the last digest ${key} cannot be chained to: ${why}; see docs/audit-integrity.md`);
  }
}
