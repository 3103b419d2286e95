/**
 * The HTTP edge of the ingest path: the one place where a decision, or a typed error, becomes a
 * status code, headers and a body. Bodies are short JSON codes; the precise reason goes to the
 * audit trail and the logs only.
 */
import { maxBodySizeBytes, retryAfterSeconds } from '../config/limits.ts';
import type { HandshakeReply } from '../verify/scheme.ts';
import {
  type Decision,
  type DecisionLabels,
  failureReason,
  type IngestOutcome,
} from './decision.ts';

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The answer to one request, with the labels its log line and metric carry. */
export interface IngestResult extends DecisionLabels {
  readonly response: HttpResponse;
  readonly outcome: IngestOutcome;
}

/** The answer to what the ingest path decided. */
export function respond(decision: Decision): IngestResult {
  if (decision.outcome !== 'handshake') return { ...decision, response: answer(decision) };
  const { reply, ...labels } = decision;
  return { ...labels, response: reply === undefined ? malformedHandshake() : replyWith(reply) };
}

/**
 * The answer to an error the ingest path threw: a dependency that failed or did not answer in
 * time (DynamoDB, SQS, KMS), or a delivery whose budget ran out, is a 503 the provider retries,
 * labelled with {@link failureReason}; any other error (a malformed registry item, a record
 * that breaks the rules) is thrown again, for the handler to answer {@link internalError}.
 * @param providerId the provider, once found in the registry
 */
export function answerFailure(error: unknown, providerId?: string): IngestResult {
  const reason = failureReason(error);
  if (reason === undefined) throw error;
  return respond({
    outcome: 'unavailable',
    reason,
    ...(providerId === undefined ? {} : { providerId }),
  });
}

/** The answer to an event API Gateway handed over unreadable: no retry will change it. */
export function badRequest(): HttpResponse {
  return { statusCode: 400, headers: {}, body: JSON.stringify({ error: 'bad_request' }) };
}

/** The answer to an error that {@link answerFailure} throws again. */
export function internalError(): HttpResponse {
  return { statusCode: 500, headers: {}, body: JSON.stringify({ error: 'internal' }) };
}

function answer(decision: Exclude<Decision, { outcome: 'handshake' }>): HttpResponse {
  switch (decision.outcome) {
    case 'accepted':
      return json(202, { deliveryId: decision.deliveryId });
    case 'duplicate':
      return json(200, { deliveryId: decision.deliveryId });
    case 'rejected':
      // The same body whatever the reason: the precise reason goes to the audit trail only.
      return json(401, { error: 'unauthorized' });
    case 'too_large':
      // Names the limit, so that the provider's operator knows what to send instead.
      return json(413, { error: 'payload_too_large', maxBodyBytes: maxBodySizeBytes });
    case 'method_not_allowed':
      return json(
        405,
        { error: 'method_not_allowed' },
        { allow: (decision.allow ?? ['POST']).join(', ') },
      );
    case 'in_flight':
    case 'unavailable':
      return json(
        503,
        { error: 'service_unavailable' },
        { 'retry-after': String(retryAfterSeconds) },
      );
    case 'handshake_not_supported':
      return json(501, { error: 'handshake_not_supported' });
  }
}

/**
 * Every handshake reply tells browsers not to sniff: a reply may echo what the request carried
 * (Twitch's, Nylas's and Dropbox's challenges), and must be read as its declared type only.
 */
const handshakeHeaders = { 'x-content-type-options': 'nosniff' };

/** The scheme's reply to a verified handshake, as the provider documents it. */
function replyWith(reply: HandshakeReply): HttpResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': reply.contentType, ...handshakeHeaders },
    body: reply.body,
  };
}

/**
 * A verified challenge whose request lacks what the reply must echo, or holds what may not be
 * echoed (a GET challenge over 256 characters or outside the safe set): nothing is echoed.
 */
function malformedHandshake(): HttpResponse {
  return json(400, { error: 'malformed_handshake' }, handshakeHeaders);
}

function json(
  statusCode: number,
  body: Record<string, string | number>,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
