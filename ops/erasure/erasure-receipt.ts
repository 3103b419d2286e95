/**
 * The receipt of one erasure request (`webhooks audit erase`) and its mapping to and from the
 * audit table's item. It holds what CCPA regulations 11 CCR §7101(b) ask a record of a
 * consumer request to hold: the date of the request and of the response, the nature of the
 * request (what was asked, `request`; how it came, `requestChannel`), the nature of the
 * response (what was done, `response` and `done`) and the basis for denying it in part
 * (`retained`: the record skeletons kept, each with the obligation that keeps it), plus who
 * answered and the copies the erasure cannot reach (`notReached`).
 *
 * Item layout, beside the delivery records, markers and admin records:
 *   pk         `_erasure`: no provider id starts with `_`, and receipts are rare, so one
 *              partition is no hot spot and a time range is one Query.
 *   sk         `<ISO-8601 respondedAt>#<receiptId>`
 *   expiresAt  Unix seconds: respondedAt + the `consumer-requests` class's auditDays (24 months,
 *              11 CCR §7101(a))
 *   no `deliveryId` or `subjectHash` attribute, so receipts stay out of both indexes; the
 *   request, counts and retained skeletons as maps and lists.
 *
 * A subject is named only by its keyed hash (subject-index.ts), never by its value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidAuditRecordError, MalformedAuditItemError } from '../../functions/audit/errors.ts';
import {
  type AuditItem,
  auditExpiresAt,
  auditFieldLimits,
  auditTimeKey,
  unregisteredProviderId,
} from '../../functions/audit/record.ts';
import { subjectHashPattern } from '../../functions/audit/subject-index.ts';
import { isText, show } from '../../functions/audit/text.ts';
import { deadLetterQueue, deliveryQueue } from '../../functions/config/queues.ts';
import {
  isRetentionClassName,
  type RetentionClassName,
  retentionClasses,
} from '../../functions/config/retention.ts';
import { pointInTimeRecoveryDays } from '../../functions/config/tables.ts';
import { isProviderId } from '../../functions/registry/provider.ts';

/** The partition of every erasure receipt. */
export const erasurePartitionKey = '_erasure';

/** CCPA 11 CCR §7101(a): records of consumer requests kept at least 24 months. */
export const erasureRetentionClass: RetentionClassName = 'consumer-requests';

/** What was asked to be erased: one delivery, a provider's time range, or a data subject. */
export type ErasureRequest =
  | {
      readonly kind: 'delivery';
      readonly deliveryId: string;
      /** @default - the delivery id under every provider */
      readonly providerId?: string;
    }
  | {
      readonly kind: 'range';
      readonly providerId: string;
      /** Inclusive. */
      readonly sinceMs: number;
      /** Inclusive. */
      readonly untilMs: number;
    }
  | {
      readonly kind: 'subject';
      readonly providerId: string;
      /** The keyed hash of the subject's value (subject-index.ts); never the value. */
      readonly subjectHash: string;
    };

export const erasureResponses = ['erased', 'none_found', 'incomplete'] as const;

/**
 * `erased`: every record selected is erased (or already was); `none_found`: nothing matched;
 * `incomplete`: a failure stopped it part way (`failure` says which), run it again.
 */
export type ErasureResponse = (typeof erasureResponses)[number];

/** What was done. */
export interface ErasureCounts {
  /** Records whose personal fields this erasure removed. */
  readonly recordsErased: number;
  /** Records an earlier (or a concurrent) erasure had already erased. */
  readonly recordsAlreadyErased: number;
  /** Records selected that were gone when erased: deleted by their TTL meanwhile. */
  readonly recordsNotFound: number;
  /** Redacted payload copies deleted. */
  readonly payloadCopiesDeleted: number;
  /**
   * Bodies deleted from the payload bucket (those too large for their queue message). A
   * receipt written before the bucket existed reads as 0.
   */
  readonly bodyObjectsDeleted: number;
}

/** The skeletons of erased records kept under one retention class, and why. */
export interface RetainedSkeletons {
  readonly retentionClass: RetentionClassName;
  readonly records: number;
  /** When DynamoDB's TTL may delete the last of them (their latest `expiresAt`), in ms. */
  readonly keptUntilMs: number;
  /** The obligation that keeps them: the basis for denying their erasure. */
  readonly basis: string;
}

