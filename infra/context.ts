/**
 * The CDK context the app reads (`cdk synth -c key=value`, or `context` in cdk.json), parsed
 * into the stack name and the construct's props. `-c` gives strings and cdk.json gives JSON
 * values, so each reader accepts both; every bad value is reported at once, by key and value.
 */
import {
  type ComplianceProfileName,
  complianceProfileNames,
  complianceProfiles,
  defaultComplianceProfiles,
  isComplianceProfileName,
} from '../compliance/profiles.ts';
import { isRetentionClassName, type RetentionClassName } from '../functions/config/retention.ts';
import { isEmailAddress } from './alarm-topic.ts';
import { isDnsName } from './custom-domain.ts';
import { type IngestFrontName, ingestFrontNames, isIngestFrontName } from './front.ts';
import { isRoleArn } from './key-custodians.ts';
import type { DataRemovalPolicy, WebhookIngestionProps } from './webhook-ingestion-props.ts';

/** The context keys, each mapped to the prop it sets. */
export const contextKeys = {
  stackName: 'stackName',
  profiles: 'profiles',
  /** `-c allowProfileDowngrade=true`: a deploy that may drop profiles (infra/profile-guard.ts). */
  allowProfileDowngrade: 'allowProfileDowngrade',
  /** An address the alarms e-mail: it or `alarmTopicArn` under every profile but baseline. */
  alarmEmail: 'alarmEmail',
  /** An existing SNS topic the alarms notify instead of the stack's own (`alarmTopic`). */
  alarmTopicArn: 'alarmTopicArn',
  /** `-c alarmTopicEncryptedAndTlsOnly=true`: the operator vouches for `alarmTopicArn`'s topic. */
  alarmTopicEncryptedAndTlsOnly: 'alarmTopicEncryptedAndTlsOnly',
  deliveryAuditRetention: 'deliveryAuditRetention',
  payloadCopyRetention: 'payloadCopyRetention',
  logRetentionDays: 'logRetentionDays',
  front: 'front',
  waf: 'waf',
  tracing: 'tracing',
  vpcPlacement: 'vpcPlacement',
  /** `-c accessTrail=true`: the CloudTrail trail of every access (infra/access-trail.ts). */
  accessTrail: 'accessTrail',
  reservedConcurrency: 'reservedConcurrency',
  throttlingRateLimit: 'throttlingRateLimit',
  throttlingBurstLimit: 'throttlingBurstLimit',
  wafRateLimitPerFiveMinutes: 'wafRateLimitPerFiveMinutes',
  auditWarmWriteUnitsPerSecond: 'auditWarmWriteUnitsPerSecond',
  manageApiGatewayAccount: 'manageApiGatewayAccount',
  removal: 'removal',
  /** `-c customDomain=hooks.example.com`, with a certificate or a hosted zone (below). */
  customDomain: 'customDomain',
  /** An ACM certificate for `customDomain`, in the stack's region. */
  customDomainCertificateArn: 'customDomainCertificateArn',
  /** The Route 53 hosted zone `customDomain` lies in: its id, and its name with it. */
  customDomainHostedZoneId: 'customDomainHostedZoneId',
  customDomainHostedZoneName: 'customDomainHostedZoneName',
  /** The self-audit's EventBridge Scheduler expression, e.g. `-c selfAuditSchedule='cron(0 6 * * ? *)'`. */
  selfAuditSchedule: 'selfAuditSchedule',
  /** Days a provider key may be in use before the self-audit flags it, at most the profiles'. */
  keyCryptoperiodDays: 'keyCryptoperiodDays',
  /** Days without an accepted delivery before the self-audit flags a provider. */
  idleProviderDays: 'idleProviderDays',
  /** `-c awsConfigRules=true`: AWS Config managed rules for the stack's own resources. */
  awsConfigRules: 'awsConfigRules',
  /** `-c breakGlassRoleArn=arn:aws:iam::…:role/…`: the key guard's one exception (`keyGuard`). */
  breakGlassRoleArn: 'breakGlassRoleArn',
  /** Comma-separated role ARNs the audit key names for decrypting audit fields (`keyCustodians`). */
  auditorRoleArns: 'auditorRoleArns',
  /** Comma-separated role ARNs the queue key names for decrypting deliveries (`keyCustodians`). */
  consumerRoleArns: 'consumerRoleArns',
} as const;

/** @default 'webhook-ingestion' */
export const defaultStackName = 'webhook-ingestion';

/**
 * The alarm address of syntheses that deploy nothing (`npm run synth`, the compliance report's
 * own synthesis, the cost tool's setups), which every profile but baseline requires: under
 * example.com, reserved for examples (RFC 2606), so it names no one. A deployment gives its own.
 */
