/**
 * `idle-providers`: enabled providers with no accepted delivery for more than `idleProviderDays`
 * whole days, counted from the last accepted delivery or, when there has been none, from the
 * registration: stale registrations to review, disable or remove. Exactly `idleProviderDays`
 * after it a provider is not flagged, one millisecond later it is. A disabled provider accepts
 * nothing by choice and is not flagged.
 *
 * The registry keeps no registration time of its own: the oldest stored key's creation stands
 * for it. A rotation drops older keys, so after one this is the rotation's time, later than the
 * registration: the rule then flags later, never sooner.
 */
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import { assertDays, dayMs, isoTime, type ReviewFinding, wholeDays } from './review-finding.ts';

/** When a provider was registered, as far as the registry tells: its oldest key's creation. */
export function registeredAtMs(provider: ProviderConfig): number {
  return provider.keys.length === 0
    ? provider.updatedAtMs
    : Math.min(...provider.keys.map((key) => key.createdAtMs));
}

/**
 * Each enabled provider idle for more than `idleProviderDays` at `nowMs`. `lastDeliveries` maps
 * a provider id to its last accepted delivery (epoch ms); a provider absent from it, or mapped
 * to undefined, has had none.
 */
export function idleProviders(
  providers: readonly ProviderConfig[],
  lastDeliveries: ReadonlyMap<string, number | undefined>,
  idleProviderDays: number,
  nowMs: number,
): ReviewFinding[] {
  const limitMs = assertDays(idleProviderDays, 'idleProviderDays') * dayMs;
  return providers.flatMap((provider) => {
    if (!provider.enabled) return [];
    const last = lastDeliveries.get(provider.providerId);
    const sinceMs = last ?? registeredAtMs(provider);
    if (nowMs - sinceMs <= limitMs) return [];
    const days = wholeDays(sinceMs, nowMs);
    const text =
      last === undefined
        ? `provider '${provider.providerId}' has had no accepted delivery since it was registered (${isoTime(sinceMs)}), ${days} days ago, more than ${idleProviderDays}: review it, then disable or remove it if it is no longer used`
        : `provider '${provider.providerId}' has had no accepted delivery since ${isoTime(sinceMs)}, ${days} days ago, more than ${idleProviderDays}: review it, then disable or remove it if it is no longer used`;
    return [{ subject: provider.providerId, text }];
  });
}