/** One erasure request and its response. */
export interface ErasureReceipt {
  /** Random (a UUID); erased records name it in `erasureReceiptId`. */
  readonly receiptId: string;
  /** When the request was received (`--requested-at`, else when the command ran). */
  readonly requestedAtMs: number;
  /** When it was answered: the erasure's end. */
  readonly respondedAtMs: number;
  /** Who answered: an IAM ARN, or `local:<user>` for the local stack. */
  readonly actor: string;
  /** The requester's or the ticket's reference. @default - none given */
  readonly requestRef?: string;
  /** How the request came: e-mail, web form, toll-free number… @default - none given */
  readonly requestChannel?: string;
  readonly request: ErasureRequest;
  readonly response: ErasureResponse;
  readonly done: ErasureCounts;
  readonly retained: readonly RetainedSkeletons[];
  /** Copies this erasure cannot reach, each with how long it lasts. */
  readonly notReached: readonly string[];
  /** The error code that stopped an incomplete erasure; present exactly then. */
  readonly failure?: string;
}

/**
 * Why the skeleton of an erased record is kept, by its retention class. The record's class
 * is the longer of its provider's and the deployment's floor (the compliance profiles), so it
 * names the obligation that applies to it. PCI DSS binds by contract (the card brands'
 * rules), not by statute: where no law imposes it, GDPR Art. 17(3)(e) rather than (b) is the
 * exemption to rely on (docs/gdpr-article-30.md).
 *
 * A receipt keeps the basis as it was given when the request was answered: those written
 * before v4.0.1 replaced the retired v4.0 say "PCI DSS v4.0 10.5.1" and still read, since a
 * receipt's basis is checked as text, never against this table.
 */
export const skeletonRetentionBasis: Readonly<Record<RetentionClassName, string>> = {
  minimal: `kept until its ${retentionClasses.minimal.auditDays}-day retention ends as the record that the delivery was received and erased; it holds no personal field`,
  standard:
    'PCI DSS v4.0.1 10.5.1: audit log history kept 12 months (GDPR Art. 17(3)(b) where a law imposes it, Art. 17(3)(e) otherwise)',
  'consumer-requests':
    'CCPA regulations, 11 CCR §7101: records kept 24 months; a legal obligation (GDPR Art. 17(3)(b))',
  extended:
    'HIPAA 45 CFR §164.316(b)(2): documentation kept six years; a legal obligation (GDPR Art. 17(3)(b))',
};

const days = (seconds: number) => Math.round(seconds / 86_400);

/** What no erasure reaches at once, and for how long: the receipt says so to the requester. */
export const erasureLimits: readonly string[] = [
  `point-in-time recovery of the audit table keeps its earlier state restorable for up to ${pointInTimeRecoveryDays} days`,
  'AWS Backup copies of the audit table (pci-dss and hipaa deployments) keep its earlier state for the audit retention; docs/restore.md applies the receipts again after a restore',
  `a delivery still on the queue stays there until consumed, at most ${days(deliveryQueue.retentionSeconds)} days, and in the dead-letter queue up to ${days(deadLetterQueue.retentionSeconds)} days more`,
  'copies that consumers made of delivered messages are theirs to erase',
  "API Gateway access logs and WAF logs keep the caller's address for the deployment's log retention",
];

/** Longest accepted lengths, in characters. */
export const receiptFieldLimits = {
  receiptId: 128,
  actor: 2048,
  requestRef: 256,
  requestChannel: 64,
  failure: 256,
  text: 1024,
} as const;

const receiptIdPattern = /^[A-Za-z0-9._:-]+$/;
const latestMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const countNames = [
  'recordsErased',
  'recordsAlreadyErased',
  'recordsNotFound',
  'payloadCopiesDeleted',
  'bodyObjectsDeleted',
] as const satisfies readonly (keyof ErasureCounts)[];

/** Counts a receipt may lack because they came later: they read as 0, what was done then. */
const laterCountNames: ReadonlySet<string> = new Set(['bodyObjectsDeleted']);

/** The sort key of a receipt. */
export function receiptSortKey(receipt: Pick<ErasureReceipt, 'respondedAtMs' | 'receiptId'>) {
  return `${auditTimeKey(receipt.respondedAtMs)}#${receipt.receiptId}`;
}

