/**
 * The ways through the ingest path that the cost tool measures, each as the requests of one
 * sample: those sent first to set the scene (not measured) and the one measured. Two providers
 * are registered, one per retention class that decides whether a payload copy is kept.
 */
import { deliveryBudgetMs, settleBudgetMs } from '../../functions/config/limits.ts';
import type { RetentionClassName } from '../../functions/config/retention.ts';
import type { RestApiProxyEvent } from '../../functions/ingest/http-event.ts';
import type { Signer } from '../../functions/verify/scheme.sign.ts';
import { fixedAddress, fixedId, jsonEvent, restDelivery } from './deliveries.ts';
import type { Assumptions } from './prices.ts';

export const pathNames = [
  'accepted-standard',
  'accepted-minimal',
  'duplicate',
  'rejected-signature',
  'unknown-provider',
  'medium-body',
  'large-body',
] as const;

export type PathName = (typeof pathNames)[number];

/** A provider the measurement registers. */
export interface MeasuredProvider {
  readonly providerId: string;
  readonly secret: string;
  readonly retentionClass: RetentionClassName;
}

/** Providers of the same id length, so records differ only by what the path changes. */
export const measuredProviders = {
  standard: {
    providerId: 'stripe-standard',
    secret: 'whsec_cost_standard_0123456789abcdef',
    retentionClass: 'standard',
  },
  minimal: {
    providerId: 'stripe-minimal0',
    secret: 'whsec_cost_minimal0_0123456789abcdef',
    retentionClass: 'minimal',
  },
} as const satisfies Record<string, MeasuredProvider>;

export interface PathDefinition {
  readonly name: PathName;
  /** What the path is, for tables. */
  readonly label: string;
}

export const paths: Readonly<Record<PathName, PathDefinition>> = {
  'accepted-standard': {
    name: 'accepted-standard',
    label: 'accepted, payload copy kept (`standard` class, the default)',
  },
  'accepted-minimal': {
    name: 'accepted-minimal',
    label: 'accepted, no payload copy (`minimal` class)',
  },
  duplicate: { name: 'duplicate', label: 'duplicate of an accepted delivery' },
  'rejected-signature': { name: 'rejected-signature', label: 'rejected: bad signature' },
  'unknown-provider': {
    name: 'unknown-provider',
    label: 'unknown provider id (first in a minute)',
  },
  'medium-body': { name: 'medium-body', label: 'accepted, 150 KiB body, payload copy kept' },
  'large-body': { name: 'large-body', label: 'accepted, 1 MiB body (`standard` class)' },
};

/** One sample of a path: requests to send first, unmeasured, then the measured one. */
export interface PathSample {
  readonly setUp: readonly RestApiProxyEvent[];
  /**
   * How long before the measured request the set-up requests are handled: a duplicate comes
   * after the window in which its first attempt may still be sending. @default 0
   */
  readonly setUpEarlierMs?: number;
  readonly measured: RestApiProxyEvent;
}

export interface SampleSizes {
  readonly bodyBytes: number;
  readonly mediumBodyBytes: number;
  readonly largeBodyBytes: number;
}

/** The body sizes the price list assumes. */
export const sampleSizesOf = ({
  bodyBytes,
  mediumBodyBytes,
  largeBodyBytes,
}: Assumptions): SampleSizes => ({
  bodyBytes: bodyBytes.value,
  mediumBodyBytes: mediumBodyBytes.value,
  largeBodyBytes: largeBodyBytes.value,
});

/**
 * The requests of sample `n` of `path`. Each sample has its own event id, and a refused one its
 * own source address, so that no sample is a duplicate of another or spends another's
 * rejection budget (functions/ingest/rejection-budget.ts).
 */
export function pathSample(
  path: PathName,
  n: number,
  signer: Signer,
  sizes: SampleSizes,
): PathSample {
  const { standard, minimal } = measuredProviders;
  const eventId = fixedId(`evt_${pathNames.indexOf(path)}_`, n, 28);
  const body = jsonEvent(eventId, sizes.bodyBytes);
  const accepted = (provider: MeasuredProvider, eventBody: Buffer) =>
    restDelivery(signer, { ...provider, body: eventBody, sourceIp: '54.187.174.169' });
  switch (path) {
    case 'accepted-standard':
      return { setUp: [], measured: accepted(standard, body) };
    case 'accepted-minimal':
      return { setUp: [], measured: accepted(minimal, body) };
    case 'duplicate':
      return {
        setUp: [accepted(standard, body)],
        setUpEarlierMs: deliveryBudgetMs + settleBudgetMs,
        measured: accepted(standard, body),
      };
    case 'rejected-signature':
      return {
        setUp: [],
        measured: restDelivery(signer, {
          ...standard,
          secret: 'whsec_forged_by_someone_else_000000',
          body,
          sourceIp: fixedAddress(n),
        }),
      };
    case 'unknown-provider':
      return {
        setUp: [],
        measured: restDelivery(signer, {
          providerId: fixedId('unregistered-', n, standard.providerId.length),
          secret: standard.secret,
          body,
          sourceIp: fixedAddress(50_000 + n),
        }),
      };
    case 'medium-body':
      return { setUp: [], measured: accepted(standard, jsonEvent(eventId, sizes.mediumBodyBytes)) };
    case 'large-body':
      return { setUp: [], measured: accepted(standard, jsonEvent(eventId, sizes.largeBodyBytes)) };
  }
}
