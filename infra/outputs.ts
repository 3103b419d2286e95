/**
 * The stack outputs: what the CLI's `--stack` reads (infra/output-names.ts) and
 * what operators and queue consumers need. Names, URLs and ARNs only. And the names of one
 * instance that must differ between instances in one stack, or in one account and region.
 */
import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import { kmsKeys } from '../functions/config/keys.ts';
import { telemetry } from '../functions/config/telemetry.ts';
import {
  instanceNamePattern,
  instanceOutputKey,
  operatorOutputKeys,
  optionalOutputKeys,
  stackOutputKeys,
} from './output-names.ts';

/** An `instanceName` that cannot name outputs, logical ids and aliases, or one used twice. */
export class InstanceNameError extends Error {
  override readonly name = 'InstanceNameError';
}

/**
 * The names of one WebhookIngestion that would collide with another's. The unnamed instance
 * keeps the names every deployment had before instances existed, so that no deployed stack
 * replaces its queues, buckets or aliases; a named one derives each from its stack's name and
 * its own, which together are unique in an account and region.
 */
export interface InstanceNames {
  /** @default - the unnamed instance */
  readonly instanceName?: string;
  /** Before the fixed logical ids (queues, buckets) and the output keys: `''` when unnamed. */
  readonly logicalIdPrefix: string;
  readonly keyAliases: Readonly<Record<keyof typeof kmsKeys, string>>;
  /** The web ACL's name, which its `aws-waf-logs-` log group is named after. */
  readonly webAclName: string;
  /** The ingest handler's EMF namespace, given to it by environment. */
  readonly metricsNamespace: string;
  readonly dashboardName: string;
  /** The folder of the saved Logs Insights queries. */
  readonly queryFolder: string;
  /**
   * The access trail's name (infra/access-trail.ts), one per account and region: fixed, so that
   * its ARN, which the trail's key and bucket policies name, is known before the trail exists.
   */
  readonly trailName: string;
}

/** The names of the instance called `instanceName` (or the unnamed one) in `stackName`. */
export function instanceNames(stackName: string, instanceName?: string): InstanceNames {
  if (instanceName === undefined) {
    return {
      logicalIdPrefix: '',
      keyAliases: {
        secrets: kmsKeys.secrets.alias,
        audit: kmsKeys.audit.alias,
        queue: kmsKeys.queue.alias,
      },
      webAclName: `${stackName}-ingest`,
      metricsNamespace: telemetry.metricsNamespace,
      dashboardName: `${stackName}-audit`,
      queryFolder: stackName,
      trailName: `${stackName}-access`,
    };
  }
  if (!instanceNamePattern.test(instanceName)) {
    throw new InstanceNameError(
      `instanceName '${instanceName}' must be a letter then up to 15 letters or digits (${instanceNamePattern}): it prefixes output keys and logical ids`,
    );
  }
  const qualifier = `${stackName}-${instanceName}`;
  const alias = (dataClass: string) => `alias/webhook-ingestion/${qualifier}/${dataClass}`;
  return {
    instanceName,
    logicalIdPrefix: instanceName,
    keyAliases: { secrets: alias('secrets'), audit: alias('audit'), queue: alias('queue') },
    webAclName: `${qualifier}-ingest`,
    metricsNamespace: `${telemetry.metricsNamespace}/${stackName}/${instanceName}`,
    dashboardName: `${qualifier}-audit`,
    queryFolder: `${stackName}/${instanceName}`,
    trailName: `${qualifier}-access`,
  };
}

/** Every deployment's outputs, and those only some have (`optionalOutputKeys`). */
export type OutputValues = Readonly<
  Record<keyof typeof stackOutputKeys | keyof typeof operatorOutputKeys, string> &
    Partial<Record<keyof typeof optionalOutputKeys, string>>
>;

