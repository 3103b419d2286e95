/**
 * The whole product as one construct: a front (API Gateway REST API with its WAF, HTTP API, or
 * function URL) → the ingest Lambda →
 * the delivery queue, with the registry and audit tables, one KMS key per data class, the
 * alarm topic, the dashboard and alarms, the audit trail's signed digests, and optionally a VPC
 * for the Lambdas. What it deploys
 * follows the compliance profiles (compliance/profiles.ts).
 */
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { applyAcknowledgements } from '../compliance/acknowledgements.ts';
import { retentionClasses } from '../functions/config/retention.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { complianceProfilesOutputKey } from '../functions/profile-guard/resource.ts';
import { AccessTrail } from './access-trail.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { AuditDigests } from './audit-digests.ts';
import { AuditBackups } from './backup.ts';
import { type AddConsumerOptions, ConsumerWiring, checkConsumerFits } from './consumer.ts';
import { credentialHeadersOutputValue } from './credential-headers.ts';
import { IngestCustomDomain } from './custom-domain.ts';
import { DeploymentGrants } from './grants.ts';
import { type AnyIngestFront, ingestFront } from './ingest-front.ts';
import { IngestFunction } from './ingest-function.ts';
import { alarmOnKeyChanges } from './key-change-alarm.ts';
import { deploymentKeys, guardKeys } from './key-guard.ts';
import { DataKeys } from './keys.ts';
import type { LogGroupSettings } from './log-groups.ts';
import { type OutcomeMetricOptions, outcomeMetric, queueMetric } from './metrics.ts';
import { IngestNetwork } from './network.ts';
import { IngestObservability } from './observability/index.ts';
import { instanceOutputKey } from './output-names.ts';
import { addOutputs, type InstanceNames, instanceNames, markInstance } from './outputs.ts';
import { PayloadBucket } from './payload-bucket.ts';
import { ProfileGuard } from './profile-guard.ts';
import { DeliveryQueues, expireBodiesWithin } from './queues.ts';
import { SelfAudit } from './self-audit.ts';
import { type DeploymentSettings, resolveSettings } from './settings.ts';
import { SourceRangeRefresher } from './source-range-refresher.ts';
import { applyTableRemoval, definedTable } from './tables.ts';
import { IngestWebAcl } from './waf.ts';
import type { WebhookIngestionProps } from './webhook-ingestion-props.ts';

