/**
 * When the ingest path's alarms fire, as the construct's `alarms` prop sets it, and the rules
 * those settings must keep. Every threshold has a default; `false` turns its alarm off. The
 * alarms that mean a delivery is lost or stuck (dead letters, a claim not released, a provider's
 * keys rejected) fire on one occurrence and cannot be turned off. docs/operations.md lists them.
 */
import { Duration } from 'aws-cdk-lib';
import { isProviderId } from '../../functions/registry/provider.ts';

/** A provider expected to deliver at least once every `hours`. */
export interface QuietProvider {
  /** The provider's registry id, as in its webhook URL. */
  readonly providerId: string;
  /**
   * Hours without one accepted delivery before the alarm fires: from 1 to 168 (7 days, the
   * longest CloudWatch evaluates an alarm over).
   */
  readonly hours: number;
}

/**
 * When the alarms fire. Counts are per five minutes, but the WAF's counted matches per hour;
 * `false` turns an alarm off.
 */
export interface IngestAlarmThresholds {
  /**
   * Rejections of one provider in five minutes (a wrong secret after a rotation, a forger, or
   * someone probing unregistered ids, which count under the provider `unknown`).
   * @default 50
   */
  readonly rejectionsPerProvider?: number | false;
  /**
   * The age of the oldest message on the delivery queue: the consumer has stalled.
   * @default Duration.hours(1)
   */
  readonly queueAge?: Duration | false;
  /**
   * Lambda errors: crashes and timeouts, since the handler answers its own failures with 500.
   * @default 1
   */
  readonly lambdaErrors?: number | false;
  /**
   * Invocations Lambda refused for want of concurrency: each was answered 429 or 5xx, and the
   * provider retries it.
   * @default 1
   */
  readonly lambdaThrottles?: number | false;
  /**
   * Deliveries answered 503 for one reason in five minutes because KMS, DynamoDB, SQS or S3
   * failed, timed out or ran the delivery out of time (`kms_timeout`, `dynamodb_unavailable`…).
   * @default 5
   */
  readonly dependencyFailures?: number | false;
  /**
   * Concurrency in use, in percent of what the function may use: of its reservation when
   * `reservedConcurrency` is set, else of the account's Lambda concurrency quota
   * (ClaimedAccountConcurrency over the quota), which the function shares.
   * @default 80
   */
  readonly concurrencyPercent?: number | false;
  /** The share of API requests answered 5xx, in percent. @default 5 */
  readonly serverErrorPercent?: number | false;
  /** Requests the web ACL blocked (front `rest` with a WAF only). @default 100 */
  readonly wafBlockedRequests?: number | false;
  /**
   * Requests one count-only rule of the web ACL matched in an hour (front `rest` with a WAF
   * only): a match was seen but not stopped, so someone should look (infra/waf.ts).
   * @default 1
   */
  readonly wafCountedRequests?: number | false;
  /**
   * Providers expected to deliver regularly, each with one alarm when none of its deliveries
   * has been accepted for its `hours`. Providers are registered at run time, so the ones to
   * watch are named here; at most {@link maxQuietProviders}.
   * @default - none
   */
  readonly quietProviders?: readonly QuietProvider[];
}

/** The defaults of every threshold, which docs/operations.md states. */
export const alarmDefaults = {
  rejectionsPerProvider: 50,
  queueAge: Duration.hours(1),
  lambdaErrors: 1,
  lambdaThrottles: 1,
  dependencyFailures: 5,
  concurrencyPercent: 80,
  serverErrorPercent: 5,
  wafBlockedRequests: 100,
  wafCountedRequests: 1,
} as const;

/** The dashboard's alarm status widget shows at most 100 alarms: this leaves room for the rest. */
export const maxQuietProviders = 50;

/** 7 days: the longest evaluation range CloudWatch allows for an alarm of hourly periods. */
export const maxQuietHours = 168;

/** A threshold of the `alarms` prop breaks a rule. */
export class AlarmThresholdsError extends Error {
  override readonly name = 'AlarmThresholdsError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid alarm thresholds:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

const counts = [
  'rejectionsPerProvider',
  'lambdaErrors',
  'lambdaThrottles',
  'dependencyFailures',
  'wafBlockedRequests',
  'wafCountedRequests',
] as const;
const percents = ['concurrencyPercent', 'serverErrorPercent'] as const;

/** Every rule the thresholds break, each naming the prop (`alarms.<name>`) and the value. */
export function alarmThresholdProblems(thresholds: IngestAlarmThresholds = {}): string[] {
  const problems: string[] = [];
  for (const name of counts) {
    const value = thresholds[name];
    if (value !== undefined && value !== false && !(Number.isInteger(value) && value >= 1)) {
      problems.push(`alarms.${name} must be a positive integer or false, got ${value}`);
    }
  }
  for (const name of percents) {
    const value = thresholds[name];
    if (value !== undefined && value !== false && !(value > 0 && value <= 100)) {
      problems.push(`alarms.${name} must be a percentage above 0 and at most 100, got ${value}`);
    }
  }
  const { queueAge } = thresholds;
  // SQS reports the age in whole seconds, once a minute.
  if (queueAge !== undefined && queueAge !== false && queueAge.toSeconds() < 60) {
    problems.push(`alarms.queueAge must be at least 1 minute, got ${queueAge.toHumanString()}`);
  }
  problems.push(...quietProviderProblems(thresholds.quietProviders ?? []));
  return problems;
}

/** Throws AlarmThresholdsError when the thresholds break a rule. */
export function assertAlarmThresholds(thresholds: IngestAlarmThresholds = {}): void {
  const problems = alarmThresholdProblems(thresholds);
  if (problems.length > 0) throw new AlarmThresholdsError(problems);
}

function quietProviderProblems(providers: readonly QuietProvider[]): string[] {
  const problems: string[] = [];
  if (providers.length > maxQuietProviders) {
    problems.push(
      `alarms.quietProviders names ${providers.length} providers, at most ${maxQuietProviders}`,
    );
  }
  const seen = new Set<string>();
  providers.forEach(({ providerId, hours }, index) => {
    const at = `alarms.quietProviders[${index}]`;
    if (!isProviderId(providerId)) {
      problems.push(
        `${at}.providerId ${JSON.stringify(providerId)} is no provider id (a-z, 0-9, - and _, at most 64)`,
      );
    } else if (seen.has(providerId)) {
      problems.push(`${at}.providerId '${providerId}' is named twice`);
    }
    seen.add(providerId);
    if (!Number.isInteger(hours) || hours < 1 || hours > maxQuietHours) {
      problems.push(`${at}.hours must be an integer from 1 to ${maxQuietHours}, got ${hours}`);
    }
  });
  return problems;
}
