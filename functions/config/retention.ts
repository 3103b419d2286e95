/**
 * Retention classes: how long an audit record, and a redacted copy of the payload, are kept
 * before DynamoDB's TTL removes them. A provider names its class; compliance profiles (the
 * CDK app) choose which classes exist and their minimums.
 */
export interface RetentionClass {
  /** How long the audit record of a delivery attempt is kept. */
  readonly auditDays: number;
  /** How long a redacted payload copy is kept; 0 keeps none. */
  readonly payloadDays: number;
  /**
   * Whether a record keeps the request's headers (encrypted). The minimal class keeps none:
   * the source address, user agent, key id and body hash still say who sent what, and its
   * record then fits one DynamoDB write unit.
   */
  readonly headers: boolean;
}

export const retentionClasses = {
  /** GDPR Art. 5(1)(e) storage limitation: audit kept briefly, no payload copy. */
  minimal: { auditDays: 30, payloadDays: 0, headers: false },
  /** PCI DSS v4.0.1 10.5.1: at least 12 months of audit history (400 days leaves slack). */
  standard: { auditDays: 400, payloadDays: 7, headers: true },
  /** CCPA 11 CCR §7101: records of consumer requests kept 24 months. */
  'consumer-requests': { auditDays: 731, payloadDays: 0, headers: true },
  /** HIPAA §164.316(b)(2): documentation kept six years. */
  extended: { auditDays: 2_192, payloadDays: 0, headers: true },
} as const satisfies Record<string, RetentionClass>;

export type RetentionClassName = keyof typeof retentionClasses;

/**
 * The class of the operators' admin records (ops/admin-trail). HIPAA §164.316(b)(2):
 * documentation of actions kept six years, longer than any delivery.
 */
export const adminRetentionClass: RetentionClassName = 'extended';

/** @default 'standard' */
export const defaultRetentionClass: RetentionClassName = 'standard';

/**
 * The environment variable that names the deployment's retention floor: the class whose audit
 * days every delivery record keeps at least, chosen by the compliance profiles.
 */
export const retentionFloorVariable = 'RETENTION_FLOOR';

/** Whether `value` names a retention class. */
export function isRetentionClassName(value: unknown): value is RetentionClassName {
  return typeof value === 'string' && Object.hasOwn(retentionClasses, value);
}

/**
 * The environment variable that names the deployment's payload-copy ceiling: a payload copy is
 * kept only where this class keeps one at least as long as the provider's class does, so a
 * profile that wants none (GDPR Art. 5(1)(e)) turns every copy off.
 */
export const payloadCopyCeilingVariable = 'PAYLOAD_COPY_CEILING';

/**
 * The class a provider's audit records are kept under: its own, or the deployment's floor where
 * that keeps records longer (its own on a tie).
 * @example auditRetentionClass('minimal', 'standard') // 'standard'
 */
export function auditRetentionClass(
  own: RetentionClassName,
  floor: RetentionClassName | undefined,
): RetentionClassName {
  if (floor === undefined) return own;
  return retentionClasses[floor].auditDays > retentionClasses[own].auditDays ? floor : own;
}

/**
 * The class of a refused attempt filed under `unregisteredProviderId`, which names no class of
 * its own: the deployment's floor, else the default.
 */
export function unregisteredRetentionClass(
  floor: RetentionClassName | undefined,
): RetentionClassName {
  return floor ?? defaultRetentionClass;
}

/**
 * Whether an accepted delivery's record keeps a payload copy (redacted by the provider's rules,
 * then encrypted): only where its class keeps one, and the deployment's ceiling keeps one at
 * least as long. A copy's TTL comes from the record's class, so a lower ceiling keeps none
 * rather than one that would outlive what the deployment allows.
 * @example keepsPayloadCopy('standard', 'minimal') // false
 */
export function keepsPayloadCopy(
  retentionClass: RetentionClassName,
  ceiling: RetentionClassName | undefined,
): boolean {
  const { payloadDays } = retentionClasses[retentionClass];
  if (payloadDays === 0) return false;
  return ceiling === undefined || retentionClasses[ceiling].payloadDays >= payloadDays;
}
