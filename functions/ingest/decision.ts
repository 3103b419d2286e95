/**
 * What the ingest path decided for one request, before the HTTP edge (http-response.ts) turns
 * it into an answer: an outcome, with the labels logs and metrics carry.
 */
import { KeyServiceUnavailableError } from '../audit/errors.ts';
import {
  DeadlineExceededError,
  DependencyUnavailableError,
  exceededDeadline,
  timedOut,
} from '../aws/errors.ts';
import { MalformedProviderItemError, SecretRejectedError } from '../registry/errors.ts';
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
  /**
   * A stable code: a rejection reason, or what made a 503 ({@link failureReason}).
   * @default - none
   */
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
    | {
        readonly outcome: Exclude<IngestOutcome, 'accepted' | 'duplicate' | 'handshake'>;
        /**
         * For `method_not_allowed`: the methods the provider is answered for, in `Allow`.
         * @default ['POST']
         */
        readonly allow?: readonly string[];
      }
  );

/** The 503's reason when a provider's keys do not open under its stored settings (an alarm's). */
export const providerKeysRejected = 'provider_keys_rejected';

/**
 * The reason a dependency's failure is answered 503 with, in logs, metrics and the `failed`
 * audit record; `undefined` for an error that is no dependency's (the handler answers 500).
 * - `<dependency>_unavailable`: it answered with an error, or refused the connection;
 * - `<dependency>_timeout`: its attempts ran out of time (connection or request timeout, or a
 *   connection reset), so what it did with the request is unknown;
 * - `<dependency>_deadline_exceeded`: the delivery's budget ran out while waiting on it;
 * - `deadline_exceeded`: the budget ran out between two calls;
 * - `provider_keys_rejected`: KMS would not open a key of the provider under the settings the
 *   registry holds now (functions/registry/key-binding.ts): the item was changed without KMS,
 *   or its keys predate binding. Answered 503, not 401: the deliveries are likely genuine and
 *   the provider retries them once an operator has put the registry right;
 * - `provider_item_malformed`: the provider's registry item breaks a rule (a key of the wrong
 *   kind for its scheme, an unknown option): written without the CLI, answered 503 likewise.
 */
export function failureReason(error: unknown): string | undefined {
  if (error instanceof DeadlineExceededError) return 'deadline_exceeded';
  if (error instanceof SecretRejectedError) return providerKeysRejected;
  if (error instanceof MalformedProviderItemError) return 'provider_item_malformed';
  const dependency =
    error instanceof DependencyUnavailableError
      ? error.dependency
      : error instanceof KeyServiceUnavailableError
        ? 'kms'
        : undefined;
  if (dependency === undefined) return undefined;
  if (exceededDeadline(error)) return `${dependency}_deadline_exceeded`;
  return `${dependency}_${timedOut(error) ? 'timeout' : 'unavailable'}`;
}
