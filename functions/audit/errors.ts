/**
 * Errors of the audit trail: field encryption and records (a query's error is the operator's:
 * ops/audit/errors.ts). Messages name operations, fields and error codes, never plaintext,
 * ciphertext or key bytes: they end up in logs. The HTTP edge maps
 * `KeyServiceUnavailableError` to 503 with Retry-After; the others are faults of a record or
 * of the caller.
 */

/** Any failure of audit-field encryption, with a stable machine-readable `code`. */
export abstract class FieldEncryptionError extends Error {
  abstract readonly code: string;
}

/** KMS could not be reached or refused the request (throttled, disabled key, no access). */
export class KeyServiceUnavailableError extends FieldEncryptionError {
  override readonly name = 'KeyServiceUnavailableError';
  readonly code = 'key_service_unavailable';
  constructor(
    readonly operation: 'GenerateDataKey' | 'Decrypt',
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`KMS ${operation} failed: ${detail}`, options);
  }
}

/** KMS would not decrypt the field's data key: tampered, from another key, or another context. */
export class DataKeyRejectedError extends FieldEncryptionError {
  override readonly name = 'DataKeyRejectedError';
  readonly code = 'data_key_rejected';
  constructor(detail: string, options?: ErrorOptions) {
    super(`the encrypted data key was rejected: ${detail}`, options);
  }
}

/** The stored value is not an encrypted field of a version this code reads. */
export class MalformedEncryptedFieldError extends FieldEncryptionError {
  override readonly name = 'MalformedEncryptedFieldError';
  readonly code = 'malformed_encrypted_field';
  constructor(detail: string, options?: ErrorOptions) {
    super(`not an encrypted audit field: ${detail}`, options);
  }
}

/**
 * The AES-GCM tag did not verify: the IV, tag or ciphertext was altered, or the value belongs
 * to another provider, delivery or field.
 */
export class FieldAuthenticationError extends FieldEncryptionError {
  override readonly name = 'FieldAuthenticationError';
  readonly code = 'field_authentication_failed';
  constructor(
    readonly field: string,
    options?: ErrorOptions,
  ) {
    super(
      `field '${field}' failed authentication: altered, or bound to another provider, delivery or field`,
      options,
    );
  }
}

/** A provider id, delivery id or field name is empty or not a string. */
export class InvalidFieldBindingError extends FieldEncryptionError {
  override readonly name = 'InvalidFieldBindingError';
  readonly code = 'invalid_binding';
  constructor(
    readonly property: string,
    options?: ErrorOptions,
  ) {
    super(`the field binding's '${property}' must be a non-empty string`, options);
  }
}

/** A cache limit is missing, not a number or out of range. The message names the value received. */
export class FieldEncryptionOptionsError extends FieldEncryptionError {
  override readonly name = 'FieldEncryptionOptionsError';
  readonly code = 'invalid_options';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Any audit record or item that breaks the rules, with a stable machine-readable `code`. */
export abstract class AuditRecordError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${message}: ${problems.join('; ')}`, options);
  }
}

/** A record given to be written breaks one or more rules; each problem is listed. */
export class InvalidAuditRecordError extends AuditRecordError {
  override readonly name = 'InvalidAuditRecordError';
  readonly code = 'invalid_audit_record';
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('audit record is not valid', problems, options);
  }
}

/** A stored item is not an audit record this code reads. */
export class MalformedAuditItemError extends AuditRecordError {
  override readonly name = 'MalformedAuditItemError';
  readonly code = 'malformed_audit_item';
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('stored audit item is malformed', problems, options);
  }
}

/**
 * The deployment's subject-index secret is not in the registry table: `npm start` and the
 * first `webhooks providers add --subject-key` create it (subject-index-secret.ts).
 */
export class SubjectIndexSecretMissingError extends Error {
  override readonly name = 'SubjectIndexSecretMissingError';
  readonly code = 'subject_index_missing';
  constructor(options?: ErrorOptions) {
    super(
      'the subject-index secret is missing from the registry table; `webhooks providers add --subject-key` creates it',
      options,
    );
  }
}