export const placeholderAlarmEmail = 'alarms@example.com';

/**
 * `context` with `placeholderAlarmEmail` added when its profiles require an alarm destination
 * and it names none (neither key, not even empty: an empty value is how a test asks for none).
 */
export function withPlaceholderAlarmEmail(
  context: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const { alarmEmail, alarmTopicArn, profiles } = contextKeys;
  if (alarmEmail in context || alarmTopicArn in context) return context;
  const named = profileList(context[profiles] ?? [...defaultComplianceProfiles]);
  const required =
    'value' in named &&
    named.value.some((name) => complianceProfiles[name].alarmDestinationRequired);
  return required ? { ...context, [alarmEmail]: placeholderAlarmEmail } : context;
}

export interface AppConfiguration {
  readonly stackName: string;
  readonly props: WebhookIngestionProps;
  /**
   * The custom domain the context names, which the app turns into the `customDomain` prop by
   * importing the certificate and the zone into its stack (infra/ingestion-app.ts).
   * @default - no custom domain
   */
  readonly customDomain?: CustomDomainContext;
  /**
   * The existing SNS topic the context names, which the app imports into its stack as the
   * `alarmTopic` prop (infra/ingestion-app.ts).
   * @default - the construct's own topic
   */
  readonly alarmTopicArn?: string;
}

/** `customDomain` and the certificate or hosted zone the context gives for it. */
export interface CustomDomainContext {
  readonly domainName: string;
  /** @default - none: the construct requests one in `hostedZone` */
  readonly certificateArn?: string;
  /** @default - none: the DNS record is the operator's to add */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
}

