/**
 * Which request headers are stored, and where: neither the queue envelope nor the audit record
 * ever holds a credential; the audit record keeps every other header as received, encrypted.
 * Defined once here, read by functions/queue/envelope.ts and the ingest path.
 */

/**
 * Headers never stored, whatever the selection: anything whose name contains one of these
 * words, case-insensitively. Signatures, tokens and keys are secrets or replayable proofs;
 * consumers and auditors get the verdict instead. Plaid's `Plaid-Verification` is a signed JWT.
 */
const credentialHeaderPattern =
  /signature|auth|token|cookie|secret|passw|credential|session|hmac|verification|api-?key|private|jwt|bearer/i;

/** Whether a header name looks like it carries a credential, and so is never stored. */
export function isCredentialHeader(name: string): boolean {
  return credentialHeaderPattern.test(name);
}

/**
 * The request headers an audit record keeps: all but credentials, in the order received. A
 * credential is a header the name pattern catches, or one of `credentialNames` (any case): the
 * headers the provider's scheme reads a credential from under its options, whatever their name.
 * @example auditedHeaders({ 'content-type': 'application/json', 'stripe-signature': 't=1,v1=…' })
 * // { 'content-type': 'application/json' }
 */
export function auditedHeaders<Value>(
  headers: Readonly<Record<string, Value>>,
  credentialNames: readonly string[] = [],
): Record<string, Value> {
  const named = new Set(credentialNames.map((name) => name.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !isCredentialHeader(name) && !named.has(name.toLowerCase()),
    ),
  );
}
