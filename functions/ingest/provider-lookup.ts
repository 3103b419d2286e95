/**
 * The registry's answer for an attempt: the provider, or the refusal of an unknown or disabled
 * one, each with where the attempt's audit records are filed and under which retention class.
 * An unknown provider id is filed under `unregisteredProviderId`, so that no caller chooses the
 * partitions it writes to.
 */
import { auditFieldLimits, unregisteredProviderId } from '../audit/record.ts';
import { isText } from '../audit/text.ts';
import {
  auditRetentionClass,
  defaultRetentionClass,
  type RetentionClassName,
  unregisteredRetentionClass,
} from '../config/retention.ts';
import { ProviderDisabledError, ProviderNotFoundError } from '../registry/errors.ts';
import type { ProviderConfig } from '../registry/provider.ts';
import type { ResolvedProvider } from '../registry/provider-cache.ts';
import { credentialHeadersOf } from '../verify/verify.ts';
import type { AuditTarget } from './audit-fields.ts';
import type { IngestPorts } from './ports.ts';
import { type Refusal, rejection } from './refusals.ts';

export type Lookup = {
  readonly target: AuditTarget;
  /** The provider, once found in the registry, disabled or not. @default - not registered */
  readonly providerId?: string;
} & ({ readonly provider: ResolvedProvider } | { readonly refusal: Refusal });

/**
 * Resolves the provider the request names. Errors other than an unknown or disabled provider
 * (the registry or KMS unavailable, a malformed item) are thrown.
 */
export async function lookUpProvider(ports: IngestPorts, requested: string): Promise<Lookup> {
  const floor = ports.retentionFloor;
  let provider: ResolvedProvider;
  try {
    provider = await ports.resolveProvider(requested);
  } catch (error) {
    if (error instanceof ProviderNotFoundError) {
      return { refusal: rejection(error.code), target: unregisteredTarget(requested, floor) };
    }
    if (error instanceof ProviderDisabledError) {
      const target = disabledTarget(error, floor);
      return { refusal: rejection(error.code), target, providerId: error.providerId };
    }
    throw error;
  }
  const { config } = provider;
  const target = providerTarget(
    config,
    floor,
    credentialHeadersOf(config.scheme, provider.options),
  );
  return { provider, target, providerId: config.providerId };
}

/** The unregistered partition, keeping the requested id only when the record can hold it. */
function unregisteredTarget(requested: string, floor: RetentionClassName | undefined) {
  return {
    providerId: unregisteredProviderId,
    retentionClass: unregisteredRetentionClass(floor),
    ...(isText(requested, auditFieldLimits.requestedProviderId)
      ? { requestedProviderId: requested }
      : {}),
  };
}

/**
 * A disabled provider's own partitions and class; its scheme is not on record, but the
 * headers it reads a credential from still are never stored.
 */
function disabledTarget(
  error: ProviderDisabledError,
  floor: RetentionClassName | undefined,
): AuditTarget {
  const own = error.retentionClass ?? defaultRetentionClass;
  return {
    providerId: error.providerId,
    retentionClass: auditRetentionClass(own, floor),
    ...(error.credentialHeaders.length === 0 ? {} : { credentialHeaders: error.credentialHeaders }),
  };
}

function providerTarget(
  config: ProviderConfig,
  floor: RetentionClassName | undefined,
  credentialHeaders: readonly string[],
): AuditTarget {
  return {
    providerId: config.providerId,
    scheme: config.scheme,
    retentionClass: auditRetentionClass(config.retentionClass, floor),
    ...(credentialHeaders.length === 0 ? {} : { credentialHeaders }),
  };
}
