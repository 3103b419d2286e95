import { reject } from './scheme.ts';
import type { SchemeVerdict } from './types.ts';

/**
 * The most signature entries of the versions a scheme checks that one header may hold. A
 * sender writes one entry per secret it currently signs with: the Standard Webhooks spec signs
 * "using the current key, and using an old key (for a set period of time), and both signatures
 * are sent" (spec/standard-webhooks.md, "Webhook headers"), so a rotation needs two entries per
 * kind, four with HMAC (`v1`) and Ed25519 (`v1a`) keys side by side; Stripe, Paddle and
 * PagerDuty likewise add one entry per secret still active. Eight leaves room for a second
 * rotation inside a grace period; a header holding more was not written by a rotation.
 */
export const maxSignatureEntries = 8;

/**
 * The most (entry × key) signature checks one request may cost: each is a constant-time
 * comparison, or an Ed25519 verification (about 20-80 µs), so without a cap a 10 KB header of
 * entries against many keys costs milliseconds of CPU per forged request. Eight entries against
 * ten keys, the most the registry stores for a provider (`maxKeysPerProvider` in
 * functions/registry/provider.ts, which this pure core may not import; a test ties the two), so
 * no request within the entry cap and a registry's keys is ever refused by this cap alone: it
 * bounds callers that pass more keys, such as the CLI.
 */
export const maxSignatureChecks = maxSignatureEntries * 10;

/**
 * The refusal for a signature list that would cost more than the budget, before any check is
 * made; `undefined` within it. Decided up front, never part way through the checks, so the
 * verdict does not depend on which entry or key happens to come first.
 * @param header named in the detail, never its value
 * @param entries the header's entries of the versions the scheme checks
 * @param checks the (entry × key) checks verifying them against every usable key would take
 * @example signatureBudgetRefusal('stripe-signature', 2, 2 * keys.length) // undefined
 */
export function signatureBudgetRefusal(
  header: string,
  entries: number,
  checks: number,
): SchemeVerdict | undefined {
  if (entries > maxSignatureEntries) {
    return reject(
      'too_many_signatures',
      `${header} holds ${entries} signature entries; no rotation sends more than ${maxSignatureEntries}`,
    );
  }
  if (checks > maxSignatureChecks) {
    return reject(
      'too_many_signatures',
      `${header}'s ${entries} entries against the configured keys take ${checks} checks; at most ${maxSignatureChecks} are made`,
    );
  }
  return undefined;
}
