/**
 * The regional web ACL in front of the API stage. Webhook bodies are signed bytes that only
 * the Lambda can judge, so no rule may block on what a body contains: a body rule's false
 * positive blocks a real delivery, the provider retries the same bytes into the same block, and
 * the event is lost, while a forged body fails its signature check (401) whatever it holds. Rules
 * that judge the sender (its address, its rate) or the request line and headers block: none
 * reads what an event carries, so a false positive refuses a sender, not one event among its
 * others, and shows in the WafBlockSpike alarm and the WAF log. Body-inspecting rules only
 * count: their matches are seen but never stop a delivery, and each raises the
 * WafCountedMatches alarm (infra/observability/alarms.ts) so that someone looks, unless the
 * rule's `unalarmed` says why not. The choices below, their reasons included, are
 * docs/compliance.md's "WAF rules" (generated) and what the pci-dss 6.4.2 control cites.
 *
 * Each versioned managed rule group runs a pinned static version: AWS moves a group's default
 * version when it publishes another, and a new rule could then block deliveries with nothing
 * changed here. The headers that carry a credential (infra/credential-headers.ts) never reach the
 * WAF's logs or sampled requests in clear.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { maxBodySizeBytes, retryAfterSeconds } from '../functions/config/limits.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/** A managed rule group in the web ACL, and the rules in it that only count. */
export interface ManagedRuleGroupChoice {
  readonly name: string;
  /** Rules overridden to Count, each with why: a false positive on a real delivery. */
  readonly countOnly: Readonly<Record<string, string>>;
  /**
   * Rules of `countOnly` whose matches raise no alarm, each with why: what they match is
   * ordinary traffic, not an attack.
   * @default - every count-only rule's matches raise the WafCountedMatches alarm
   */
  readonly unalarmed?: Readonly<Record<string, string>>;
  /**
   * Why the group has no version to pin.
   * @default - versioned: it runs its {@link pinnedRuleGroupVersions} entry, or the override
   */
  readonly unversioned?: string;
}

/**
 * The static version each versioned managed rule group runs unless the construct's
 * `wafRuleGroupVersions` names another. Moving one is a deliberate change, tested like any
 * other: docs/compliance.md says how. `aws wafv2 list-available-managed-rule-group-versions`
 * lists what AWS offers; a version AWS has scheduled to expire can no longer be chosen.
 */
export const pinnedRuleGroupVersions = {
  AWSManagedRulesKnownBadInputsRuleSet: 'Version_1.26',
  AWSManagedRulesCommonRuleSet: 'Version_1.19',
} as const satisfies Readonly<Record<string, string>>;

/** The managed rule groups whose version is pinned, and may be moved. */
export type VersionedRuleGroupName = keyof typeof pinnedRuleGroupVersions;

export const isVersionedRuleGroupName = (name: string): name is VersionedRuleGroupName =>
  Object.hasOwn(pinnedRuleGroupVersions, name);

