/**
 * `key-cryptoperiod`: provider keys older than the cryptoperiod. A key is flagged once its age
 * is more than `cryptoperiodDays` whole days: exactly at the cryptoperiod it is not, one
 * millisecond later it is (PCI DSS v4.0.1 3.6.1.x and 3.7.4: keys changed at the end of their
 * cryptoperiod). Every stored key counts, a disabled provider's and a key in its rotation grace
 * included: each is key material kept, and a disabled provider can be enabled again.
 */
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import { assertDays, dayMs, isoTime, type ReviewFinding, wholeDays } from './review-finding.ts';

/** Each key of `providers` older than `cryptoperiodDays` at `nowMs`, one finding per key. */
export function keysPastCryptoperiod(
  providers: readonly ProviderConfig[],
  cryptoperiodDays: number,
  nowMs: number,
): ReviewFinding[] {
  const limitMs = assertDays(cryptoperiodDays, 'cryptoperiodDays') * dayMs;
  return providers.flatMap((provider) =>
    provider.keys
      .filter((key) => nowMs - key.createdAtMs > limitMs)
      .map((key) => ({
        subject: provider.providerId,
        text: `provider '${provider.providerId}'${provider.enabled ? '' : ' (disabled)'} key v${key.version} (${key.kind}) was created ${isoTime(key.createdAtMs)}, ${wholeDays(key.createdAtMs, nowMs)} days ago: past the ${cryptoperiodDays}-day cryptoperiod; rotate it (webhooks providers rotate ${provider.providerId})`,
      })),
  );
}

/** The age in whole days of the provider's oldest key; undefined when it holds none. */
export function oldestKeyAgeDays(provider: ProviderConfig, nowMs: number): number | undefined {
  if (provider.keys.length === 0) return undefined;
  return wholeDays(Math.min(...provider.keys.map((key) => key.createdAtMs)), nowMs);
}