/** Deployable webhook ingestion; see docs/architecture.md and docs/compliance.md. */
export class WebhookIngestion extends Construct {
  readonly settings: DeploymentSettings;
  /** What tells this instance apart from others (`instanceName`): infra/outputs.ts. */
  readonly instanceNames: InstanceNames;
  readonly keys: DataKeys;
  readonly registryTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly queues: DeliveryQueues;
  /** Bodies too large for a queue message, under the queue key. */
  readonly payloadBucket: PayloadBucket;
  readonly ingest: IngestFunction;
  /** The front the settings chose: its `kind` is `settings.front`. */
  readonly front: AnyIngestFront;
  readonly alarmTopic: AlarmTopic;
  readonly observability: IngestObservability;
  /**
   * The audit trail's digests, signed and kept under Object Lock as long as delivery audit
   * records (infra/audit-digests.ts, ops/integrity/): in every profile.
   */
  readonly digests: AuditDigests;
  /**
   * Refreshes providers' published source ranges daily, outside the VPC
   * (infra/source-range-refresher.ts): in every deployment; one Scan a day when no provider
   * uses a published list.
   */
  readonly sourceRefresher: SourceRangeRefresher;
  /**
   * The scheduled self-audit, daily by default, outside the VPC (infra/self-audit.ts): in every
   * profile; its AWS Config rules with `selfAudit.awsConfigRules`.
   */
  readonly selfAudit: SelfAudit;
  /** @default - undefined when `settings.waf` is off */
  readonly webAcl?: IngestWebAcl;
  /**
   * The custom domain, its certificate, mapping and records (infra/custom-domain.ts).
   * @default - undefined without the `customDomain` prop
   */
  readonly customDomain?: IngestCustomDomain;
  /** @default - undefined when `settings.vpcPlacement` is off */
  readonly network?: IngestNetwork;
  /**
   * Daily copies of the audit and registry tables in a locked vault, kept as long as delivery
   * audit records (infra/backup.ts, docs/restore.md).
   * @default - undefined when `settings.backupPlan` is off
   */
  readonly backups?: AuditBackups;
  /**
   * The CloudTrail trail of every access to the tables, queues, digest and payload buckets and
   * keys (infra/access-trail.ts), to a locked bucket under a key of its own.
   * @default - undefined when `settings.accessTrail` is off: on under pci-dss and hipaa
   */
  readonly accessTrail?: AccessTrail;
  /** The consumer's wiring, once `addConsumer` has been called. */
  consumer?: ConsumerWiring;
  /**
   * Fails a deploy that would drop a compliance profile the stack follows, before anything else
   * of the construct changes (infra/profile-guard.ts): in every profile.
   */
  readonly profileGuard: ProfileGuard;
  /**
   * Notifies the alarm topic of every key policy change and every attempt to disable or delete
   * a key of the deployment (infra/key-change-alarm.ts): in every profile.
   */
  readonly keyChanges: events.Rule;
  /** `settings.removalPolicy` as CloudFormation's, for the consumer table `addConsumer` adds. */
  readonly #removalPolicy: RemovalPolicy;
  /** The grant methods' policies (infra/grants.ts); it reads the construct only when asked. */
  readonly #grants = new DeploymentGrants(this);