/** What WAF takes for a managed rule group's version (its API's `Version`: 1 to 64 of these). */
export const ruleGroupVersionPattern = /^[\w#:.\-/]{1,64}$/;

/**
 * The construct's `wafRuleGroupVersions` over the pinned versions, or what is wrong: a group that
 * is not a versioned one of this web ACL, a version WAF would not take, or versions for a
 * deployment without a WAF.
 */
export function resolveRuleGroupVersions(
  overrides: Readonly<Record<string, unknown>> | undefined,
  waf: boolean,
): {
  readonly versions: Readonly<Record<VersionedRuleGroupName, string>>;
  readonly problems: string[];
} {
  const problems: string[] = [];
  const versions: Record<VersionedRuleGroupName, string> = { ...pinnedRuleGroupVersions };
  if (overrides !== undefined && (typeof overrides !== 'object' || Array.isArray(overrides))) {
    return { versions, problems: ['wafRuleGroupVersions must map rule group names to versions'] };
  }
  if (overrides !== undefined && Object.keys(overrides).length > 0 && !waf) {
    problems.push('wafRuleGroupVersions applies to the web ACL, and this deployment has none');
  }
  for (const [name, version] of Object.entries(overrides ?? {})) {
    if (!isVersionedRuleGroupName(name)) {
      const group = managedRuleGroups.find((choice) => choice.name === name);
      problems.push(
        group?.unversioned === undefined
          ? `wafRuleGroupVersions: '${name}' is not a versioned managed rule group of the web ACL (${Object.keys(pinnedRuleGroupVersions).join(', ')})`
          : `wafRuleGroupVersions: '${name}' has no versions to pin: ${group.unversioned}`,
      );
    } else if (typeof version !== 'string' || !ruleGroupVersionPattern.test(version)) {
      problems.push(
        `wafRuleGroupVersions.${name}: expected a version name such as '${pinnedRuleGroupVersions[name]}', got ${JSON.stringify(version)}`,
      );
    } else {
      versions[name] = version;
    }
  }
  return { versions, problems };
}

const bodyRule = 'inspects the body, which is signed and judged by the Lambda';

/** The AWS managed rule groups used, in evaluation order. */
export const managedRuleGroups: readonly ManagedRuleGroupChoice[] = [
  {
    name: 'AWSManagedRulesAmazonIpReputationList',
    countOnly: {},
    unversioned:
      'AWS does not version the IP reputation groups: their address lists follow its threat intelligence',
  },
  {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    countOnly: {
      JavaDeserializationRCE_BODY: `${bodyRule}; nothing here deserializes Java, and events from scanners and CI quote such payloads as data`,
      Log4JRCE_BODY: `${bodyRule}; nothing here runs Log4j, and event text that quotes an exploit (an issue about Log4Shell) is data`,
    },
  },
  {
    name: 'AWSManagedRulesCommonRuleSet',
    countOnly: {
      SizeRestrictions_BODY: `blocks bodies over 8 KB; deliveries of up to ${maxBodySizeBytes.toLocaleString('en-US')} bytes are valid`,
      CrossSiteScripting_BODY: `${bodyRule}; e-mail, CMS and ticket events carry HTML, which nothing here renders`,
      GenericLFI_BODY: `${bodyRule}; relative file paths are ordinary content of CI and repository events, and nothing here opens one`,
      GenericRFI_BODY: `${bodyRule}; URLs with an IP address are ordinary content of monitoring and self-hosted CI events, and nothing here fetches one`,
      EC2MetaDataSSRF_BODY: `${bodyRule}; cloud security and monitoring events name the metadata address, and the body is never fetched or dereferenced`,
      NoUserAgent_HEADER:
        'blocking would refuse every delivery of a sender that sends no User-Agent and stop no attacker, who sends one; the signature, not the header, authenticates the sender',
    },
    unalarmed: {
      SizeRestrictions_BODY:
        'every delivery over 8 KB matches it (a push event with its commits): its matches are ordinary traffic, and the Lambda answers 413 past the limit',
    },
  },
];

/** The count-only rules whose matches raise the WafCountedMatches alarm. */
export function alarmedCountOnlyRules(): string[] {
  return managedRuleGroups.flatMap((group) =>
    Object.keys(group.countOnly).filter((rule) => !Object.hasOwn(group.unalarmed ?? {}, rule)),
  );
}

/** The count-only rules whose matches raise no alarm (each group's `unalarmed`). */
export function unalarmedCountOnlyRules(): string[] {
  return managedRuleGroups.flatMap((group) => Object.keys(group.unalarmed ?? {}));
}

/** Managed rule groups considered and left out, with why. */
export const excludedRuleGroups: Readonly<Record<string, string>> = {
  AWSManagedRulesAnonymousIpList:
    'HostingProviderIPList blocks cloud and hosting addresses, which is where every webhook sender runs',
  AWSManagedRulesSQLiRuleSet:
    'its body rule would need to count, and nothing behind the API speaks SQL (DynamoDB, SQS)',
  AWSManagedRulesBotControlRuleSet:
    'every webhook sender is a bot by design, and the group is priced per request',
};

export interface IngestWebAclProps {
  /** The stage to protect: `arn:…:apigateway:<region>::/restapis/<id>/stages/<stage>`. */
  readonly stageArn: string;
  readonly logs: LogGroupSettings;
  /** Requests per source address in any five minutes before the address is refused. */
  readonly rateLimitPerFiveMinutes: number;
  /** The version each versioned managed rule group runs. */
  readonly ruleGroupVersions: Readonly<Record<VersionedRuleGroupName, string>>;
  /** The headers that carry a credential, in lower case (infra/credential-headers.ts). */
  readonly credentialHeaders: readonly string[];
  /**
   * The web ACL's name, unique in the account and region, and so its `aws-waf-logs-` log
   * group's: the instance's (infra/outputs.ts `instanceNames`).
   * @default - `<stack name>-ingest`
   */
  readonly name?: string;
}

/**
 * The most headers a logging configuration redacts (`RedactedFields`) and a data protection
 * names (`FieldKeys`): 100 each, in the AWS WAFV2 API reference.
 */
export const maxProtectedHeaders = 100;

export class IngestWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's name: the `WebACL` dimension of its AWS/WAFV2 metrics. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: IngestWebAclProps) {
    super(scope, id);
    this.name = props.name ?? `${Stack.of(this).stackName}-ingest`;
    const metricName = 'WebhookIngestion';
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: this.name,
      scope: 'REGIONAL',
      description: 'Webhook ingestion - sender reputation and rate block, body rules only count',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(metricName),
      customResponseBodies: {
        rateLimited: { contentType: 'APPLICATION_JSON', content: '{"error":"rate_limited"}' },
      },
      rules: [
        rateRule(props.rateLimitPerFiveMinutes),
        ...managedRuleGroups.map((group, index) =>
          managedRule(group, index, props.ruleGroupVersions),
        ),
      ],
      dataProtectionConfig: headerDataProtection(props.credentialHeaders),
    });
    // On the stage, not on an endpoint: a custom domain mapped to the stage
    // (infra/custom-domain.ts) is served by it, so the ACL sees the domain's requests too, and
    // the construct turns the execute-api endpoint off then, leaving no URL around it.
    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF writes only to log groups whose name starts with `aws-waf-logs-`.
    const logGroup = encryptedLogGroup(this, 'LogGroup', props.logs, `aws-waf-logs-${this.name}`);
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the `:*` that CloudFormation's Arn attribute ends with.
      logDestinationConfigs: [
        `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroup.logGroupName}`,
      ],
      redactedFields: redactedHeaders(props.credentialHeaders).map((Name) => ({
        singleHeader: { Name },
      })),
      // Only what the ACL blocked or counted: the allowed traffic is in the access log.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [
              { ActionCondition: { Action: 'BLOCK' } },
              { ActionCondition: { Action: 'COUNT' } },
            ],
          },
        ],
      },
    });
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

