/**
 * The regional web ACL in front of the API stage. Webhook bodies are signed bytes that only
 * the Lambda can judge, so no rule may block on what a body contains: a body rule's false
 * positive silently drops a real delivery. Rules that judge the sender (its address, its
 * rate) or the request line and headers block; body-inspecting rules only count, so their
 * matches still show in metrics and logs. docs/compliance.md explains each choice.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { maxBodySizeBytes, retryAfterSeconds } from '../functions/config/limits.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/** A managed rule group in the web ACL, and the rules in it that only count. */
export interface ManagedRuleGroupChoice {
  readonly name: string;
  /** Rules overridden to Count, each with why. */
  readonly countOnly: Readonly<Record<string, string>>;
}

const bodyRule = 'inspects the body, which is signed and judged by the Lambda';

/** The AWS managed rule groups used, in evaluation order. */
export const managedRuleGroups: readonly ManagedRuleGroupChoice[] = [
  { name: 'AWSManagedRulesAmazonIpReputationList', countOnly: {} },
  {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    countOnly: {
      JavaDeserializationRCE_BODY: bodyRule,
      Log4JRCE_BODY: `${bodyRule}; event text that quotes an exploit (an issue about Log4Shell) is data here`,
    },
  },
  {
    name: 'AWSManagedRulesCommonRuleSet',
    countOnly: {
      SizeRestrictions_BODY: `blocks bodies over 8 KB; deliveries of up to ${maxBodySizeBytes.toLocaleString('en-US')} bytes are valid`,
      CrossSiteScripting_BODY: `${bodyRule}; e-mail and CMS events carry HTML`,
      GenericLFI_BODY: `${bodyRule}; file paths are ordinary content of CI and repository events`,
      GenericRFI_BODY: `${bodyRule}; URLs are ordinary content of most events`,
      EC2MetaDataSSRF_BODY: `${bodyRule}; the body is never fetched or dereferenced`,
      NoUserAgent_HEADER: 'some senders send no User-Agent; the signature authenticates them',
    },
  },
];

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
}

export class IngestWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's name: the `WebACL` dimension of its AWS/WAFV2 metrics. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: IngestWebAclProps) {
    super(scope, id);
    this.name = `${Stack.of(this).stackName}-ingest`;
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
      rules: [rateRule(props.rateLimitPerFiveMinutes), ...managedRuleGroups.map(managedRule)],
    });
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
      // Static-credential senders authenticate with this header; never write it to a log.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
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

function managedRule(group: ManagedRuleGroupChoice, index: number): wafv2.CfnWebACL.RuleProperty {
  const countOnly = Object.keys(group.countOnly);
  return {
    name: group.name,
    priority: index + 1,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name: group.name,
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
