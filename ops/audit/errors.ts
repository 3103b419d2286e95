/** Errors of the operator's reads of the audit trail (audit-reader.ts, admin-trail-store.ts). */

/** A listing's provider, time range or limit is out of range; each problem is listed. */
export class InvalidAuditQueryError extends Error {
  override readonly name = 'InvalidAuditQueryError';
  readonly code = 'invalid_audit_query';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`audit query is not valid: ${problems.join('; ')}`, options);
  }
}