/** Refuses one address's flood with 429 and Retry-After, which senders treat as "retry later". */
function rateRule(limit: number): wafv2.CfnWebACL.RuleProperty {
  return {
    name: 'RateLimitPerSourceAddress',
    priority: 0,
    statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
    action: {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'rateLimited',
          responseHeaders: [{ name: 'Retry-After', value: String(retryAfterSeconds) }],
        },
      },
    },
    visibilityConfig: visibility('RateLimitPerSourceAddress'),
  };
}

/**
 * The headers the logging configuration redacts: every credential header while they fit. Past
 * the limit it keeps `authorization` alone, which compliance/checks/ reads, and the web ACL's
 * data protection substitutes every header instead ({@link headerDataProtection}).
 */
export function redactedHeaders(credentialHeaders: readonly string[]): readonly string[] {
  return credentialHeaders.length <= maxProtectedHeaders ? credentialHeaders : ['authorization'];
}

/**
 * The web ACL's data protection: it substitutes `REDACTED` for each credential header wherever
 * WAF keeps request data, its logs, its sampled requests and the details of a rule's match,
 * while a logging configuration's redaction reaches its logs only. Past the limit on named
 * headers it protects every header: no credential is ever kept for want of room.
 */
export function headerDataProtection(
  credentialHeaders: readonly string[],
): wafv2.CfnWebACL.DataProtectionConfigProperty {
  const fits = credentialHeaders.length <= maxProtectedHeaders;
  return {
    dataProtections: [
      {
        field: {
          fieldType: 'SINGLE_HEADER',
          ...(fits ? { fieldKeys: [...credentialHeaders] } : {}),
        },
        action: 'SUBSTITUTION',
        excludeRuleMatchDetails: false,
        excludeRateBasedDetails: false,
      },
    ],
  };
}

function managedRule(
  group: ManagedRuleGroupChoice,
  index: number,
  versions: Readonly<Record<VersionedRuleGroupName, string>>,
): wafv2.CfnWebACL.RuleProperty {
  const countOnly = Object.keys(group.countOnly);
  return {
    name: group.name,
    priority: index + 1,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name: group.name,
        ...(isVersionedRuleGroupName(group.name) ? { version: versions[group.name] } : {}),
        ...(countOnly.length === 0
          ? {}
          : {
              ruleActionOverrides: countOnly.map((name) => ({ name, actionToUse: { count: {} } })),
            }),
      },
    },
    visibilityConfig: visibility(group.name),
  };
}