  constructor(scope: Construct, id: string, props: WebhookIngestionProps = {}) {
    super(scope, id);
    this.settings = resolveSettings(props);
    const settings = this.settings;
    this.instanceNames = instanceNames(Stack.of(this).stackName, props.instanceName);
    const names = this.instanceNames;
    const managesApiGatewayAccount =
      settings.front === 'rest' &&
      (props.manageApiGatewayAccount ?? props.instanceName === undefined);
    markInstance(this, { names, managesApiGatewayAccount });
    // What `cdk destroy` does to the data (docs/teardown.md): DESTROY on baseline only.
    this.#removalPolicy =
      settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const removalPolicy = this.#removalPolicy;
    this.keys = new DataKeys(this, 'Keys', removalPolicy, names.keyAliases, props.keyCustodians);
    const logs: LogGroupSettings = {
      key: this.keys.audit,
      retentionDays: settings.logRetentionDays,
      removalPolicy,
    };
    this.profileGuard = new ProfileGuard(this, 'ProfileGuard', {
      profiles: settings.profiles,
      allowDowngrade: props.allowProfileDowngrade ?? false,
      logs,
      ...(props.instanceName === undefined
        ? {}
        : { outputKey: instanceOutputKey(complianceProfilesOutputKey, props.instanceName) }),
    });

    // The registry sits under the secrets key: it holds the provider keys' ciphertexts, so
    // one key policy decides both who reads provider configuration and who decrypts keys.
    this.registryTable = definedTable(this, 'RegistryTable', registryTable, this.keys.secrets);
    this.auditTable = definedTable(
      this,
      'AuditTable',
      auditTable,
      this.keys.audit,
      settings.auditWarmWriteUnitsPerSecond,
    );
    for (const table of [this.registryTable, this.auditTable]) {
      applyTableRemoval(table, removalPolicy);
    }
    if (settings.backupPlan) {
      this.backups = new AuditBackups(this, 'Backups', {
        auditTable: this.auditTable,
        registryTable: this.registryTable,
        auditKey: this.keys.audit,
        secretsKey: this.keys.secrets,
        retentionDays: retentionClasses[settings.deliveryAuditFloor].auditDays,
      });
    }
    this.queues = new DeliveryQueues(
      this,
      'Queues',
      this.keys.queue,
      names.logicalIdPrefix,
      settings.deliveryQueue,
    );
    this.payloadBucket = new PayloadBucket(this, 'Payloads', this.keys.queue, {
      removalPolicy,
      logs,
      logicalIdPrefix: names.logicalIdPrefix,
    });
    // Large bodies expire within the queue's retention, when deliveryQueue shortens it.
    expireBodiesWithin(this.payloadBucket.bucket, settings.deliveryQueue.retentionSeconds);

    if (settings.vpcPlacement) {
      this.network = new IngestNetwork(this, 'Network', {
        logs,
        tables: [this.registryTable, this.auditTable],
        queue: this.queues.queue,
        payloadBucket: this.payloadBucket.bucket,
        keys: [this.keys.secrets, this.keys.audit],
        ...(props.vpc === undefined ? {} : { vpc: props.vpc }),
        ...(props.vpcSubnets === undefined ? {} : { vpcSubnets: props.vpcSubnets }),
      });
    }
    this.ingest = new IngestFunction(this, 'Ingest', {
      keys: this.keys,
      registryTable: this.registryTable,
      auditTable: this.auditTable,
      queue: this.queues.queue,
      payloadBucket: this.payloadBucket,
      logs,
      ...(settings.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: settings.reservedConcurrency }),
      retentionFloor: settings.deliveryAuditFloor,
      payloadCopyCeiling: settings.payloadCopyCeiling,
      tracing: settings.tracing,
      metricsNamespace: names.metricsNamespace,
      memoryMiB: settings.ingestMemoryMiB,
      architecture: settings.ingestArchitecture,
      ...(this.network === undefined ? {} : { network: this.network.placement }),
    });
    this.front = ingestFront(this, {
      settings,
      handler: this.ingest.function,
      logs,
      manageAccountLoggingRole: managesApiGatewayAccount,
      ...(props.customDomain === undefined
        ? {}
        : { customDomainName: props.customDomain.domainName }),
    });
    if (props.customDomain !== undefined) {
      this.customDomain = new IngestCustomDomain(this, 'CustomDomain', {
        ...props.customDomain,
        front: this.front,
      });
    }
    // resolveSettings refuses a WAF on any front but a REST API.
    if (settings.waf && this.front.kind === 'rest') {
      this.webAcl = new IngestWebAcl(this, 'Waf', {
        stageArn: this.front.stageArn,
        logs,
        rateLimitPerFiveMinutes: settings.wafRateLimitPerFiveMinutes,
        ruleGroupVersions: settings.wafRuleGroupVersions,
        credentialHeaders: settings.credentialHeaders,
        name: names.webAclName,
      });
    }
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      key: this.keys.audit,
      ...(props.alarmEmail === undefined ? {} : { email: props.alarmEmail }),
      ...(props.alarmTopic === undefined ? {} : { topic: props.alarmTopic }),
    });
    this.observability = new IngestObservability(this, 'Observability', {
      ingestFunction: this.ingest.function,
      ingestLogGroup: this.ingest.logGroup,
      api: this.front.metrics,
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      tables: [this.registryTable, this.auditTable],
      alarmTopic: this.alarmTopic.topic,
      logsKey: this.keys.audit,
      metricsNamespace: names.metricsNamespace,
      dashboardName: settings.dashboardName ?? names.dashboardName,
      queryFolder: names.queryFolder,
      ...(this.webAcl === undefined ? {} : { webAcl: { name: this.webAcl.name } }),
      ...(props.alarms === undefined ? {} : { alarmThresholds: props.alarms }),
      ...(settings.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: settings.reservedConcurrency }),
    });
    // After the ingest function: the compliance rules take the first function that names the
    // audit table for the ingest function, and this one names it too.
    this.digests = new AuditDigests(this, 'Digests', {
      auditTable: this.auditTable,
      registryTable: this.registryTable,
      auditKey: this.keys.audit,
      secretsKey: this.keys.secrets,
      retentionDays: retentionClasses[settings.deliveryAuditFloor].auditDays,
      logs,
      tracing: settings.tracing,
      ...(this.network === undefined ? {} : { network: this.network }),
      alarmTopic: this.alarmTopic.topic,
      dashboard: this.observability.dashboard,
      removalPolicy,
      logicalIdPrefix: names.logicalIdPrefix,
    });
    if (settings.accessTrail) {
      this.accessTrail = new AccessTrail(this, 'AccessTrail', {
        trailName: names.trailName,
        tables: [this.auditTable, this.registryTable],
        queues: [this.queues.queue, this.queues.deadLetterQueue],
        buckets: [this.digests.bucket, this.payloadBucket.bucket],
        logs,
        logicalIdPrefix: names.logicalIdPrefix,
      });
    }
    this.sourceRefresher = new SourceRangeRefresher(this, 'SourceRefresher', {
      registryTable: this.registryTable,
      auditTable: this.auditTable,
      secretsKey: this.keys.secrets,
      auditKey: this.keys.audit,
      logs,
      tracing: settings.tracing,
      alarmTopic: this.alarmTopic.topic,
      dashboard: this.observability.dashboard,
      metricsNamespace: names.metricsNamespace,
    });
    // After the ingest and digest functions: the compliance rules take the first function naming
    // the audit table for the ingest function and the first naming the digest bucket for the
    // digest writer, and this one names both.
    this.selfAudit = new SelfAudit(this, 'SelfAudit', {
      settings: settings.selfAudit,
      profiles: settings.profiles,
      registryTable: this.registryTable,
      auditTable: this.auditTable,
      keys: this.keys,
      queues: [this.queues.queue, this.queues.deadLetterQueue],
      digests: this.digests,
      logs,
      tracing: settings.tracing,
      alarmTopic: this.alarmTopic.topic,
      dashboard: this.observability.dashboard,
      metricsNamespace: names.metricsNamespace,
      ...(props.instanceName === undefined ? {} : { instanceName: props.instanceName }),
      configTargets: {
        tables: [this.registryTable, this.auditTable],
        tableKeyArns: [this.keys.secrets.keyArn, this.keys.audit.keyArn],
        keyIds: [
          this.keys.secrets.keyId,
          this.keys.audit.keyId,
          this.keys.queue.keyId,
          this.digests.signingKey.keyId,
        ],
        buckets: [this.payloadBucket.bucket, this.digests.bucket],
        functionsInVpc:
          this.network === undefined ? [] : [this.ingest.function, this.digests.function],
        ...(this.webAcl !== undefined && this.front.kind === 'rest'
          ? { wafStage: this.front.api.deploymentStage }
          : {}),
      },
    });

    // Last of the resources: the guard and the rule cover every key made before them.
    const keys = deploymentKeys(this, this.keys.all);
    if (props.keyGuard !== undefined) guardKeys(keys, props.keyGuard);
    this.keyChanges = alarmOnKeyChanges(this, { keys, alarmTopic: this.alarmTopic });

    addOutputs(this, {
      registryTableName: this.registryTable.tableName,
      auditTableName: this.auditTable.tableName,
      queueUrl: this.queues.queue.queueUrl,
      payloadBucketName: this.payloadBucket.bucket.bucketName,
      secretsKeyId: this.keys.secrets.keyId,
      auditKeyId: this.keys.audit.keyId,
      apiUrl: this.front.baseUrl,
      webhookUrlTemplate: this.front.webhookUrlTemplate,
      deadLetterQueueUrl: this.queues.deadLetterQueue.queueUrl,
      queueArn: this.queues.queue.queueArn,
      secretsKeyArn: this.keys.secrets.keyArn,
      auditKeyArn: this.keys.audit.keyArn,
      queueKeyId: this.keys.queue.keyId,
      queueKeyArn: this.keys.queue.keyArn,
      alarmTopicArn: this.alarmTopic.topic.topicArn,
      complianceProfiles: settings.profiles.join(','),
      digestBucketName: this.digests.bucket.bucketName,
      digestSigningKeyArn: this.digests.signingKey.keyArn,
      credentialHeaders: credentialHeadersOutputValue(settings.credentialHeaders),
      ...(this.customDomain === undefined ? {} : { customDomainTarget: this.customDomain.target }),
      ...(this.accessTrail === undefined
        ? {}
        : {
            accessTrailArn: this.accessTrail.trail.attrArn,
            accessTrailBucketName: this.accessTrail.bucket.bucketName,
          }),
      ...(this.selfAudit.configRuleNames.length === 0
        ? {}
        : { configRuleNames: Fn.join(',', [...this.selfAudit.configRuleNames]) }),
    });
    applyAcknowledgements(this);
  }

  /**
   * Runs `fn` for every accepted delivery, exactly once per provider and delivery id: `fn`'s
   * handler is `createConsumer(...)` (the `webhook-ingestion/consumer` export). This adds the
   * consumer table (encrypted, with TTL) and names it in `fn`'s environment, gives `fn`'s role
   * one managed policy for the queue, the large bodies and the table, maps the queue to `fn`
   * with partial batch responses, and adds alarms and a dashboard row. One consumer per
   * deployment: the queue hands each message to one reader, so a second would take deliveries
   * from the first. See docs/consumer.md.
   * @example
   * ingestion.addConsumer(onDelivery, { batchSize: 10, maxConcurrency: 5 });
   */
  addConsumer(fn: lambda.Function, options: AddConsumerOptions = {}): ConsumerWiring {
    if (this.consumer !== undefined) {
      throw new Error(
        `addConsumer: ${this.node.path} already has a consumer (${this.consumer.node.path}); the queue hands each delivery to one reader, so route by provider and event type inside one createConsumer handler instead`,
      );
    }
    checkConsumerFits(fn, options, this.settings.deliveryQueue.visibilityTimeoutSeconds);
    // The wiring names its table in `fn`'s environment and maps the queue to `fn`: across
    // stacks, each would depend on the other.
    if (Stack.of(fn) !== Stack.of(this)) {
      throw new Error(
        `addConsumer: ${fn.node.path} is in another stack than ${this.node.path}; create the consumer function in ${Stack.of(this).stackName}`,
      );
    }
    if (this.network !== undefined && !fn.isBoundToVpc) {
      throw new Error(
        `addConsumer: this deployment's profiles place its functions in a VPC (${this.settings.profiles.join(', ')}); create ${fn.node.path} with \`...ingestion.consumerPlacement()\` among its props`,
      );
    }
    this.consumer = new ConsumerWiring(this, 'Consumer', fn, {
      ...options,
      queue: this.queues.queue,
      queueKey: this.keys.queue,
      payloadBucket: this.payloadBucket.bucket,
      tableKey: this.keys.audit,
      alarmTopic: this.alarmTopic.topic,
      dashboard: this.observability.dashboard,
    });
    applyTableRemoval(this.consumer.table, this.#removalPolicy);
    // With `keyCustodians.consumerRoleArns`, the queue key names the function's role too.
    if (fn.role !== undefined) this.keys.addDeliveryReader(fn.role);
    if (this.network !== undefined) {
      // The function's own calls, from the isolated subnets: its runs, and large bodies. SQS is
      // polled, and its messages deleted, by the event source mapping outside the VPC.
      this.network.allowThrough(
        'dynamodb',
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        [this.consumer.table.tableArn],
      );
      this.network.allowThrough(
        's3',
        ['s3:GetObject'],
        [this.payloadBucket.bucket.arnForObjects('*')],
      );
    }
    applyAcknowledgements(this, this.consumer);
    return this.consumer;
  }

  /**
   * The network props a consumer function needs where the profiles place functions in a VPC
   * (pci-dss, hipaa): the deployment's isolated subnets and the security group that reaches its
   * endpoints. Empty elsewhere, so a function's props can always spread it.
   * @example
   * new NodejsFunction(stack, 'OnDelivery', { entry: 'handler.ts', ...ingestion.consumerPlacement() });
   */
  consumerPlacement(): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    if (this.network === undefined) return {};
    const { vpc, subnets, securityGroup } = this.network.placement;
    return { vpc, vpcSubnets: subnets, securityGroups: [securityGroup] };
  }

  /**
   * Lets `grantee` receive, delete and read deliveries from the delivery queue and fetch their
   * large bodies: a managed policy of the deployment's stack, which `grantee`'s role lists,
   * whose key statements are bound to SQS and S3 for this queue and bucket. Adds nothing to a
   * key policy, so `grantee` may be in another stack (where `queue.grantConsumeMessages` and
   * `SqsEventSource` make a cycle). Map the queue with an `EventSourceMapping` and
   * `grant.applyBefore(mapping)`: docs/consumer.md, "From another stack". With
   * `keyCustodians.consumerRoleArns`, `grantee`'s role must be named there (GrantError).
   */
  grantConsumeDeliveries(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.grant('consumeDeliveries', grantee);
  }

  /** Lets `grantee` read the audit trail, but not its encrypted fields, and record each read. */
  grantReadAuditRecords(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.grant('readAuditRecords', grantee);
  }

  /**
   * As `grantReadAuditRecords`, and decrypt the records' fields: payload copies and headers.
   * With `keyCustodians.auditorRoleArns`, `grantee` must be a role named there (GrantError).
   */
  grantReadPayloadCopies(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.grant('readPayloadCopies', grantee);
  }

  /** Lets `grantee` register, rotate and remove providers (never decrypt their keys). */
  grantAdministerProviders(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.grant('administerProviders', grantee);
  }

  /**
   * Lets `grantee` carry out erasure requests (`webhooks audit erase`): remove records' personal
   * fields, delete payload copies and bodies, write receipts. The only grant that may change or
   * delete an audit record; the ingest function cannot (docs/audit-integrity.md).
   */
  grantEraseSubjects(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.grant('eraseSubjects', grantee);
  }

  /** The managed policy of each grant made so far (infra/grants.ts). */
  get grantPolicies(): DeploymentGrants['policies'] {
    return this.#grants.policies;
  }

  /** Deliveries accepted (202), per 5 minutes: every provider, or per `groupBy`. */
  metricAccepted(options?: OutcomeMetricOptions): cloudwatch.MathExpression {
    return outcomeMetric('accepted', options, this.instanceNames.metricsNamespace);
  }

  /** Deliveries rejected (401): a signature that did not verify, an unknown provider. */
  metricRejected(options?: OutcomeMetricOptions): cloudwatch.MathExpression {
    return outcomeMetric('rejected', options, this.instanceNames.metricsNamespace);
  }

  /** Repeats of a delivery already accepted, answered 200 and not queued again. */
  metricDuplicates(options?: OutcomeMetricOptions): cloudwatch.MathExpression {
    return outcomeMetric('duplicate', options, this.instanceNames.metricsNamespace);
  }

  /** Requests answered 503 because KMS, DynamoDB or SQS failed (`groupBy: ['reason']` names it). */
  metricDependencyFailures(options?: OutcomeMetricOptions): cloudwatch.MathExpression {
    return outcomeMetric('unavailable', options, this.instanceNames.metricsNamespace);
  }

  /** Deliveries waiting on the queue (maximum per 5 minutes). */
  metricQueueDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return queueMetric(this.queues.queue, 'visibleMessages', props);
  }

  /** The age of the oldest delivery on the queue, in seconds: a stalled consumer shows here. */
  metricQueueAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return queueMetric(this.queues.queue, 'oldestMessageAge', props);
  }

  /** Deliveries on the dead-letter queue (maximum per 5 minutes). */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return queueMetric(this.queues.deadLetterQueue, 'visibleMessages', props);
  }
}