/** Every rule the receipt breaks, each naming the value received; empty when valid. */
export function receiptProblems(receipt: ErasureReceipt): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: () => string) => {
    if (!ok) problems.push(problem());
  };
  check(
    isText(receipt.receiptId, receiptFieldLimits.receiptId) &&
      receiptIdPattern.test(receipt.receiptId),
    () =>
      `receiptId must be an id of A-Z, a-z, 0-9, '.', '_', ':' and '-', got ${show(receipt.receiptId)}`,
  );
  for (const name of ['requestedAtMs', 'respondedAtMs'] as const) {
    check(
      isTime(receipt[name]),
      () =>
        `${name} must be a whole number of milliseconds from 1970 to 9999, got ${receipt[name]}`,
    );
  }
  check(
    !(receipt.requestedAtMs > receipt.respondedAtMs),
    () => 'requestedAtMs must not be after respondedAtMs: a request is answered after it comes',
  );
  check(
    isText(receipt.actor, receiptFieldLimits.actor),
    () => `actor must be 1 to ${receiptFieldLimits.actor} characters, got ${show(receipt.actor)}`,
  );
  for (const name of ['requestRef', 'requestChannel', 'failure'] as const) {
    const value = receipt[name];
    check(
      value === undefined || isText(value, receiptFieldLimits[name]),
      () =>
        `${name} must be 1 to ${receiptFieldLimits[name]} characters without control characters, got ${show(value)}`,
    );
  }
  check(
    (erasureResponses as readonly unknown[]).includes(receipt.response),
    () => `response must be one of ${erasureResponses.join(', ')}, got ${show(receipt.response)}`,
  );
  check(
    (receipt.response === 'incomplete') === (receipt.failure !== undefined),
    () => 'failure must be given exactly when the response is incomplete',
  );
  problems.push(...requestProblems(receipt.request));
  for (const name of countNames) {
    check(
      isCount(receipt.done?.[name]),
      () => `done.${name} must be a whole number from 0, got ${receipt.done?.[name]}`,
    );
  }
  const retained = Array.isArray(receipt.retained) ? receipt.retained : [];
  check(retained === receipt.retained, () => 'retained must be a list');
  retained.forEach((entry, index) => {
    check(
      isRetentionClassName(entry.retentionClass) &&
        isCount(entry.records) &&
        isTime(entry.keptUntilMs),
      () => `retained[${index}] must name a retention class, a count and a time`,
    );
    check(
      isText(entry.basis, receiptFieldLimits.text),
      () => `retained[${index}].basis must be text`,
    );
  });
  const notReached = Array.isArray(receipt.notReached) ? receipt.notReached : [];
  check(
    notReached === receipt.notReached &&
      notReached.every((text) => isText(text, receiptFieldLimits.text)),
    () => 'notReached must be a list of text',
  );
  return problems;
}

function requestProblems(request: ErasureRequest): string[] {
  const problems: string[] = [];
  const providerOk = (id: unknown) => isProviderId(id) || id === unregisteredProviderId;
  switch (request?.kind) {
    case 'delivery':
      if (!isText(request.deliveryId, auditFieldLimits.deliveryId)) {
        problems.push(`request.deliveryId is not a delivery id, got ${show(request.deliveryId)}`);
      }
      if (request.providerId !== undefined && !providerOk(request.providerId)) {
        problems.push(`request.providerId is not a provider id, got ${show(request.providerId)}`);
      }
      break;
    case 'range':
      if (!providerOk(request.providerId)) {
        problems.push(`request.providerId is not a provider id, got ${show(request.providerId)}`);
      }
      if (
        !isTime(request.sinceMs) ||
        !isTime(request.untilMs) ||
        request.sinceMs > request.untilMs
      ) {
        problems.push(
          `request.sinceMs and untilMs must be times, since <= until; got ${request.sinceMs}, ${request.untilMs}`,
        );
      }
      break;
    case 'subject':
      if (!isProviderId(request.providerId)) {
        problems.push(`request.providerId is not a provider id, got ${show(request.providerId)}`);
      }
      if (
        typeof request.subjectHash !== 'string' ||
        !subjectHashPattern.test(request.subjectHash)
      ) {
        problems.push(
          'request.subjectHash must be 64 lowercase hex digits, after v<version>: for a version after the first',
        );
      }
      break;
    default:
      problems.push(
        `request.kind must be delivery, range or subject, got ${show((request as { kind?: unknown } | undefined)?.kind)}`,
      );
  }
  return problems;
}

