/**
 * What `audit verify` and `audit public-key` share: the deployment's digest store, and the
 * digests' timing (the local stack runs minute-long periods; a deployment the construct's).
 */
import { auditDigests, type DigestTiming } from '../functions/config/audit-digests.ts';
import { DigestStore } from '../ops/integrity/digest-store.ts';
import { type Target, TargetUnavailableError } from './target.ts';

export interface DigestAccess {
  readonly store: DigestStore;
  readonly timing: DigestTiming;
}

/** TargetUnavailableError for a deployment from before audit digests. */
export function digestAccessOf(target: Target): DigestAccess {
  const { digests } = target;
  if (digests === undefined) {
    throw new TargetUnavailableError(
      'this deployment keeps no audit digests (it predates them): deploy the current construct, or restart `npm start`',
    );
  }
  return {
    store: new DigestStore({
      s3: target.s3,
      kms: target.kms,
      bucket: digests.bucket,
      signingKeyId: digests.signingKeyId,
    }),
    timing: digests.timing ?? auditDigests,
  };
}
