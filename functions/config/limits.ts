/**
 * Sizes and times the handler, the CDK construct, the local stack and the CLI all read.
 * Defined once here; nothing else spells these numbers.
 */

import { InvalidSettingError } from './errors.ts';

/** SQS's classic maximum message size; the queue is created with exactly this. */
export const queueMaxMessageBytes = 262_144;

/**
 * Room kept in each queue message for the envelope around the body: ids, provider, event
 * type, timestamps and the selected headers.
 */
export const envelopeReserveBytes = 16_384;

/**
 * The largest body accepted (413 above it). A body that is not UTF-8 text travels base64
 * encoded, four bytes for every three, so this is the most that still fits the message
 * whatever the body holds: (262,144 − 16,384) × 3 / 4 = 184,320 bytes (180 KiB).
 */
export const maxBodySizeBytes = ((queueMaxMessageBytes - envelopeReserveBytes) * 3) / 4;

/**
 * How long a container trusts a provider's configuration before reading it again, and so how
 * long after a registry write a running ingest function may still act on what it replaced.
 */
export const configCacheSeconds = 60;

/**
 * Overrides `configCacheSeconds` for one deployment: the ingest handler reads it, the local
 * stack records it in its stack file, and the CLI's `--local` target reads it back from there.
 */
export const configCacheSecondsVariable = 'PROVIDER_CONFIG_CACHE_SECONDS';

/**
 * The configuration cache time `env` asks for: `configCacheSeconds` when the variable is unset
 * or empty, else its value, which must be a positive whole number of seconds.
 * @example configCacheSecondsFrom({ PROVIDER_CONFIG_CACHE_SECONDS: '5' }) // 5
 */
export function configCacheSecondsFrom(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[configCacheSecondsVariable];
  if (text === undefined || text === '') return configCacheSeconds;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidSettingError(
      configCacheSecondsVariable,
      text,
      'a positive whole number of seconds',
    );
  }
  return seconds;
}

/** How long a container keeps a provider's decrypted secrets before asking KMS again. */
export const secretCacheSeconds = 300;

/**
 * How long a delivery id is remembered to refuse a second queueing. Longer than providers'
 * retry horizons (Stripe retries for up to three days, GitHub does not retry, Shopify for
 * 48 hours).
 */
export const defaultDedupWindowSeconds = 7 * 24 * 60 * 60;

/** Retry-After on a 503 when a dependency fails, so that the provider comes back soon. */
export const retryAfterSeconds = 30;

/**
 * Audit records of refused attempts one source address may write per container: a burst,
 * then a steady rate; the rest are counted into the next record (ingest/rejection-budget.ts).
 */
export const rejectionAuditBudget = { burst: 20, perMinute: 6, maxSources: 10_000 } as const;