/** A context key held a value its reader cannot use. */
export class AppContextError extends Error {
  override readonly name = 'AppContextError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid CDK context:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/** A parsed value, or what was expected instead. */
type Parsed<T> = { readonly value: T } | { readonly expected: string };

/** Reads the app's configuration through `lookup` (e.g. `app.node.tryGetContext`). */
export function readAppContext(lookup: (key: string) => unknown): AppConfiguration {
  const problems: string[] = [];
  const read = <T>(key: string, parse: (value: unknown) => Parsed<T>): T | undefined => {
    const raw = lookup(key);
    if (raw === undefined || raw === '') return undefined;
    const parsed = parse(raw);
    if ('value' in parsed) return parsed.value;
    problems.push(`${key}: expected ${parsed.expected}, got ${JSON.stringify(raw)}`);
    return undefined;
  };
  const stackName = read(contextKeys.stackName, stackNameValue) ?? defaultStackName;
  const profiles = read(contextKeys.profiles, profileList);
  const allowProfileDowngrade = read(contextKeys.allowProfileDowngrade, flag);
  const alarmEmail = read(contextKeys.alarmEmail, emailAddress);
  const alarmTopicArn = read(contextKeys.alarmTopicArn, snsTopicArn);
  const alarmTopicEncryptedAndTlsOnly = read(contextKeys.alarmTopicEncryptedAndTlsOnly, flag);
  const deliveryAudit = read(contextKeys.deliveryAuditRetention, retentionClass);
  const payloadCopies = read(contextKeys.payloadCopyRetention, retentionClass);
  const logRetentionDays = read(contextKeys.logRetentionDays, integer);
  const front = read(contextKeys.front, frontName);
  const waf = read(contextKeys.waf, flag);
  const tracing = read(contextKeys.tracing, flag);
  const vpcPlacement = read(contextKeys.vpcPlacement, flag);
  const accessTrail = read(contextKeys.accessTrail, flag);
  const reservedConcurrency = read(contextKeys.reservedConcurrency, integer);
  // The stage's rate and burst, each on its own: the other keeps its default (settings.ts).
  const rateLimit = read(contextKeys.throttlingRateLimit, integer);
  const burstLimit = read(contextKeys.throttlingBurstLimit, integer);
  const wafRateLimitPerFiveMinutes = read(contextKeys.wafRateLimitPerFiveMinutes, integer);
  const auditWarmWriteUnitsPerSecond = read(contextKeys.auditWarmWriteUnitsPerSecond, integer);
  const manageApiGatewayAccount = read(contextKeys.manageApiGatewayAccount, flag);
  const removalPolicy = read(contextKeys.removal, removal);
  const customDomain = readCustomDomain(read, problems);
  const schedule = read(contextKeys.selfAuditSchedule, scheduleExpression);
  const cryptoperiodDays = read(contextKeys.keyCryptoperiodDays, integer);
  const idleProviderDays = read(contextKeys.idleProviderDays, integer);
  const awsConfigRules = read(contextKeys.awsConfigRules, flag);
  const breakGlassRoleArn = read(contextKeys.breakGlassRoleArn, roleArn);
  const auditorRoleArns = read(contextKeys.auditorRoleArns, roleArnList);
  const consumerRoleArns = read(contextKeys.consumerRoleArns, roleArnList);
  if (problems.length > 0) throw new AppContextError(problems);

  const selfAudit = {
    ...(schedule === undefined ? {} : { schedule }),
    ...(cryptoperiodDays === undefined ? {} : { cryptoperiodDays }),
    ...(idleProviderDays === undefined ? {} : { idleProviderDays }),
    ...(awsConfigRules === undefined ? {} : { awsConfigRules }),
  };
  const keyCustodians = {
    ...(auditorRoleArns === undefined ? {} : { auditorRoleArns }),
    ...(consumerRoleArns === undefined ? {} : { consumerRoleArns }),
  };
  const retention = {
    ...(deliveryAudit === undefined ? {} : { deliveryAudit }),
    ...(payloadCopies === undefined ? {} : { payloadCopies }),
  };
  return {
    stackName,
    ...(customDomain === undefined ? {} : { customDomain }),
    ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    props: {
      ...(profiles === undefined ? {} : { complianceProfiles: profiles }),
      ...(allowProfileDowngrade === undefined ? {} : { allowProfileDowngrade }),
      ...(Object.keys(retention).length === 0 ? {} : { retention }),
      ...(alarmEmail === undefined ? {} : { alarmEmail }),
      ...(alarmTopicEncryptedAndTlsOnly === undefined ? {} : { alarmTopicEncryptedAndTlsOnly }),
      ...(logRetentionDays === undefined ? {} : { logRetentionDays }),
      ...(front === undefined ? {} : { front }),
      ...(waf === undefined ? {} : { waf }),
      ...(tracing === undefined ? {} : { tracing }),
      ...(vpcPlacement === undefined ? {} : { vpcPlacement }),
      ...(accessTrail === undefined ? {} : { accessTrail }),
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
      ...(rateLimit === undefined && burstLimit === undefined
        ? {}
        : {
            throttling: {
              ...(rateLimit === undefined ? {} : { rateLimit }),
              ...(burstLimit === undefined ? {} : { burstLimit }),
            },
          }),
      ...(wafRateLimitPerFiveMinutes === undefined ? {} : { wafRateLimitPerFiveMinutes }),
      ...(auditWarmWriteUnitsPerSecond === undefined ? {} : { auditWarmWriteUnitsPerSecond }),
      ...(manageApiGatewayAccount === undefined ? {} : { manageApiGatewayAccount }),
      ...(removalPolicy === undefined ? {} : { removalPolicy }),
      ...(Object.keys(selfAudit).length === 0 ? {} : { selfAudit }),
      ...(breakGlassRoleArn === undefined ? {} : { keyGuard: { breakGlassRoleArn } }),
      ...(Object.keys(keyCustodians).length === 0 ? {} : { keyCustodians }),
    },
  };
}

/**
 * The custom domain's keys: the domain, and an ACM certificate ARN, a hosted zone's id and name,
 * or both. A certificate or zone key without the domain, or the domain with neither, is a
 * problem of its own.
 */
function readCustomDomain(
  read: <T>(key: string, parse: (value: unknown) => Parsed<T>) => T | undefined,
  problems: string[],
): CustomDomainContext | undefined {
  const domainName = read(contextKeys.customDomain, dnsName);
  const certificateArn = read(contextKeys.customDomainCertificateArn, acmCertificateArn);
  const hostedZoneId = read(contextKeys.customDomainHostedZoneId, route53ZoneId);
  const zoneName = read(contextKeys.customDomainHostedZoneName, dnsName);
  const { customDomain, customDomainHostedZoneId, customDomainHostedZoneName } = contextKeys;
  if ((hostedZoneId === undefined) !== (zoneName === undefined)) {
    problems.push(
      `${customDomainHostedZoneId} and ${customDomainHostedZoneName} go together: give the zone's id and its name`,
    );
  }
  const hostedZone =
    hostedZoneId === undefined || zoneName === undefined ? undefined : { hostedZoneId, zoneName };
  if (domainName === undefined) {
    const orphans = [
      ...(certificateArn === undefined ? [] : [contextKeys.customDomainCertificateArn]),
      ...(hostedZoneId === undefined ? [] : [customDomainHostedZoneId]),
      ...(zoneName === undefined ? [] : [customDomainHostedZoneName]),
    ];
    if (orphans.length > 0) {
      problems.push(`${orphans.join(', ')}: give the domain they are for with ${customDomain}`);
    }
    return undefined;
  }
  if (certificateArn === undefined && hostedZone === undefined) {
    problems.push(
      `${customDomain}: give ${contextKeys.customDomainCertificateArn}, or ${customDomainHostedZoneId} and ${customDomainHostedZoneName}, or all three`,
    );
  }
  return {
    domainName,
    ...(certificateArn === undefined ? {} : { certificateArn }),
    ...(hostedZone === undefined ? {} : { hostedZone }),
  };
}

/** A lower-case DNS name, such as hooks.example.com (a zone's name may end with a dot). */
function dnsName(raw: unknown): Parsed<string> {
  const name = typeof raw === 'string' ? raw.replace(/\.$/, '') : undefined;
  return name !== undefined && isDnsName(name)
    ? { value: name }
    : { expected: 'a lower-case DNS name such as hooks.example.com' };
}

function acmCertificateArn(raw: unknown): Parsed<string> {
  return typeof raw === 'string' &&
    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(raw)
    ? { value: raw }
    : { expected: 'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)' };
}

/** A Route 53 hosted zone id: `Z` and upper-case letters and digits. */
function route53ZoneId(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && /^Z[A-Z0-9]{1,31}$/.test(raw)
    ? { value: raw }
    : { expected: 'a Route 53 hosted zone id (Z and upper-case letters and digits)' };
}

/** CloudFormation stack names: a letter, then letters, digits and hyphens, 128 at most. */
function stackNameValue(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(raw)
    ? { value: raw }
    : { expected: 'a CloudFormation stack name (a letter, then letters, digits, hyphens)' };
}

/** `pci-dss,hipaa` from `-c`, or `["pci-dss", "hipaa"]` from cdk.json. */
function profileList(raw: unknown): Parsed<ComplianceProfileName[]> {
  const expected = `a comma-separated list of ${complianceProfileNames.join(', ')}`;
  const names = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(names)) return { expected };
  const trimmed = names.map((name) => String(name).trim()).filter((name) => name !== '');
  if (trimmed.length === 0 || !trimmed.every(isComplianceProfileName)) return { expected };
  return { value: trimmed };
}

