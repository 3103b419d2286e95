/**
 * `key-cryptoperiod`, for the deployment's subject-index secret (functions/audit/
 * subject-index-secret.ts): its current version older than the cryptoperiod, counted as a
 * provider key's is (key-cryptoperiod.ts): exactly at the cryptoperiod it is not flagged, one
 * millisecond later it is (PCI DSS v4.0.1 3.6.1.x and 3.7.4; NIST SP 800-57 Part 1 §5.3).
 *
 * Only the current version makes hashes. The versions a rotation kept only look subjects up
 * for erasure, until the records they indexed are gone (functions/audit/
 * subject-index-versions.ts): past their originator-usage period, they are not flagged.
 */
import type { SubjectIndexVersion } from '../../functions/audit/subject-index-versions.ts';
import { assertDays, dayMs, isoTime, type ReviewFinding, wholeDays } from './review-finding.ts';

/** What the findings are about: the secret, not a provider. */
export const subjectIndexSecretSubject = 'subject-index secret';

/** The current version's number and creation: all the rule reads. */
export type SubjectIndexSecretAge = Pick<SubjectIndexVersion, 'version' | 'createdAtMs'>;

/**
 * One finding when the current version is older than `cryptoperiodDays` at `nowMs`; none when
 * it is not, or when the deployment has no secret (no provider ever had a subject key).
 */
export function subjectIndexSecretPastCryptoperiod(
  current: SubjectIndexSecretAge | undefined,
  cryptoperiodDays: number,
  nowMs: number,
): ReviewFinding[] {
  const limitMs = assertDays(cryptoperiodDays, 'cryptoperiodDays') * dayMs;
  if (current === undefined || nowMs - current.createdAtMs <= limitMs) return [];
  return [
    {
      subject: subjectIndexSecretSubject,
      text: `the subject-index secret v${current.version} was created ${isoTime(current.createdAtMs)}, ${wholeDays(current.createdAtMs, nowMs)} days ago: past the ${cryptoperiodDays}-day cryptoperiod; rotate it (webhooks audit rotate-subject-secret)`,
    },
  ];
}
