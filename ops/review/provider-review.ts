/**
 * The provider rules of the periodic review run together, as the self-audit runs them and as
 * `webhooks providers list --review` shows them: what each provider is flagged for, by check.
 */
import type { SelfAuditCheckName } from '../../functions/config/self-audit.ts';
import type { ProviderConfig } from '../../functions/registry/provider.ts';
import { idleProviders } from './idle-providers.ts';
import { keysPastCryptoperiod } from './key-cryptoperiod.ts';
import { keysPastGrace } from './key-grace-overdue.ts';
import type { ReviewFinding } from './review-finding.ts';

export interface ProviderReviewSettings {
  readonly cryptoperiodDays: number;
  readonly idleProviderDays: number;
}

/** The provider checks of a self-audit run, by name. */
export type ProviderCheckName = Extract<
  SelfAuditCheckName,
  'key-cryptoperiod' | 'key-grace-overdue' | 'idle-providers'
>;

/** Each provider check's findings. */
export type ProviderReview = Readonly<Record<ProviderCheckName, readonly ReviewFinding[]>>;

/** The three provider rules over the same providers, deliveries and time. */
export function reviewProviders(
  providers: readonly ProviderConfig[],
  lastDeliveries: ReadonlyMap<string, number | undefined>,
  settings: ProviderReviewSettings,
  nowMs: number,
): ProviderReview {
  return {
    'key-cryptoperiod': keysPastCryptoperiod(providers, settings.cryptoperiodDays, nowMs),
    'key-grace-overdue': keysPastGrace(providers, nowMs),
    'idle-providers': idleProviders(providers, lastDeliveries, settings.idleProviderDays, nowMs),
  };
}

/** Each flagged provider's reasons, each with the check that flags it, in the checks' order. */
export function flaggedProviders(
  review: ProviderReview,
): Map<string, { readonly check: ProviderCheckName; readonly text: string }[]> {
  const flagged = new Map<string, { check: ProviderCheckName; text: string }[]>();
  for (const check of Object.keys(review) as ProviderCheckName[]) {
    for (const finding of review[check]) {
      flagged.set(finding.subject, [
        ...(flagged.get(finding.subject) ?? []),
        { check, text: finding.text },
      ]);
    }
  }
  return flagged;
}