/** The receipt as an audit-table item; InvalidAuditRecordError if it breaks a rule. */
export function toReceiptItem(receipt: ErasureReceipt): AuditItem {
  const problems = receiptProblems(receipt);
  if (problems.length > 0) throw new InvalidAuditRecordError(problems);
  const text = (value: string | undefined, name: string): AuditItem =>
    value === undefined ? {} : { [name]: { S: value } };
  const number = (value: number | undefined, name: string): AuditItem =>
    value === undefined ? {} : { [name]: { N: String(value) } };
  const { request } = receipt;
  return {
    pk: { S: erasurePartitionKey },
    sk: { S: receiptSortKey(receipt) },
    expiresAt: {
      N: String(
        auditExpiresAt({
          receivedAtMs: receipt.respondedAtMs,
          retentionClass: erasureRetentionClass,
        }),
      ),
    },
    retentionClass: { S: erasureRetentionClass },
    receiptId: { S: receipt.receiptId },
    requestedAtMs: { N: String(receipt.requestedAtMs) },
    respondedAtMs: { N: String(receipt.respondedAtMs) },
    actor: { S: receipt.actor },
    ...text(receipt.requestRef, 'requestRef'),
    ...text(receipt.requestChannel, 'requestChannel'),
    request: {
      M: {
        kind: { S: request.kind },
        ...(request.kind === 'delivery'
          ? { ...text(request.deliveryId, 'deliveryId'), ...text(request.providerId, 'providerId') }
          : text(request.providerId, 'providerId')),
        ...(request.kind === 'range'
          ? { ...number(request.sinceMs, 'sinceMs'), ...number(request.untilMs, 'untilMs') }
          : {}),
        ...(request.kind === 'subject' ? text(request.subjectHash, 'subjectHash') : {}),
      },
    },
    response: { S: receipt.response },
    done: {
      M: Object.fromEntries(countNames.map((name) => [name, { N: String(receipt.done[name]) }])),
    },
    retained: {
      L: receipt.retained.map((entry) => ({
        M: {
          retentionClass: { S: entry.retentionClass },
          records: { N: String(entry.records) },
          keptUntilMs: { N: String(entry.keptUntilMs) },
          basis: { S: entry.basis },
        },
      })),
    },
    notReached: { L: receipt.notReached.map((line) => ({ S: line })) },
    ...text(receipt.failure, 'failure'),
  };
}

/** The receipt an item holds; MalformedAuditItemError if it is not one. */
export function fromReceiptItem(item: AuditItem): ErasureReceipt {
  const string = (value: AttributeValue | undefined) => value?.S;
  const number = (value: AttributeValue | undefined) =>
    value?.N === undefined ? Number.NaN : Number(value.N);
  const request = item.request?.M ?? {};
  const kind = string(request.kind);
  const present = <T extends object>(record: T): T =>
    Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
  const receipt = present({
    receiptId: string(item.receiptId),
    requestedAtMs: number(item.requestedAtMs),
    respondedAtMs: number(item.respondedAtMs),
    actor: string(item.actor),
    requestRef: string(item.requestRef),
    requestChannel: string(item.requestChannel),
    request: present({
      kind,
      deliveryId: string(request.deliveryId),
      providerId: string(request.providerId),
      ...(kind === 'range'
        ? { sinceMs: number(request.sinceMs), untilMs: number(request.untilMs) }
        : {}),
      subjectHash: string(request.subjectHash),
    }),
    response: string(item.response),
    done: Object.fromEntries(
      countNames.map((name) => {
        const count = item.done?.M?.[name];
        return [name, count === undefined && laterCountNames.has(name) ? 0 : number(count)];
      }),
    ),
    retained: (item.retained?.L ?? []).map(({ M: entry = {} }) => ({
      retentionClass: string(entry.retentionClass),
      records: number(entry.records),
      keptUntilMs: number(entry.keptUntilMs),
      basis: string(entry.basis),
    })),
    notReached: (item.notReached?.L ?? []).map((line) => string(line)),
    failure: string(item.failure),
  }) as unknown as ErasureReceipt;
  const problems = receiptProblems(receipt);
  if (problems.length === 0) {
    if (item.pk?.S !== erasurePartitionKey) {
      problems.push(`pk should be ${show(erasurePartitionKey)}, got ${show(item.pk?.S)}`);
    }
    if (item.sk?.S !== receiptSortKey(receipt))
      problems.push('sk does not match the receipt it holds');
  }
  if (problems.length > 0) throw new MalformedAuditItemError(problems);
  return receipt;
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= latestMs;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
