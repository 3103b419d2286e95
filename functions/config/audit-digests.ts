/**
 * The audit trail's digests (ops/integrity/): how often one is written and how long after its
 * period ends, as data that the construct's schedule, the local stack and the digest writer
 * all read.
 */
import { InvalidSettingError } from './errors.ts';

export const auditDigests = {
  /** Each digest covers this long; periods are aligned to multiples of it since the epoch. */
  periodSeconds: 15 * 60,
  /**
   * How long after a period ends its digest is written. Every record is written within the
   * ingest function's 10-second timeout of its receipt, and an admin record or erasure
   * receipt at its own time, so a record that reaches a period after this is not lawful: the
   * verifier names it `unexpected`.
   */
  settleSeconds: 5 * 60,
  /** Periods one run catches up at most (a day's), so that a run stays within its timeout. */
  maxPeriodsPerRun: 96,
  /** The local stack's bucket (fauxqs) and signing key alias (its KMS stand-in). */
  localBucketName: 'webhook-ingestion-audit-digests',
  localSigningKeyAlias: 'alias/webhook-ingestion/audit-digests',
  /**
   * The local stack's timing (`npm start` records it in its stack file): minutes, not a
   * quarter hour, so that a digest can be seen and verified while trying the product.
   */
  local: { periodSeconds: 60, settleSeconds: 15 },
  /** The digest function's variables; the bucket and key are the construct's (or `npm start`'s). */
  bucketVariable: 'DIGEST_BUCKET_NAME',
  signingKeyVariable: 'DIGEST_SIGNING_KEY_ID',
  /** Overrides of the timing; the construct sets neither, the local stack both. */
  periodVariable: 'AUDIT_DIGEST_PERIOD_SECONDS',
  settleVariable: 'AUDIT_DIGEST_SETTLE_SECONDS',
} as const;

export interface DigestTiming {
  readonly periodSeconds: number;
  readonly settleSeconds: number;
}

/**
 * The timing `env` asks for: `auditDigests`' own where a variable is unset or empty, else its
 * value, a positive whole number of seconds (InvalidSettingError otherwise).
 */
export function digestTimingFrom(env: Readonly<Record<string, string | undefined>>): DigestTiming {
  const seconds = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidSettingError(name, text, 'a positive whole number of seconds');
    }
    return value;
  };
  return {
    periodSeconds: seconds(auditDigests.periodVariable, auditDigests.periodSeconds),
    settleSeconds: seconds(auditDigests.settleVariable, auditDigests.settleSeconds),
  };
}
