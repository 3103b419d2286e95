/**
 * Errors of the provider registry. Messages name providers, attributes, operations and SDK
 * error names, never a secret, a ciphertext or a payload: they end up in logs. The HTTP edge
 * maps them in one place: `ProviderNotFoundError` and `ProviderDisabledError` to 401, the rest
 * to 500 (a stored item or a caller is at fault, not the delivery). DynamoDB and KMS failures
 * are `DependencyUnavailableError` (../aws/errors.ts), answered 503 with Retry-After.
 */

import type { RetentionClassName } from '../config/retention.ts';

/** Any registry failure, with a stable machine-readable `code`. */
export abstract class RegistryError extends Error {
  abstract readonly code: string;
}

/** A provider id breaks the charset or length rule (it appears in URLs and table keys). */
export class InvalidProviderIdError extends RegistryError {
  override readonly name = 'InvalidProviderIdError';
  readonly code = 'invalid_provider_id';
  constructor(received: unknown, options?: ErrorOptions) {
    super(
      `provider id must be 1 to 64 characters of a-z, 0-9, '-' and '_', starting and ending with a letter or digit; got ${quote(received)}`,
      options,
    );
  }
}

/** A configuration given to be stored breaks one or more rules; each problem is listed. */
export class InvalidProviderConfigError extends RegistryError {
  override readonly name = 'InvalidProviderConfigError';
  readonly code = 'invalid_provider_config';
  constructor(
    readonly providerId: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`provider '${providerId}' is not valid: ${problems.join('; ')}`, options);
  }
}

/** A stored item is not a provider configuration this code reads. */
export class MalformedProviderItemError extends RegistryError {
  override readonly name = 'MalformedProviderItemError';
  readonly code = 'malformed_provider_item';
  constructor(
    readonly providerId: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`stored provider '${providerId}' is malformed: ${problems.join('; ')}`, options);
  }
}

/** No provider with this id is registered (or the id could never be one). */
export class ProviderNotFoundError extends RegistryError {
  override readonly name = 'ProviderNotFoundError';
  readonly code = 'provider_not_found';
  constructor(providerId: string, options?: ErrorOptions) {
    super(`provider ${quote(providerId)} is not registered`, options);
  }
}

/** The provider is registered but disabled: its deliveries are refused. */
export class ProviderDisabledError extends RegistryError {
  override readonly name = 'ProviderDisabledError';
  readonly code = 'provider_disabled';
  /** The provider's retention class, for the refused attempt's audit record. */
  readonly retentionClass: RetentionClassName | undefined;
  /** The headers its scheme reads a credential from, never stored with the refused attempt. */
  readonly credentialHeaders: readonly string[];
  constructor(
    readonly providerId: string,
    options?: ErrorOptions & {
      readonly retentionClass?: RetentionClassName;
      readonly credentialHeaders?: readonly string[];
    },
  ) {
    super(`provider '${providerId}' is disabled`, options);
    this.retentionClass = options?.retentionClass;
    this.credentialHeaders = options?.credentialHeaders ?? [];
  }
}

/** `create` found the provider already registered. */
export class ProviderAlreadyExistsError extends RegistryError {
  override readonly name = 'ProviderAlreadyExistsError';
  readonly code = 'provider_exists';
  constructor(
    readonly providerId: string,
    options?: ErrorOptions,
  ) {
    super(`provider '${providerId}' is already registered`, options);
  }
}

/** Someone else changed the provider since it was read: read it again and retry. */
export class RevisionConflictError extends RegistryError {
  override readonly name = 'RevisionConflictError';
  readonly code = 'revision_conflict';
  constructor(
    readonly providerId: string,
    readonly expectedRevision: number,
    options?: ErrorOptions,
  ) {
    super(
      `provider '${providerId}' is no longer at revision ${expectedRevision}, or was removed`,
      options,
    );
  }
}

/** KMS refused a stored ciphertext: altered, under another CMK, or bound to another provider. */
export class SecretRejectedError extends RegistryError {
  override readonly name = 'SecretRejectedError';
  readonly code = 'secret_rejected';
  constructor(
    readonly providerId: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`a key of provider '${providerId}' was rejected by KMS: ${detail}`, options);
  }
}

/** A value received from outside, shortened and escaped so it cannot flood or forge a log line. */
function quote(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const text = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(text);
}

/** A cache or store option is out of range. The message names the value received. */
export class RegistryOptionsError extends RegistryError {
  override readonly name = 'RegistryOptionsError';
  readonly code = 'invalid_options';
}
