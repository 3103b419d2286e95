/**
 * What the ingest path decided for one request, before the HTTP edge (http-response.ts) turns
 * it into an answer: an outcome, with the labels logs and metrics carry.
 */
import type { HandshakeReply } from '../verify/scheme.ts';

/** Low-cardinality labels for logs and metrics: never an id, a header or a body. */
export type IngestOutcome =
  | 'accepted'
  | 'duplicate'
  | 'rejected'
  | 'unavailable'
  | 'in_flight'
  | 'too_large'
  | 'method_not_allowed'
  | 'handshake'
  | 'handshake_not_supported';

/** What logs and metrics carry beside the outcome. */
export interface DecisionLabels {
  /** A stable code: a rejection reason or the dependency that failed. @default - none */
  readonly reason?: string;
  /** @default - no delivery id was settled (rejected before verification) */
  readonly deliveryId?: string;
  /** The provider, once found in the registry; never the unchecked path parameter. */
  readonly providerId?: string;
  /** The refused attempt was counted but not written: its source is over its budget. */
  readonly auditSuppressed?: boolean;
}

/** An outcome with its labels; accepted and duplicate deliveries name their id. */
export type Decision = DecisionLabels &
  (
    | { readonly outcome: 'accepted' | 'duplicate'; readonly deliveryId: string }
    | {
        readonly outcome: 'handshake';
        readonly reason: string;
        /** The scheme's reply; `undefined` when the body lacks what the reply must echo. */
        readonly reply: HandshakeReply | undefined;
      }
    | { readonly outcome: Exclude<IngestOutcome, 'accepted' | 'duplicate' | 'handshake'> }
  );
