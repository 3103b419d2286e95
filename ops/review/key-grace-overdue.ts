/**
 * `key-grace-overdue`: keys kept past the end of their rotation grace. A key whose `notAfterMs`
 * has come is no longer offered to the verifier (functions/registry/provider.ts: "not offered
 * from then on"), but its ciphertext stays in the registry until the provider's next rotation
 * drops it: a retired secret still stored. Flagged from `notAfterMs` itself: one millisecond
 * before it the key is still in its grace, and is not.
 */
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import { isoTime, type ReviewFinding, wholeDays } from './review-finding.ts';

/** Each stored key whose grace ended at or before `nowMs`, one finding per key. */
export function keysPastGrace(
  providers: readonly ProviderConfig[],
  nowMs: number,
): ReviewFinding[] {
  return providers.flatMap((provider) =>
    provider.keys
      .filter((key) => key.notAfterMs !== undefined && key.notAfterMs <= nowMs)
      .map((key) => ({
        subject: provider.providerId,
        text: `provider '${provider.providerId}' key v${key.version} (${key.kind}) is still stored ${wholeDays(key.notAfterMs as number, nowMs)} days after its rotation grace ended (${isoTime(key.notAfterMs as number)}): it is no longer accepted; the next rotation drops it (webhooks providers rotate ${provider.providerId})`,
      })),
  );
}