const descriptions: Required<OutputValues> = {
  registryTableName: 'Provider registry table (webhooks providers … --stack)',
  auditTableName: 'Audit trail table (webhooks audit … --stack)',
  queueUrl: 'Delivery queue that consumers read',
  secretsKeyId: 'KMS key of provider secrets',
  auditKeyId: 'KMS key of audit records and logs',
  apiUrl: 'Base URL of the front: the API stage or the function URL',
  webhookUrlTemplate: 'The URL to give a provider, with its id in place of {providerId}',
  deadLetterQueueUrl: 'Dead-letter queue of the delivery queue',
  payloadBucketName: 'Bucket of bodies too large for a queue message, which the message points to',
  queueArn: 'Delivery queue ARN, for consumer policies',
  secretsKeyArn: 'KMS key ARN of provider secrets',
  auditKeyArn: 'KMS key ARN of audit records and logs',
  queueKeyId: 'KMS key of the delivery queues',
  queueKeyArn: 'KMS key ARN of the delivery queues, for consumer policies',
  alarmTopicArn: 'SNS topic of the alarms',
  complianceProfiles: 'Compliance profiles this stack was synthesized for',
  digestBucketName: "Bucket of the audit trail's signed digests, under Object Lock",
  digestSigningKeyArn: "KMS key ARN that signs the audit trail's digests, to verify them with",
  credentialHeaders:
    'Request headers treated as credentials: redacted by the WAF; providers add refuses any other',
  customDomainTarget:
    "The custom domain's API Gateway regional name: point the domain's CNAME record at it when no hosted zone was given",
  configRuleNames:
    "The AWS Config rules watching the stack's own resources (selfAudit.awsConfigRules), comma-separated",
  accessTrailArn:
    "CloudTrail trail of every access to the stack's tables, queues, buckets and keys (accessTrail)",
  accessTrailBucketName:
    "Bucket of the access trail's log and digest files, under Object Lock (aws cloudtrail validate-logs)",
};

/**
 * One CfnOutput per key, with the key as both logical id and output name: prefixed by the
 * instance's name, so that several instances' outputs fit in one stack and `--instance` finds
 * each one's (cli/target.ts). An optional output without a value is left out.
 */
export function addOutputs(
  scope: Construct & { readonly instanceNames: InstanceNames },
  values: OutputValues,
): void {
  const { instanceName } = scope.instanceNames;
  const keys = { ...stackOutputKeys, ...operatorOutputKeys, ...optionalOutputKeys };
  for (const [name, key] of Object.entries(keys) as [keyof OutputValues, string][]) {
    const value = values[name];
    if (value === undefined) continue;
    const outputKey = instanceOutputKey(key, instanceName);
    new CfnOutput(scope, key, {
      value,
      description: descriptions[name],
    }).overrideLogicalId(outputKey);
  }
}

/** What another WebhookIngestion of the app is checked against. */
export interface InstanceIdentity {
  readonly names: InstanceNames;
  /** Whether it sets the region's `AWS::ApiGateway::Account` (a REST front, and told or default). */
  readonly managesApiGatewayAccount: boolean;
}

/** The mark of a WebhookIngestion, found by symbol so a second copy of the package finds it too. */
const instanceMark = Symbol.for('webhook-ingestion/instance');

/**
 * Marks `instance` as a WebhookIngestion and refuses, naming both, what would collide with one
 * already in the app: a second unnamed instance (fixed aliases and namespace), a name used twice
 * in one stack (outputs and logical ids), a second owner of `AWS::ApiGateway::Account`.
 */
export function markInstance(instance: IConstruct, identity: InstanceIdentity): void {
  const stack = Stack.of(instance);
  const path = (c: IConstruct) => c.node.path;
  for (const other of instance.node.root.node.findAll()) {
    const known = (other as unknown as Record<symbol, InstanceIdentity | undefined>)[instanceMark];
    if (other === instance || known === undefined) continue;
    const name = identity.names.instanceName;
    // Aliases and the account role are per account and region: other ones do not collide.
    if (!mayShareRegion(Stack.of(other), stack)) continue;
    if (name === undefined && known.names.instanceName === undefined) {
      throw new InstanceNameError(
        `${path(instance)}: ${path(other)} is already the unnamed WebhookIngestion of this app, whose key aliases, metric namespace and outputs are fixed; give every other instance an instanceName`,
      );
    }
    if (name !== undefined && name === known.names.instanceName && Stack.of(other) === stack) {
      throw new InstanceNameError(
        `${path(instance)}: ${path(other)} in stack ${stack.stackName} is already instance '${name}'; each instance of a stack needs its own instanceName`,
      );
    }
    if (identity.managesApiGatewayAccount && known.managesApiGatewayAccount) {
      throw new InstanceNameError(
        `${path(instance)}: ${path(other)} already sets the region's AWS::ApiGateway::Account, of which an account and region has one; set manageApiGatewayAccount: false on all instances but one`,
      );
    }
  }
  Object.defineProperty(instance, instanceMark, { value: identity });
}

/** False only when both stacks name their account and region and these differ. */
function mayShareRegion(a: Stack, b: Stack): boolean {
  const known = (value: string) => !Token.isUnresolved(value);
  const differ = (x: string, y: string) => known(x) && known(y) && x !== y;
  return !differ(a.account, b.account) && !differ(a.region, b.region);
}