function frontName(raw: unknown): Parsed<IngestFrontName> {
  return isIngestFrontName(raw)
    ? { value: raw }
    : { expected: `one of ${ingestFrontNames.join(', ')}` };
}

function retentionClass(raw: unknown): Parsed<RetentionClassName> {
  return isRetentionClassName(raw) ? { value: raw } : { expected: 'a retention class name' };
}

function emailAddress(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && isEmailAddress(raw)
    ? { value: raw }
    : { expected: 'an e-mail address such as ops@example.com' };
}

/** A standard SNS topic's ARN: a FIFO topic (`.fifo`) takes SQS FIFO subscribers, no e-mail. */
function snsTopicArn(raw: unknown): Parsed<string> {
  return typeof raw === 'string' &&
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(raw)
    ? { value: raw }
    : { expected: 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)' };
}

function integer(raw: unknown): Parsed<number> {
  const parsed = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof parsed === 'number' && Number.isInteger(parsed)
    ? { value: parsed }
    : { expected: 'an integer' };
}

/** `-c removal=destroy`: what `cdk destroy` does to the data (docs/teardown.md). */
function removal(raw: unknown): Parsed<DataRemovalPolicy> {
  return raw === 'retain' || raw === 'destroy' ? { value: raw } : { expected: 'retain or destroy' };
}

/** A schedule expression's text; its shape and frequency are the settings' to check. */
function scheduleExpression(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && /^(cron|rate|at)\(.+\)$/.test(raw.trim())
    ? { value: raw.trim() }
    : { expected: 'an EventBridge Scheduler expression such as cron(0 5 * * ? *)' };
}

const roleArnExpected = 'an IAM role ARN such as arn:aws:iam::123456789012:role/break-glass';

function roleArn(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && isRoleArn(raw.trim())
    ? { value: raw.trim() }
    : { expected: roleArnExpected };
}

/** `arn1,arn2` from `-c`, or a JSON list from cdk.json: at least one role ARN. */
function roleArnList(raw: unknown): Parsed<string[]> {
  const expected = `a comma-separated list of role ARNs, each ${roleArnExpected}`;
  const arns = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(arns)) return { expected };
  const trimmed = arns.map((arn) => String(arn).trim()).filter((arn) => arn !== '');
  return trimmed.length > 0 && trimmed.every(isRoleArn) ? { value: trimmed } : { expected };
}

function flag(raw: unknown): Parsed<boolean> {
  if (raw === true || raw === 'true') return { value: true };
  if (raw === false || raw === 'false') return { value: false };
  return { expected: 'true or false' };
}
